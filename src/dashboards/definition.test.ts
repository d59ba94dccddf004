import { describe, expect, it } from 'vitest';
import { checkDefinition, isDay, placeCharts } from './definition.js';

const chart = (extra: Record<string, unknown> = {}) => ({ id: 'c1', title: 'C', type: 'line', sql: 'SELECT 1', encoding: { x: 'a', y: 'b' }, ...extra });
const fields = (raw: unknown) => checkDefinition(raw).problems.map((p) => p.field);

describe('dashboard definitions', () => {
  it('accepts a minimal definition and fills in title, y as a list and the layout', () => {
    const { definition, problems } = checkDefinition({ name: 'd', charts: [chart(), chart({ id: 'c2', encoding: { x: 'a', y: ['b', 'c'] } })] });
    expect(problems).toEqual([]);
    expect(definition).toMatchObject({ name: 'd', title: 'd', description: null, filters: [] });
    expect(definition!.charts.map((c) => [c.encoding.y, c.layout])).toEqual([
      [['b'], { x: 0, y: 0, w: 6, h: 4 }],
      [['b', 'c'], { x: 6, y: 0, w: 6, h: 4 }],
    ]);
  });

  it('lists every problem with its field', () => {
    expect(fields(null)).toEqual(['definition']);
    expect(fields({ name: '-x', extra: 1, charts: 'no' })).toEqual(['extra', 'name', 'charts']);
    expect(fields({ name: 'new', charts: [chart()] })).toEqual(['name']);
    expect(
      fields({
        name: 'd',
        filters: [{ type: 'date-range', column: 'dt', from: '2024-13-01' }, { type: 'values', column: 'dt' }, { type: 'values', column: 'r', values: [{}] }],
        charts: [
          chart({ encoding: { x: 'a' } }),
          chart({ id: 'c1' }),
          chart({ id: 'h', type: 'histogram', encoding: { x: 'a', y: 'b', bins: 0 } }),
          chart({ id: 'k', type: 'kpi', encoding: { value: 'v' }, layout: { x: 0, y: 0, w: 13, h: 1 } }),
          chart({ id: 's', encoding: { x: 'a', y: ['b', 'c'], series: 'd' } }),
          chart({ id: 'p', type: 'pie' }),
        ],
      }),
    ).toEqual([
      'filters[0].from',
      'filters[1].column',
      'filters[2].values[0]',
      'charts[0].encoding.y',
      'charts[1].id',
      'charts[2].encoding.y',
      'charts[2].encoding.bins',
      'charts[3].layout.w',
      'charts[4].encoding.series',
      'charts[5].type',
    ]);
  });

  it('refuses overlapping layouts and a chart wider than the grid', () => {
    expect(
      fields({
        name: 'd',
        charts: [chart({ layout: { x: 0, y: 0, w: 6, h: 2 } }), chart({ id: 'c2', layout: { x: 5, y: 1, w: 2, h: 2 } }), chart({ id: 'c3', layout: { x: 8, y: 0, w: 6, h: 1 } })],
      }),
    ).toEqual(['charts[1].layout', 'charts[2].layout.w']);
  });

  it('places unplaced charts below the placed ones, two to a row', () => {
    expect(placeCharts([{ x: 0, y: 0, w: 12, h: 3 }, undefined, undefined, undefined])).toEqual([
      { x: 0, y: 0, w: 12, h: 3 },
      { x: 0, y: 3, w: 6, h: 4 },
      { x: 6, y: 3, w: 6, h: 4 },
      { x: 0, y: 7, w: 6, h: 4 },
    ]);
  });

  it('knows real days', () => {
    expect(['2024-02-29', '2023-12-31'].every(isDay)).toBe(true);
    expect(['2023-02-29', '2024-1-01', '2024-01-01T00:00', ''].some(isDay)).toBe(false);
  });
});
