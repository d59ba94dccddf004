import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAlgorithm, registerBuiltins } from '../../src/algorithms/index.js';
import { Orchard } from '../../src/sdk/index.js';
import { backends, TEST_ATTEMPTS_DIR, writeClassificationCsv } from '../support/backends.js';
import { refusedBySdk } from '../support/refusals.js';
import { alive, cli, startServer, type RunningServer } from '../support/server.js';

/** Debian's python3-onnx builds the models "made elsewhere" (not the python3 first on PATH). */
const PYTHON = '/usr/bin/python3';
/**
 * `npm test` must pass on a fresh machine by itself: without python3-onnx (which .ci/run
 * installs) this file is skipped, and says what to install to run it.
 */
const NEEDS = `${PYTHON} with the onnx module: apt-get install python3-onnx`;
const haveOnnx = (() => {
  try {
    execFileSync(PYTHON, ['-c', 'import onnx'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!haveOnnx) console.warn(`test/integration/onnx-cli.test.ts skipped: it needs ${NEEDS}`);
const W = [0.5, -1, 0.25, 2];
const B = 0.1;
/** LinearClassifier weights per class (2 classes x 4 features) and intercepts. */
const CW = [0.3, 0.2, -0.5, 1, -0.3, -0.2, 0.5, -1];
const CB = [0.05, -0.05];

function buildModels(dir: string): void {
  const script = `
import sys, onnx
from onnx import helper, TensorProto as T
out = sys.argv[1]
W = ${JSON.stringify(W)}; B = ${B}; CW = ${JSON.stringify(CW)}; CB = ${JSON.stringify(CB)}
def save(graph, name, opsets):
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid(d, v) for d, v in opsets], producer_name='handmade')
    m.ir_version = 8
    onnx.checker.check_model(m)
    onnx.save(m, out + '/' + name)
x = helper.make_tensor_value_info('x', T.FLOAT, ['batch', 4])
# A logistic model: Gemm then Sigmoid.
save(helper.make_graph(
    [helper.make_node('Gemm', ['x', 'W', 'B'], ['z']), helper.make_node('Sigmoid', ['z'], ['y'])], 'gemm', [x],
    [helper.make_tensor_value_info('y', T.FLOAT, ['batch', 1])],
    [helper.make_tensor('W', T.FLOAT, [4, 1], W), helper.make_tensor('B', T.FLOAT, [1], [B])]), 'gemm.onnx', [('', 13)])
# A scikit-learn-style classifier without ZipMap: an int64 label first, then probabilities.
save(helper.make_graph(
    [helper.make_node('LinearClassifier', ['x'], ['label', 'probabilities'], domain='ai.onnx.ml', classlabels_ints=[0, 1],
                      coefficients=CW, intercepts=CB, post_transform='SOFTMAX')], 'clf', [x],
    [helper.make_tensor_value_info('label', T.INT64, ['batch']), helper.make_tensor_value_info('probabilities', T.FLOAT, ['batch', 2])]),
    'classifier.onnx', [('', 13), ('ai.onnx.ml', 1)])
# Valid ONNX that Orchard cannot serve: a string input.
s = helper.make_tensor_value_info('s', T.STRING, ['batch', 1])
save(helper.make_graph([helper.make_node('Identity', ['s'], ['t'])], 'strings', [s],
    [helper.make_tensor_value_info('t', T.STRING, ['batch', 1])]), 'strings.onnx', [('', 13)])
`;
  execFileSync(PYTHON, ['-c', script, dir], { stdio: 'pipe' });
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
/** What gemm.onnx computes for one row, by hand from its weights. */
const gemm = (x: number[]) => sigmoid(x.reduce((s, v, j) => s + v * W[j], B));
/** What classifier.onnx's probabilities are for one row: softmax over the two classes' scores. */
const classProbabilities = (x: number[]) => {
  const z = [0, 1].map((c) => x.reduce((s, v, j) => s + v * CW[c * 4 + j], CB[c]));
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  return e.map((v) => v / (e[0] + e[1]));
};

/** Every value within 1e-5 of what was computed by hand, row by row. */
function expectClose(got: number[][], want: number[][], what: string): void {
  expect(got.map((r) => r.length), what).toEqual(want.map((r) => r.length));
  got.forEach((r, i) => r.forEach((v, j) => expect(Math.abs(v - want[i][j]), `${what}: row ${i + 1}, value ${j + 1} is ${v}, not ${want[i][j]}`).toBeLessThanOrEqual(1e-5)));
}

/** CSV predictions (one line per row, `,` between a row's values) as numbers. */
const csvValues = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((l) => l.split(',').map(Number));

describe.skipIf(!haveOnnx).each(backends)(`ONNX models through the CLI on $name (needs ${NEEDS})`, (backend) => {
  // The classifier's endpoint runs on SQLite + files only: on PostgreSQL + S3 an uploaded ONNX
  // model is served from the store by the gemm endpoint case, and the classifier's output rule
  // (the probabilities, not the int64 label) by its batch transform, both in this file.
  const first = backend === backends[0] ? it : it.skip;
  let server: RunningServer;
  let teardown: () => Promise<void>;
  let admin: { url: string; token: string };
  let sdk: Orchard;
  let dir: string;
  let rows: number[][];

  beforeAll(async () => {
    const b = await backend.setup();
    teardown = b.teardown;
    server = await startServer({ ...b.env, ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR });
    admin = { url: server.url, token: server.adminToken };
    sdk = new Orchard(admin);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-onnx-'));
    buildModels(dir);
    const csv = writeClassificationCsv(path.join(dir, 'tr.csv'), 400, 3);
    rows = fs
      .readFileSync(csv, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(',').map(Number));
    // The dataset and the job through the SDK (`datasets create` and `train` run through the CLI in their own suites).
    await sdk.datasets.create({ name: 'tr', file: csv });
    await sdk.training.create({ name: 'gb1', algorithm: 'xgboost', channels: { train: 'tr' }, hyperParameters: { objective: 'binary:logistic', num_round: '4' } });
    const job = await sdk.training.waitFor('gb1', { pollMs: 200 });
    expect(job.status, job.failureReason ?? '').toBe('Completed');
  });
  afterAll(async () => {
    await server?.stop();
    await teardown?.();
  });

  /** A raw HTTP invocation, as curl would make it. */
  const invoke = (name: string, body: string, contentType: string, accept?: string) =>
    fetch(`${admin.url}/api/v1/endpoints/${name}/invocations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.token}`, 'content-type': contentType, ...(accept ? { accept } : {}) },
      body,
    });

  // Endpoints are created and deleted, and batch transforms run, through the SDK polling every
  // 200 ms: `endpoints create|delete --wait` run through the CLI in endpoints-cli.test.ts,
  // `transform --wait` in transform-cli.test.ts.

  /** Deploys a model as the one variant of an endpoint and waits until it is in service; returns the endpoint's instance pids. */
  async function deploy(endpoint: string, model: string): Promise<number[]> {
    await sdk.endpoints.create({ name: endpoint, model });
    const ep = await sdk.endpoints.waitFor(endpoint, { pollMs: 200 });
    expect(ep).toMatchObject({ name: endpoint, status: 'InService', failureReason: null });
    expect(ep.variants.map((v) => [v.name, v.model, v.currentInstances, v.instances.map((i) => i.status)])).toEqual([['AllTraffic', model, 1, ['InService']]]);
    return ep.variants.flatMap((v) => v.instances.map((i) => i.pid as number));
  }

  /** Deletes an endpoint and checks it is gone and its model server stopped. */
  async function undeploy(endpoint: string, pids: number[]): Promise<void> {
    await sdk.endpoints.delete(endpoint);
    await sdk.endpoints.waitForDeletion(endpoint, { pollMs: 200 });
    await expect(sdk.endpoints.describe(endpoint)).rejects.toMatchObject({ code: 'ORCH_ENDPOINT_NOT_FOUND' });
    const after = await invoke(endpoint, '0,0,0,0\n', 'text/csv');
    expect(after.status).toBe(404);
    expect(((await after.json()) as { code: string }).code).toBe('ORCH_ENDPOINT_NOT_FOUND');
    for (const pid of pids) expect(alive(pid), `model server ${pid}`).toBe(false);
  }

  async function transformed(model: string, output: string): Promise<Record<string, unknown>[]> {
    // Two shards of the 400 rows: still split and merged, in one wave on a two-core machine.
    const created = await sdk.transforms.create({ model, input: 'tr', output, inputFilter: '$[1:]', shardRows: 200 });
    const job = await sdk.transforms.waitFor(created.name, { pollMs: 200 });
    expect(job, job.failureReason ?? '').toMatchObject({ status: 'Completed', rowsProcessed: rows.length });
    return (await sdk.datasets.query(`SELECT * FROM ${output}`, { pageSize: rows.length })).rows;
  }

  it('registers an ONNX model made elsewhere, records what it takes and gives, and batch-transforms with it', async () => {
    const created = await cli(['models', 'create', 'gemm', '--onnx', path.join(dir, 'gemm.onnx'), '--json'], admin);
    expect(created.code, created.stdout + created.stderr).toBe(0);
    expect(created.json).toMatchObject({
      format: 'onnx',
      algorithm: null,
      lineage: { source: 'upload' },
      onnx: {
        irVersion: 8,
        producer: 'handmade',
        opsets: { 'ai.onnx': 13 },
        inputs: [{ name: 'x', type: 'float32', shape: ['batch', 4] }],
        outputs: [{ name: 'y', type: 'float32', shape: ['batch', 1] }],
        serving: { input: 'x', output: 'y', numFeatures: 4 },
      },
    });
    const described = await cli(['models', 'describe', 'gemm'], admin);
    expect(described.stdout).toMatch(/onnx opsets\s+ai\.onnx 13/);
    expect(described.stdout).toMatch(/inputs\s+x float32\[batch, 4\]/);

    const out = await transformed('gemm', 'gemm_out');
    expect(Object.keys(out[0])).toEqual(['prediction']);
    out.forEach((r, i) => {
      const x = rows[i].slice(1);
      expect(Number(r.prediction)).toBeCloseTo(sigmoid(x.reduce((s, v, j) => s + v * W[j], B)), 5);
    });
  });

  it('serves a classifier through its probabilities, passing over the int64 label', async () => {
    // Uploaded through the SDK: `models create --onnx` ran through the CLI in the case above.
    const created = await sdk.models.createFromOnnx({ name: 'clf', file: path.join(dir, 'classifier.onnx') });
    expect(created.onnx?.serving).toEqual({ input: 'x', inputType: 'float32', numFeatures: 4, output: 'probabilities' });
    const out = await transformed('clf', 'clf_out');
    expect(Object.keys(out[0])).toEqual(['prediction_0', 'prediction_1']);
    out.forEach((r, i) => {
      const x = rows[i].slice(1);
      const z = [0, 1].map((c) => x.reduce((s, v, j) => s + v * CW[c * 4 + j], CB[c]));
      const p1 = Math.exp(z[1]) / (Math.exp(z[0]) + Math.exp(z[1]));
      expect(Number(r.prediction_1)).toBeCloseTo(p1, 5);
      expect(Number(r.prediction_0) + Number(r.prediction_1)).toBeCloseTo(1, 5);
    });
  });

  it('deploys an ONNX model made elsewhere to an endpoint that answers the CLI, the SDK and HTTP as its weights say', async () => {
    const created = await sdk.models.createFromOnnx({ name: 'gemm-ep', file: path.join(dir, 'gemm.onnx') });
    expect(created).toMatchObject({ format: 'onnx', lineage: { source: 'upload' }, onnx: { serving: { input: 'x', output: 'y', numFeatures: 4 } } });
    const pids = await deploy('onnx-gemm', 'gemm-ep');
    expect(pids.every((p) => p > 0 && alive(p))).toBe(true);

    const xs = rows.slice(0, 12).map((r) => r.slice(1));
    const want = xs.map((x) => [gemm(x)]);
    const csvBody = xs.map((x) => x.join(',')).join('\n') + '\n';

    // The CLI: CSV on standard input, then a JSON body.
    const viaCli = await cli(['endpoints', 'invoke', 'onnx-gemm'], { ...admin, input: csvBody });
    expect(viaCli.code, viaCli.stderr).toBe(0);
    expect(viaCli.stderr).toContain('variant AllTraffic');
    expectClose(csvValues(viaCli.stdout), want, 'CLI, CSV');
    const cliJson = await cli(['endpoints', 'invoke', 'onnx-gemm', '--body', JSON.stringify({ instances: xs.slice(0, 3) }), '--content-type', 'application/json', '--json'], admin);
    expect(cliJson.code, cliJson.stdout + cliJson.stderr).toBe(0);
    expect(cliJson.json).toMatchObject({ variant: 'AllTraffic', contentType: 'application/json' });
    expectClose(
      JSON.parse(cliJson.json.body).predictions.map((p: number) => [p]),
      want.slice(0, 3),
      'CLI, JSON',
    );

    // The SDK: CSV, JSON instances, one JSON row answered as CSV, and JSON Lines out.
    const sdkCsv = await sdk.endpoints.invoke('onnx-gemm', { body: csvBody });
    expect([sdkCsv.contentType, sdkCsv.invokedVariant]).toEqual(['text/csv', 'AllTraffic']);
    expectClose(csvValues(sdkCsv.text()), want, 'SDK, CSV');
    const sdkJson = await sdk.endpoints.invoke('onnx-gemm', { body: JSON.stringify({ instances: xs }), contentType: 'application/json' });
    expect(sdkJson.contentType).toBe('application/json');
    expectClose(
      sdkJson.json<{ predictions: number[] }>().predictions.map((p) => [p]),
      want,
      'SDK, JSON',
    );
    const single = await sdk.endpoints.invoke('onnx-gemm', { body: JSON.stringify({ features: xs[0] }), contentType: 'application/json', accept: 'text/csv' });
    expectClose(csvValues(single.text()), want.slice(0, 1), 'SDK, one JSON row');
    const lines = await sdk.endpoints.invoke('onnx-gemm', { body: csvBody, accept: 'application/jsonlines' });
    expectClose(
      lines
        .text()
        .trim()
        .split('\n')
        .map((l) => [JSON.parse(l).prediction]),
      want,
      'SDK, JSON Lines out',
    );

    // Raw HTTP, as any client calls it.
    const httpCsv = await invoke('onnx-gemm', csvBody, 'text/csv');
    expect(httpCsv.status).toBe(200);
    expect(httpCsv.headers.get('content-type')).toBe('text/csv');
    expect(httpCsv.headers.get('x-amzn-invoked-production-variant')).toBe('AllTraffic');
    expectClose(csvValues(await httpCsv.text()), want, 'HTTP, CSV');
    const httpJson = await invoke('onnx-gemm', JSON.stringify({ instances: xs }), 'application/json');
    expect(httpJson.status).toBe(200);
    expect(httpJson.headers.get('content-type')).toBe('application/json');
    expectClose(
      ((await httpJson.json()) as { predictions: number[] }).predictions.map((p) => [p]),
      want,
      'HTTP, JSON',
    );

    // A row of the wrong width is the caller's mistake, with the endpoints' stable code, whatever the way in.
    const short = await invoke('onnx-gemm', `${xs[0].join(',')}\n${xs[1].slice(0, 3).join(',')}\n`, 'text/csv');
    const shortBody = (await short.json()) as { code: string; message: string; details: { row: number; numFeatures: number } };
    expect(short.status, JSON.stringify(shortBody)).toBe(400);
    expect(shortBody).toMatchObject({ code: 'ORCH_ENDPOINT_BAD_INPUT', details: { row: 2, numFeatures: 4 } });
    expect(shortBody.message).toMatch(/^Row 2: expected 4 features, got 3/);
    const wide = await invoke('onnx-gemm', JSON.stringify({ instances: [xs[0], [1, ...xs[1]]] }), 'application/json');
    const wideBody = (await wide.json()) as { code: string; message: string };
    expect(wide.status, JSON.stringify(wideBody)).toBe(400);
    expect(wideBody.code).toBe('ORCH_ENDPOINT_BAD_INPUT');
    expect(wideBody.message).toMatch(/^Row 2: expected 4 features, got 5 \(send rows without the label column\)/);
    await expect(sdk.endpoints.invoke('onnx-gemm', { body: '1,2\n' })).rejects.toMatchObject({ code: 'ORCH_ENDPOINT_BAD_INPUT', status: 400 });
    const cliBad = await cli(['endpoints', 'invoke', 'onnx-gemm', '--body', '1,2,3,4,5,6\n', '--json'], admin);
    expect(cliBad.code).not.toBe(0);
    expect(cliBad.json?.code, cliBad.stdout + cliBad.stderr).toBe('ORCH_ENDPOINT_BAD_INPUT');
    // The model server is still the same one, and still right.
    expectClose(csvValues((await sdk.endpoints.invoke('onnx-gemm', { body: csvBody })).text()), want, 'SDK, CSV after refusals');
    expect((await sdk.endpoints.describe('onnx-gemm')).variants[0].instances.map((i) => i.pid)).toEqual(pids);

    await undeploy('onnx-gemm', pids);
  });

  first('deploys an outside classifier to an endpoint that answers both class probabilities per row', async () => {
    expect((await sdk.models.createFromOnnx({ name: 'clf-ep', file: path.join(dir, 'classifier.onnx') })).format).toBe('onnx');
    const pids = await deploy('onnx-clf', 'clf-ep');

    const xs = rows.slice(20, 28).map((r) => r.slice(1));
    const want = xs.map(classProbabilities);
    const csvBody = xs.map((x) => x.join(',')).join('\n') + '\n';
    const viaCli = await cli(['endpoints', 'invoke', 'onnx-clf'], { ...admin, input: csvBody });
    expect(viaCli.code, viaCli.stderr).toBe(0);
    expectClose(csvValues(viaCli.stdout), want, 'CLI, CSV');
    const sdkJson = await sdk.endpoints.invoke('onnx-clf', { body: JSON.stringify({ instances: xs }), contentType: 'application/json' });
    expectClose(sdkJson.json<{ predictions: number[][] }>().predictions, want, 'SDK, JSON');
    const httpCsv = await invoke('onnx-clf', csvBody, 'text/csv');
    expect(httpCsv.status).toBe(200);
    expectClose(csvValues(await httpCsv.text()), want, 'HTTP, CSV');
    const httpJson = await invoke('onnx-clf', JSON.stringify({ instances: xs }), 'application/json');
    expect(httpJson.status).toBe(200);
    expectClose(((await httpJson.json()) as { predictions: number[][] }).predictions, want, 'HTTP, JSON');
    const bad = await invoke('onnx-clf', '0.5,0.5\n', 'text/csv');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: string }).code).toBe('ORCH_ENDPOINT_BAD_INPUT');

    await undeploy('onnx-clf', pids);
  });

  it('refuses a broken or unservable ONNX file with ORCH_MODEL_INVALID and registers nothing', async () => {
    fs.writeFileSync(path.join(dir, 'junk.onnx'), 'this is not a protobuf at all, just text');
    const whole = fs.readFileSync(path.join(dir, 'gemm.onnx'));
    fs.writeFileSync(path.join(dir, 'cut.onnx'), whole.subarray(0, Math.floor(whole.length / 2)));
    // The CLI's refusal (exit code, the `--json` error) once; the other two files through the SDK, the same upload.
    const res = await cli(['models', 'create', 'bad', '--onnx', path.join(dir, 'junk.onnx'), '--json'], admin);
    expect(res.code, 'junk.onnx').not.toBe(0);
    expect(res.json.code, 'junk.onnx').toBe('ORCH_MODEL_INVALID');
    expect(res.json.message, 'junk.onnx').toMatch(/ONNX/);
    for (const [file, message] of [
      ['cut.onnx', /ONNX|onnxruntime/],
      ['strings.onnx', /float tensor \[N, features\]/],
    ] as const) {
      const refused = await refusedBySdk(sdk.models.createFromOnnx({ name: 'bad', file: path.join(dir, file) }), 'ORCH_MODEL_INVALID');
      expect(refused.message, file).toMatch(message);
    }
    const listed = await sdk.models.list({ nameContains: 'bad' });
    expect(listed.items).toEqual([]);
  });

  it('stores a training job as an ONNX model whose batch transform equals the built-in one', async () => {
    // The native model through the SDK (`models create --from-job` runs through the CLI in models-cli.test.ts).
    await sdk.models.create({ name: 'gb-native', fromJob: 'gb1' });
    const res = await cli(['models', 'create', 'gb-onnx', '--from-job', 'gb1', '--format', 'onnx', '--json'], admin);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.json).toMatchObject({
      format: 'onnx',
      algorithm: null,
      lineage: { source: 'training-job', trainingJob: 'gb1', exportedFrom: 'xgboost' },
      onnx: { opsets: { 'ai.onnx': 17, 'ai.onnx.ml': 3 }, serving: { input: 'features', numFeatures: 4, output: 'predictions' }, metadata: { algorithm: 'xgboost' } },
    });
    expect(res.json.artifactKey).toMatch(/^models\/gb-onnx\/[^/]+\/model\.onnx$/);
    expect(res.json.metrics).toEqual((await sdk.models.describe('gb-native')).metrics);

    const native = await transformed('gb-native', 'gb_native_out');
    const onnx = await transformed('gb-onnx', 'gb_onnx_out');
    onnx.forEach((r, i) => expect(Math.abs(Number(r.prediction) - Number(native[i].prediction))).toBeLessThanOrEqual(1e-5));
  });

  it('exports a built-in model and an ONNX model to a file', async () => {
    const out = path.join(dir, 'exported.onnx');
    const res = await cli(['models', 'export', 'gb-native', '--format', 'onnx', '--output', out, '--json'], admin);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.json).toEqual({ file: out, sizeBytes: fs.statSync(out).size });
    // The exported file serves like the native model it came from.
    const modelDir = path.join(dir, 'gb-native');
    fs.mkdirSync(modelDir);
    const archive = path.join(dir, 'gb-native.tar.gz');
    const stream = await sdk.artifacts.get((await sdk.models.describe('gb-native')).artifactKey);
    await new Promise<void>((resolve, reject) => stream.pipe(fs.createWriteStream(archive)).on('finish', resolve).on('error', reject));
    await tar.x({ file: archive, cwd: modelDir });
    registerBuiltins();
    const x = Float32Array.from(rows.slice(0, 50).flatMap((r) => r.slice(1)));
    x[0] = NaN;
    const expected = (await getAlgorithm('xgboost').load(modelDir)).predict(x, 50);
    const { openOnnxPredictor } = await import('../../src/onnx/index.js');
    const predictor = await openOnnxPredictor(out);
    const got = await predictor.predict(x, 50);
    await predictor.close();
    expect(got.outputsPerRow).toBe(1);
    got.values.forEach((v, i) => expect(Math.abs(v - expected.values[i])).toBeLessThanOrEqual(1e-5));

    // An ONNX model exports as the very file it was made from (through the SDK: `models export` ran through the CLI above).
    const again = path.join(dir, 'gemm-again.onnx');
    expect((await sdk.models.exportOnnx('gemm', again)).sizeBytes).toBe(fs.statSync(path.join(dir, 'gemm.onnx')).size);
    const sha = (f: string) => createHash('sha256').update(fs.readFileSync(f)).digest('hex');
    expect(sha(again)).toBe(sha(path.join(dir, 'gemm.onnx')));
  });

  it('refuses what cannot be made or exported, with stable codes', async () => {
    const absent = await cli(['models', 'export', 'absent', '--output', path.join(dir, 'x.onnx'), '--json'], admin);
    expect(absent.code).not.toBe(0);
    expect(absent.json.code).toBe('ORCH_MODEL_NOT_FOUND');
    const usage = await cli(['models', 'create', 'gb-x', '--from-job', 'gb1', '--format', 'pmml'], admin);
    expect(usage.code).not.toBe(0);
    expect(usage.stderr).toMatch(/pmml/);
    const api = await fetch(`${admin.url}/api/v1/models`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'gb-y', fromJob: 'gb1', format: 'pmml' }),
    });
    expect(api.status).toBe(400);
    expect(((await api.json()) as { code: string }).code).toBe('ORCH_API_BAD_REQUEST');
    expect(fs.existsSync(path.join(dir, 'x.onnx'))).toBe(false);
  });
});
