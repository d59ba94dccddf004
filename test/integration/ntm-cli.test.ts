/**
 * ntm end to end through the CLI on the built server: trains on sparse JSON Lines with a
 * CSV test channel (per-epoch losses and test metrics), registers, deploys, answers
 * SageMaker's `{"predictions": [{"topic_weights": […]}]}`, batch-transforms CSV counts;
 * and bad input refused with the field named.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchard } from '../../src/sdk/index.js';
import { backends, TEST_ATTEMPTS_DIR } from '../support/backends.js';
import { cli, startServer, type RunningServer } from '../support/server.js';
import { mulberry32 as random } from '../support/random.js';

const K = 4;
const V = 40;

/** Documents mostly of one topic (words 10k..10k+9) with a few words of another; the main topic is returned too. */
function documents(n: number, seed: number): { counts: number[][]; topic: number[] } {
  const next = random(seed);
  const counts: number[][] = [];
  const topic: number[] = [];
  for (let d = 0; d < n; d++) {
    const main = Math.floor(next() * K);
    const other = Math.floor(next() * K);
    const row = new Array<number>(V).fill(0);
    for (let i = 0; i < 40; i++) {
      const k = next() < 0.85 ? main : other;
      row[10 * k + Math.floor(next() * 10)]++;
    }
    counts.push(row);
    topic.push(main);
  }
  return { counts, topic };
}

const HP = ['feature_dim=40', 'num_topics=4', 'optimizer=adam', 'learning_rate=0.01', 'epochs=30', 'mini_batch_size=64', 'encoder_layers=32', 'encoder_layers_activation=relu'];
const hps = (list: string[]) => list.flatMap((h) => ['--hp', h]);

describe.each(backends)('ntm through the CLI on $name', (backend) => {
  let server: RunningServer;
  let teardown: () => Promise<void>;
  let admin: { url: string; token: string };
  let dir: string;
  const test = documents(200, 2);
  const post = (endpoint: string, body: string, contentType: string, accept?: string) =>
    fetch(`${admin.url}/api/v1/endpoints/${endpoint}/invocations`, { method: 'POST', headers: { authorization: `Bearer ${admin.token}`, 'content-type': contentType, ...(accept ? { accept } : {}) }, body });

  beforeAll(async () => {
    const b = await backend.setup();
    teardown = b.teardown;
    server = await startServer({ ...b.env, ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR });
    admin = { url: server.url, token: server.adminToken };
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-ntm-'));
    const train = documents(1200, 1);
    const files: Record<string, string> = {
      'ntm-train.jsonl': train.counts
        .map((row) => {
          const keys = row.flatMap((c, w) => (c > 0 ? [w] : []));
          return JSON.stringify({ keys, values: keys.map((w) => row[w]) });
        })
        .join('\n'),
      'ntm-test.csv': test.counts.map((r) => r.join(',')).join('\n'),
      'ntm-labelled.csv': test.counts.map((r, i) => [test.topic[i], ...r].join(',')).join('\n'),
    };
    for (const [name, text] of Object.entries(files)) {
      fs.writeFileSync(path.join(dir, name), text + '\n');
      const res = await cli(['datasets', 'create', name.replace(/\..*$/, ''), '--file', path.join(dir, name), '--json'], admin);
      expect(res.code, res.stdout + res.stderr).toBe(0);
    }
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await teardown?.();
  });

  it('trains on sparse JSON Lines, answers topic weights, and batch-transforms CSV counts', async () => {
    const job = await cli(['train', '--name', 'ntm1', '--algorithm', 'ntm', '--train', 'ntm-train', '--channel', 'validation=ntm-test', '--channel', 'test=ntm-test', ...hps(HP), '--wait', '--json'], admin);
    expect(job.code, job.stdout + job.stderr).toBe(0);
    expect(job.json.status).toBe('Completed');
    const losses = job.json.metrics.filter((p: { name: string }) => p.name === 'train:total_loss').map((p: { value: number }) => p.value);
    expect(losses.length).toBeGreaterThan(3);
    expect(losses.at(-1)).toBeLessThan(losses[0]);
    expect(job.json.metrics.some((p: { name: string }) => p.name === 'validation:total_loss')).toBe(true);
    expect(job.json.finalMetrics['test:perplexity']).toBeGreaterThan(1);
    expect((await cli(['models', 'create', 'ntm-m', '--from-job', 'ntm1', '--json'], admin)).code).toBe(0);
    const ep = await cli(['endpoints', 'create', 'ntm-e', '--variant', 'A:ntm-m:1:1', '--wait', '--json'], admin);
    expect(ep.code, ep.stdout + ep.stderr).toBe(0);

    // Documents of one topic's words each: four different topics weigh most.
    const pure = Array.from({ length: K }, (_, k) => ({ data: { features: { keys: [10 * k, 10 * k + 3, 10 * k + 6], shape: [V], values: [4, 4, 4] } } }));
    const r = await post('ntm-e', JSON.stringify({ instances: pure }), 'application/json');
    expect(r.status).toBe(200);
    const doc = (await r.json()) as { predictions: { topic_weights: number[] }[] };
    expect(doc.predictions).toHaveLength(K);
    const top = doc.predictions.map((p) => p.topic_weights.indexOf(Math.max(...p.topic_weights)));
    expect(new Set(top).size).toBe(K);
    for (const p of doc.predictions) expect(p.topic_weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    const lines = await post('ntm-e', test.counts.slice(0, 2).map((c) => JSON.stringify({ features: c })).join('\n'), 'application/jsonlines');
    expect((await lines.text()).trim().split('\n').map((l) => Object.keys(JSON.parse(l)))).toEqual([['topic_weights'], ['topic_weights']]);
    const bad = await post('ntm-e', '1,2,3\n', 'text/csv');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/expected 40 features, got 3/);

    // The transform scores the labelled copy without its first column and joins the input back:
    // documents of the same main topic share their heaviest learned topic.
    const t = await cli(['transform', '--name', 'ntm-t', '--model', 'ntm-m', '--input', 'ntm-labelled', '--output', 'ntm-scored', '--input-filter', '$[1:]', '--join-source', 'Input', '--wait', '--json'], admin);
    expect(t.code, t.stdout + t.stderr).toBe(0);
    const cols = Array.from({ length: K }, (_, k) => `prediction_${k}`);
    const page = await new Orchard(admin).datasets.query(`SELECT _c0 AS topic, ${cols.join(', ')} FROM "ntm-scored"`, { pageSize: 500 });
    expect(page.rows).toHaveLength(200);
    const votes = new Map<number, number[]>();
    for (const row of page.rows) {
      const w = cols.map((c) => Number(row[c]));
      const best = w.indexOf(Math.max(...w));
      const v = votes.get(Number(row.topic)) ?? new Array<number>(K).fill(0);
      v[best]++;
      votes.set(Number(row.topic), v);
    }
    let agree = 0;
    for (const v of votes.values()) agree += Math.max(...v);
    expect(agree / 200).toBeGreaterThan(0.9);
  });

  it('refuses bad input with the field named: before the job where it can, in the job’s failure otherwise', async () => {
    const hp = await cli(['train', '--name', 'ntm-bad1', '--algorithm', 'ntm', '--train', 'ntm-train', ...hps(['feature_dim=40', 'num_topics=1', 'encoder_layers=10,x']), '--json'], admin);
    expect(hp.code).not.toBe(0);
    expect(hp.json.code).toBe('ORCH_HYPERPARAMETER_INVALID');
    expect(hp.json.details.errors.map((e: { field: string }) => e.field).sort()).toEqual(['encoder_layers', 'num_topics']);
    // The labelled copy has one column too many for feature_dim=40.
    const width = await cli(['train', '--name', 'ntm-bad2', '--algorithm', 'ntm', '--train', 'ntm-labelled', ...hps(['feature_dim=40', 'num_topics=4']), '--wait', '--json'], admin);
    expect(width.json.status).toBe('Failed');
    expect(width.json.failureReason).toMatch(/feature_dim is 40 but channel "train" rows have 41 columns/);
  });
});
