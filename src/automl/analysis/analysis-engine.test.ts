/**
 * The analysis over statistics of really ingested datasets, and its recipes fitted and
 * applied by the real recipe engine: every output column a number, the target class ids
 * 0 … K-1, the split as asked.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { body, openHarness, type Harness } from '../../data/test-harness.js';
import { applyRecipe, fitRecipe, parseRecipe, rowTransform } from '../../recipes/engine/index.js';
import { readTable, tempDir } from '../../recipes/engine/test-table.js';
import { correlationQuery, readCorrelations } from '../reports/index.js';
import { analyzeTable, targetCountsQuery, targetMappingQuery, type Analysis } from './index.js';

/** A deterministic table of 400 rows with every kind of column. */
function csv(): string {
  const cities = ['Auckland', 'Wellington', 'Christchurch', 'Dunedin'];
  const words = ['quick', 'brown', 'fox', 'lazy', 'dog', 'happy', 'slow', 'service', 'price', 'great'];
  const lines = ['id,age,income,city,zip,member,signup,note,plan,level,score,const'];
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < 400; i++) {
    const age = i % 17 === 0 ? '' : String(18 + Math.floor(rand() * 60));
    const income = (20_000 + rand() * 80_000).toFixed(2);
    const city = cities[Math.floor(rand() * cities.length)];
    const zip = `z${String(Math.floor(rand() * 60)).padStart(3, '0')}`;
    const member = rand() < 0.4 ? 'true' : 'false';
    const day = new Date(Date.UTC(2023, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
    const note = i % 9 === 0 ? '' : `"${Array.from({ length: 4 + (i % 5) }, () => words[Math.floor(rand() * words.length)]).join(' ')} ${i}"`;
    const plan = Number(income) > 60_000 ? 'pro' : 'basic';
    const level = ['bronze', 'silver', 'gold', 'platinum', 'diamond', 'ruby', 'jade'][i % 7];
    const score = (Number(income) / 1000 + rand() * 5).toFixed(3);
    lines.push([i + 1, age, income, city, zip, member, day, note, plan, level, score, 'x'].join(','));
  }
  return lines.join('\n') + '\n';
}

describe('analysis over an ingested dataset, recipes through the real engine', () => {
  let h: Harness;
  let dir: string;
  let cleanup: () => Promise<void>;
  let n = 0;

  beforeAll(async () => {
    h = await openHarness();
    ({ dir, cleanup } = await tempDir());
    await h.service.create({ name: 'customers', format: 'csv', header: true, body: body(csv()) });
  });
  afterAll(async () => {
    await h?.cleanup();
    await cleanup?.();
  });

  async function analyze(target: string, extra: { timeColumn?: string; problemType?: 'binary' | 'multiclass' | 'regression' } = {}): Promise<Analysis> {
    const version = await h.service.describe('customers@1');
    const counts = await h.service.query(targetCountsQuery('customers@1', target), { pageSize: 2000 });
    return analyzeTable({
      version,
      target,
      maxRuntimeSeconds: 3600,
      seed: 3,
      targetCounts: counts.rows.map((r) => ({ value: r.value as string | number | boolean, count: Number(r.count) })),
      ...extra,
    });
  }

  /** The dataset the recipes read: the source, or its copy with class ids. */
  async function recipeInput(a: Analysis): Promise<{ parquetPath: string; columns: Array<{ name: string; type: string }> }> {
    let ref = 'customers@1';
    if (a.targetMapping) {
      const version = await h.service.describe(ref);
      const copy = await h.service.createFromQuery({ name: `mapped-${++n}`, sql: targetMappingQuery(ref, version.columns.map((c) => c.name), a.targetMapping) });
      ref = `${copy.name}@${copy.version}`;
    }
    const local = await h.service.localParquet(ref);
    return { parquetPath: local.path, columns: local.version.columns.map((c) => ({ name: c.name, type: c.type })) };
  }

  async function fitAndApply(a: Analysis, variant: 'trees' | 'linear') {
    const recipe = a.recipes.find((r) => r.variant === variant)!;
    const spec = parseRecipe(recipe.definition);
    const input = await recipeInput(a);
    const scratch = path.join(dir, `scratch-${++n}`);
    const fitted = await fitRecipe(spec, input, { scratchDir: scratch });
    const applied = await applyRecipe(fitted, input, { outputDir: path.join(dir, `out-${n}`), scratchDir: scratch, fitRows: true });
    const tables = Object.fromEntries(await Promise.all(applied.outputs.map(async (o) => [o.split, await readTable(o.parquetPath)] as const)));
    return { fitted, applied, tables, online: rowTransform(fitted) };
  }

  it('reads the columns of the ingested table from its statistics', async () => {
    const a = await analyze('plan');
    expect(a.problems).toEqual([]);
    const byName = Object.fromEntries(a.columns.map((c) => [c.name, c.dropReason ?? c.type]));
    expect(byName).toEqual({
      id: 'id-like',
      age: 'numeric',
      income: 'numeric',
      city: 'categorical',
      zip: 'categorical',
      member: 'categorical',
      signup: 'date',
      note: 'text',
      plan: 'target',
      level: 'categorical',
      score: 'numeric',
      const: 'constant',
    });
    expect(a).toMatchObject({ problemType: 'binary', objective: 'auc', classes: ['basic', 'pro'], validation: { method: 'cv', folds: 5 } });
    expect(a.targetMapping).toEqual({ column: 'plan', labels: ['basic', 'pro'] });
  });

  for (const variant of ['trees', 'linear'] as const) {
    it(`binary text target: the ${variant} recipe fits and applies; class ids 0/1, numbers only, stratified 80/20`, async () => {
      const a = await analyze('plan');
      const { applied, tables, online, fitted } = await fitAndApply(a, variant);
      expect(applied.outputs.map((o) => [o.split, o.rows])).toEqual([
        ['train', 320],
        ['validation', 80],
      ]);
      expect(applied.columns[0]).toEqual({ name: 'plan', type: 'BIGINT' });
      const features = applied.columns.slice(1);
      expect(features.every((c) => ['DOUBLE', 'BIGINT', 'FLOAT'].includes(c.type))).toBe(true);
      expect(online.numFeatures).toBe(features.length);
      expect(fitted.inputColumns.map((c) => c.name).sort()).toEqual(['age', 'city', 'income', 'level', 'member', 'note', 'plan', 'score', 'signup', 'zip']);
      const all = [...tables.train.rows, ...tables.validation.rows];
      expect(new Set(all.map((r) => r[0]))).toEqual(new Set([0, 1]));
      // Stratified: the validation share of each class is its share of the whole.
      const share = (rows: unknown[][]) => rows.filter((r) => r[0] === 1).length / rows.length;
      expect(Math.abs(share(tables.validation.rows) - share(all))).toBeLessThan(0.02);
      if (variant === 'linear') {
        // Linear models get no missing values.
        expect(all.every((r) => r.every((v) => typeof v === 'number' && Number.isFinite(v)))).toBe(true);
      } else {
        // Trees keep the missing ages (xgboost routes them).
        const age = tables.train.columns.indexOf('age');
        expect(all.some((r) => r[age] === null || Number.isNaN(r[age] as number))).toBe(true);
      }
    });
  }

  it('multiclass with more classes than the statistics list: the counts read, 7 class ids, both recipes fit', async () => {
    const a = await analyze('level');
    expect(a).toMatchObject({ problemType: 'multiclass', objective: 'accuracy', classes: ['bronze', 'diamond', 'gold', 'jade', 'platinum', 'ruby', 'silver'] });
    for (const variant of ['trees', 'linear'] as const) {
      const { tables } = await fitAndApply(a, variant);
      const labels = new Set([...tables.train.rows, ...tables.validation.rows].map((r) => r[0]));
      expect([...labels].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    }
  });

  it('regression split by time: the latest fifth validates, the target is left as it is', async () => {
    const a = await analyze('score', { timeColumn: 'signup' });
    expect(a).toMatchObject({ problemType: 'regression', objective: 'mse', targetMapping: null, validation: { method: 'holdout', validationShare: 0.2 } });
    for (const variant of ['trees', 'linear'] as const) {
      const { tables, applied } = await fitAndApply(a, variant);
      expect(applied.outputs.map((o) => o.rows)).toEqual([320, 80]);
      expect(applied.columns[0]).toEqual({ name: 'score', type: 'DOUBLE' });
      const year = tables.train.columns.indexOf('signup_year');
      const doy = tables.train.columns.indexOf('signup_dayofyear');
      const key = (r: unknown[]) => (r[year] as number) * 1000 + (r[doy] as number);
      if (variant === 'trees') {
        expect(Math.max(...tables.train.rows.map(key))).toBeLessThan(Math.min(...tables.validation.rows.map(key)));
      }
    }
  });

  it('a category past the engine\'s 1000 values: target-encoded for a binary target, per class for a multiclass one', async () => {
    const lines = ['sku,price,kind,bought'];
    for (let i = 0; i < 1800; i++) lines.push(`sku-${String((i * 7919) % 1300).padStart(4, '0')},${(i % 97) + 0.5},${['a', 'b', 'c'][i % 3]},${i % 5 === 0 ? 'yes' : 'no'}`);
    await h.service.create({ name: 'orders', format: 'csv', header: true, body: body(lines.join('\n') + '\n') });
    const version = await h.service.describe('orders@1');
    const local = await h.service.localParquet('orders@1');
    const input = { parquetPath: local.path, columns: version.columns.map((c) => ({ name: c.name, type: c.type })) };
    for (const [target, encoding] of [['bought', 'target_encode'], ['kind', 'target_encode']] as const) {
      const counts = await h.service.query(targetCountsQuery('orders@1', target), { pageSize: 2000 });
      const a = analyzeTable({ version, target, maxRuntimeSeconds: 3600, targetCounts: counts.rows.map((r) => ({ value: r.value as string, count: Number(r.count) })) });
      expect(a.columns.find((c) => c.name === 'sku')).toMatchObject({ type: 'categorical' });
      const trees = a.recipes[0];
      expect(trees.spec.steps.some((s) => encoding in s && (s as unknown as Record<string, { columns: string[] }>)[encoding].columns.includes('sku'))).toBe(true);
      let data = input;
      if (a.targetMapping) {
        const copy = await h.service.createFromQuery({ name: `orders-${target}`, sql: targetMappingQuery('orders@1', version.columns.map((c) => c.name), a.targetMapping) });
        const l = await h.service.localParquet(`${copy.name}@${copy.version}`);
        data = { parquetPath: l.path, columns: l.version.columns.map((c) => ({ name: c.name, type: c.type })) };
      }
      const fitted = await fitRecipe(parseRecipe(trees.definition), data, { scratchDir: path.join(dir, `scratch-${++n}`) });
      expect(fitted.outputColumns.every((c) => c.type !== 'VARCHAR')).toBe(true);
      // The binary target's mean replaces the column; the three classes make three share columns.
      const skus = fitted.outputColumns.filter((c) => c.name === 'sku' || c.name.startsWith('sku_')).map((c) => c.name);
      expect(skus).toEqual(target === 'bought' ? ['sku'] : ['sku_0', 'sku_1', 'sku_2']);
    }
  });

  it('the correlation query runs through the dataset service and gives Pearson\'s r (point-biserial for binary)', async () => {
    const a = await analyze('plan');
    const q = correlationQuery('customers@1', a)!;
    expect(q.columns).toEqual(['age', 'income', 'member', 'score']);
    const result = await h.service.query(q.sql);
    const r = readCorrelations(q, result.rows[0]);
    // The same by hand over the CSV: income against plan = pro as 1.
    const rows = csv().trim().split('\n').slice(1).map((l) => l.split(','));
    const x = rows.map((f) => Number(f[2]));
    const y = rows.map((f): number => (f[8] === 'pro' ? 1 : 0));
    const mean = (v: number[]) => v.reduce((s, e) => s + e, 0) / v.length;
    const [mx, my] = [mean(x), mean(y)];
    const cov = x.reduce((s, e, i) => s + (e - mx) * (y[i] - my), 0);
    const sx = Math.sqrt(x.reduce((s, e) => s + (e - mx) ** 2, 0));
    const sy = Math.sqrt(y.reduce((s, e) => s + (e - my) ** 2, 0));
    expect(r.income).toBeCloseTo(cov / (sx * sy), 9);
    expect(r.income!).toBeGreaterThan(0.7);
    expect(Math.abs(r.age!)).toBeLessThan(0.3);
  });

  it('refuses what cannot run, every problem at once, before anything runs', async () => {
    const a = await analyze('const', { timeColumn: 'city' });
    expect(a.problems.map((p) => p.code)).toEqual(['ORCH_AUTOML_TARGET_CONSTANT', 'ORCH_AUTOML_INVALID']);
    const b = await analyze('plan', { problemType: 'multiclass' });
    expect(b.problems.map((p) => p.code)).toEqual(['ORCH_AUTOML_TARGET_INVALID']);
  });
});
