/**
 * knn, randomcutforest and factorization-machines end to end through the CLI on the
 * built server: train (with test metrics), register, deploy, invoke in SageMaker's
 * formats, batch transform; and bad requests refused with the field named.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchard } from '../../src/sdk/index.js';
import { backends, TEST_ATTEMPTS_DIR } from '../support/backends.js';
import { cli, startServer, type RunningServer } from '../support/server.js';
import { seededRandom as random } from '../support/random.js';

/** Three classes around well-separated centres in 4 dimensions: `label,x1..x4`. */
function knnRows(rows: number, seed: number): string[] {
  const r = random(seed);
  return Array.from({ length: rows }, () => {
    const c = r.int(3);
    return [c, ...[0, 1, 2, 3].map((j) => (j === c ? 6 : 0) + r.normal()).map((v) => v.toFixed(4))].join(',');
  });
}

/** Normal rows around the origin in 3 dimensions (no label). */
function rcfRows(rows: number, seed: number): string[] {
  const r = random(seed);
  return Array.from({ length: rows }, () => [r.normal(), r.normal(), r.normal()].map((v) => v.toFixed(4)).join(','));
}

/** One-hot user (0–9) and item (10–19); label 1 when their hidden tastes agree. */
function fmRecords(rows: number, seed: number): { label: number; keys: number[] }[] {
  const r = random(seed);
  return Array.from({ length: rows }, () => {
    const u = r.int(10);
    const i = r.int(10);
    return { label: u % 2 === i % 2 ? 1 : 0, keys: [u, 10 + i] };
  });
}

const FM_HP = ['feature_dim=20', 'num_factors=4', 'predictor_type=binary_classifier', 'epochs=25', 'mini_batch_size=50', 'factors_lr=0.05', 'linear_lr=0.05', 'bias_lr=0.05', 'factors_init_sigma=0.1'];
const hps = (list: string[]) => list.flatMap((h) => ['--hp', h]);

// Both backends side by side, and the cases of each at once (suites marked concurrent): each case
// waits on its own training jobs, endpoint and transform, so together they take little more than
// the slowest.
describe.concurrent.each(backends)('knn, randomcutforest and factorization-machines through the CLI on $name', (backend) => {
  let server: RunningServer;
  let teardown: () => Promise<void>;
  let admin: { url: string; token: string };
  let dir: string;
  const post = (endpoint: string, body: string, contentType: string, accept?: string) =>
    fetch(`${admin.url}/api/v1/endpoints/${endpoint}/invocations`, { method: 'POST', headers: { authorization: `Bearer ${admin.token}`, 'content-type': contentType, ...(accept ? { accept } : {}) }, body });

  beforeAll(async () => {
    const b = await backend.setup();
    teardown = b.teardown;
    server = await startServer({ ...b.env, ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR });
    admin = { url: server.url, token: server.adminToken };
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-algos-'));
    const fmTrain = fmRecords(2000, 5);
    const files: Record<string, string> = {
      'knn-train.csv': knnRows(1500, 1).join('\n'),
      'knn-test.csv': knnRows(300, 2).join('\n'),
      'rcf-train.csv': rcfRows(2000, 3).join('\n'),
      'rcf-test.csv': [...rcfRows(190, 4).map((l) => `0,${l}`), ...Array.from({ length: 10 }, (_, i) => `1,${7 + i * 0.1},-7,7`)].join('\n'),
      'fm-train.jsonl': fmTrain.map((l) => JSON.stringify({ label: l.label, features: { keys: l.keys, values: [1, 1] } })).join('\n'),
      // The same records as dense CSV (label first), for CSV training and batch transform.
      'fm-dense.csv': fmTrain.map((l) => [l.label, ...Array.from({ length: 20 }, (_, j) => (l.keys.includes(j) ? 1 : 0))].join(',')).join('\n'),
    };
    // Uploaded through the SDK, side by side (`datasets create` is the datasets CLI suite's).
    const sdk = new Orchard(admin);
    await Promise.all(
      Object.entries(files).map(([name, text]) => {
        fs.writeFileSync(path.join(dir, name), text + '\n');
        return sdk.datasets.create({ name: name.replace(/\..*$/, ''), file: path.join(dir, name) });
      }),
    );
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await teardown?.();
  });

  it('knn: trains an IVF classifier, answers labels and verbose neighbours, and batch-transforms', async () => {
    const hp = ['feature_dim=4', 'k=5', 'predictor_type=classifier', 'sample_size=1200', 'index_type=faiss.IVFFlat', 'faiss_index_ivf_nlists=8', 'faiss_index_nprobe=3'];
    const job = await cli(['train', '--name', 'knn1', '--algorithm', 'knn', '--train', 'knn-train', '--channel', 'test=knn-test', ...hps(hp), '--wait', '--json'], admin);
    expect(job.code, job.stdout + job.stderr).toBe(0);
    expect(job.json.status).toBe('Completed');
    expect(job.json.finalMetrics['test:accuracy']).toBeGreaterThan(0.95);
    expect((await cli(['models', 'create', 'knn-m', '--from-job', 'knn1', '--json'], admin)).code).toBe(0);
    const ep = await cli(['endpoints', 'create', 'knn-e', '--variant', 'A:knn-m:1:1', '--wait', '--json'], admin);
    expect(ep.code, ep.stdout + ep.stderr).toBe(0);
    const rows = [
      [6, 0, 0, 0],
      [0, 6, 0, 0],
      [0, 0, 6, 0],
    ];
    const plain = await post('knn-e', JSON.stringify({ instances: rows }), 'application/json');
    expect(plain.status).toBe(200);
    expect(await plain.json()).toEqual({ predictions: [{ predicted_label: 0 }, { predicted_label: 1 }, { predicted_label: 2 }] });
    const verbose = await post('knn-e', rows.map((r) => r.join(',')).join('\n'), 'text/csv', 'application/json; verbose=true');
    const doc = (await verbose.json()) as { predictions: { predicted_label: number; labels: number[]; distances: number[] }[] };
    expect(doc.predictions[1].labels).toEqual([1, 1, 1, 1, 1]);
    expect(doc.predictions[1].distances).toHaveLength(5);
    expect(doc.predictions[1].distances).toEqual([...doc.predictions[1].distances].sort((a, b) => a - b));
    const bad = await post('knn-e', '1,2,3\n', 'text/csv');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: string; message: string }).message).toMatch(/expected 4 features, got 3/);

    const t = await cli(['transform', '--name', 'knn-t', '--model', 'knn-m', '--input', 'knn-test', '--output', 'knn-scored', '--input-filter', '$[1:]', '--join-source', 'Input', '--wait', '--json'], admin);
    expect(t.code, t.stdout + t.stderr).toBe(0);
    const page = await new Orchard(admin).datasets.query('SELECT count(*) AS n, sum(CASE WHEN prediction = _c0 THEN 1 ELSE 0 END) AS hits FROM "knn-scored"', { pageSize: 1 });
    expect(Number(page.rows[0].n)).toBe(300);
    expect(Number(page.rows[0].hits)).toBeGreaterThan(285);
  });

  it('randomcutforest: trains with test metrics, scores anomalies high, and batch-transforms', async () => {
    const job = await cli(['train', '--name', 'rcf1', '--algorithm', 'randomcutforest', '--train', 'rcf-train', '--channel', 'test=rcf-test', ...hps(['feature_dim=3', 'num_trees=60', 'num_samples_per_tree=128']), '--wait', '--json'], admin);
    expect(job.code, job.stdout + job.stderr).toBe(0);
    expect(job.json.finalMetrics['test:recall']).toBe(1);
    expect(job.json.finalMetrics['test:f1']).toBeGreaterThan(0.8);
    expect((await cli(['models', 'create', 'rcf-m', '--from-job', 'rcf1', '--json'], admin)).code).toBe(0);
    const ep = await cli(['endpoints', 'create', 'rcf-e', '--variant', 'A:rcf-m:1:1', '--wait', '--json'], admin);
    expect(ep.code, ep.stdout + ep.stderr).toBe(0);
    const r = await post('rcf-e', '0.1,-0.2,0.3\n9,-9,9\n', 'text/csv', 'application/json');
    expect(r.status).toBe(200);
    const doc = (await r.json()) as { scores: { score: number }[] };
    expect(doc.scores).toHaveLength(2);
    expect(doc.scores[1].score).toBeGreaterThan(2 * doc.scores[0].score);
    const lines = await post('rcf-e', JSON.stringify({ features: [0, 0, 0] }) + '\n', 'application/jsonlines');
    expect(Object.keys(JSON.parse((await lines.text()).trim()))).toEqual(['score']);

    const t = await cli(['transform', '--name', 'rcf-t', '--model', 'rcf-m', '--input', 'rcf-test', '--output', 'rcf-scored', '--input-filter', '$[1:]', '--join-source', 'Input', '--wait', '--json'], admin);
    expect(t.code, t.stdout + t.stderr).toBe(0);
    const page = await new Orchard(admin).datasets.query('SELECT _c0 AS label, avg(prediction) AS score FROM "rcf-scored" GROUP BY _c0 ORDER BY _c0', { pageSize: 2 });
    expect(Number(page.rows[1].score)).toBeGreaterThan(2 * Number(page.rows[0].score));

    // Stored exported to ONNX, the same model batch-transforms through onnxruntime to the native scores.
    const onnx = await cli(['models', 'create', 'rcf-onnx', '--from-job', 'rcf1', '--format', 'onnx', '--json'], admin);
    expect(onnx.code, onnx.stdout + onnx.stderr).toBe(0);
    const o = await cli(['transform', '--name', 'rcf-t-onnx', '--model', 'rcf-onnx', '--input', 'rcf-test', '--output', 'rcf-scored-onnx', '--input-filter', '$[1:]', '--join-source', 'Input', '--wait', '--json'], admin);
    expect(o.code, o.stdout + o.stderr).toBe(0);
    const same = await new Orchard(admin).datasets.query('SELECT count(*) AS n, max(abs(a.prediction - b.prediction) / (abs(a.prediction) + 1e-30)) AS gap FROM "rcf-scored" a JOIN "rcf-scored-onnx" b USING (_c0, _c1, _c2, _c3)', { pageSize: 1 });
    expect(Number(same.rows[0].n)).toBeGreaterThanOrEqual(t.json.input.rows);
    expect(Number(same.rows[0].gap)).toBeLessThanOrEqual(1e-6);
  });

  it('factorization-machines: trains from sparse JSON Lines and from CSV, answers score and predicted_label, and batch-transforms', async () => {
    const job = await cli(['train', '--name', 'fm1', '--algorithm', 'factorization-machines', '--train', 'fm-train', '--channel', 'test=fm-train', ...hps(FM_HP), '--wait', '--json'], admin);
    expect(job.code, job.stdout + job.stderr).toBe(0);
    expect(job.json.finalMetrics['test:binary_classification_accuracy']).toBeGreaterThan(0.95);
    expect(job.json.metrics.filter((p: { name: string }) => p.name === 'train:binary_classification_cross_entropy')).toHaveLength(25);
    const csvJob = await cli(['train', '--name', 'fm2', '--algorithm', 'factorization-machines', '--train', 'fm-dense', ...hps(FM_HP), '--wait', '--json'], admin);
    expect(csvJob.code, csvJob.stdout + csvJob.stderr).toBe(0);
    expect((await cli(['models', 'create', 'fm-m', '--from-job', 'fm1', '--json'], admin)).code).toBe(0);
    expect((await cli(['models', 'create', 'fm-m2', '--from-job', 'fm2', '--json'], admin)).code).toBe(0);
    const ep = await cli(['endpoints', 'create', 'fm-e', '--variant', 'A:fm-m:1:1', '--wait', '--json'], admin);
    expect(ep.code, ep.stdout + ep.stderr).toBe(0);
    // User 2 with item 4 (tastes agree), user 2 with item 3 (they do not).
    const sparse = { instances: [{ data: { features: { keys: [2, 14], shape: [20], values: [1, 1] } } }, { data: { features: { keys: [2, 13], shape: [20], values: [1, 1] } } }] };
    const r = await post('fm-e', JSON.stringify(sparse), 'application/json');
    expect(r.status).toBe(200);
    const doc = (await r.json()) as { predictions: { score: number; predicted_label: number }[] };
    expect(doc.predictions.map((p) => p.predicted_label)).toEqual([1, 0]);
    expect(doc.predictions[0].score).toBeGreaterThan(0.5);
    const bad = await post('fm-e', JSON.stringify({ instances: [{ keys: [25], values: [1] }] }), 'application/json');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: string }).code).toBe('ORCH_MODEL_INPUT_INVALID');

    const t = await cli(['transform', '--name', 'fm-t', '--model', 'fm-m2', '--input', 'fm-dense', '--output', 'fm-scored', '--input-filter', '$[1:]', '--join-source', 'Input', '--wait', '--json'], admin);
    expect(t.code, t.stdout + t.stderr).toBe(0);
    const page = await new Orchard(admin).datasets.query('SELECT count(*) AS n, sum(CASE WHEN prediction_1 = _c0 THEN 1 ELSE 0 END) AS hits, min(prediction_0) AS lo, max(prediction_0) AS hi FROM "fm-scored"', { pageSize: 1 });
    expect(Number(page.rows[0].n)).toBe(2000);
    expect(Number(page.rows[0].hits)).toBeGreaterThan(1900);
    expect(Number(page.rows[0].lo)).toBeGreaterThanOrEqual(0);
    expect(Number(page.rows[0].hi)).toBeLessThanOrEqual(1);
  });

  it('refuses bad input with the field named: before the job where it can, in the job’s failure otherwise', async () => {
    const kTooBig = await cli(['train', '--name', 'bad1', '--algorithm', 'knn', '--train', 'knn-train', ...hps(['feature_dim=4', 'k=50', 'predictor_type=classifier', 'sample_size=10']), '--json'], admin);
    expect(kTooBig.code).not.toBe(0);
    expect(kTooBig.json.code).toBe('ORCH_HYPERPARAMETER_INVALID');
    expect(kTooBig.json.details.errors.map((e: { field: string }) => e.field)).toEqual(['k']);
    const wrongFormat = await cli(['train', '--name', 'bad2', '--algorithm', 'randomcutforest', '--train', 'fm-train', ...hps(['feature_dim=3']), '--json'], admin);
    expect(wrongFormat.json.code).toBe('ORCH_TRAINING_DATA_INVALID');
    const pq = await cli(['train', '--name', 'bad3', '--algorithm', 'knn', '--train', 'knn-train', ...hps(['feature_dim=4', 'k=5', 'predictor_type=classifier', 'sample_size=100', 'index_type=faiss.IVFPQ', 'faiss_index_pq_m=3']), '--json'], admin);
    expect(pq.json.details.errors.map((e: { field: string }) => e.field)).toEqual(['faiss_index_pq_m']);

    // Labels out of range for a binary classifier: known only once the data is read.
    const labels = await cli(['train', '--name', 'fm-bad', '--algorithm', 'factorization-machines', '--train', 'knn-train', ...hps(['feature_dim=4', 'num_factors=2', 'predictor_type=binary_classifier']), '--wait', '--json'], admin);
    expect(labels.json.status).toBe('Failed');
    expect(labels.json.failureReason).toMatch(/needs labels 0 or 1; got 2/);
    const width = await cli(['train', '--name', 'rcf-bad', '--algorithm', 'randomcutforest', '--train', 'knn-train', ...hps(['feature_dim=3']), '--wait', '--json'], admin);
    expect(width.json.status).toBe('Failed');
    expect(width.json.failureReason).toMatch(/feature_dim is 3 but channel "train" rows have 5 columns/);
  });
});
