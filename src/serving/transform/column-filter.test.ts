import { describe, expect, it } from 'vitest';
import { isOrchardError } from '../../core/index.js';
import { parseColumnFilter, readColumnFilter, selectColumns } from './column-filter.js';

const joined = ['id', 'w1', 'w2', 'w3', 'prediction_0', 'prediction_1'];

function refusal(run: () => unknown): { code: string; message: string; details: Record<string, unknown> } {
  try {
    run();
  } catch (err) {
    if (!isOrchardError(err)) throw err;
    return { code: err.code, message: err.message, details: err.details as Record<string, unknown> };
  }
  throw new Error('expected a refusal');
}

describe('column filters (SageMaker InputFilter / OutputFilter)', () => {
  it('picks every column, slices and lists, negatives from the end, in the filter order', () => {
    expect(parseColumnFilter(undefined, joined, 'outputFilter')).toEqual(joined);
    expect(parseColumnFilter('$', joined, 'outputFilter')).toEqual(joined);
    expect(parseColumnFilter('$[1:]', ['y', 'a', 'b'], 'inputFilter')).toEqual(['a', 'b']);
    expect(parseColumnFilter('$[0,-1]', joined, 'outputFilter')).toEqual(['id', 'prediction_1']);
    expect(parseColumnFilter('$[-1, 0]', joined, 'outputFilter')).toEqual(['prediction_1', 'id']);
    expect(parseColumnFilter('$[-2:]', joined, 'outputFilter')).toEqual(['prediction_0', 'prediction_1']);
    expect(parseColumnFilter('$[:2]', joined, 'outputFilter')).toEqual(['id', 'w1']);
    expect(parseColumnFilter('$[1:-2]', joined, 'outputFilter')).toEqual(['w1', 'w2', 'w3']);
    // Indexes and slices together, in the order written (SageMaker's '$[0,5:]').
    expect(parseColumnFilter('$[0,4:]', joined, 'outputFilter')).toEqual(['id', 'prediction_0', 'prediction_1']);
    expect(parseColumnFilter('$[-1,1:3]', joined, 'outputFilter')).toEqual(['prediction_1', 'w1', 'w2']);
    expect(parseColumnFilter('$[:]', joined, 'outputFilter')).toEqual(joined);
    // A slice past the end stops at it, as Python's and SageMaker's do.
    expect(parseColumnFilter('$[4:99]', joined, 'outputFilter')).toEqual(['prediction_0', 'prediction_1']);
  });

  it('reads the grammar before the columns are known', () => {
    expect(readColumnFilter(null, 'outputFilter')).toEqual({ kind: 'all' });
    expect(readColumnFilter('$[0,-1]', 'outputFilter')).toEqual({ kind: 'pick', parts: [{ index: 0 }, { index: -1 }] });
    expect(readColumnFilter('$[-3:]', 'outputFilter')).toEqual({ kind: 'pick', parts: [{ start: -3, end: null }] });
    expect(readColumnFilter('$[0, 5:]', 'outputFilter')).toEqual({ kind: 'pick', parts: [{ index: 0 }, { start: 5, end: null }] });
    for (const text of ['cols 1-3', '$.id', '$[a]', '$[1,]', '$[1:2:3]', '[0]', '$[0]x', '$[-:]', '$[]', "$['id']"]) {
      const r = refusal(() => readColumnFilter(text, 'outputFilter'));
      expect(r.code, text).toBe('ORCH_TRANSFORM_INVALID');
      expect(r.message, text).toContain("Invalid output filter");
      expect(r.details.errors, text).toEqual([expect.objectContaining({ field: 'outputFilter', code: 'ORCH_TRANSFORM_INVALID' })]);
    }
    // Empty whatever the row's width: refused at once; a slice across signs depends on the width.
    expect(refusal(() => readColumnFilter('$[3:1]', 'outputFilter')).message).toContain('selects no columns');
    expect(refusal(() => readColumnFilter('$[-1:-2]', 'outputFilter')).message).toContain('selects no columns');
    expect(refusal(() => readColumnFilter('$[2:2]', 'outputFilter')).message).toContain('selects no columns');
    expect(refusal(() => readColumnFilter('$[0,4:2]', 'outputFilter')).message).toContain('the slice 4:2 selects no columns');
    expect(readColumnFilter('$[-2:1]', 'outputFilter')).toEqual({ kind: 'pick', parts: [{ start: -2, end: 1 }] });
  });

  it('refuses an index outside the row, an empty pick and, for the output, a column twice, naming the field', () => {
    const outside = refusal(() => parseColumnFilter('$[0,6]', joined, 'outputFilter'));
    expect(outside.code).toBe('ORCH_TRANSFORM_INVALID');
    expect(outside.message).toBe("Invalid output filter '$[0,6]' (outputFilter): column 6 is outside 0..5 (6 columns: id, w1, w2, w3, prediction_0, prediction_1)");
    expect(outside.details).toMatchObject({ field: 'outputFilter', filter: '$[0,6]' });
    expect(refusal(() => parseColumnFilter('$[-7]', joined, 'outputFilter')).message).toContain('column -7 is outside 0..5');
    expect(refusal(() => parseColumnFilter('$[9]', ['a', 'b'], 'inputFilter')).message).toMatch(/^Invalid input filter '\$\[9\]' \(inputFilter\): column 9/);
    // A slice's start before the row is clamped to it, as a list index is not.
    expect(selectColumns(readColumnFilter('$[-9:1]', 'outputFilter'), joined, 'outputFilter', '$[-9:1]')).toEqual(['id']);
    expect(refusal(() => parseColumnFilter('$[-2:1]', joined, 'outputFilter')).message).toContain('selects no columns');
    expect(refusal(() => parseColumnFilter('$[0,-6]', joined, 'outputFilter')).message).toContain('picks column id twice');
    // A feature may be read twice (the input filter keeps its old meaning).
    expect(parseColumnFilter('$[1,1]', ['y', 'a'], 'inputFilter')).toEqual(['a', 'a']);
    // A wide row is shortened in the message.
    const wide = Array.from({ length: 2000 }, (_, i) => `w${i}`);
    expect(refusal(() => parseColumnFilter('$[2000]', wide, 'outputFilter')).message).toContain('(2000 columns: w0, w1, w2, w3, …, w1997, w1998, w1999)');
  });
});
