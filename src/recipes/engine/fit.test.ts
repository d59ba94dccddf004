import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrchardError } from '../../core/errors.js';
import { type RecipeSpec, applyRecipe, fitRecipe, rowTransform } from './index.js';
import { type Cell, type TestColumn, readTable, tempDir, writeTable } from './test-table.js';

const COLUMNS: TestColumn[] = [
  { name: 'id', type: 'BIGINT' },
  { name: 'x', type: 'DOUBLE' },
  { name: 'k', type: 'VARCHAR' },
  { name: 'note', type: 'VARCHAR' },
  { name: 'y', type: 'BIGINT' },
];

// 100 rows: x = 0..99 with every 10th missing, k cycles a/b/c/b (b most frequent), y = 1 on odd ids.
const ROWS: Cell[][] = Array.from({ length: 100 }, (_, i) => [i, i % 10 === 0 ? null : i, ['a', 'b', 'c', 'b'][i % 4], i % 2 ? 'keep me' : null, i % 2]);

describe('fitting and applying', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let input: string;
  let n = 0;
  const fit = (spec: RecipeSpec) => fitRecipe(spec, { parquetPath: input, columns: COLUMNS }, { scratchDir: path.join(dir, 'scratch') });
  const apply = async (spec: RecipeSpec, fitRows = false) => {
    const fitted = await fit(spec);
    const result = await applyRecipe(fitted, { parquetPath: input }, { outputDir: path.join(dir, `out-${++n}`), scratchDir: path.join(dir, 'scratch'), fitRows });
    const tables = await Promise.all(result.outputs.map(async (o) => ({ split: o.split, ...(await readTable(o.parquetPath)) })));
    return { fitted, result, tables };
  };

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    input = path.join(dir, 'input.parquet');
    await writeTable(input, COLUMNS, ROWS);
  });
  afterAll(() => cleanup());

  it('learns what scikit-learn learns: numpy median, most frequent with ties to the smallest, population std', async () => {
    const { fitted } = await apply({
      target: 'y',
      steps: [
        { impute: { columns: ['x'], strategy: 'median' } },
        { impute: { columns: ['k'], strategy: 'most_frequent' } },
        { scale: { columns: ['x'] } },
      ],
    });
    // 90 values 1..99 without multiples of 10: the middle two are 50 (skipped) neighbours 49 and 51.
    expect((fitted.steps[0] as { values: Record<string, number> }).values.x).toBe(50);
    expect((fitted.steps[1] as { values: Record<string, string> }).values.k).toBe('b');
    const filled = ROWS.map((r) => (r[1] === null ? 50 : (r[1] as number)));
    const m = filled.reduce((a, b) => a + b, 0) / filled.length;
    const std = Math.sqrt(filled.reduce((a, b) => a + (b - m) ** 2, 0) / filled.length);
    const scale = (fitted.steps[2] as { params: Record<string, { center: number; scale: number }> }).params.x;
    expect(scale.center).toBeCloseTo(m, 12);
    expect(scale.scale).toBeCloseTo(std, 12);
    expect(fitted.inputColumns.map((c) => c.name)).toEqual(['id', 'x', 'k', 'note', 'y']);
    expect(fitted.outputColumns.map((c) => c.name)).toEqual(['y', 'id', 'x', 'k', 'note']);
  });

  it('takes the median of an even count as numpy does, to the last few bits', async () => {
    const other = path.join(dir, 'median.parquet');
    // Eight values (missing left out): the middle two are 0.2 and 0.1 + 0.2, whose mean rounds.
    const xs = [0.7, 1e6 / 3, 0.1, null, -2.5, 0.30000000000000004, 0.2, Math.PI, null, 1 / 7];
    await writeTable(other, [{ name: 'x', type: 'DOUBLE' }], xs.map((x) => [x]));
    const fitted = await fitRecipe({ steps: [{ impute: { columns: ['x'], strategy: 'median' } }] }, { parquetPath: other, columns: [{ name: 'x', type: 'DOUBLE' }] }, { scratchDir: path.join(dir, 'scratch') });
    const sorted = (xs.filter((x) => x !== null) as number[]).sort((a, b) => a - b);
    const numpy = (sorted[3] + sorted[4]) / 2;
    const got = (fitted.steps[0] as { values: Record<string, number> }).values.x;
    expect(Math.abs(got - numpy)).toBeLessThanOrEqual(1e-12 * Math.abs(numpy));
    // The filled value online is the fitted one, as in batch.
    expect([...rowTransform(fitted).transform([[null]])]).toEqual([got]);
  });

  it('names one-hot columns by category, sorted, and reads only the columns it needs', async () => {
    const { fitted, tables } = await apply({ target: 'y', steps: [{ select: { columns: ['k'] } }, { one_hot: { columns: ['k'], unknown: 'error' } }] });
    expect(fitted.inputColumns.map((c) => c.name)).toEqual(['k', 'y']);
    expect(tables[0].columns).toEqual(['y', 'k_a', 'k_b', 'k_c']);
    expect(tables[0].rows[1]).toEqual([1, 0, 1, 0]);
  });

  it('refuses an unknown category in batch and online alike, naming the value and the column', async () => {
    const spec: RecipeSpec = { steps: [{ select: { columns: ['k'] } }, { one_hot: { columns: ['k'], unknown: 'error' } }] };
    const fitted = await fit(spec);
    const other = path.join(dir, 'other.parquet');
    await writeTable(other, [{ name: 'k', type: 'VARCHAR' }], [['a'], ['zebra'], [null]]);
    const batch = await applyRecipe(fitted, { parquetPath: other }, { outputDir: path.join(dir, 'unknown'), scratchDir: path.join(dir, 'scratch') }).catch((e: unknown) => e);
    expect(batch).toBeInstanceOf(OrchardError);
    expect((batch as OrchardError).code).toBe('ORCH_RECIPE_UNKNOWN_CATEGORY');
    expect((batch as OrchardError).details).toEqual({ column: 'k', value: 'zebra' });
    const online = rowTransform(fitted);
    expect(() => online.transform([['a'], ['zebra']])).toThrow('Unknown category "zebra" in column "k"');
    // Missing is not unknown: all zeros.
    expect([...online.transform([[null], [''], { k: 'c' }])]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1]);
    const ignore = rowTransform(await fit({ steps: [{ select: { columns: ['k'] } }, { one_hot: { columns: ['k'], unknown: 'ignore' } }] }));
    expect([...ignore.transform([['zebra']])]).toEqual([0, 0, 0]);
  });

  it('encodes targets out of fold on the rows it was fitted on, and with all rows elsewhere', async () => {
    const spec: RecipeSpec = { target: 'y', steps: [{ select: { columns: ['id', 'k'] } }, { target_encode: { columns: ['k'], smoothing: 1, folds: 4 } }] };
    const full = await apply(spec);
    const oof = await apply(spec, true);
    const online = rowTransform(full.fitted);
    // Full-data encoding of b: ids 1, 3 mod 4 are b, all odd: 50 rows with y = 1, prior 0.5.
    const b = (50 + 1 * 0.5) / (50 + 1);
    expect(online.transform([['7', 'b']])[1]).toBeCloseTo(b, 6);
    const bRows = full.tables[0].rows.filter((r) => r[1] === 1 || r[1] === 3 || (r[1] as number) % 4 === 1 || (r[1] as number) % 4 === 3);
    expect(bRows.every((r) => Math.abs((r[2] as number) - b) < 1e-12)).toBe(true);
    const oofValues = oof.tables[0].rows.filter((r) => (r[1] as number) % 2 === 1).map((r) => r[2] as number);
    expect(oofValues.some((v) => Math.abs(v - b) > 1e-6)).toBe(true);
    // Out of fold, b's other rows are all y = 1 too: the encoding stays near 1, never the fold's own rows.
    expect(oofValues.every((v) => v > 0.9)).toBe(true);
  });

  it('encodes per class for a text target: one share column per class, out of fold on the fitted rows', async () => {
    // Classes by id: 'lo' for id % 4 in {0, 1}, 'mid' for 2, 'hi' for 3. k cycles a/b/c/b, so
    // a (id % 4 = 0) is all 'lo', c (2) all 'mid', and b (1, 3) half 'lo', half 'hi'.
    const classed = path.join(dir, 'classed.parquet');
    const cls = (i: number) => ['lo', 'lo', 'mid', 'hi'][i % 4];
    await writeTable(classed, [{ name: 'id', type: 'BIGINT' }, { name: 'k', type: 'VARCHAR' }, { name: 'label', type: 'VARCHAR' }], ROWS.map((r, i) => [i, r[2], cls(i)]));
    const spec: RecipeSpec = { target: 'label', steps: [{ select: { columns: ['k'] } }, { target_encode: { columns: ['k'], smoothing: 4, folds: 4 } }] };
    const fitted = await fitRecipe(spec, { parquetPath: classed, columns: [{ name: 'id', type: 'BIGINT' }, { name: 'k', type: 'VARCHAR' }, { name: 'label', type: 'VARCHAR' }] }, { scratchDir: path.join(dir, 'scratch') });
    expect(fitted.outputColumns.map((c) => c.name)).toEqual(['label', 'k_hi', 'k_lo', 'k_mid']);
    // Priors 0.25 hi, 0.5 lo, 0.25 mid; b has 50 rows, 25 lo and 25 hi.
    const online = rowTransform(fitted);
    const b = [(25 + 4 * 0.25) / 54, (25 + 4 * 0.5) / 54, (0 + 4 * 0.25) / 54];
    [...online.transform([['b']])].forEach((v, j) => expect(v).toBeCloseTo(b[j], 6));
    expect([...online.transform([[null], ['zebra']])]).toEqual([0.25, 0.5, 0.25, 0.25, 0.5, 0.25]);
    const run = async (fitRows: boolean) => {
      const result = await applyRecipe(fitted, { parquetPath: classed }, { outputDir: path.join(dir, `out-${++n}`), scratchDir: path.join(dir, 'scratch'), fitRows });
      const table = await readTable(result.outputs[0].parquetPath);
      const at = ['k_hi', 'k_lo', 'k_mid'].map((name) => table.columns.indexOf(name));
      return table.rows.map((r) => at.map((i) => r[i] as number));
    };
    const elsewhere = await run(false);
    const bRows = elsewhere.filter((_, i) => i % 2 === 1);
    expect(bRows.every((r) => r.every((v, j) => Math.abs(v - b[j]) < 1e-12))).toBe(true);
    // Each row's shares sum to one, out of fold too, and out of fold differs from the full data.
    const oof = await run(true);
    for (const r of [...elsewhere, ...oof]) expect(r[0] + r[1] + r[2]).toBeCloseTo(1, 12);
    expect(oof.filter((_, i) => i % 2 === 1).some((r) => Math.abs(r[0] - b[0]) > 1e-6)).toBe(true);
    // A numeric target asks for it by name; without per_class it is the mean, as before.
    const numeric = await fit({ target: 'y', steps: [{ select: { columns: ['k'] } }, { target_encode: { columns: ['k'], per_class: true } }] });
    expect(numeric.outputColumns.map((c) => c.name)).toEqual(['y', 'k_0', 'k_1']);
  });

  it('splits rows exactly by fraction, stratified by target, and fits later steps on the training rows only', async () => {
    const { tables, fitted } = await apply({
      target: 'y',
      steps: [
        { select: { columns: ['id', 'x'] } },
        { split: { train: 0.6, validation: 0.2, test: 0.2, method: 'stratified', seed: 3 } },
        { impute: { columns: ['x'], strategy: 'mean' } },
      ],
    });
    expect(tables.map((t) => [t.split, t.rows.length])).toEqual([
      ['train', 60],
      ['validation', 20],
      ['test', 20],
    ]);
    for (const t of tables) expect(t.rows.filter((r) => r[0] === 1).length * 2).toBe(t.rows.length);
    const ids = tables.flatMap((t) => t.rows.map((r) => r[1]));
    expect(new Set(ids).size).toBe(100);
    const trainX = tables[0].rows.map((r) => ROWS[r[1] as number][1]).filter((v): v is number => v !== null);
    expect((fitted.steps[2] as { values: Record<string, number> }).values.x).toBeCloseTo(trainX.reduce((a, b) => a + b, 0) / trainX.length, 12);
  });

  it('splits by time: the earliest rows train', async () => {
    const { tables } = await apply({ steps: [{ select: { columns: ['id'] } }, { split: { train: 0.5, test: 0.5, method: 'time', column: 'id' } }] });
    expect(tables[0].rows.map((r) => r[0])).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('filters and dedupes in batch; online they are skipped and every row is answered', async () => {
    const spec: RecipeSpec = { target: 'y', steps: [{ filter: { expr: "x >= 90 and k != 'a'" } }, { dedupe: { columns: ['k'] } }, { select: { columns: ['id', 'k'] } }, { ordinal: { columns: ['k'] } }] };
    const { tables, fitted } = await apply(spec);
    // Rows 90..99 without 90 (missing x) and the a's (92, 96): first b is 91, first c is 94.
    expect(tables[0].rows).toEqual([
      [1, 91, 0],
      [0, 94, 1],
    ]);
    const online = rowTransform(fitted);
    expect(online.inputColumns).toEqual(['id', 'x', 'k']);
    expect([...online.transform([[1, null, 'a'], [2, 5, 'c']])]).toEqual([1, -1, 2, 1]);
  });

  it('writes the data as it is for a recipe of text steps; online it refuses what is not a number', async () => {
    const { tables, fitted } = await apply({ steps: [{ select: { columns: ['note'] } }, { impute: { columns: ['note'], strategy: 'constant', value: 'none' } }] });
    expect(tables[0].rows.slice(0, 2)).toEqual([['none'], ['keep me']]);
    const online = rowTransform(fitted);
    expect(() => online.transform([['x']])).toThrow('not numbers (note: VARCHAR)');
  });

  it('refuses data without a column the recipe reads, and rows of the wrong width online', async () => {
    const fitted = await fit({ target: 'y', steps: [{ scale: { columns: ['x'] } }, { drop: { columns: ['note', 'k'] } }] });
    const other = path.join(dir, 'no-x.parquet');
    await writeTable(other, [{ name: 'id', type: 'BIGINT' }], [[1]]);
    const err = await applyRecipe(fitted, { parquetPath: other }, { outputDir: path.join(dir, 'no-x'), scratchDir: path.join(dir, 'scratch') }).catch((e: unknown) => e);
    expect((err as OrchardError).code).toBe('ORCH_RECIPE_COLUMN_MISSING');
    expect((err as OrchardError).message).toContain('no column "x"');
    const online = rowTransform(fitted);
    expect(() => online.transform([[1]])).toThrow('Row 1 has 1 values; the recipe reads 4');
    expect(() => online.transform([[1, 'abc', 'a', 'n']])).toThrow('Row 1: Column x: "abc" is not a number');
  });
});
