import { describe, expect, it } from 'vitest';
import { groupMetrics } from './metric-groups';

const at = (name: string, value: number, step: number | null) => ({ name, value, step, timestamp: '2026-01-01T00:00:00Z' });

describe('groupMetrics', () => {
  it('puts one measure on its channels in one chart, ordered by step', () => {
    const groups = groupMetrics([at('train:rmse', 3, 1), at('train:rmse', 4, 0), at('validation:rmse', 5, 0), at('loss', 1, null), at('loss', 0.5, null)]);
    expect(groups.map((g) => g.title)).toEqual(['rmse', 'loss']);
    expect(groups[0].series.map((s) => s.name)).toEqual(['train:rmse', 'validation:rmse']);
    expect(groups[0].series[0].points).toEqual([{ x: 0, y: 4 }, { x: 1, y: 3 }]);
    // Points without a step are numbered in arrival order.
    expect(groups[1].series[0].points).toEqual([{ x: 0, y: 1 }, { x: 1, y: 0.5 }]);
  });
});
