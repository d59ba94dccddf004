/**
 * lda and ipinsights end to end through the CLI on the built server: train (with test or
 * validation metrics), register, deploy, invoke in SageMaker's formats, batch transform;
 * bad input refused with the field named.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchard } from '../../src/sdk/index.js';
import { backends, TEST_ATTEMPTS_DIR } from '../support/backends.js';
import { cli, startServer, type RunningServer } from '../support/server.js';
import { seededRandom as random } from '../support/random.js';

/** Word counts over 30 words, three topics on disjoint blocks of 10; document d is mostly topic d % 3. */
function ldaRows(docs: number, seed: number): number[][] {
  const r = random(seed);
  return Array.from({ length: docs }, (_, d) => {
    const counts = new Array(30).fill(0);
    for (let i = 0; i < 40; i++) counts[(r.next() < 0.9 ? d % 3 : r.int(3)) * 10 + r.int(10)]++;
    return counts;
  });
}

/** Numeric user ids 0–59, each from its own group's /24 network (6 groups). */
function logins(rows: number, seed: number): string[] {
  const r = random(seed);
  return Array.from({ length: rows }, () => {
    const u = r.int(60);
    return `${u},10.${u % 6}.${(u % 6) * 7}.${1 + r.int(20)}`;
  });
}

const hps = (list: string[]) => list.flatMap((h) => ['--hp', h]);
const IP_HP = ['num_entity_vectors=200', 'vector_dim=16', 'epochs=15', 'batch_size=100', 'learning_rate=0.02'];

describe.each(backends)('lda and ipinsights through the CLI on $name', (backend) => {
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
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-lda-ip-'));
    const octets = (line: string) => {
      const [u, ip] = line.split(',');
      return [u, ...ip.split('.')].join(',');
    };
    const files: Record<string, string> = {
      'lda-train.csv': ldaRows(300, 1).map((r) => r.join(',')).join('\n'),
      'lda-test.csv': ldaRows(60, 2).map((r) => r.join(',')).join('\n'),
      'lda-sparse.jsonl': ldaRows(300, 3).map((r) => {
        const keys = r.flatMap((c, j) => (c > 0 ? [j] : []));
        return JSON.stringify({ features: { keys, values: keys.map((j) => r[j]) } });
      }).join('\n'),
      'ip-train.csv': logins(3000, 4).join('\n'),
      'ip-valid.csv': logins(300, 5).join('\n'),
      // For batch transform: user, the usual network's octets, then the same user from another group's network.
      'ip-pairs.csv': Array.from({ length: 60 }, (_, u) => [octets(`${u},10.${u % 6}.${(u % 6) * 7}.${100 + u}`), octets(`${u},10.${(u + 3) % 6}.${((u + 3) % 6) * 7}.${100 + u}`)]).flat().join('\n'),
      'ip-bad.csv': ['1,10.0.0.1', '2,not-an-ip'].join('\n'),
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

  it('lda: trains from CSV counts and sparse JSON Lines, answers topic mixtures, and batch-transforms', async () => {
    const job = await cli(['train', '--name', 'lda1', '--algorithm', 'lda', '--train', 'lda-train', '--channel', 'test=lda-test', ...hps(['num_topics=3', 'feature_dim=30', 'mini_batch_size=300', 'max_iterations=50']), '--wait', '--json'], admin);
    expect(job.code, job.stdout + job.stderr).toBe(0);
    expect(job.json.status).toBe('Completed');
    expect(job.json.finalMetrics['test:perplexity']).toBeLessThan(20);
    expect(job.json.finalMetrics['test:pwll']).toBeLessThan(0);
    const sparse = await cli(['train', '--name', 'lda2', '--algorithm', 'lda', '--train', 'lda-sparse', ...hps(['num_topics=3', 'feature_dim=30']), '--wait', '--json'], admin);
    expect(sparse.code, sparse.stdout + sparse.stderr).toBe(0);
    expect(sparse.json.status).toBe('Completed');
    expect((await cli(['models', 'create', 'lda-m', '--from-job', 'lda1', '--json'], admin)).code).toBe(0);
    const ep = await cli(['endpoints', 'create', 'lda-e', '--variant', 'A:lda-m:1:1', '--wait', '--json'], admin);
    expect(ep.code, ep.stdout + ep.stderr).toBe(0);
    // Three documents, one from each block of words.
    const docs = [0, 1, 2].map((t) => Array.from({ length: 30 }, (_, j) => (Math.floor(j / 10) === t ? 2 : 0)));
    const r = await post('lda-e', docs.map((d) => d.join(',')).join('\n'), 'text/csv', 'application/json');
    expect(r.status).toBe(200);
    const doc = (await r.json()) as { predictions: { topic_mixture: number[] }[] };
    const winners = doc.predictions.map((p) => p.topic_mixture.indexOf(Math.max(...p.topic_mixture)));
    expect(new Set(winners).size).toBe(3);
    for (const p of doc.predictions) expect(Math.max(...p.topic_mixture)).toBeGreaterThan(0.8);
    const lines = await post('lda-e', JSON.stringify({ features: { keys: [0, 1], values: [3, 3] } }) + '\n', 'application/jsonlines', 'application/jsonlines');
    expect(Object.keys(JSON.parse((await lines.text()).trim()))).toEqual(['topic_mixture']);
    const bad = await post('lda-e', '1,2,3\n', 'text/csv');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/expected 30 features, got 3/);

    const t = await cli(['transform', '--name', 'lda-t', '--model', 'lda-m', '--input', 'lda-test', '--output', 'lda-mixtures', '--wait', '--json'], admin);
    expect(t.code, t.stdout + t.stderr).toBe(0);
    const page = await new Orchard(admin).datasets.query('SELECT count(*) AS n, min(prediction_0 + prediction_1 + prediction_2) AS lo, max(prediction_0 + prediction_1 + prediction_2) AS hi, avg(greatest(prediction_0, prediction_1, prediction_2)) AS top FROM "lda-mixtures"', { pageSize: 1 });
    expect(Number(page.rows[0].n)).toBe(60);
    expect(Number(page.rows[0].lo)).toBeCloseTo(1, 4);
    expect(Number(page.rows[0].hi)).toBeCloseTo(1, 4);
    expect(Number(page.rows[0].top)).toBeGreaterThan(0.7);

    // Stored exported to ONNX, the same model batch-transforms through onnxruntime to the native mixtures, row for row.
    expect((await cli(['models', 'create', 'lda-onnx', '--from-job', 'lda1', '--format', 'onnx', '--json'], admin)).code).toBe(0);
    const o = await cli(['transform', '--name', 'lda-t-onnx', '--model', 'lda-onnx', '--input', 'lda-test', '--output', 'lda-mixtures-onnx', '--wait', '--json'], admin);
    expect(o.code, o.stdout + o.stderr).toBe(0);
    const numbered = (d: string) => `(SELECT row_number() OVER () AS rn, prediction_0 AS p0, prediction_1 AS p1, prediction_2 AS p2 FROM "${d}")`;
    const same = await new Orchard(admin).datasets.query(`SELECT count(*) AS n, max(abs(a.p0 - b.p0) + abs(a.p1 - b.p1) + abs(a.p2 - b.p2)) AS gap FROM ${numbered('lda-mixtures')} a JOIN ${numbered('lda-mixtures-onnx')} b USING (rn)`, { pageSize: 1 });
    expect(Number(same.rows[0].n)).toBe(60);
    expect(Number(same.rows[0].gap)).toBeLessThanOrEqual(1e-6);
  });

  it('ipinsights: trains with a validation AUC, scores anomalous pairs below normal ones, verbose embeddings, and batch-transforms', async () => {
    const job = await cli(['train', '--name', 'ip1', '--algorithm', 'ipinsights', '--train', 'ip-train', '--channel', 'validation=ip-valid', ...hps(IP_HP), '--wait', '--json'], admin);
    expect(job.code, job.stdout + job.stderr).toBe(0);
    expect(job.json.status).toBe('Completed');
    expect(job.json.finalMetrics['validation:discriminator_auc']).toBeGreaterThan(0.9);
    expect(job.json.metrics.filter((p: { name: string }) => p.name === 'train:binary_classification_cross_entropy')).toHaveLength(15);
    expect((await cli(['models', 'create', 'ip-m', '--from-job', 'ip1', '--json'], admin)).code).toBe(0);
    const ep = await cli(['endpoints', 'create', 'ip-e', '--variant', 'A:ip-m:1:1', '--wait', '--json'], admin);
    expect(ep.code, ep.stdout + ep.stderr).toBe(0);
    const r = await post('ip-e', '4,10.4.28.200\n4,10.1.7.200\n', 'text/csv', 'application/json');
    expect(r.status).toBe(200);
    const doc = (await r.json()) as { predictions: { dot_product: number }[] };
    expect(doc.predictions[0].dot_product).toBeGreaterThan(doc.predictions[1].dot_product);
    const verbose = await post('ip-e', JSON.stringify({ instances: [{ data: { features: { values: ['4', '10.4.28.200'] } } }] }), 'application/json', 'application/json; verbose=true');
    const v = (await verbose.json()) as { predictions: { dot_product: number; entity_embedding: number[]; ip_embedding: number[] }[] };
    expect(v.predictions[0].entity_embedding).toHaveLength(16);
    expect(v.predictions[0].ip_embedding).toHaveLength(16);
    expect(v.predictions[0].dot_product).toBeCloseTo(doc.predictions[0].dot_product, 4);
    const bad = await post('ip-e', 'user1,10.0.0.999\n', 'text/csv');
    expect(bad.status).toBe(400);
    expect((await bad.json()) as { code: string; message: string }).toMatchObject({ code: 'ORCH_MODEL_INPUT_INVALID', message: expect.stringMatching(/not an IPv4 address/) });

    const t = await cli(['transform', '--name', 'ip-t', '--model', 'ip-m', '--input', 'ip-pairs', '--output', 'ip-scored', '--wait', '--json'], admin);
    expect(t.code, t.stdout + t.stderr).toBe(0);
    // Rows alternate: usual network, then another group's; the usual one scores higher for nearly every user.
    const page = await new Orchard(admin).datasets.query('SELECT count(*) AS n, sum(CASE WHEN rn % 2 = 1 AND prediction > lead_p THEN 1 ELSE 0 END) AS wins FROM (SELECT row_number() OVER () AS rn, prediction, lead(prediction) OVER () AS lead_p FROM "ip-scored")', { pageSize: 1 });
    expect(Number(page.rows[0].n)).toBe(120);
    expect(Number(page.rows[0].wins)).toBeGreaterThanOrEqual(55);

    // The model stored exported to ONNX hashes the same rows in its graph and scores them as the native model did.
    expect((await cli(['models', 'create', 'ip-onnx', '--from-job', 'ip1', '--format', 'onnx', '--json'], admin)).code).toBe(0);
    const o = await cli(['transform', '--name', 'ip-t-onnx', '--model', 'ip-onnx', '--input', 'ip-pairs', '--output', 'ip-scored-onnx', '--wait', '--json'], admin);
    expect(o.code, o.stdout + o.stderr).toBe(0);
    const numbered = (d: string) => `(SELECT row_number() OVER () AS rn, prediction AS p FROM "${d}")`;
    const same = await new Orchard(admin).datasets.query(`SELECT count(*) AS n, max(abs(a.p - b.p)) AS gap FROM ${numbered('ip-scored')} a JOIN ${numbered('ip-scored-onnx')} b USING (rn)`, { pageSize: 1 });
    expect(Number(same.rows[0].n)).toBe(120);
    expect(Number(same.rows[0].gap)).toBeLessThanOrEqual(1e-4);
  });

  it('refuses bad input with the field named: before the job where it can, in the job’s failure otherwise', async () => {
    const hp = await cli(['train', '--name', 'bad1', '--algorithm', 'lda', '--train', 'lda-train', ...hps(['num_topics=0', 'feature_dim=30', 'alpha0=-1']), '--json'], admin);
    expect(hp.code).not.toBe(0);
    expect(hp.json.code).toMatch(/^ORCH_HYPERPARAMETER_/);
    expect(hp.json.details.errors.map((e: { field: string }) => e.field).sort()).toEqual(['alpha0', 'num_topics']);
    const missing = await cli(['train', '--name', 'bad2', '--algorithm', 'ipinsights', '--train', 'ip-train', ...hps(['vector_dim=8']), '--json'], admin);
    expect(missing.json.details.errors.map((e: { field: string }) => e.field)).toEqual(['num_entity_vectors']);
    const width = await cli(['train', '--name', 'lda-bad', '--algorithm', 'lda', '--train', 'lda-train', ...hps(['num_topics=3', 'feature_dim=20']), '--wait', '--json'], admin);
    expect(width.json.status).toBe('Failed');
    expect(width.json.failureReason).toMatch(/feature_dim is 20 but channel "train" rows have 30 columns/);
    const ip = await cli(['train', '--name', 'ip-bad', '--algorithm', 'ipinsights', '--train', 'ip-bad', ...hps(IP_HP), '--wait', '--json'], admin);
    expect(ip.json.status).toBe('Failed');
    expect(ip.json.failureReason).toMatch(/line 2: "not-an-ip" is not an IPv4 address/);
  });
});
