import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAlgorithm, registerBuiltins } from '../../src/algorithms/index.js';
import { Orchard, OrchardApiError } from '../../src/sdk/index.js';
import { backends, TEST_ATTEMPTS_DIR, writeClassificationCsv } from '../support/backends.js';
import { codeOf } from '../support/refusals.js';
import { alive, cli, startServer, type RunningServer } from '../support/server.js';

/** Rows without the label, as a caller sends them. */
function featureRows(file: string, n: number): string[] {
  return fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .slice(0, n)
    .map((l) => l.slice(l.indexOf(',') + 1));
}

/** A POST whose answer counts even when the server refuses the body before reading it all. */
function rawPost(url: string, token: string, body: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv', 'content-length': body.length } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    // The server answers and closes before the body is all sent: the write may fail first.
    req.on('error', (err) => setTimeout(() => reject(err), 2000));
    req.end(body);
  });
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.each(backends)('real-time endpoints through the CLI, SDK and HTTP on $name', (backend) => {
  // The blue/green rollout under load and the in-place weights and instance counts start new
  // model servers (three) on SQLite + files only: the runtime that carries them out is the same
  // on both backends, and on PostgreSQL + S3 sagemaker-api.test.ts rolls out an UpdateEndpoint
  // blue/green and applies UpdateEndpointWeightsAndCapacities through the same service calls.
  const first = backend === backends[0] ? it : it.skip;
  let server: RunningServer;
  let teardown: () => Promise<void>;
  let admin: { url: string; token: string };
  let sdk: Orchard;
  let dir: string;
  let rows: string[];
  let expected: Float32Array;

  /** A raw HTTP call, as curl would make it. */
  const post = (name: string, body: string | Buffer, headers: Record<string, string> = {}, token = admin.token) =>
    fetch(`${admin.url}/api/v1/endpoints/${name}/invocations`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv', ...headers }, body });

  beforeAll(async () => {
    const b = await backend.setup();
    teardown = b.teardown;
    server = await startServer({ ...b.env, ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR, ORCHARD_ENDPOINT_CAPTURE_FLUSH_MS: '300' });
    admin = { url: server.url, token: server.adminToken };
    sdk = new Orchard(admin);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-endpoints-'));
    // The two models to serve, made through the SDK (`datasets create`, `train` and `models create`
    // run through the CLI in their own suites): small data, few rounds, two different models.
    const csv = writeClassificationCsv(path.join(dir, 'tr.csv'), 300, 7);
    await sdk.datasets.create({ name: 'tr', file: csv });
    for (const [job, rounds] of [
      ['gb1', '5'],
      ['gb2', '2'],
    ]) {
      await sdk.training.create({ name: job, algorithm: 'xgboost', channels: { train: 'tr' }, hyperParameters: { objective: 'binary:logistic', num_round: rounds } });
    }
    for (const job of ['gb1', 'gb2']) {
      const done = await sdk.training.waitFor(job, { pollMs: 200 });
      expect(done.status, `${job}: ${done.failureReason}`).toBe('Completed');
    }
    await sdk.models.create({ name: 'm1', fromJob: 'gb1' });
    await sdk.models.create({ name: 'm2', fromJob: 'gb2' });

    // What the model predicts, loaded here from its artifact.
    rows = featureRows(csv, 50);
    const archive = path.join(dir, 'm1.tar.gz');
    const stream = await sdk.artifacts.get((await sdk.models.describe('m1')).artifactKey);
    await new Promise<void>((resolve, reject) => stream.pipe(fs.createWriteStream(archive)).on('finish', resolve).on('error', reject));
    fs.mkdirSync(path.join(dir, 'm1'));
    await tar.x({ file: archive, cwd: path.join(dir, 'm1') });
    registerBuiltins();
    const predictor = await getAlgorithm('xgboost').load(path.join(dir, 'm1'));
    expected = predictor.predict(Float32Array.from(rows.flatMap((r) => r.split(',').map(Number))), rows.length).values;
  });
  afterAll(async () => {
    await server?.stop();
    await teardown?.();
  });

  it('deploys two variants from a training job and splits traffic by weight', async () => {
    const res = await cli(['endpoints', 'create', 'e1', '--variant', 'A:m1:1:4', '--variant', 'B:m1:1:1', '--capture-percent', '100', '--wait', '--json'], admin);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.json).toMatchObject({ name: 'e1', status: 'InService', dataCapture: { percent: 100, destination: 'endpoints/e1/capture/' } });
    expect(res.json.variants.map((v: any) => [v.name, v.model, v.currentWeight, v.currentInstances, v.desiredInstances, v.instances[0].status])).toEqual([
      ['A', 'm1', 4, 1, 1, 'InService'],
      ['B', 'm1', 1, 1, 1, 'InService'],
    ]);

    const counts: Record<string, number> = { A: 0, B: 0 };
    for (let i = 0; i < 400; i += 20) {
      const batch = await Promise.all(Array.from({ length: 20 }, (_, k) => post('e1', rows[(i + k) % rows.length] + '\n')));
      for (const r of batch) {
        expect(r.status).toBe(200);
        counts[r.headers.get('x-amzn-invoked-production-variant')!]++;
        await r.text();
      }
    }
    expect(counts.A + counts.B).toBe(400);
    // 80/20 by weight: 320 expected for A; the binomial spread is 8 requests.
    expect(Math.abs(counts.A / 400 - 0.8), JSON.stringify(counts)).toBeLessThan(0.06);

    for (let i = 0; i < 10; i++) {
      const r = await post('e1', rows[i] + '\n', { 'x-amzn-sagemaker-target-variant': 'B' });
      expect(r.headers.get('x-amzn-invoked-production-variant')).toBe('B');
      expect(Number(await r.text())).toBeCloseTo(expected[i], 6);
    }
    const described = await sdk.endpoints.describe('e1');
    const [a, b] = described.variants;
    expect(a.counters.invocations).toBe(counts.A);
    expect(b.counters.invocations).toBe(counts.B + 10);
    expect(a.counters.lastMinute + b.counters.lastMinute).toBe(410);
    expect(a.counters.modelLatencyMs).toBeGreaterThan(0);
  });

  it('answers CSV, JSON and JSON Lines, in the type Accept asks for', async () => {
    const csvBody = rows.slice(0, 5).join('\n') + '\n';
    const csv = await sdk.endpoints.invoke('e1', { body: csvBody });
    expect(csv.contentType).toBe('text/csv');
    const fromCsv = csv.text().trim().split('\n').map(Number);
    fromCsv.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));

    const instances = rows.slice(0, 5).map((r) => r.split(',').map(Number));
    const json = await sdk.endpoints.invoke('e1', { body: JSON.stringify({ instances }), contentType: 'application/json' });
    expect(json.contentType).toBe('application/json');
    expect(json.json<{ predictions: number[] }>().predictions).toEqual(fromCsv);

    const single = await sdk.endpoints.invoke('e1', { body: JSON.stringify({ features: instances[0] }), contentType: 'application/json', accept: 'text/csv' });
    expect(single.text()).toBe(`${fromCsv[0]}\n`);

    const jsonl = await sdk.endpoints.invoke('e1', { body: instances.map((x, i) => JSON.stringify(i % 2 ? x : { features: x })).join('\n'), contentType: 'application/jsonlines', accept: 'application/json' });
    expect(jsonl.json<{ predictions: number[] }>().predictions).toEqual(fromCsv);

    const out = await sdk.endpoints.invoke('e1', { body: csvBody, accept: 'application/jsonlines' });
    expect(out.contentType).toBe('application/jsonlines');
    expect(out.text().trim().split('\n').map((l) => JSON.parse(l).prediction)).toEqual(fromCsv);
  });

  it('invokes through the CLI', async () => {
    const res = await cli(['endpoints', 'invoke', 'e1', '--target-variant', 'A'], { ...admin, input: rows.slice(0, 3).join('\n') + '\n' });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain('variant A');
    res.stdout
      .trim()
      .split('\n')
      .forEach((v, i) => expect(Number(v)).toBeCloseTo(expected[i], 6));
    const json = await cli(['endpoints', 'invoke', 'e1', '--body', JSON.stringify({ instances: [rows[0].split(',').map(Number)] }), '--content-type', 'application/json', '--json'], admin);
    expect(json.json.contentType).toBe('application/json');
    expect(JSON.parse(json.json.body).predictions[0]).toBeCloseTo(expected[0], 6);
  });

  it('refuses what it cannot serve with stable codes', async () => {
    const expectError = async (r: Response, status: number, code: string) => {
      const body = (await r.json()) as { code: string; message: string; details?: { row?: number } };
      expect(r.status, JSON.stringify(body)).toBe(status);
      expect(body.code).toBe(code);
      return body;
    };
    const tooLarge = await rawPost(`${admin.url}/api/v1/endpoints/e1/invocations`, admin.token, Buffer.alloc(6 * 1024 * 1024 + 10, 48));
    expect(tooLarge.status).toBe(413);
    expect(JSON.parse(tooLarge.body).code).toBe('ORCH_API_BODY_TOO_LARGE');
    const bad = await expectError(await post('e1', `${rows[0]}\n${rows[1]}\n${rows[2]},9\n`), 400, 'ORCH_ENDPOINT_BAD_INPUT');
    expect(bad.details?.row).toBe(3);
    expect(bad.message).toMatch(/^Row 3: expected 4 features, got 5/);
    const nan = await expectError(await post('e1', `${rows[0]}\n0.1,abc,0.3,0.4\n`), 400, 'ORCH_ENDPOINT_BAD_INPUT');
    expect(nan.message).toBe('Row 2, column 2: "abc" is not a number');
    await expectError(await post('e1', rows[0], { 'content-type': 'text/plain' }), 415, 'ORCH_ENDPOINT_UNSUPPORTED_CONTENT_TYPE');
    await expectError(await post('e1', rows[0], { accept: 'image/png' }), 406, 'ORCH_ENDPOINT_UNSUPPORTED_ACCEPT');
    await expectError(await post('e1', rows[0], { 'x-amzn-sagemaker-target-variant': 'C' }), 400, 'ORCH_ENDPOINT_VARIANT_NOT_FOUND');
    await expectError(await post('nope', rows[0]), 404, 'ORCH_ENDPOINT_NOT_FOUND');
    await expectError(await post('bad_name', rows[0]), 400, 'ORCH_API_BAD_REQUEST');
    await expectError(await fetch(`${admin.url}/api/v1/endpoints/e1/invocations`, { method: 'POST', body: rows[0] }), 401, 'ORCH_AUTH_MISSING_TOKEN');
    await expectError(await post('e1', rows[0], {}, 'not-a-token'), 401, 'ORCH_AUTH_INVALID_TOKEN');

    // Invoking needs endpoints:invoke: a viewer may look but not call; an invoker may call but not look.
    for (const [user, role] of [
      ['vic', 'viewer'],
      ['ivy', 'invoker'],
    ]) {
      await sdk.users.create({ name: user, role: role as 'viewer' });
    }
    const viewer = (await sdk.tokens.create({ user: 'vic' })).token;
    const invoker = (await sdk.tokens.create({ user: 'ivy' })).token;
    await expectError(await post('e1', rows[0], {}, viewer), 403, 'ORCH_AUTH_FORBIDDEN');
    expect((await new Orchard({ url: admin.url, token: viewer }).endpoints.describe('e1')).name).toBe('e1');
    expect((await post('e1', rows[0], {}, invoker)).status).toBe(200);
    await expect(new Orchard({ url: admin.url, token: invoker }).endpoints.describe('e1')).rejects.toMatchObject({ code: 'ORCH_AUTH_FORBIDDEN' });

    // Each command's refusal through the CLI (exit code, the `--json` error's code) once; the
    // other bad creates through the SDK, with the request the CLI sends for those options.
    const cases: Array<[string[], string]> = [
      [['create', 'e9', '--model', 'absent'], 'ORCH_MODEL_NOT_FOUND'],
      [['set-weights', 'e1', '--variant', 'Z:1'], 'ORCH_ENDPOINT_VARIANT_NOT_FOUND'],
      [['autoscale', 'e1', '--variant', 'A', '--min', '3', '--max', '2', '--target', '10'], 'ORCH_ENDPOINT_INVALID'],
      [['describe', 'nope'], 'ORCH_ENDPOINT_NOT_FOUND'],
    ];
    for (const [args, code] of cases) {
      const res = await cli(['endpoints', ...args, '--json'], admin);
      expect(res.code, args.join(' ')).not.toBe(0);
      expect(res.json?.code, `${args.join(' ')}: ${res.stdout}${res.stderr}`).toBe(code);
    }
    const creates: Array<[string, Parameters<typeof sdk.endpoints.create>[0], string]> = [
      ['--model m1 (e1 exists)', { name: 'e1', model: 'm1' }, 'ORCH_ENDPOINT_EXISTS'],
      ['--variant A:m1:1:0', { name: 'e9', variants: [{ name: 'A', model: 'm1', instances: 1, weight: 0 }] }, 'ORCH_ENDPOINT_INVALID'],
      ['--variant A:m1 --variant A:m1', { name: 'e9', variants: [{ name: 'A', model: 'm1' }, { name: 'A', model: 'm1' }] }, 'ORCH_ENDPOINT_INVALID'],
      ['--model m1 --variant A:m1', { name: 'e9', model: 'm1', variants: [{ name: 'A', model: 'm1' }] }, 'ORCH_ENDPOINT_INVALID'],
      ['--variant A:m1:99', { name: 'e9', variants: [{ name: 'A', model: 'm1', instances: 99 }] }, 'ORCH_API_BAD_REQUEST'],
    ];
    for (const [what, input, code] of creates) expect(await codeOf(sdk.endpoints.create(input)), what).toBe(code);
    // `models delete`'s CLI refusal is in models-cli.test.ts.
    expect(await codeOf(sdk.models.delete('m1'))).toBe('ORCH_MODEL_IN_USE');
  });

  it('captures sampled requests and responses as JSON Lines in the artifact store', async () => {
    const files = await until('captured files', async () => {
      const list = await sdk.artifacts.list('endpoints/e1/capture/');
      return list.length > 0 && list;
    });
    expect(files[0].key).toMatch(/^endpoints\/e1\/capture\/(A|B)\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/[\w-]+\.jsonl$/);
    const text = await new Promise<string>(async (resolve, reject) => {
      let s = '';
      (await sdk.artifacts.get(files[0].key)).on('data', (c: Buffer) => (s += c)).on('end', () => resolve(s)).on('error', reject);
    });
    const record = JSON.parse(text.trim().split('\n')[0]);
    expect(record).toMatchObject({
      captureData: { endpointInput: { mode: 'INPUT', observedContentType: 'text/csv', encoding: 'CSV' }, endpointOutput: { mode: 'OUTPUT', observedContentType: 'text/csv', encoding: 'CSV' } },
      eventVersion: '0',
    });
    expect(record.captureData.endpointInput.data.split(',').length).toBe(4);
    expect(Number(record.captureData.endpointOutput.data)).toBeGreaterThanOrEqual(0);
    // Users cannot write into the platform's folder.
    await expect(sdk.artifacts.delete(files[0].key)).rejects.toMatchObject({ code: 'ORCH_ARTIFACT_INVALID_KEY' });
  });

  first('rolls out an update without dropping a request', async () => {
    const before = (await sdk.endpoints.describe('e1')).variants.flatMap((v) => v.instances.map((i) => i.pid!));
    let stop = false;
    const statuses: number[] = [];
    const models = new Set<string>();
    const load = Promise.all(
      Array.from({ length: 4 }, async (_, k) => {
        for (let i = 0; !stop; i++) {
          const r = await post('e1', rows[(i + k) % rows.length] + '\n');
          statuses.push(r.status);
          models.add(Math.abs(Number(await r.text()) - expected[(i + k) % rows.length]) < 1e-6 ? 'm1' : 'other');
        }
      }),
    );
    const res = await cli(['endpoints', 'update', 'e1', '--variant', 'A:m2:1:1', '--variant', 'B:m1:1:1', '--wait', '--json'], admin);
    // Keep calling the new configuration for a moment.
    await new Promise((r) => setTimeout(r, 500));
    stop = true;
    await load;
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.json).toMatchObject({ status: 'InService', failureReason: null });
    expect(res.json.variants.map((v: any) => [v.name, v.model, v.currentWeight])).toEqual([
      ['A', 'm2', 1],
      ['B', 'm1', 1],
    ]);
    expect(statuses.length).toBeGreaterThan(20);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(models.has('other')).toBe(true);
    const after = res.json.variants.flatMap((v: any) => v.instances.map((i: any) => i.pid));
    expect(after.some((p: number) => before.includes(p))).toBe(false);
    for (const pid of before) expect(alive(pid)).toBe(false);
  });

  first('changes weights and instance counts in place', async () => {
    const res = await cli(['endpoints', 'set-weights', 'e1', '--variant', 'A:0', '--variant', 'B:1:2', '--wait', '--json'], admin);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.json.variants.map((v: any) => [v.name, v.currentWeight, v.currentInstances, v.desiredInstances])).toEqual([
      ['A', 0, 1, 1],
      ['B', 1, 2, 2],
    ]);
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const r = await post('e1', rows[i] + '\n');
      seen.add(r.headers.get('x-amzn-invoked-production-variant')!);
      await r.text();
    }
    expect([...seen]).toEqual(['B']);
    // A weight of 0 still serves callers that name the variant.
    expect((await post('e1', rows[0], { 'x-amzn-sagemaker-target-variant': 'A' })).status).toBe(200);
    const human = await cli(['endpoints', 'describe', 'e1'], admin);
    expect(human.stdout).toMatch(/InService/);
    expect(human.stdout).toContain('2/2');
  });

  it('serves an ONNX model the same as the built-in it was exported from', async () => {
    // Through the SDK: `models create --format onnx` runs through the CLI in onnx-cli.test.ts, `endpoints create --wait` above.
    expect((await sdk.models.create({ name: 'm1-onnx', fromJob: 'gb1', format: 'onnx' })).format).toBe('onnx');
    await sdk.endpoints.create({ name: 'e2', model: 'm1-onnx' });
    expect((await sdk.endpoints.waitFor('e2', { pollMs: 200 })).status).toBe('InService');
    const res = await sdk.endpoints.invoke('e2', { body: rows.slice(0, 20).join('\n') });
    res
      .text()
      .trim()
      .split('\n')
      .forEach((v, i) => expect(Number(v)).toBeCloseTo(expected[i], 5));
  });

  it('lists and deletes endpoints; their model servers stop', async () => {
    const listed = await cli(['endpoints', 'list', '--json'], admin);
    expect(listed.json.items.map((e: any) => e.name)).toEqual(['e2', 'e1']);
    expect((await sdk.endpoints.list({ nameContains: '2' })).total).toBe(1);
    const pids = (await sdk.endpoints.describe('e1')).variants.flatMap((v) => v.instances.map((i) => i.pid!));
    const res = await cli(['endpoints', 'delete', 'e1', '--wait', '--json'], admin);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    await expect(sdk.endpoints.describe('e1')).rejects.toBeInstanceOf(OrchardApiError);
    expect((await post('e1', rows[0])).status).toBe(404);
    for (const pid of pids) expect(alive(pid)).toBe(false);
    // The second delete and the model's through the SDK (`endpoints delete --wait` just above, `models delete` in models-cli.test.ts).
    await sdk.endpoints.delete('e2');
    await sdk.endpoints.waitForDeletion('e2', { pollMs: 200 });
    await sdk.models.delete('m1');
    expect(await codeOf(sdk.models.describe('m1'))).toBe('ORCH_MODEL_NOT_FOUND');
  });
});
