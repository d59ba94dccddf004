import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FittedRecipe, type RecipeSpec, applyRecipe, fitRecipe, rowTransform } from './index.js';
import { type Cell, type TestColumn, readTable, tempDir, writeTable } from './test-table.js';

/**
 * Batch (DuckDB SQL) and online (rowTransform) application of the same fitted recipe give
 * the same float32 numbers, for every step kind, on a table with text, categories, dates
 * and missing values.
 */

const COLUMNS: TestColumn[] = [
  { name: 'id', type: 'BIGINT' },
  { name: 'x1', type: 'DOUBLE' },
  { name: 'x2', type: 'DOUBLE' },
  { name: 'n', type: 'BIGINT' },
  { name: 'f32', type: 'FLOAT' },
  { name: 'color', type: 'VARCHAR' },
  { name: 'city', type: 'VARCHAR' },
  { name: 'note', type: 'VARCHAR' },
  { name: 'ts', type: 'TIMESTAMP' },
  { name: 'day', type: 'DATE' },
  { name: 'when', type: 'VARCHAR' },
  { name: 'flag', type: 'BOOLEAN' },
  { name: 'amount', type: 'VARCHAR' },
  { name: 'y', type: 'DOUBLE' },
];

const COLORS = ['red', 'blue', 'green', null, 'red', 'Blue', 'red', 'é-accent'];
const CITIES = ['Auckland', 'Wellington', 'Christchurch', 'Dunedin', 'Hamilton', 'Tauranga', 'Napier'];
const WORDS = ['apple', 'Banana', 'cherry', 'date', 'elder', 'fig', 'grape', 'kiwi', 'lemon', 'mango', 'a', 'x1'];

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function makeRows(count: number): Cell[][] {
  let seed = 12345;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const rows: Cell[][] = [];
  for (let i = 0; i < count; i++) {
    const x1 = i % 7 === 3 ? null : Math.round((rand() * 200 - 50) * 1000) / 1000;
    const x2 = i % 5 === 1 ? null : rand() * 10 - 3;
    const n = i % 11 === 4 ? null : Math.floor(rand() * 20) - 5;
    const f32 = i % 9 === 2 ? null : Math.fround(rand() * 3.3);
    const color = COLORS[i % COLORS.length];
    const city = i % 13 === 6 ? null : CITIES[Math.floor(rand() * CITIES.length)];
    const words = Array.from({ length: 1 + Math.floor(rand() * 6) }, () => WORDS[Math.floor(rand() * WORDS.length)]);
    const note = i % 10 === 9 ? null : words.join(i % 2 ? ' ' : ', ');
    const month = 1 + Math.floor(rand() * 12);
    const dom = 1 + Math.floor(rand() * 28);
    const year = 2019 + Math.floor(rand() * 6);
    const ts = i % 8 === 5 ? null : `${year}-${pad(month)}-${pad(dom)} ${pad(Math.floor(rand() * 24))}:${pad(Math.floor(rand() * 60))}:${pad(Math.floor(rand() * 60))}`;
    const day = i % 6 === 0 ? null : `${year - 40}-${pad(month)}-${pad(dom)}`;
    const when = i % 7 === 0 ? null : i % 7 === 1 ? 'not a date' : `${year}-${pad(month)}-${pad(dom)}T${pad(i % 24)}:30:00`;
    const flag = i % 4 === 3 ? null : rand() < 0.5;
    const amount = i % 6 === 2 ? null : i % 6 === 4 ? 'n/a' : (rand() * 1000).toFixed(2);
    const y = i % 17 === 8 ? null : rand() < 0.4 ? 1 : 0;
    rows.push([i, x1, x2, n, f32, color, city, note, ts, day, when, flag, amount, y]);
  }
  return rows;
}

/** A row as a CSV line brings it: text, '' for missing. */
function rawRow(row: Cell[], columns: string[]): string[] {
  return columns.map((name) => {
    const v = row[COLUMNS.findIndex((c) => c.name === name)];
    if (v === null) return '';
    return String(v);
  });
}

const CASES: Array<{ name: string; spec: RecipeSpec }> = [
  { name: 'select', spec: { target: 'y', steps: [{ select: { columns: ['id', 'x1', 'n'] } }] } },
  { name: 'drop', spec: { target: 'y', steps: [{ select: { columns: ['id', 'x1', 'x2', 'flag'] } }, { drop: { columns: ['x2'] } }] } },
  { name: 'rename', spec: { target: 'y', steps: [{ select: { columns: ['id', 'x1'] } }, { rename: { columns: { x1: 'first' } } }] } },
  {
    name: 'cast',
    spec: {
      steps: [
        { select: { columns: ['id', 'amount', 'x2', 'flag', 'n'] } },
        { cast: { columns: ['amount'], to: 'double' } },
        { cast: { columns: ['x2'], to: 'bigint' } },
        { cast: { columns: ['flag', 'n'], to: 'double' } },
      ],
    },
  },
  {
    name: 'cast to text and back',
    spec: {
      steps: [
        { select: { columns: ['id', 'x2', 'n'] } },
        { cast: { columns: ['x2', 'n'], to: 'varchar' } },
        { one_hot: { columns: ['n'] } },
        { cast: { columns: ['x2'], to: 'double' } },
      ],
    },
  },
  {
    name: 'impute',
    spec: {
      target: 'y',
      steps: [
        { select: { columns: ['id', 'x1', 'x2', 'n', 'f32', 'color', 'city', 'flag'] } },
        { impute: { columns: ['x1'], strategy: 'mean' } },
        { impute: { columns: ['x2', 'f32'], strategy: 'median' } },
        { impute: { columns: ['n', 'color', 'flag'], strategy: 'most_frequent' } },
        { impute: { columns: ['city'], strategy: 'constant', value: 'nowhere' } },
        { one_hot: { columns: ['color', 'city'] } },
      ],
    },
  },
  {
    name: 'one_hot',
    spec: { target: 'y', steps: [{ select: { columns: ['id', 'color', 'flag', 'n'] } }, { one_hot: { columns: ['color', 'flag', 'n'], unknown: 'error' } }] },
  },
  { name: 'ordinal', spec: { steps: [{ select: { columns: ['id', 'color', 'city'] } }, { ordinal: { columns: ['color', 'city'] } }] } },
  {
    name: 'scale',
    spec: {
      target: 'y',
      steps: [
        { select: { columns: ['id', 'x1', 'x2', 'n', 'f32'] } },
        { scale: { columns: ['x1'], method: 'standard' } },
        { scale: { columns: ['x2', 'f32'], method: 'minmax' } },
        { scale: { columns: ['n'], method: 'robust' } },
      ],
    },
  },
  {
    name: 'bucketize',
    spec: { steps: [{ select: { columns: ['id', 'x1', 'x2'] } }, { bucketize: { columns: ['x1'], edges: [0, 10, 50.5] } }, { bucketize: { columns: ['x2'], quantiles: 4 } }] },
  },
  { name: 'log', spec: { steps: [{ select: { columns: ['id', 'x1', 'x2'] } }, { log: { columns: ['x1'] } }, { log: { columns: ['x2'], offset: 3.5 } }] } },
  {
    name: 'power',
    spec: {
      steps: [
        { select: { columns: ['id', 'x1', 'x2', 'f32'] } },
        { power: { columns: ['x1', 'x2'] } },
        { power: { columns: ['f32'], exponent: 0.5 } },
      ],
    },
  },
  {
    name: 'date_parts',
    spec: {
      steps: [
        { select: { columns: ['id', 'ts', 'day', 'when'] } },
        { date_parts: { columns: ['ts', 'when'] } },
        { date_parts: { columns: ['day'], parts: ['year', 'month', 'weekday', 'dayofyear'], cyclic: true } },
      ],
    },
  },
  { name: 'tfidf', spec: { steps: [{ select: { columns: ['id', 'note'] } }, { tfidf: { columns: ['note'], features: 16 } }] } },
  {
    name: 'tfidf sublinear',
    spec: { steps: [{ select: { columns: ['id', 'note'] } }, { tfidf: { columns: ['note'], features: 8, sublinear: true, norm: 'none', lowercase: false } }] },
  },
  {
    name: 'target_encode',
    spec: { target: 'y', steps: [{ select: { columns: ['id', 'city', 'color', 'n'] } }, { target_encode: { columns: ['city', 'color', 'n'], smoothing: 2 } }] },
  },
  {
    name: 'target_encode per class',
    spec: { target: 'city', steps: [{ select: { columns: ['id', 'color', 'n', 'flag'] } }, { target_encode: { columns: ['color', 'n', 'flag'], smoothing: 3 } }] },
  },
  {
    name: 'filter',
    spec: { target: 'y', steps: [{ filter: { expr: "(x1 > 0 or x1 is null) and color != 'blue' and not flag" } }, { select: { columns: ['id', 'x1'] } }] },
  },
  { name: 'dedupe', spec: { target: 'y', steps: [{ dedupe: { columns: ['color', 'flag'] } }, { select: { columns: ['id', 'color'] } }, { one_hot: { columns: ['color'] } }] } },
  {
    name: 'split',
    spec: {
      target: 'y',
      steps: [
        { select: { columns: ['id', 'x1', 'color'] } },
        { split: { train: 0.6, validation: 0.2, test: 0.2, seed: 7 } },
        { impute: { columns: ['x1'], strategy: 'median' } },
        { scale: { columns: ['x1'] } },
        { one_hot: { columns: ['color'] } },
      ],
    },
  },
];

describe('batch and online application agree', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let input: string;
  const rows = makeRows(160);

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    input = path.join(dir, 'input.parquet');
    await writeTable(input, COLUMNS, rows);
  });
  afterAll(() => cleanup());

  for (const { name, spec } of CASES) {
    it(`for ${name}`, async () => {
      const scratch = path.join(dir, 'scratch');
      const fitted = await fitRecipe(spec, { parquetPath: input, columns: COLUMNS }, { scratchDir: scratch });
      // The fitted recipe survives JSON, as the store keeps it.
      const stored = JSON.parse(JSON.stringify(fitted)) as FittedRecipe;
      const out = path.join(dir, 'out', name.replaceAll(' ', '-'));
      const result = await applyRecipe(stored, { parquetPath: input }, { outputDir: out, scratchDir: scratch });
      expect(result.columns).toEqual(fitted.outputColumns);
      const online = rowTransform(stored);
      expect(online.outputColumns).toEqual(fitted.outputColumns.filter((c) => c.name !== spec.target).map((c) => c.name));
      expect(online.inputColumns).toEqual(fitted.inputColumns.filter((c) => c.name !== spec.target).map((c) => c.name));
      let compared = 0;
      for (const output of result.outputs) {
        const batch = await readTable(output.parquetPath);
        expect(batch.rows.length).toBe(output.rows);
        const featureAt = batch.columns.map((c, i) => (c === spec.target ? -1 : i)).filter((i) => i >= 0);
        const idAt = batch.columns.indexOf('id');
        const raws = batch.rows.map((r) => rawRow(rows[r[idAt] as number], online.inputColumns));
        const matrix = online.transform(raws);
        batch.rows.forEach((r, i) => {
          featureAt.forEach((col, j) => {
            const b = r[col];
            const expected = b === null ? Number.NaN : Math.fround(typeof b === 'boolean' ? Number(b) : (b as number));
            const got = matrix[i * online.numFeatures + j];
            if (!Object.is(expected, got) && !(Number.isNaN(expected) && Number.isNaN(got))) {
              throw new Error(`${name}: row id ${r[idAt]}, column ${batch.columns[col]}: batch ${String(b)} vs online ${got}`);
            }
            compared++;
          });
        });
      }
      expect(compared).toBeGreaterThan(0);
    });
  }
});
