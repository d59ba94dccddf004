import { describe, expect, it } from 'vitest';
import { decodeBlock, encodeBlock, shardBlocks, type Block } from './blocks.js';
import { DEFAULT_FILLING, relatedOf, seriesOf, targetOf } from './series.js';

function block(): Block {
  // Item a: grid 10..14 with a gap at 12; related rows at 11..13 (13 missing) for one column.
  return {
    header: {
      version: 1,
      items: [
        { item: 'a', first: 10, length: 5, offset: 0, rel: { first: 11, length: 3, offset: 0 }, cat: [2] },
        { item: 'b', first: 0, length: 2, offset: 5 },
      ],
      related: ['price'],
      targetLength: 7,
      relatedLength: 3,
    },
    target: Float64Array.from([1, 2, NaN, 4, 5, 7, 8]),
    related: [Float64Array.from([10, 20, NaN])],
  };
}

describe('stored series', () => {
  it('round-trips a block through its binary form', () => {
    const b = decodeBlock(encodeBlock(block()));
    expect(b.header.items.map((i) => i.item)).toEqual(['a', 'b']);
    expect(Array.from(b.target)).toEqual([1, 2, NaN, 4, 5, 7, 8]);
    expect(Array.from(b.related[0])).toEqual([10, 20, NaN]);
  });

  it('fills target gaps per the filling option', () => {
    const b = block();
    const a = b.header.items[0];
    expect(Array.from(targetOf(b, a, DEFAULT_FILLING))).toEqual([1, 2, 0, 4, 5]);
    expect(Array.from(targetOf(b, a, { ...DEFAULT_FILLING, target: 'nan' }))).toEqual([1, 2, NaN, 4, 5]);
    expect(Array.from(targetOf(b, a, { ...DEFAULT_FILLING, target: 'value:-1' }))).toEqual([1, 2, -1, 4, 5]);
    // The stored block is untouched.
    expect(Number.isNaN(b.target[2])).toBe(true);
  });

  it('fills related series at the front, in the middle and at the back', () => {
    const b = block();
    const a = b.header.items[0];
    // Grid 10..16 (history 10..14 and a horizon of 2): 10 is before the first related row,
    // 13 is a gap, 14..16 come after the last related row.
    const filling = { target: 'zero', frontfill: 'value:1', middlefill: 'mean', backfill: 'max' };
    expect(Array.from(relatedOf(b, a, 0, 7, filling))).toEqual([1, 10, 20, 15, 20, 20, 20]);
    // Left unfilled, missing values reach the models as 0.
    expect(Array.from(relatedOf(b, a, 0, 7, DEFAULT_FILLING))).toEqual([0, 10, 20, 0, 0, 0, 0]);
  });

  it('builds a model series with times over the horizon', () => {
    const b = block();
    const s = seriesOf(b, b.header.items[1], { frequency: 'D', anchorMs: Date.UTC(2024, 0, 1), horizon: 3, filling: DEFAULT_FILLING });
    expect(Array.from(s.y)).toEqual([7, 8]);
    expect(s.times.length).toBe(5);
    expect(new Date(s.times[4]).toISOString()).toBe('2024-01-05T00:00:00.000Z');
    expect(s.related?.[0].length).toBe(5);
  });

  it('splits blocks across shards without gaps or overlaps', () => {
    const parts = [0, 1, 2].map((s) => shardBlocks(7, 3, s));
    expect(parts).toEqual([{ from: 0, to: 2 }, { from: 2, to: 4 }, { from: 4, to: 7 }]);
  });
});
