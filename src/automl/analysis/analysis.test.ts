import { describe, expect, it } from 'vitest';
import type { DatasetColumn } from '../../contracts/index.js';
import { analyzeTable, chooseValidation, targetCountsQuery, targetMappingQuery, type AnalyzeInput } from './index.js';

type Top = Array<{ value: string | number | boolean | null; count: number }>;

/** A column with hand-made statistics: `count` values, `nulls` missing, `distinct` values. */
function col(name: string, type: string, o: { count?: number; nulls?: number; distinct?: number; top?: Top; min?: number | string | null; max?: number | string | null } = {}): DatasetColumn {
  const count = o.count ?? 100;
  return {
    name,
    type,
    stats: {
      count,
      nulls: o.nulls ?? 0,
      distinct: o.distinct ?? count,
      min: o.min ?? null,
      max: o.max ?? null,
      mean: null,
      stddev: null,
      topValues: o.top ?? [],
      histogram: null,
    },
  };
}

const binaryTarget = (name = 'y', counts: [string | number | boolean, number][] = [['no', 60], ['yes', 40]], type = 'VARCHAR') =>
  col(name, type, { count: counts.reduce((n, [, c]) => n + c, 0), distinct: counts.length, top: counts.map(([value, count]) => ({ value, count })) });

function input(columns: DatasetColumn[], extra: Partial<AnalyzeInput> = {}): AnalyzeInput {
  return { version: { rowCount: 100, columns }, target: 'y', maxRuntimeSeconds: 3600, ...extra };
}

const codes = (a: { problems: Array<{ code: string }> }) => a.problems.map((p) => p.code);

describe('analyzeTable: columns', () => {
  it('reads numeric, categorical, text and date columns and drops the rest with their reasons', () => {
    const a = analyzeTable(
      input([
        col('id', 'BIGINT', { distinct: 100, min: 1, max: 100 }),
        col('amount', 'BIGINT', { distinct: 100, min: 10, max: 1_000_000 }),
        col('paid', 'BIGINT', { distinct: 100, min: 10, max: 5_000 }),
        col('userId', 'BIGINT', { distinct: 100, min: 10, max: 5_000_000 }),
        col('x', 'DOUBLE', { nulls: 5, count: 95, distinct: 90 }),
        col('color', 'VARCHAR', { distinct: 3, top: [{ value: 'red', count: 50 }, { value: 'blue', count: 30 }, { value: 'green', count: 20 }] }),
        col('review', 'VARCHAR', { distinct: 98, top: [{ value: 'great product, works well', count: 2 }], min: 'a fine thing to buy', max: 'zero stars for this one' }),
        col('code', 'VARCHAR', { distinct: 100, top: [{ value: 'A17', count: 1 }], min: 'A01', max: 'Z99' }),
        col('signup', 'DATE', { distinct: 60 }),
        col('seen', 'VARCHAR', { distinct: 80, top: [{ value: '2024-01-03 10:00:00', count: 2 }], min: '2023-01-01 00:00:00', max: '2024-12-31 23:59:00' }),
        col('same', 'BIGINT', { distinct: 1 }),
        col('empty', 'DOUBLE', { count: 0, nulls: 100, distinct: 0 }),
        col('blob', 'BLOB', { distinct: 10 }),
        col('at', 'TIME', { distinct: 10 }),
        binaryTarget(),
      ]),
    );
    expect(a.problems).toEqual([]);
    const byName = Object.fromEntries(a.columns.map((c) => [c.name, [c.type, c.dropReason]]));
    expect(byName).toEqual({
      id: ['dropped', 'id-like'],
      amount: ['numeric', null],
      paid: ['numeric', null],
      userId: ['dropped', 'id-like'],
      x: ['numeric', null],
      color: ['categorical', null],
      review: ['text', null],
      code: ['dropped', 'id-like'],
      signup: ['date', null],
      seen: ['date', null],
      same: ['dropped', 'constant'],
      empty: ['dropped', 'all-missing'],
      blob: ['dropped', 'unsupported-type'],
      at: ['dropped', 'unsupported-type'],
      y: ['dropped', 'target'],
    });
    expect(a.columns.find((c) => c.name === 'x')).toMatchObject({ sourceType: 'DOUBLE', missing: 5, distinct: 90 });
    expect(a.warnings.join('\n')).toMatch(/dropped \(id-like\): id, userId, code/);
    expect(a.recipes.map((r) => r.variant)).toEqual(['trees', 'linear']);
    expect(a.recipes[0].featureColumns).toEqual(['amount', 'paid', 'x', 'color', 'review', 'signup', 'seen']);
  });

  it('refuses a table with no usable feature, naming why each column went', () => {
    const a = analyzeTable(input([col('id', 'VARCHAR', { distinct: 100, top: [{ value: 'k1', count: 1 }] }), col('c', 'DOUBLE', { distinct: 1 }), binaryTarget()]));
    expect(codes(a)).toEqual(['ORCH_AUTOML_NO_FEATURES']);
    expect(a.problems[0].message).toMatch(/id \(id-like\), c \(constant\)/);
    expect(a.recipes).toEqual([]);
  });
});

describe('analyzeTable: target and problem type', () => {
  const x = col('x', 'DOUBLE');
  it('infers binary from two values, sorts the classes and maps text labels to 0/1', () => {
    const a = analyzeTable(input([x, binaryTarget('y', [['yes', 40], ['no', 60]])]));
    expect(a).toMatchObject({ problemType: 'binary', objective: 'auc', classes: ['no', 'yes'], classCounts: [60, 40], targetMapping: { column: 'y', labels: ['no', 'yes'] } });
  });

  it('keeps numeric labels that are already 0 … K-1, maps others', () => {
    const zeroOne = analyzeTable(input([x, binaryTarget('y', [[1, 30], [0, 70]], 'BIGINT')]));
    expect(zeroOne).toMatchObject({ problemType: 'binary', classes: ['0', '1'], targetMapping: null });
    const oneTwo = analyzeTable(input([x, binaryTarget('y', [[2, 30], [1, 70]], 'BIGINT')]));
    expect(oneTwo.targetMapping).toEqual({ column: 'y', labels: [1, 2] });
    const bools = analyzeTable(input([x, binaryTarget('y', [[true, 30], [false, 70]], 'BOOLEAN')]));
    expect(bools).toMatchObject({ classes: ['false', 'true'], targetMapping: { labels: [false, true] } });
  });

  it('infers multiclass from few whole numbers (with the full counts) and regression from many', () => {
    const counts = Array.from({ length: 7 }, (_, i) => ({ value: i + 1, count: 10 + i }));
    const y = col('y', 'BIGINT', { count: 91, distinct: 7, top: counts.slice(0, 5) });
    const multi = analyzeTable(input([x, y], { targetCounts: counts }));
    expect(multi).toMatchObject({ problemType: 'multiclass', objective: 'accuracy', classes: ['1', '2', '3', '4', '5', '6', '7'], targetMapping: { labels: [1, 2, 3, 4, 5, 6, 7] } });
    const reg = analyzeTable(input([x, col('y', 'DOUBLE', { distinct: 95 })]));
    expect(reg).toMatchObject({ problemType: 'regression', objective: 'mse', targetMapping: null });
    expect(reg.classes).toBeUndefined();
    const floats = analyzeTable(input([x, col('y', 'DOUBLE', { count: 91, distinct: 7 })], { targetCounts: counts.map((c) => ({ ...c, value: c.value + 0.5 })) }));
    expect(floats.problemType).toBe('regression');
  });

  it('sorts text classes by code point and says when the statistics cannot list them', () => {
    const counts = [{ value: 'b', count: 9 }, { value: 'B', count: 9 }, { value: 'a', count: 9 }, { value: 'é', count: 9 }, { value: 'c', count: 9 }, { value: 'd', count: 9 }];
    const y = col('y', 'VARCHAR', { count: 54, distinct: 6, top: counts.slice(0, 5) });
    expect(analyzeTable(input([x, y], { targetCounts: counts })).classes).toEqual(['B', 'a', 'b', 'c', 'd', 'é']);
    const blind = analyzeTable(input([x, y]));
    expect(codes(blind)).toEqual(['ORCH_AUTOML_INVALID']);
    expect(blind.problems[0]).toMatchObject({ field: 'target' });
  });

  it('reports a missing, empty, constant or unfit target with its own code', () => {
    expect(codes(analyzeTable(input([x], { target: 'Y' })))).toEqual(['ORCH_AUTOML_TARGET_MISSING']);
    expect(analyzeTable(input([x, binaryTarget()], { target: 'Y' })).problems[0].message).toMatch(/did you mean "y"/);
    expect(codes(analyzeTable(input([x, col('y', 'DOUBLE', { count: 0, nulls: 100, distinct: 0 })])))).toEqual(['ORCH_AUTOML_TARGET_MISSING']);
    expect(codes(analyzeTable(input([x, binaryTarget('y', [['a', 100]])])))).toEqual(['ORCH_AUTOML_TARGET_CONSTANT']);
    expect(codes(analyzeTable(input([x, binaryTarget()], { problemType: 'regression' })))).toEqual(['ORCH_AUTOML_TARGET_INVALID']);
    expect(codes(analyzeTable(input([x, binaryTarget()], { problemType: 'multiclass' })))).toEqual(['ORCH_AUTOML_TARGET_INVALID']);
    expect(codes(analyzeTable(input([x, col('y', 'DOUBLE', { distinct: 50 })], { problemType: 'binary' })))).toEqual(['ORCH_AUTOML_TARGET_INVALID']);
    expect(codes(analyzeTable(input([x, col('y', 'DATE', { distinct: 50 })])))).toEqual(['ORCH_AUTOML_TARGET_INVALID']);
  });

  it('needs 5 rows per class and 10 rows in all', () => {
    const a = analyzeTable(input([x, binaryTarget('y', [['a', 95], ['b', 4]])]));
    expect(codes(a)).toEqual(['ORCH_AUTOML_TOO_FEW_ROWS']);
    expect(a.problems[0].message).toMatch(/"b" \(4\)/);
    expect(codes(analyzeTable(input([x, col('y', 'DOUBLE', { count: 8, nulls: 92, distinct: 8 })])))).toEqual(['ORCH_AUTOML_TOO_FEW_ROWS']);
    const imbalanced = analyzeTable(input([x, binaryTarget('y', [['a', 195], ['b', 5]])]));
    expect(imbalanced.problems).toEqual([]);
    expect(imbalanced.warnings.join('\n')).toMatch(/imbalanced classes: "b" is 2\.5 %/);
  });

  it('checks the objective against the problem type and the time column', () => {
    const a = analyzeTable(input([x, col('d', 'VARCHAR', { distinct: 3, top: [{ value: 'p', count: 50 }, { value: 'q', count: 50 }] }), binaryTarget()], { objective: 'rmse', timeColumn: 'd' }));
    expect(a.problems.map((p) => [p.field, p.code])).toEqual([
      ['objective', 'ORCH_AUTOML_INVALID'],
      ['timeColumn', 'ORCH_AUTOML_INVALID'],
    ]);
    expect(codes(analyzeTable(input([x, binaryTarget()], { timeColumn: 'nope' })))).toEqual(['ORCH_AUTOML_INVALID']);
    expect(analyzeTable(input([x, binaryTarget()], { objective: 'f1' })).objective).toBe('f1');
  });

  it('lists every problem of a request at once', () => {
    const a = analyzeTable(input([col('c', 'DOUBLE', { distinct: 1 }), binaryTarget('y', [['a', 96], ['b', 4]])], { objective: 'r2', timeColumn: 't', maxRuntimeSeconds: 10 }));
    expect(codes(a).sort()).toEqual(['ORCH_AUTOML_BUDGET_TOO_SMALL', 'ORCH_AUTOML_INVALID', 'ORCH_AUTOML_INVALID', 'ORCH_AUTOML_NO_FEATURES', 'ORCH_AUTOML_TOO_FEW_ROWS']);
  });
});

describe('analyzeTable: validation, budget and recipes', () => {
  it('cross-validates below 20,000 rows and holds out above, and by time always holds out', () => {
    expect(chooseValidation(19_999, false)).toEqual({ method: 'cv', folds: 5 });
    expect(chooseValidation(20_000, false)).toEqual({ method: 'holdout', validationShare: 0.2 });
    expect(chooseValidation(1_000_000, false)).toEqual({ method: 'holdout', validationShare: 0.1 });
    expect(chooseValidation(100, true)).toEqual({ method: 'holdout', validationShare: 0.2 });
  });

  it('validates as asked: cv on a large table, holdout on a small one; cv with a time split is refused', () => {
    expect(chooseValidation(1_000_000, false, 'cv')).toEqual({ method: 'cv', folds: 5 });
    expect(chooseValidation(500, false, 'holdout')).toEqual({ method: 'holdout', validationShare: 0.2 });
    expect(chooseValidation(500, false, 'auto')).toEqual({ method: 'cv', folds: 5 });
    const x = col('x', 'DOUBLE');
    expect(analyzeTable(input([x, binaryTarget()], { validation: 'holdout' })).validation).toEqual({ method: 'holdout', validationShare: 0.2 });
    const when = col('when', 'DATE', { distinct: 90 });
    const refused = analyzeTable(input([x, when, binaryTarget()], { timeColumn: 'when', validation: 'cv' }));
    expect(refused.problems).toEqual([expect.objectContaining({ field: 'validation', code: 'ORCH_AUTOML_INVALID' })]);
    expect(analyzeTable(input([x, when, binaryTarget()], { timeColumn: 'when', validation: 'holdout' })).problems).toEqual([]);
  });

  it('refuses a budget that cannot fit one candidate, from rows × features', () => {
    const rows = 2_000_000;
    const wide = Array.from({ length: 40 }, (_, i) => col(`x${i}`, 'DOUBLE', { count: rows, distinct: rows }));
    const y = binaryTarget('y', [[0, rows / 2], [1, rows / 2]], 'BIGINT');
    const small = analyzeTable({ version: { rowCount: rows, columns: [...wide, y] }, target: 'y', maxRuntimeSeconds: 300 });
    expect(codes(small)).toEqual(['ORCH_AUTOML_BUDGET_TOO_SMALL']);
    const needed = small.estimate.featureEngineering + small.estimate.candidate + small.estimate.finalize;
    expect(small.problems[0].message).toContain(`give at least ${needed}`);
    expect(analyzeTable({ version: { rowCount: rows, columns: [...wide, y] }, target: 'y', maxRuntimeSeconds: needed }).problems).toEqual([]);
    // The smallest budget the contract allows fits a small table.
    expect(analyzeTable(input([col('x', 'DOUBLE'), binaryTarget()], { maxRuntimeSeconds: 60 })).problems).toEqual([]);
  });

  it('writes trees and linear recipes: split first (stratified, by time, or random), the encodings per family', () => {
    const cols = [
      col('x', 'DOUBLE', { nulls: 3, count: 97, distinct: 90 }),
      col('color', 'VARCHAR', { distinct: 3, top: [{ value: 'r', count: 50 }, { value: 'g', count: 30 }, { value: 'b', count: 20 }] }),
      col('zip', 'VARCHAR', { distinct: 60, top: [{ value: '1001', count: 5 }] }),
      col('flag', 'BOOLEAN', { distinct: 2 }),
      col('when', 'TIMESTAMP', { distinct: 100 }),
      col('note', 'VARCHAR', { distinct: 90, top: [{ value: 'a long note here', count: 2 }], min: 'another note', max: 'zz top note' }),
      binaryTarget('y', [['a', 55], ['b', 40]]),
    ];
    const a = analyzeTable({ ...input(cols), seed: 7 });
    const [trees, linear] = a.recipes;
    expect(JSON.parse(trees.definition)).toEqual({
      target: 'y',
      steps: [
        { select: { columns: ['x', 'color', 'zip', 'flag', 'when', 'note'] } },
        { filter: { expr: '"y" is not null' } },
        { split: { train: 0.8, validation: 0.2, test: 0, method: 'stratified', seed: 7 } },
        { one_hot: { columns: ['color'], unknown: 'ignore' } },
        { ordinal: { columns: ['zip', 'flag'], unknown: 'ignore' } },
        { date_parts: { columns: ['when'], parts: ['year', 'month', 'day', 'weekday', 'dayofyear', 'hour'], cyclic: false } },
        { tfidf: { columns: ['note'], features: 64 } },
      ],
    });
    expect(JSON.parse(linear.definition).steps.map((s: object) => Object.keys(s)[0])).toEqual(['select', 'filter', 'split', 'impute', 'one_hot', 'target_encode', 'date_parts', 'impute', 'tfidf', 'scale']);
    expect(JSON.parse(linear.unsplitDefinition).steps.some((s: object) => 'split' in s)).toBe(false);
    const byTime = analyzeTable(input(cols, { timeColumn: 'when' })).recipes[0].spec.steps[2];
    expect(byTime).toEqual({ split: { train: 0.8, validation: 0.2, test: 0, method: 'time', seed: 0, column: 'when' } });
    const regression = analyzeTable(input([col('x', 'DOUBLE'), col('y', 'DOUBLE', { distinct: 80 })])).recipes[0].spec.steps;
    expect(regression[2]).toMatchObject({ split: { method: 'random' } });
  });
});

describe('SQL helpers', () => {
  it('quote names and labels', () => {
    expect(targetCountsQuery('cls@3', 'la"bel')).toBe(
      'SELECT "la""bel" AS "value", count(*) AS "count" FROM "cls@3" WHERE "la""bel" IS NOT NULL GROUP BY "la""bel" ORDER BY "count" DESC, "la""bel" LIMIT 1001',
    );
    expect(targetMappingQuery('cls@3', ['x', 'y'], { column: 'y', labels: ["it's", 'b'] })).toBe(
      `SELECT "x", CAST(CASE WHEN "y" = 'it''s' THEN 0 WHEN "y" = 'b' THEN 1 END AS INTEGER) AS "y" FROM "cls@3" WHERE "y" IN ('it''s', 'b')`,
    );
  });
});
