import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_ATTEMPTS_DIR } from '../support/backends.js';
import { cli, startServer, type RunningServer } from '../support/server.js';

const H = 7;

/** SageMaker DeepAR JSON Lines: daily series with a weekly pattern, one category each. */
function writeSeries(file: string, count: number, length: number, seed: number): string[] {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const shape = [0, 0.8, 1, 0.6, 0.2, -1.2, -1.4];
  const lines = Array.from({ length: count }, (_, i) => {
    const level = 20 + 30 * rand();
    const target = Array.from({ length }, (_, t) => +(level * (1 + 0.3 * shape[t % 7]) + 2 * (rand() - 0.5)).toFixed(3));
    return JSON.stringify({ start: '2021-01-04 00:00:00', target, cat: [i % 2] });
  });
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return lines;
}

describe('deepar through the CLI on SQLite + files', () => {
  let server: RunningServer;
  let admin: { url: string; token: string };
  let lines: string[];

  beforeAll(async () => {
    server = await startServer({ ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR });
    admin = { url: server.url, token: server.adminToken };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-deepar-'));
    lines = writeSeries(path.join(dir, 'series.jsonl'), 8, 70, 3);
    for (const [name, file] of [['series', path.join(dir, 'series.jsonl')]]) {
      const res = await cli(['datasets', 'create', name, '--file', file, '--json'], admin);
      expect(res.code, res.stdout + res.stderr).toBe(0);
      expect(res.json.format).toBe('jsonl');
    }
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('trains from JSON Lines with SageMaker hyperparameters and records train and test metrics', async () => {
    const hp = ['context_length=14', `prediction_length=${H}`, 'time_freq=D', 'epochs=3', 'num_cells=8', 'num_layers=1', 'mini_batch_size=16', 'num_eval_samples=20', 'test_quantiles=[0.1, 0.5, 0.9]'];
    const res = await cli(['train', '--name', 'da1', '--algorithm', 'deepar', '--train', 'series', '--channel', 'test=series', ...hp.flatMap((h) => ['--hp', h]), '--wait', '--json'], admin);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.json).toMatchObject({ name: 'da1', status: 'Completed', hyperParameters: { prediction_length: String(H), time_freq: 'D' } });
    const m = res.json.finalMetrics;
    expect(m['train:loss']).toBeGreaterThan(0);
    expect(m['test:RMSE']).toBeGreaterThan(0);
    expect(m['test:mean_wQuantileLoss']).toBeGreaterThan(0);
    expect(m['test:wQuantileLoss[0.9]']).toBeGreaterThan(0);
    // One train:loss point per epoch.
    expect(res.json.metrics.filter((p: { name: string }) => p.name === 'train:loss')).toHaveLength(3);
  });

  it('refuses a CSV channel and a bad time_freq with stable codes', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-deepar-csv-'));
    fs.writeFileSync(path.join(dir, 'rows.csv'), '1,2\n3,4\n');
    expect((await cli(['datasets', 'create', 'rows', '--file', path.join(dir, 'rows.csv'), '--json'], admin)).code).toBe(0);
    const base = ['--hp', 'context_length=14', '--hp', 'prediction_length=7', '--hp', 'epochs=1'];
    const csv = await cli(['train', '--name', 'da2', '--algorithm', 'deepar', '--train', 'rows', ...base, '--hp', 'time_freq=D', '--json'], admin);
    expect(csv.json.code).toBe('ORCH_TRAINING_DATA_INVALID');
    expect(csv.json.message).toContain('reads JSON Lines');
    const freq = await cli(['train', '--name', 'da3', '--algorithm', 'deepar', '--train', 'series', ...base, '--hp', 'time_freq=fortnight', '--json'], admin);
    expect(freq.json.code).toBe('ORCH_HYPERPARAMETER_INVALID');
  });

  it('serves the model behind an endpoint with SageMaker DeepAR’s request format', async () => {
    expect((await cli(['models', 'create', 'dm1', '--from-job', 'da1', '--json'], admin)).code).toBe(0);
    const created = await cli(['endpoints', 'create', 'de1', '--variant', 'A:dm1:1:1', '--wait', '--json'], admin);
    expect(created.code, created.stdout + created.stderr).toBe(0);
    expect(created.json.status).toBe('InService');
    const post = (body: unknown) =>
      fetch(`${admin.url}/api/v1/endpoints/de1/invocations`, { method: 'POST', headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const instances = lines.slice(0, 2).map((l) => JSON.parse(l));
    const r = await post({ instances, configuration: { num_samples: 30, output_types: ['mean', 'quantiles', 'samples'], quantiles: ['0.1', '0.9'] } });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('application/json');
    const doc = (await r.json()) as { predictions: Array<{ mean: number[]; quantiles: Record<string, number[]>; samples: number[][] }> };
    expect(doc.predictions).toHaveLength(2);
    for (const p of doc.predictions) {
      expect(p.mean).toHaveLength(H);
      expect(Object.keys(p.quantiles)).toEqual(['0.1', '0.9']);
      expect(p.samples).toHaveLength(30);
      p.quantiles['0.1'].forEach((q: number, k: number) => expect(q).toBeLessThanOrEqual(p.quantiles['0.9'][k]));
    }
    const bad = await post({ instances: [{ start: 'not a date', target: [1, 2, 3], cat: [0] }] });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: string }).code).toBe('ORCH_MODEL_INPUT_INVALID');
  });
});
