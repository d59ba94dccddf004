import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, TEST_ATTEMPTS_DIR } from '../support/backends.js';
import { cli, startServer, type RunningServer } from '../support/server.js';

const COLORS = ['red', 'green', 'blue'];

/** Seeded rows: the label depends on x and color; noise is unrelated. */
function rawRows(count: number): Array<{ y: number; color: string; x: number; noise: number }> {
  let s = 5;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  return Array.from({ length: count }, () => {
    const color = COLORS[Math.floor(rand() * 3)];
    const x = Math.round((rand() * 4 - 2) * 1000) / 1000;
    const noise = Math.round(rand() * 1000) / 1000;
    const y = x + (color === 'red' ? 1.2 : 0) + (rand() - 0.5) > 0.3 ? 1 : 0;
    return { y, color, x, noise };
  });
}

const RECIPE = JSON.stringify({ target: 'y', steps: [{ one_hot: { columns: ['color'] } }, { scale: { columns: ['x'] } }] });

interface Explained {
  predictions: number[];
  explanations: Array<{ base: number; attributions: Record<string, number> }>;
}

describe.each(backends)('explanations from a real endpoint on $name', (backend) => {
  let server: RunningServer;
  let teardown: () => Promise<void>;
  let admin: { url: string; token: string };
  let dir: string;
  const rows = rawRows(300);
  const invoke = (route: string, body: string, headers: Record<string, string>) =>
    fetch(`${admin.url}${route}`, { method: 'POST', headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'text/csv', ...headers }, body });

  beforeAll(async () => {
    const b = await backend.setup();
    teardown = b.teardown;
    server = await startServer({ ...b.env, ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR });
    admin = { url: server.url, token: server.adminToken };
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-explain-'));
    fs.writeFileSync(path.join(dir, 'raw.csv'), ['y,color,x,noise', ...rows.map((r) => `${r.y},${r.color},${r.x},${r.noise}`)].join('\n') + '\n');
    fs.writeFileSync(path.join(dir, 'recipe.json'), RECIPE);
    const steps: string[][] = [
      ['datasets', 'create', 'raw', '--file', path.join(dir, 'raw.csv'), '--header'],
      ['recipes', 'create', 'prep', '--file', path.join(dir, 'recipe.json')],
      ['recipes', 'fit', 'prep', '--dataset', 'raw'],
      ['recipes', 'apply', 'prep@1', '--dataset', 'raw', '--output', 'prepcsv', '--format', 'csv', '--wait'],
      ['train', '--name', 'gb', '--algorithm', 'xgboost', '--train', 'prepcsv', '--hp', 'objective=binary:logistic', '--hp', 'num_round=15', '--hp', 'max_depth=3', '--wait'],
      ['models', 'create', 'pipe', '--from-job', 'gb', '--recipe', 'prep@1'],
      ['models', 'create', 'plain', '--from-job', 'gb'],
      ['endpoints', 'create', 'pipe-ep', '--model', 'pipe', '--wait'],
      ['endpoints', 'create', 'plain-ep', '--model', 'plain', '--wait'],
    ];
    for (const step of steps) {
      const res = await cli([...step, '--json'], admin);
      expect(res.code, `${step.join(' ')}: ${res.stdout}${res.stderr}`).toBe(0);
    }
  }, 300_000);
  afterAll(async () => {
    await server?.stop();
    await teardown?.();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers raw-column attributions that sum with the base to each prediction’s log-odds', async () => {
    const sample = rows.slice(0, 20);
    const csv = sample.map((r) => `${r.color},${r.x},${r.noise}`).join('\n') + '\n';
    const viaQuery = await invoke('/api/v1/endpoints/pipe-ep/invocations?explain=true', csv, { accept: 'application/json' });
    expect(viaQuery.status).toBe(200);
    const a = (await viaQuery.json()) as Explained;
    expect(a.predictions).toHaveLength(20);
    expect(a.explanations).toHaveLength(20);
    a.explanations.forEach((e, i) => {
      expect(Object.keys(e.attributions).sort()).toEqual(['color', 'noise', 'x']);
      const margin = e.base + Object.values(e.attributions).reduce((s, v) => s + v, 0);
      expect(1 / (1 + Math.exp(-margin))).toBeCloseTo(a.predictions[i], 5);
    });
    // The model never splits on noise (the recipe drops nothing, but it carries no signal).
    const mean = (k: string) => a.explanations.reduce((s, e) => s + Math.abs(e.attributions[k]), 0) / 20;
    expect(mean('x')).toBeGreaterThan(mean('noise'));

    // SageMaker's custom attributes ask the same, on both invocation routes.
    for (const route of ['/api/v1/endpoints/pipe-ep/invocations', '/endpoints/pipe-ep/invocations']) {
      const res = await invoke(route, csv, { accept: 'application/json', 'x-amzn-sagemaker-custom-attributes': 'trace=1; explain=true' });
      expect(res.status, route).toBe(200);
      expect(await res.json()).toEqual(a);
    }
    // Without the flag the answer is the plain one.
    const plain = await invoke('/api/v1/endpoints/pipe-ep/invocations', csv, { accept: 'application/json' });
    expect(await plain.json()).toEqual({ predictions: a.predictions });
  });

  it('gives feature indexes for a plain model, and refuses explanations in CSV', async () => {
    const prepared = await cli(['datasets', 'query', 'SELECT * FROM prepcsv LIMIT 3', '--json'], admin);
    expect(prepared.code, prepared.stdout + prepared.stderr).toBe(0);
    const features = (prepared.json.rows as Array<Record<string, unknown>>).map((r) => Object.values(r).slice(1).join(',')).join('\n') + '\n';
    const res = await invoke('/api/v1/endpoints/plain-ep/invocations?explain=true', features, { accept: 'application/json' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Explained;
    expect(Object.keys(body.explanations[0].attributions)).toEqual(['0', '1', '2', '3', '4']);
    const csvAnswer = await invoke('/api/v1/endpoints/plain-ep/invocations?explain=true', features, { accept: 'text/csv' });
    expect(csvAnswer.status).toBe(400);
    expect(await csvAnswer.json()).toMatchObject({ code: 'ORCH_ENDPOINT_INVALID', message: expect.stringContaining('application/json') });
  });

  it('refuses explain=true at an endpoint whose model cannot explain, with ORCH_ENDPOINT_INVALID', async () => {
    // k-means reads every column of the prepared CSV (the label too) as a feature.
    const steps: string[][] = [
      ['train', '--name', 'clusters', '--algorithm', 'kmeans', '--train', 'prepcsv', '--hp', 'k=2', '--hp', 'feature_dim=6', '--wait'],
      ['models', 'create', 'clusters', '--from-job', 'clusters'],
      ['endpoints', 'create', 'clusters-ep', '--model', 'clusters', '--wait'],
    ];
    for (const step of steps) {
      const res = await cli([...step, '--json'], admin);
      expect(res.code, `${step.join(' ')}: ${res.stdout}${res.stderr}`).toBe(0);
    }
    const body = '1,1,0,0,0.5,0.2\n0,0,1,0,-1.1,0.7\n';
    const refused = await invoke('/api/v1/endpoints/clusters-ep/invocations?explain=true', body, { accept: 'application/json' });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ code: 'ORCH_ENDPOINT_INVALID', message: expect.stringContaining('does not explain'), details: { explain: true } });
    // SageMaker's custom attributes ask the same, and are refused alike. SageMaker Runtime's
    // route answers as SageMaker does for a model's own 4xx: a ModelError (424) carrying it.
    const attributes = { accept: 'application/json', 'x-amzn-sagemaker-custom-attributes': 'explain=true' };
    const viaAttributes = await invoke('/api/v1/endpoints/clusters-ep/invocations', body, attributes);
    expect(viaAttributes.status).toBe(400);
    expect(((await viaAttributes.json()) as { code: string }).code).toBe('ORCH_ENDPOINT_INVALID');
    const viaRuntime = await invoke('/endpoints/clusters-ep/invocations', body, attributes);
    expect(viaRuntime.status).toBe(424);
    expect(await viaRuntime.json()).toMatchObject({ OriginalStatusCode: 400, OriginalMessage: expect.stringContaining('does not explain') });
    // Without the flag the same rows are answered.
    const plain = await invoke('/api/v1/endpoints/clusters-ep/invocations', body, { accept: 'application/json' });
    expect(plain.status, await plain.clone().text()).toBe(200);
  }, 300_000);
});
