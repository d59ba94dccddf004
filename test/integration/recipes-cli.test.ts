import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchard } from '../../src/sdk/index.js';
import { backends, TEST_ATTEMPTS_DIR } from '../support/backends.js';
import { cli, startServer, type RunningServer } from '../support/server.js';
import { codeOf } from '../support/refusals.js';

const COLORS = ['red', 'green', 'blue'];
const CITIES = ['Auckland', 'Wellington, NZ', 'Dunedin'];

interface RawRow {
  y: number;
  color: string | null;
  city: string;
  size: number | null;
  x: number;
}

/** A seeded table with categories (one holding a comma) and missing values; the label depends on both. */
function rawRows(count: number, seed: number): RawRow[] {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  return Array.from({ length: count }, (_, i) => {
    const color = i % 7 === 3 ? null : COLORS[Math.floor(rand() * 3)];
    const city = CITIES[Math.floor(rand() * 3)];
    const size = i % 5 === 1 ? null : Math.round(rand() * 1000) / 100;
    const x = Math.round((rand() * 4 - 2) * 1000) / 1000;
    const y = (color === 'red' ? 1 : 0) + (x > 0 ? 1 : 0) + (rand() < 0.1 ? 1 : 0) >= 1 && !(city === 'Dunedin' && x < -1) ? 1 : 0;
    return { y, color, city, size, x };
  });
}

const csvField = (v: string | number | null) => (v === null ? '' : typeof v === 'string' && /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : String(v));

const YAML_RECIPE = `# categories one-hot, missing sizes imputed, numbers scaled
target: y
steps:
  - impute:
      columns: [size]
      strategy: mean
  - one_hot:
      columns: [color, city]
      unknown: error
  - scale:
      columns: [size, x]
      method: standard
`;

const JSON_RECIPE = JSON.stringify({
  target: 'y',
  steps: [{ one_hot: { columns: ['color', 'city'] } }, { impute: { columns: ['size'], strategy: 'median' } }, { drop: { columns: ['x'] } }, { split: { train: 0.6, validation: 0.2, test: 0.2, seed: 7 } }],
});


describe.each(backends)('recipes through the CLI on $name', (backend) => {
  let server: RunningServer;
  let teardown: () => Promise<void>;
  let admin: { url: string; token: string };
  let dir: string;
  let rows: RawRow[];
  let inputOrder: string[];

  beforeAll(async () => {
    const b = await backend.setup();
    teardown = b.teardown;
    server = await startServer({ ...b.env, ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR });
    admin = { url: server.url, token: server.adminToken };
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-recipes-'));
    rows = rawRows(240, 3);
    const csv = ['y,color,city,size,x', ...rows.map((r) => [r.y, r.color, r.city, r.size, r.x].map(csvField).join(','))].join('\n') + '\n';
    fs.writeFileSync(path.join(dir, 'raw.csv'), csv);
    fs.writeFileSync(path.join(dir, 'recipe.yaml'), YAML_RECIPE);
    fs.writeFileSync(path.join(dir, 'recipe.json'), JSON_RECIPE);
    const res = await cli(['datasets', 'create', 'raw', '--file', path.join(dir, 'raw.csv'), '--header', '--json'], admin);
    expect(res.code, res.stdout + res.stderr).toBe(0);
  });
  afterAll(async () => {
    await server?.stop();
    await teardown?.();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates recipes from YAML and JSON, fits versions and describes them', async () => {
    const yaml = await cli(['recipes', 'create', 'prep', '--file', path.join(dir, 'recipe.yaml'), '--description', 'basic', '--json'], admin);
    expect(yaml.code, yaml.stdout + yaml.stderr).toBe(0);
    expect(yaml.json).toMatchObject({ name: 'prep', target: 'y', fitCount: 0, latestFit: null, description: 'basic' });
    expect(yaml.json.steps.map((s: object) => Object.keys(s)[0])).toEqual(['impute', 'one_hot', 'scale']);
    const json = await cli(['recipes', 'create', 'splitter', '--file', path.join(dir, 'recipe.json'), '--json'], admin);
    expect(json.code, json.stdout + json.stderr).toBe(0);
    expect(json.json.steps).toHaveLength(4);

    const fit = await cli(['recipes', 'fit', 'prep', '--dataset', 'raw', '--json'], admin);
    expect(fit.code, fit.stdout + fit.stderr).toBe(0);
    expect(fit.json).toMatchObject({ recipe: 'prep', version: 1, ref: 'prep@1', status: 'Completed', dataset: { dataset: 'raw', version: 1 }, target: 'y', numFeatures: 8 });
    inputOrder = fit.json.inputColumns.map((c: { name: string }) => c.name);
    expect([...inputOrder].sort()).toEqual(['city', 'color', 'size', 'x']);
    expect(fit.json.outputColumns[0].name).toBe('y');

    const again = await cli(['recipes', 'fit', 'prep', '--dataset', 'raw@1', '--json'], admin);
    expect(again.json).toMatchObject({ recipe: 'prep', version: 2 });
    const described = await cli(['recipes', 'describe', 'prep', '--json'], admin);
    expect(described.json).toMatchObject({ name: 'prep', fitCount: 2, latestFit: 2 });
    expect(described.json.fits.map((f: { ref: string }) => f.ref)).toEqual(['prep@2', 'prep@1']);
    const listed = await cli(['recipes', 'list', '--json'], admin);
    expect(listed.json.items.map((r: { name: string }) => r.name).sort()).toEqual(['prep', 'splitter']);
    const human = await cli(['recipes', 'describe', 'prep'], admin);
    expect(human.stdout).toMatch(/prep@2/);
  }, 180_000);

  it('applies a fit into a dataset version tagged with its lineage', async () => {
    const res = await cli(['recipes', 'apply', 'prep@1', '--dataset', 'raw', '--output', 'prepared', '--wait', '--json'], admin);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.json).toMatchObject({ dataset: 'prepared@1', recipe: 'prep@1', source: 'raw@1', status: 'Completed', rows: { all: 240 } });
    expect(res.json.splits).toBeUndefined();
    const sdk = new Orchard(admin);
    const out = await sdk.datasets.describe('prepared@1');
    expect(out.rowCount).toBe(240);
    expect(out.columns[0].name).toBe('y');
    expect(out.columns).toHaveLength(9);
    expect(out.tags).toMatchObject({ recipe: 'prep', recipeFit: 'prep@1', sourceDataset: 'raw@1', recipeJob: res.json.job });
    const job = await cli(['recipes', 'job', res.json.job, '--json'], admin);
    expect(job.json).toMatchObject({ kind: 'apply', status: 'Completed', fitVersion: 1, outputs: [{ split: 'all', ref: 'prepared@1', rows: 240 }] });
  });

  it('applies a split recipe into one dataset per split', async () => {
    expect((await cli(['recipes', 'fit', 'splitter', '--dataset', 'raw', '--json'], admin)).json.version).toBe(1);
    const res = await cli(['recipes', 'apply', 'splitter', '--dataset', 'raw', '--output', 'parts', '--wait', '--json'], admin);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.json).toMatchObject({ dataset: 'parts-train@1', splits: { train: 'parts-train@1', validation: 'parts-validation@1', test: 'parts-test@1' } });
    const total = res.json.rows.train + res.json.rows.validation + res.json.rows.test;
    expect(total).toBe(240);
    expect(res.json.rows.train).toBeGreaterThan(res.json.rows.test);
    const sdk = new Orchard(admin);
    for (const split of ['train', 'validation', 'test']) {
      const v = await sdk.datasets.describe(`parts-${split}`);
      expect(v.rowCount).toBe(res.json.rows[split]);
      expect(v.tags).toMatchObject({ split, recipeFit: 'splitter@1' });
    }
    expect((await sdk.datasets.list({ prefix: 'parts' })).items.map((d) => d.name).sort()).toEqual(['parts-test', 'parts-train', 'parts-validation']);
  });

  it('refuses bad recipes and references with stable codes, and a failed apply registers nothing', async () => {
    fs.writeFileSync(path.join(dir, 'missing.yaml'), 'target: y\nsteps:\n  - one_hot:\n      columns: [colour]\n');
    expect((await cli(['recipes', 'create', 'missing', '--file', path.join(dir, 'missing.yaml'), '--json'], admin)).code).toBe(0);
    const missing = await cli(['recipes', 'fit', 'missing', '--dataset', 'raw', '--json'], admin);
    expect(missing.code).not.toBe(0);
    expect(missing.json.code).toBe('ORCH_RECIPE_COLUMN_MISSING');
    expect(missing.json.message).toMatch(/colour/);

    fs.writeFileSync(path.join(dir, 'broken.yaml'), 'steps:\n  - explode: {columns: [x]}\n');
    const broken = await cli(['recipes', 'create', 'broken', '--file', path.join(dir, 'broken.yaml'), '--json'], admin);
    expect(broken.json.code).toBe('ORCH_RECIPE_INVALID');

    // Each command's refusal once through the CLI (fit's and create's are above); the other
    // refusals through the SDK, the request the CLI sends, without a process each.
    const cases: Array<[string[], string]> = [
      [['recipes', 'apply', 'prep@9', '--dataset', 'raw', '--output', 'o'], 'ORCH_RECIPE_FIT_NOT_FOUND'],
      [['recipes', 'describe', 'nope'], 'ORCH_RECIPE_NOT_FOUND'],
      [['recipes', 'job', 'nope'], 'ORCH_RECIPE_JOB_NOT_FOUND'],
    ];
    const answers = await Promise.all(cases.map(([args]) => cli([...args, '--json'], admin)));
    cases.forEach(([args, code], i) => {
      expect(answers[i].code, args.join(' ')).not.toBe(0);
      expect(answers[i].json?.code, args.join(' ')).toBe(code);
    });
    const sdk = new Orchard(admin);
    const sdkCases: Array<[string, () => Promise<unknown>, string]> = [
      ['apply missing', () => sdk.recipes.startApply('missing', { dataset: 'raw', output: 'o' }), 'ORCH_RECIPE_FIT_NOT_FOUND'],
      ['apply nope@1', () => sdk.recipes.startApply('nope@1', { dataset: 'raw', output: 'o' }), 'ORCH_RECIPE_NOT_FOUND'],
      ['apply prep@x', () => sdk.recipes.startApply('prep@x', { dataset: 'raw', output: 'o' }), 'ORCH_RECIPE_JOB_INVALID'],
      ['apply to absent', () => sdk.recipes.startApply('prep', { dataset: 'absent', output: 'o' }), 'ORCH_DATASET_NOT_FOUND'],
      ['fit prep@1', () => sdk.recipes.startFit('prep@1', { dataset: 'raw' }), 'ORCH_RECIPE_JOB_INVALID'],
      ['create prep again', () => sdk.recipes.create({ name: 'prep', definition: YAML_RECIPE }), 'ORCH_RECIPE_EXISTS'],
    ];
    for (const [what, call, code] of sdkCases) expect(await codeOf(call()), what).toBe(code);

    // A category the fit never saw, under `unknown: error`: the job fails and no dataset is left.
    const lines = fs.readFileSync(path.join(dir, 'raw.csv'), 'utf8').trim().split('\n').slice(0, 30);
    lines[12] = '1,purple,Dunedin,1.5,0.25';
    fs.writeFileSync(path.join(dir, 'purple.csv'), lines.join('\n') + '\n');
    expect((await cli(['datasets', 'create', 'purple', '--file', path.join(dir, 'purple.csv'), '--header', '--json'], admin)).code).toBe(0);
    const failed = await cli(['recipes', 'apply', 'prep@1', '--dataset', 'purple', '--output', 'leak', '--wait', '--json'], admin);
    expect(failed.code).not.toBe(0);
    expect(failed.json).toMatchObject({ status: 'Failed', outputs: [] });
    expect(failed.json.failureReason).toMatch(/ORCH_RECIPE_UNKNOWN_CATEGORY.*purple/);
    expect((await new Orchard(admin).datasets.list({ prefix: 'leak' })).items).toEqual([]);
  }, 180_000);

  // On SQLite + files only: a model with a recipe is served from PostgreSQL + S3 (with Redis) in
  // monitor-cli.test.ts's fleet case (its requests are raw rows through the recipe), and fits and
  // applies run there in prepare-fleet.test.ts.
  if (backend === backends[0]) it('serves the recipe and the model as one inference pipeline: raw rows give the plain model’s predictions', async () => {
    // The built-ins train on CSV without a header, the target first: the same fit applied as CSV.
    const csv = await cli(['recipes', 'apply', 'prep@1', '--dataset', 'raw', '--output', 'prepcsv', '--format', 'csv', '--wait', '--json'], admin);
    expect(csv.json, csv.stdout + csv.stderr).toMatchObject({ dataset: 'prepcsv@1', rows: { all: 240 } });
    const csvVersion = await new Orchard(admin).datasets.describe('prepcsv');
    expect(csvVersion).toMatchObject({ format: 'csv', header: false, rowCount: 240 });
    expect(csvVersion.columns).toHaveLength(9);
    const train = await cli(['train', '--name', 'gbr', '--algorithm', 'xgboost', '--train', 'prepcsv', '--hp', 'objective=binary:logistic', '--hp', 'num_round=12', '--hp', 'max_depth=3', '--wait', '--json'], admin);
    expect(train.code, train.stdout + train.stderr).toBe(0);
    expect((await cli(['models', 'create', 'plain', '--from-job', 'gbr', '--json'], admin)).code).toBe(0);
    const pipe = await cli(['models', 'create', 'pipe', '--from-job', 'gbr', '--recipe', 'prep@1', '--json'], admin);
    expect(pipe.code, pipe.stdout + pipe.stderr).toBe(0);
    expect(pipe.json).toMatchObject({ name: 'pipe', algorithm: 'xgboost', lineage: { trainingJob: 'gbr', recipe: 'prep@1' }, recipe: { ref: 'prep@1', numFeatures: 8, target: 'y' } });
    expect(pipe.json.recipe.inputColumns.map((c: { name: string }) => c.name)).toEqual(inputOrder);
    // The model keeps its own copy: a recipe fit of another width is refused.
    const wrong = await cli(['models', 'create', 'wrong', '--from-job', 'gbr', '--recipe', 'splitter@1', '--json'], admin);
    expect(wrong.json.code).toBe('ORCH_MODEL_SOURCE_INVALID');

    for (const [name, model] of [
      ['pipe-ep', 'pipe'],
      ['plain-ep', 'plain'],
    ]) {
      const ep = await cli(['endpoints', 'create', name, '--model', model, '--wait', '--json'], admin);
      expect(ep.json?.status, ep.stdout + ep.stderr).toBe('InService');
    }

    // Raw rows (strings, categories, missing values; no target) against the recipe-applied rows.
    const sdk = new Orchard(admin);
    const applied = await sdk.datasets.query('SELECT * FROM prepared', { pageSize: 1000 });
    const featureNames = (await sdk.datasets.describe('prepared')).columns.slice(1).map((c) => c.name);
    const numeric = applied.rows.map((r) => featureNames.map((c) => (r[c] === null ? '' : String(r[c]))).join(',')).join('\n') + '\n';
    const raw = rows.map((r) => inputOrder.map((c) => csvField(r[c as keyof RawRow])).join(',')).join('\n') + '\n';
    const viaPlain = await cli(['endpoints', 'invoke', 'plain-ep', '--json'], { ...admin, input: numeric });
    const viaPipe = await cli(['endpoints', 'invoke', 'pipe-ep', '--json'], { ...admin, input: raw });
    expect(viaPlain.code, viaPlain.stdout + viaPlain.stderr).toBe(0);
    expect(viaPipe.code, viaPipe.stdout + viaPipe.stderr).toBe(0);
    const plainPredictions = viaPlain.json.body.trim().split('\n');
    expect(plainPredictions).toHaveLength(240);
    expect(new Set(plainPredictions).size).toBeGreaterThan(2);
    expect(viaPipe.json.body.trim().split('\n')).toEqual(plainPredictions);

    // JSON instances by column name, and arrays in input order, answer the same.
    const instances = rows.slice(0, 5).map((r) => Object.fromEntries(inputOrder.map((c) => [c, r[c as keyof RawRow]])));
    const byName = await cli(['endpoints', 'invoke', 'pipe-ep', '--content-type', 'application/json', '--body', JSON.stringify({ instances }), '--json'], admin);
    expect(JSON.parse(byName.json.body).predictions.map(String)).toEqual(plainPredictions.slice(0, 5));
    const arrays = await cli(['endpoints', 'invoke', 'pipe-ep', '--content-type', 'application/json', '--body', JSON.stringify({ instances: instances.map((o) => inputOrder.map((c) => o[c])) }), '--json'], admin);
    expect(JSON.parse(arrays.json.body).predictions.map(String)).toEqual(plainPredictions.slice(0, 5));

    // An unknown category under `unknown: error` is a 400 naming the value; a row of the wrong width too.
    const bad = inputOrder.map((c) => (c === 'color' ? 'purple' : c === 'city' ? 'Dunedin' : '1')).join(',');
    const unknown = await cli(['endpoints', 'invoke', 'pipe-ep', '--json'], { ...admin, input: bad + '\n' });
    expect(unknown.code).not.toBe(0);
    expect(unknown.json).toMatchObject({ code: 'ORCH_RECIPE_UNKNOWN_CATEGORY' });
    expect(unknown.json.message).toMatch(/purple/);
    const narrow = await cli(['endpoints', 'invoke', 'pipe-ep', '--json'], { ...admin, input: 'red,1\n' });
    expect(narrow.json.code).toBe('ORCH_ENDPOINT_BAD_INPUT');

    // Batch transform over a raw CSV dataset (no header, no target) gives the same numbers.
    fs.writeFileSync(path.join(dir, 'rawin.csv'), raw);
    expect((await cli(['datasets', 'create', 'rawin', '--file', path.join(dir, 'rawin.csv'), '--json'], admin)).code).toBe(0);
    const transform = await cli(['transform', '--name', 'tpipe', '--model', 'pipe', '--input', 'rawin', '--output', 'scored', '--shard-rows', '100', '--wait', '--json'], admin);
    expect(transform.code, transform.stdout + transform.stderr).toBe(0);
    expect(transform.json).toMatchObject({ status: 'Completed', rowsProcessed: 240, shards: { total: 3 } });
    const scored = await sdk.datasets.query('SELECT prediction FROM scored', { pageSize: 1000 });
    expect(scored.rows.map((r) => Math.fround(Number(r.prediction)))).toEqual(plainPredictions.map((p: string) => Math.fround(Number(p))));
  }, 300_000);
});
