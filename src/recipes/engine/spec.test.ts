import { describe, expect, it } from 'vitest';
import { OrchardError } from '../../core/errors.js';
import { checkExpr, exprToJs, exprToSql, parseExpr } from './expr/index.js';
import { type RecipeSpec, checkRecipe, parseRecipe } from './index.js';
import { fitYeoJohnsonLambda, murmur3 } from './math.js';
import { parseDateText, readRaw } from './values.js';

const COLS = [
  { name: 'y', type: 'BIGINT' },
  { name: 'x1', type: 'DOUBLE' },
  { name: 'x2', type: 'INTEGER' },
  { name: 'color', type: 'VARCHAR' },
  { name: 'when', type: 'TIMESTAMP' },
];

function errorOf(run: () => unknown): OrchardError {
  try {
    run();
  } catch (err) {
    if (err instanceof OrchardError) return err;
    throw err;
  }
  throw new Error('expected an error');
}

function fields(err: OrchardError): string[] {
  return (err.details?.errors as Array<{ field: string }>).map((e) => e.field);
}

describe('parseRecipe', () => {
  it('reads JSON and the same recipe in YAML', () => {
    const json = '{"target": "y", "steps": [{"impute": {"columns": ["x1"], "strategy": "median"}}, {"one_hot": {"columns": ["color"]}}]}';
    const yaml = `
target: y
steps:
  - impute: { columns: [x1], strategy: median }
  - one_hot:
      columns: [color]
`;
    expect(parseRecipe(yaml)).toEqual(parseRecipe(json));
    expect(parseRecipe(json).steps).toHaveLength(2);
  });

  it('accepts a dedupe step without options', () => {
    expect(parseRecipe('steps:\n  - dedupe:\n').steps).toEqual([{ dedupe: null }]);
  });

  it('lists every problem at once, each with its field', () => {
    const err = errorOf(() =>
      parseRecipe(
        JSON.stringify({
          target: 3,
          steps: [
            { explode: { columns: ['x1'] } },
            { impute: { columns: ['x1'], strategy: 'average' } },
            { scale: { columns: 'x1' } },
            { filter: { expr: 'x1 > > 3' } },
            { one_hot: { columns: ['color'], unknown: 'error', extra: 1 } },
            { impute: {}, drop: {} },
            { split: { train: 0.7, validation: 0.2, test: 0.2 } },
          ],
        }),
      ),
    );
    expect(err.code).toBe('ORCH_RECIPE_INVALID');
    expect(fields(err)).toEqual([
      'target',
      'steps[0]',
      'steps[1].impute.strategy',
      'steps[2].scale.columns',
      'steps[3].filter.expr',
      'steps[4].one_hot.extra',
      'steps[5]',
      'steps[6].split',
    ]);
    expect(err.message).toContain('unknown step kind "explode"');
    expect(err.message).toContain('expected a value at 6');
  });

  it('refuses text that is neither JSON nor YAML, and YAML with repeated keys', () => {
    expect(errorOf(() => parseRecipe('{"steps": [}')).code).toBe('ORCH_RECIPE_INVALID');
    expect(errorOf(() => parseRecipe('steps: [\n')).message).toContain('not valid YAML');
    expect(errorOf(() => parseRecipe('steps: []\nsteps: []\n')).message).toContain('not valid YAML');
    expect(errorOf(() => parseRecipe('')).message).toContain('empty');
    expect(errorOf(() => parseRecipe('- 1\n- 2\n')).message).toContain('must be an object');
  });

  it('checks option types and ranges', () => {
    const bad = (step: unknown) => errorOf(() => parseRecipe(JSON.stringify({ steps: [step] }))).message;
    expect(bad({ tfidf: { columns: ['t'], features: 0 } })).toContain('features: must be at least 1');
    expect(bad({ bucketize: { columns: ['x'], edges: [3, 1] } })).toContain('must increase strictly');
    expect(bad({ bucketize: { columns: ['x'] } })).toContain('needs either edges');
    expect(bad({ power: { columns: ['x'], method: 'exponent' } })).toContain('exponent: is required');
    expect(bad({ split: { train: 0.8, method: 'time' } })).toContain('column: is required');
    expect(bad({ cast: { columns: ['x'], to: 'int' } })).toContain('must be one of');
    expect(bad({ impute: { columns: ['x'], strategy: 'mean', value: 3 } })).toContain('strategy "constant" only');
    expect(bad({ rename: { columns: { a: 'c', b: 'c' } } })).toContain('gives two columns the name "c"');
    // Without "test", the test split takes the rest.
    expect(() => parseRecipe(JSON.stringify({ steps: [{ split: { train: 0.5, validation: 0.25 } }] }))).not.toThrow();
  });
});

describe('checkRecipe', () => {
  const check = (spec: RecipeSpec) => checkRecipe(spec, COLS);

  it('accepts a recipe whose steps read columns that exist at their point', () => {
    expect(() =>
      check({
        target: 'y',
        steps: [
          { rename: { columns: { x1: 'age' } } },
          { impute: { columns: ['age'], strategy: 'median' } },
          { one_hot: { columns: ['color'] } },
          // Columns one_hot makes are known after fit; the check accepts the family.
          { drop: { columns: ['color_red'] } },
          { date_parts: { columns: ['when'] } },
          { scale: { columns: ['when_month', 'x2'] } },
        ],
      }),
    ).not.toThrow();
  });

  it('names every missing column with the step that reads it', () => {
    const err = errorOf(() =>
      check({
        target: 'label',
        steps: [
          { drop: { columns: ['x1'] } },
          { scale: { columns: ['x1', 'X2'] } },
          { filter: { expr: 'nothing > 1' } },
        ],
      }),
    );
    expect(err.code).toBe('ORCH_RECIPE_COLUMN_MISSING');
    expect(fields(err)).toEqual(['target', 'steps[1].scale', 'steps[1].scale', 'steps[2].filter']);
    expect(err.message).toContain('no column "X2" at this point of the recipe (did you mean "x2"?)');
  });

  it('refuses steps on the wrong kind of column, on the target, or needing a target', () => {
    const err = errorOf(() =>
      check({
        target: 'y',
        steps: [
          { impute: { columns: ['color'], strategy: 'mean' } },
          { scale: { columns: ['y'] } },
          { tfidf: { columns: ['x2'] } },
          { one_hot: { columns: ['x1'] } },
          { filter: { expr: "y > 'a' or color" } },
        ],
      }),
    );
    expect(err.code).toBe('ORCH_RECIPE_INVALID');
    expect(err.message).toContain('strategy "mean" needs numbers');
    expect(err.message).toContain('the target "y" is left as it is');
    expect(err.message).toContain('column "x2" is INTEGER; tfidf needs text');
    expect(err.message).toContain('one_hot encodes text, whole numbers and booleans');
    expect(err.message).toContain('cannot compare a number with text');
    expect(err.message).toContain("'or' needs conditions on both sides");
    const noTarget = errorOf(() => check({ steps: [{ target_encode: { columns: ['color'] } }] }));
    expect(noTarget.message).toContain('needs the recipe\'s "target"');
  });

  it('refuses a step making a name twice, even in another case', () => {
    const err = errorOf(() => check({ steps: [{ rename: { columns: { x1: 'X2' } } }] }));
    expect(err.message).toContain('makes two columns named "x2"');
  });
});

describe('the filter expression language', () => {
  const types = new Map([
    ['x', 'DOUBLE'],
    ['n', 'BIGINT'],
    ['s', 'VARCHAR'],
    ['b', 'BOOLEAN'],
    ['t', 'TIMESTAMP'],
    ['odd "name', 'VARCHAR'],
  ]);

  it('reports where a parse fails', () => {
    expect(() => parseExpr('x > ')).toThrow('expected a value at 5, found the end');
    expect(() => parseExpr("s = 'open")).toThrow('unterminated text starting at 5');
    expect(() => parseExpr('x > 1 2')).toThrow('expected an operator or the end at 7');
    expect(() => parseExpr('x ; drop table t')).toThrow('unexpected character ";"');
    expect(() => parseExpr('')).toThrow('empty');
  });

  it('writes SQL with every name quoted and every literal re-encoded', () => {
    const e = parseExpr(`"odd ""name" = 'it''s' and x / n > 2 or s in ('a', 'b') and t >= '2024-01-01'`);
    expect(checkExpr(e, types)).toEqual([]);
    const sql = exprToSql(e, types);
    expect(sql).toContain(`"odd ""name" = 'it''s'`);
    expect(sql).toContain('NULLIF(CAST("n" AS DOUBLE)');
    expect(sql).toContain('epoch_ms(CAST(1704067200000 AS BIGINT))');
  });

  it('evaluates with SQL three-valued logic', () => {
    const run = (text: string, row: Record<string, unknown>) => exprToJs(parseExpr(text), types)((name) => (row[name] ?? null) as never);
    expect(run('x > 1 or s is null', { x: null, s: null })).toBe(true);
    expect(run('x > 1 or s is null', { x: null, s: 'a' })).toBe(false);
    expect(run('not (x > 1)', { x: null })).toBe(false);
    expect(run('x / n = 2', { x: 4, n: 0 })).toBe(false);
    expect(run('x % 3 = -1', { x: -4 })).toBe(true);
    expect(run("s not in ('a', 'b')", { s: 'c' })).toBe(true);
    expect(run('b = true and -x < -2.5e0', { b: true, x: 3 })).toBe(true);
    expect(run("t < '2024-01-01 00:00:01'", { t: Date.UTC(2024, 0, 1) })).toBe(true);
    expect(run("s < 'b'", { s: 'a\u{1F600}' })).toBe(true);
  });
});

describe('values and math', () => {
  it('reads online values strictly, as the batch side does', () => {
    expect(readRaw('x', 'DOUBLE', ' 1.5e3 ')).toBe(1500);
    expect(readRaw('x', 'DOUBLE', '')).toBeNull();
    expect(readRaw('x', 'DOUBLE', 'NaN')).toBeNull();
    expect(readRaw('x', 'FLOAT', '0.1')).toBe(Math.fround(0.1));
    expect(() => readRaw('x', 'DOUBLE', '0x10')).toThrow('Column x: "0x10" is not a number');
    expect(() => readRaw('n', 'BIGINT', '1.5')).toThrow('not a whole number');
    expect(readRaw('b', 'BOOLEAN', 'TRUE')).toBe(true);
    expect(readRaw('d', 'DATE', '2024-03-01T13:00:00Z')).toBe(Date.UTC(2024, 2, 1));
    expect(parseDateText('2024-02-30')).toBeNull();
    expect(parseDateText('2024-01-01 10:00:00+02:00')).toBe(Date.UTC(2024, 0, 1, 8));
  });

  it('hashes text as MurmurHash3 (x86, 32-bit)', () => {
    expect(murmur3('')).toBe(0);
    expect(murmur3('hello')).toBe(0x248bfa47);
    expect(murmur3('The quick brown fox jumps over the lazy dog')).toBe(0x2e4ff723);
  });

  it("finds Yeo-Johnson's lambda as scikit-learn's PowerTransformer does", () => {
    const lambda = fitYeoJohnsonLambda(new Float64Array([0.1, 0.5, 1, 2, 3, 5, 8, 13, 21, 34, -1.5, -0.2]));
    expect(lambda).toBeCloseTo(0.19853588792559165, 6);
  });
});
