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
import { cli, startServer, type RunningServer } from '../support/server.js';

/** Debian's python3-onnx builds the models "made elsewhere" (not the python3 first on PATH). */
const PYTHON = '/usr/bin/python3';
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

describe.each(backends)('ONNX models through the CLI on $name', (backend) => {
  let server: RunningServer;
  let teardown: () => Promise<void>;
  let admin: { url: string; token: string };
  let dir: string;
  let rows: number[][];

  beforeAll(async () => {
    const b = await backend.setup();
    teardown = b.teardown;
    server = await startServer({ ...b.env, ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR });
    admin = { url: server.url, token: server.adminToken };
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-onnx-'));
    buildModels(dir);
    const csv = writeClassificationCsv(path.join(dir, 'tr.csv'), 800, 3);
    rows = fs
      .readFileSync(csv, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(',').map(Number));
    expect((await cli(['datasets', 'create', 'tr', '--file', csv, '--json'], admin)).code).toBe(0);
    const job = await cli(['train', '--name', 'gb1', '--algorithm', 'xgboost', '--train', 'tr', '--hp', 'objective=binary:logistic', '--hp', 'num_round=10', '--wait', '--json'], admin);
    expect(job.code, job.stdout + job.stderr).toBe(0);
  });
  afterAll(async () => {
    await server?.stop();
    await teardown?.();
  });

  async function transformed(model: string, output: string): Promise<Record<string, unknown>[]> {
    const res = await cli(['transform', '--model', model, '--input', 'tr', '--output', output, '--input-filter', '$[1:]', '--shard-rows', '300', '--wait', '--json'], admin);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.json).toMatchObject({ status: 'Completed', rowsProcessed: rows.length });
    return (await new Orchard(admin).datasets.query(`SELECT * FROM ${output}`, { pageSize: rows.length })).rows;
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
    const created = await cli(['models', 'create', 'clf', '--onnx', path.join(dir, 'classifier.onnx'), '--json'], admin);
    expect(created.code, created.stdout + created.stderr).toBe(0);
    expect(created.json.onnx.serving).toEqual({ input: 'x', inputType: 'float32', numFeatures: 4, output: 'probabilities' });
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

  it('refuses a broken or unservable ONNX file with ORCH_MODEL_INVALID and registers nothing', async () => {
    fs.writeFileSync(path.join(dir, 'junk.onnx'), 'this is not a protobuf at all, just text');
    const whole = fs.readFileSync(path.join(dir, 'gemm.onnx'));
    fs.writeFileSync(path.join(dir, 'cut.onnx'), whole.subarray(0, Math.floor(whole.length / 2)));
    for (const [file, message] of [
      ['junk.onnx', /ONNX/],
      ['cut.onnx', /ONNX|onnxruntime/],
      ['strings.onnx', /float tensor \[N, features\]/],
    ] as const) {
      const res = await cli(['models', 'create', 'bad', '--onnx', path.join(dir, file), '--json'], admin);
      expect(res.code, file).not.toBe(0);
      expect(res.json.code, file).toBe('ORCH_MODEL_INVALID');
      expect(res.json.message, file).toMatch(message);
    }
    const listed = await new Orchard(admin).models.list({ nameContains: 'bad' });
    expect(listed.items).toEqual([]);
  });

  it('stores a training job as an ONNX model whose batch transform equals the built-in one', async () => {
    expect((await cli(['models', 'create', 'gb-native', '--from-job', 'gb1', '--json'], admin)).code).toBe(0);
    const res = await cli(['models', 'create', 'gb-onnx', '--from-job', 'gb1', '--format', 'onnx', '--json'], admin);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.json).toMatchObject({
      format: 'onnx',
      algorithm: null,
      lineage: { source: 'training-job', trainingJob: 'gb1', exportedFrom: 'xgboost' },
      onnx: { opsets: { 'ai.onnx': 17, 'ai.onnx.ml': 3 }, serving: { input: 'features', numFeatures: 4, output: 'predictions' }, metadata: { algorithm: 'xgboost' } },
    });
    expect(res.json.artifactKey).toMatch(/^models\/gb-onnx\/[^/]+\/model\.onnx$/);
    expect(res.json.metrics).toEqual((await new Orchard(admin).models.describe('gb-native')).metrics);

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
    const sdk = new Orchard(admin);
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

    // An ONNX model exports as the very file it was made from.
    const again = path.join(dir, 'gemm-again.onnx');
    expect((await cli(['models', 'export', 'gemm', '--output', again], admin)).code).toBe(0);
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
