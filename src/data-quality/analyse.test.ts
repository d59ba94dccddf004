import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { body, openHarness, type Harness } from '../data/test-harness.js';
import { analyseDataset, type AnalyseInput } from './analyse.js';
import type { DataQualityContent } from './types.js';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

let h: Harness;

beforeAll(async () => {
  h = await openHarness();
});
afterAll(async () => h?.cleanup());

/** Creates a dataset from CSV lines (with a header) and analyses it. */
async function report(name: string, lines: string[], target: string | null, problemType: AnalyseInput['problemType'], limits?: AnalyseInput['limits']): Promise<DataQualityContent> {
  await h.service.create({ name, format: 'csv', header: true, body: body(lines.join('\n') + '\n') });
  const local = await h.service.localParquet(name);
  return analyseDataset({
    parquet: local.path,
    dataset: { name, version: local.version.version, rows: local.version.rowCount, columns: local.version.columns },
    target,
    problemType,
    workDir: path.join(h.workDir, `dq-${name}`),
    limits,
  });
}

describe('a binary-target report', () => {
  let r: DataQualityContent;
  beforeAll(async () => {
    const rand = rng(11);
    const lines = ['id,city,constant,amount,x,leak,noise,sparse,label'];
    for (let i = 0; i < 2000; i++) {
      const x = rand() * 2 - 1;
      // The label follows x with noise: x predicts it well, but not perfectly.
      const label = x + (rand() * 2 - 1) * 0.9 > 1.15 ? 1 : 0;
      const amount = i % 100 === 0 ? 1000 : rand() * 10;
      const sparse = rand() < 0.6 ? '' : (rand() * 5).toFixed(3);
      lines.push([i + 1, `c${i % 150}`, 'same', amount.toFixed(4), x.toFixed(5), label ? 'pos' : 'neg', rand().toFixed(5), sparse, label].join(','));
    }
    r = await report('binary', lines, 'label', 'binary');
  });
  const col = (name: string) => r.columns.find((c) => c.name === name)!;

  it('summarises rows, columns and missing cells', () => {
    expect(r.summary).toMatchObject({ rows: 2000, columns: 9, duplicateRows: 0, sampleRows: 2000 });
    expect(r.summary.missingCells).toBe(col('sparse').missing);
    expect(col('sparse').missingShare).toBeGreaterThan(0.55);
    expect(col('sparse').missingShare).toBeLessThan(0.65);
  });

  it('flags the ID column, the constant one and the high-cardinality one, and nothing else', () => {
    expect(r.columns.filter((c) => c.idLike).map((c) => c.name)).toEqual(['id']);
    expect(r.columns.filter((c) => c.constant).map((c) => c.name)).toEqual(['constant']);
    expect(r.columns.filter((c) => c.highCardinality).map((c) => c.name)).toEqual(['city']);
    expect(col('city')).toMatchObject({ kind: 'categorical', distinct: 150 });
  });

  it('counts the planted outliers exactly', () => {
    expect(col('amount').outliers).toMatchObject({ count: 20, share: 0.01 });
    expect(col('noise').outliers?.count).toBe(0);
    expect(col('amount').histogram).toHaveLength(20);
  });

  it('reports the class distribution and the imbalance', () => {
    const t = r.target!;
    expect(t.problemType).toBe('binary');
    expect(t.classes!.map((c) => c.value)).toEqual([0, 1]);
    expect(t.classes![0].count + t.classes![1].count).toBe(2000);
    expect(t.imbalance!.minorityClass).toBe(1);
    expect(t.imbalance!.minorityShare).toBeLessThan(0.1);
    expect(r.warnings.find((w) => w.kind === 'class-imbalance')).toMatchObject({ column: 'label' });
  });

  it('finds the leaking column and not the merely predictive one', () => {
    expect(r.target!.leakage).toEqual([{ column: 'leak', score: 1, metric: 'auc' }]);
    expect(col('x').predictivePower).toBeGreaterThan(0.75);
    expect(col('x').predictivePower).toBeLessThan(0.99);
    expect(Math.abs(col('noise').predictivePower! - 0.5)).toBeLessThan(0.15);
    expect(r.warnings.filter((w) => w.kind === 'target-leakage').map((w) => [w.severity, w.column])).toEqual([['high', 'leak']]);
  });

  it('trains the quick model without the ID and constant columns; importances sum to 1', () => {
    const fi = r.featureImportance!;
    expect(fi).toMatchObject({ model: 'xgboost', objective: 'binary:logistic', validationMetric: 'auc' });
    expect(fi.trainRows + fi.validationRows).toBe(2000);
    expect(fi.excluded).toEqual([{ column: 'id', reason: 'ID-like' }, { column: 'constant', reason: 'constant' }]);
    expect(fi.features.reduce((s, f) => s + f.importance, 0)).toBeCloseTo(1, 6);
    expect(fi.features[0].column).toBe('leak');
    expect(fi.validationScore).toBeGreaterThan(0.95);
  });

  it('lists warnings most severe first', () => {
    const order = { high: 0, medium: 1, low: 2 };
    const ranks = r.warnings.map((w) => order[w.severity]);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(r.warnings.map((w) => w.kind)).toEqual(expect.arrayContaining(['missing-values', 'id-like-column', 'constant-column', 'high-cardinality', 'outliers', 'class-imbalance', 'target-leakage']));
    expect(r.summary.warnings.high + r.summary.warnings.medium + r.summary.warnings.low).toBe(r.warnings.length);
  });
});

describe('a regression-target report', () => {
  it('counts duplicates, finds a copy of the target, and ranks the feature that drives it first', async () => {
    const rand = rng(7);
    const lines = ['a,b,y,y_copy'];
    const rows: string[] = [];
    for (let i = 0; i < 600; i++) {
      const a = rand() * 10;
      const b = rand() * 10;
      const y = (3 * a + (rand() - 0.5) * 6).toFixed(4);
      rows.push([a.toFixed(4), b.toFixed(4), y, y].join(','));
    }
    // Four exact repeats of earlier rows.
    const r = await report('regr', [...lines, ...rows, rows[3], rows[3], rows[10], rows[99]], 'y', 'regression');
    expect(r.summary).toMatchObject({ rows: 604, duplicateRows: 4 });
    expect(r.warnings.find((w) => w.kind === 'duplicate-rows')).toMatchObject({ severity: 'low' });
    expect(r.target).toMatchObject({ problemType: 'regression', classes: null, imbalance: null, leakage: [{ column: 'y_copy', score: 1, metric: 'identical' }] });
    const fi = r.featureImportance!;
    expect(fi.validationMetric).toBe('r2');
    expect(fi.features.map((f) => f.column)).toEqual(['y_copy', 'a', 'b']);
  });

  it('ranks the driving feature first without a leak, on a multiclass target from a sample', async () => {
    const rand = rng(5);
    const lines = ['noise1,driver,noise2,colour'];
    for (let i = 0; i < 3000; i++) {
      const d = rand();
      lines.push([rand().toFixed(4), d.toFixed(4), rand().toFixed(4), d < 0.3 ? 'red' : d < 0.6 ? 'green' : 'blue'].join(','));
    }
    const r = await report('multi', lines, 'colour', 'multiclass', { sampleRows: 1500, modelRows: 1000 });
    expect(r.summary).toMatchObject({ rows: 3000, sampleRows: 1500, modelRows: 1000 });
    expect(r.target!.classes!.map((c) => c.value).sort()).toEqual(['blue', 'green', 'red']);
    expect(r.target!.classes!.reduce((n, c) => n + c.count, 0)).toBe(3000);
    const fi = r.featureImportance!;
    expect(fi.objective).toBe('multi:softprob');
    expect(fi.features[0]).toMatchObject({ column: 'driver' });
    expect(fi.features[0].importance).toBeGreaterThan(0.8);
    expect(fi.validationScore).toBeGreaterThan(0.9);
  });
});
