/**
 * Text datasets and blazingtext end to end through the CLI on the built server: text
 * datasets created with --format text, supervised and Word2Vec jobs trained, registered,
 * deployed and invoked in SageMaker's documents; bad input refused with its field.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, TEST_ATTEMPTS_DIR } from '../support/backends.js';
import { cli, startServer, type RunningServer } from '../support/server.js';
import { seededRandom as random } from '../support/random.js';

const TOPICS: Record<string, string[]> = {
  sport: ['goal', 'match', 'team', 'score', 'referee', 'league', 'coach', 'stadium'],
  food: ['bread', 'cheese', 'soup', 'recipe', 'oven', 'spice', 'dinner', 'kitchen'],
};
const FILLER = ['the', 'a', 'was', 'great', 'today', 'and', 'very', 'we', 'saw'];

/** `__label__<topic>` lines whose topic words tell the label. */
function labelled(n: number, seed: number): string[] {
  const r = random(seed);
  const names = Object.keys(TOPICS);
  return Array.from({ length: n }, () => {
    const label = names[r.int(names.length)];
    const words = Array.from({ length: 8 }, () => (r.next() < 0.4 ? TOPICS[label][r.int(8)] : FILLER[r.int(FILLER.length)]));
    return `__label__${label} ${words.join(' ')}`;
  });
}

/** `car`/`automobile` and `cat`/`kitten` in the same contexts, never together. */
function synonyms(n: number, seed: number): string[] {
  const r = random(seed);
  const vehicle = ['drive', 'road', 'engine', 'wheel', 'fuel', 'garage'];
  const pet = ['purr', 'milk', 'fur', 'sleep', 'paw', 'mouse'];
  return Array.from({ length: n }, () => {
    const isVehicle = r.next() < 0.5;
    const words = Array.from({ length: 6 }, () => (isVehicle ? vehicle : pet)[r.int(6)]);
    words.splice(r.int(7), 0, isVehicle ? (r.next() < 0.5 ? 'car' : 'automobile') : r.next() < 0.5 ? 'cat' : 'kitten');
    return words.join(' ');
  });
}

const cosine = (a: number[], b: number[]) => {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb);
};
const hps = (list: string[]) => list.flatMap((h) => ['--hp', h]);

describe.each(backends)('text datasets and blazingtext through the CLI on $name', (backend) => {
  let server: RunningServer;
  let teardown: () => Promise<void>;
  let admin: { url: string; token: string };
  let dir: string;
  const post = (endpoint: string, body: string, contentType: string) =>
    fetch(`${admin.url}/api/v1/endpoints/${endpoint}/invocations`, { method: 'POST', headers: { authorization: `Bearer ${admin.token}`, 'content-type': contentType }, body });

  beforeAll(async () => {
    const b = await backend.setup();
    teardown = b.teardown;
    server = await startServer({ ...b.env, ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR });
    admin = { url: server.url, token: server.adminToken };
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-bt-'));
    const files: Record<string, string[]> = { 'bt-train.txt': labelled(2000, 1), 'bt-val.txt': labelled(300, 2), 'bt-corpus.txt': synonyms(3000, 3) };
    for (const [name, lines] of Object.entries(files)) {
      fs.writeFileSync(path.join(dir, name), lines.join('\n') + '\n');
      const res = await cli(['datasets', 'create', name.replace(/\..*$/, ''), '--file', path.join(dir, name), '--json'], admin);
      expect(res.code, res.stdout + res.stderr).toBe(0);
      expect(res.json).toMatchObject({ format: 'text', rowCount: lines.length });
    }
    fs.writeFileSync(path.join(dir, 'rows.csv'), '1,2\n3,4\n');
    expect((await cli(['datasets', 'create', 'bt-rows', '--file', path.join(dir, 'rows.csv'), '--json'], admin)).code).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await teardown?.();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('supervised: trains with validation accuracy, deploys, and answers top-k labels', async () => {
    const job = await cli(['train', '--name', 'bt-sup', '--algorithm', 'blazingtext', '--train', 'bt-train', '--channel', 'validation=bt-val', ...hps(['mode=supervised', 'epochs=10', 'learning_rate=0.3', 'vector_dim=20', 'min_count=1']), '--wait', '--json'], admin);
    expect(job.code, job.stdout + job.stderr).toBe(0);
    expect(job.json.status).toBe('Completed');
    expect(job.json.finalMetrics['validation:accuracy']).toBeGreaterThan(0.95);
    expect((await cli(['models', 'create', 'bt-sup-m', '--from-job', 'bt-sup', '--json'], admin)).code).toBe(0);
    const ep = await cli(['endpoints', 'create', 'bt-sup-e', '--variant', 'A:bt-sup-m:1:1', '--wait', '--json'], admin);
    expect(ep.code, ep.stdout + ep.stderr).toBe(0);
    const r = await post('bt-sup-e', JSON.stringify({ instances: ['the referee and the coach of the team', 'cheese soup in the oven'], configuration: { k: 2 } }), 'application/json');
    expect(r.status).toBe(200);
    const doc = (await r.json()) as { label: string[]; prob: number[] }[];
    expect(doc.map((d) => d.label[0])).toEqual(['__label__sport', '__label__food']);
    expect(doc[0].prob).toHaveLength(2);
    expect(doc[0].prob[0] + doc[0].prob[1]).toBeCloseTo(1, 3);
    const bad = await post('bt-sup-e', JSON.stringify({ instances: [1] }), 'application/json');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: string; message: string }).message).toContain('instances[0]');
  });

  it('word2vec (cbow): synonyms end up near each other at the endpoint', async () => {
    const job = await cli(['train', '--name', 'bt-w2v', '--algorithm', 'blazingtext', '--train', 'bt-corpus', ...hps(['mode=cbow', 'epochs=5', 'vector_dim=16', 'window_size=3', 'min_count=2', 'sampling_threshold=0.001']), '--wait', '--json'], admin);
    expect(job.code, job.stdout + job.stderr).toBe(0);
    expect(job.json.status).toBe('Completed');
    expect((await cli(['models', 'create', 'bt-w2v-m', '--from-job', 'bt-w2v', '--json'], admin)).code).toBe(0);
    const ep = await cli(['endpoints', 'create', 'bt-w2v-e', '--variant', 'A:bt-w2v-m:1:1', '--wait', '--json'], admin);
    expect(ep.code, ep.stdout + ep.stderr).toBe(0);
    const r = await post('bt-w2v-e', JSON.stringify({ instances: ['car', 'automobile', 'kitten'] }), 'application/json');
    expect(r.status).toBe(200);
    const [car, auto, kitten] = (await r.json()) as { vector: number[]; word: string }[];
    expect(car.word).toBe('car');
    expect(car.vector).toHaveLength(16);
    expect(cosine(car.vector, auto.vector)).toBeGreaterThan(cosine(car.vector, kitten.vector) + 0.2);
  });

  it('refuses bad input with the field named: before the job where it can, in the job’s failure otherwise', async () => {
    const mode = await cli(['train', '--name', 'bt-bad1', '--algorithm', 'blazingtext', '--train', 'bt-train', ...hps(['mode=cbow', 'early_stopping=true', 'min_char=6', 'max_char=3']), '--json'], admin);
    expect(mode.code).not.toBe(0);
    expect(mode.json.code).toBe('ORCH_HYPERPARAMETER_INVALID');
    expect(mode.json.details.errors.map((e: { field: string }) => e.field).sort()).toEqual(['early_stopping', 'min_char']);
    const csv = await cli(['train', '--name', 'bt-bad2', '--algorithm', 'blazingtext', '--train', 'bt-rows', ...hps(['mode=skipgram']), '--json'], admin);
    expect(csv.json.code).toBe('ORCH_TRAINING_DATA_INVALID');
    expect(csv.json.message).toMatch(/--format text/);
    const text = await cli(['train', '--name', 'bt-bad3', '--algorithm', 'knn', '--train', 'bt-corpus', ...hps(['feature_dim=4', 'k=5', 'predictor_type=classifier', 'sample_size=100']), '--json'], admin);
    expect(text.json.code).toBe('ORCH_TRAINING_DATA_INVALID');
    // An empty vocabulary is known only once the data is read.
    const empty = await cli(['train', '--name', 'bt-bad4', '--algorithm', 'blazingtext', '--train', 'bt-corpus', ...hps(['mode=skipgram', 'min_count=100000']), '--wait', '--json'], admin);
    expect(empty.json.status).toBe('Failed');
    expect(empty.json.failureReason).toMatch(/vocabulary is empty.*min_count/);
  });
});
