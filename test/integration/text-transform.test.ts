/**
 * Text-record models end to end through the CLI on the built server: object2vec trained
 * on a JSON Lines dataset, deployed, invoked (pair scores, encoder embeddings, bad input)
 * and batch-transformed; blazingtext supervised batch-transforming a text dataset, one
 * record a line, with the same answers as its endpoint.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchard } from '../../src/sdk/index.js';
import { backends, TEST_ATTEMPTS_DIR } from '../support/backends.js';
import { cli, startServer, type RunningServer } from '../support/server.js';
import { seededRandom as random } from '../support/random.js';

/** Pairs of one-class token sequences (ids 4c..4c+3 are class c); label 1 when the classes agree. */
function pairs(n: number, seed: number): { label: number; in0: number[]; in1: number[] }[] {
  const r = random(seed);
  const seq = (c: number) => Array.from({ length: 2 + r.int(3) }, () => 4 * c + r.int(4));
  return Array.from({ length: n }, (_, i) => {
    const a = r.int(6);
    const b = i % 2 === 0 ? a : (a + 1 + r.int(5)) % 6;
    return { label: i % 2 === 0 ? 1 : 0, in0: seq(a), in1: seq(b) };
  });
}

const TOPICS: Record<string, string[]> = {
  sport: ['goal', 'match', 'team', 'score', 'referee', 'league', 'coach', 'stadium'],
  food: ['bread', 'cheese', 'soup', 'recipe', 'oven', 'spice', 'dinner', 'kitchen'],
};
const FILLER = ['the', 'a', 'was', 'great', 'today', 'and', 'very', 'we', 'saw'];

/** Sentences whose topic words tell the topic; `__label__<topic>` first when labelled. */
function sentences(n: number, seed: number, labelled: boolean): string[] {
  const r = random(seed);
  const names = Object.keys(TOPICS);
  return Array.from({ length: n }, () => {
    const label = names[r.int(names.length)];
    const words = Array.from({ length: 8 }, () => (r.next() < 0.4 ? TOPICS[label][r.int(8)] : FILLER[r.int(FILLER.length)]));
    return `${labelled ? `__label__${label} ` : ''}${words.join(' ')}`;
  });
}

const hps = (list: string[]) => list.flatMap((h) => ['--hp', h]);

// Both backends side by side, and the two models of each at once (suites marked concurrent): each
// case waits on its own training job, endpoint and transform, so together they take little more
// than the slowest.
describe.concurrent.each(backends)('text-record models through the CLI on $name', (backend) => {
  let server: RunningServer;
  let teardown: () => Promise<void>;
  let admin: { url: string; token: string };
  let dir: string;
  const post = (endpoint: string, body: string, contentType: string, accept?: string) =>
    fetch(`${admin.url}/api/v1/endpoints/${endpoint}/invocations`, { method: 'POST', headers: { authorization: `Bearer ${admin.token}`, 'content-type': contentType, ...(accept ? { accept } : {}) }, body });
  const test = pairs(40, 3);

  beforeAll(async () => {
    const b = await backend.setup();
    teardown = b.teardown;
    server = await startServer({ ...b.env, ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR });
    admin = { url: server.url, token: server.adminToken };
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-o2v-'));
    const files: Record<string, string[]> = {
      'o2v-train.jsonl': pairs(400, 1).map((p) => JSON.stringify(p)),
      'o2v-val.jsonl': pairs(100, 2).map((p) => JSON.stringify(p)),
      'o2v-test.jsonl': test.map(({ in0, in1 }) => JSON.stringify({ in0, in1 })),
      'txt-train.txt': sentences(1000, 4, true),
      'txt-test.txt': sentences(30, 5, false),
    };
    // Uploaded through the SDK, side by side (`datasets create` is the datasets CLI suite's).
    const sdk = new Orchard(admin);
    await Promise.all(
      Object.entries(files).map(async ([name, lines]) => {
        fs.writeFileSync(path.join(dir, name), lines.join('\n') + '\n');
        const version = await sdk.datasets.create({ name: name.replace(/\..*$/, ''), file: path.join(dir, name) });
        expect(version.rowCount, name).toBe(lines.length);
      }),
    );
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await teardown?.();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('object2vec: trains on JSON Lines, answers pair scores and embeddings, refuses bad input, batch-transforms', async () => {
    const hp = ['enc0_network=pooled_embedding', 'enc1_network=hcnn', 'enc0_vocab_size=24', 'enc1_vocab_size=24', 'enc0_max_seq_len=6', 'enc1_max_seq_len=6', 'enc0_token_embedding_dim=8', 'enc_dim=16', 'mlp_dim=16', 'mlp_layers=1', 'mlp_activation=relu', 'learning_rate=0.01', 'epochs=20'];
    const job = await cli(['train', '--name', 'o2v1', '--algorithm', 'object2vec', '--train', 'o2v-train', '--channel', 'validation=o2v-val', ...hps(hp), '--wait', '--json'], admin);
    expect(job.code, job.stdout + job.stderr).toBe(0);
    expect(job.json.status).toBe('Completed');
    expect(job.json.finalMetrics['validation:accuracy']).toBeGreaterThan(0.85);
    expect((await cli(['models', 'create', 'o2v-m', '--from-job', 'o2v1', '--json'], admin)).code).toBe(0);
    const ep = await cli(['endpoints', 'create', 'o2v-e', '--variant', 'A:o2v-m:1:1', '--wait', '--json'], admin);
    expect(ep.code, ep.stdout + ep.stderr).toBe(0);

    const r = await post('o2v-e', JSON.stringify({ instances: test.map(({ in0, in1 }) => ({ in0, in1 })) }), 'application/json');
    expect(r.status).toBe(200);
    const doc = (await r.json()) as { predictions: { scores: number[]; predicted_label: number }[] };
    const right = doc.predictions.filter((p, i) => p.predicted_label === test[i].label).length;
    expect(right / test.length).toBeGreaterThan(0.8);
    const emb = await post('o2v-e', '{"in0": [1, 2, 3]}\n{"in0": [20]}\n', 'application/jsonlines', 'application/jsonlines');
    expect(emb.status).toBe(200);
    const lines = (await emb.text()).trim().split('\n').map((l) => JSON.parse(l) as { embeddings: number[] });
    expect(lines.map((l) => l.embeddings.length)).toEqual([16, 16]);
    for (const [body, field] of [
      [{ instances: [{ in0: [24], in1: [1] }] }, 'token id 24'],
      [{ instances: [{ in0: [], in1: [1] }] }, 'empty'],
      [{ instances: [{ in0: [1], in1: [1] }, { in0: [1] }] }, '"in1" is missing'],
    ] as const) {
      const bad = await post('o2v-e', JSON.stringify(body), 'application/json');
      expect(bad.status).toBe(400);
      const err = (await bad.json()) as { code: string; message: string };
      expect(err.code).toBe('ORCH_MODEL_INPUT_INVALID');
      expect(err.message).toContain(field);
    }

    const t = await cli(['transform', '--name', 'o2v-t', '--model', 'o2v-m', '--input', 'o2v-test', '--output', 'o2v-scored', '--join-source', 'Input', '--wait', '--json'], admin);
    expect(t.code, t.stdout + t.stderr).toBe(0);
    const page = await new Orchard(admin).datasets.query('SELECT prediction FROM "o2v-scored"', { pageSize: 100 });
    expect(page.rows.map((row) => JSON.parse(String(row.prediction)))).toEqual(doc.predictions);
  }, 600_000);

  it('blazingtext: batch-transforms a text dataset one line a record, as its endpoint answers', async () => {
    const job = await cli(['train', '--name', 'txt-sup', '--algorithm', 'blazingtext', '--train', 'txt-train', ...hps(['mode=supervised', 'epochs=5', 'learning_rate=0.3', 'vector_dim=10', 'min_count=1']), '--wait', '--json'], admin);
    expect(job.code, job.stdout + job.stderr).toBe(0);
    expect((await cli(['models', 'create', 'txt-m', '--from-job', 'txt-sup', '--json'], admin)).code).toBe(0);
    const ep = await cli(['endpoints', 'create', 'txt-e', '--variant', 'A:txt-m:1:1', '--wait', '--json'], admin);
    expect(ep.code, ep.stdout + ep.stderr).toBe(0);
    const lines = sentences(30, 5, false);
    const r = await post('txt-e', JSON.stringify({ instances: lines }), 'application/json');
    expect(r.status).toBe(200);
    const answers = (await r.json()) as { label: string[]; prob: number[] }[];
    expect(new Set(answers.map((a) => a.label[0])).size).toBe(2);

    // Shards of 7 rows: the lines stay in order across shards.
    const t = await cli(['transform', '--name', 'txt-t', '--model', 'txt-m', '--input', 'txt-test', '--output', 'txt-labelled', '--split-type', 'Line', '--join-source', 'Input', '--shard-rows', '7', '--wait', '--json'], admin);
    expect(t.code, t.stdout + t.stderr).toBe(0);
    const page = await new Orchard(admin).datasets.query('SELECT text, prediction FROM "txt-labelled"', { pageSize: 100 });
    expect(page.rows.map((row) => row.text)).toEqual(lines);
    expect(page.rows.map((row) => JSON.parse(String(row.prediction)))).toEqual(answers);
  }, 600_000);
});
