/**
 * seq2seq end to end through the CLI on the built server: a text dataset of sentence
 * pairs trains a Transformer with a validation channel (per-epoch perplexity, accuracy and
 * BLEU), the model is registered, deployed and answers SageMaker's `{"instances":
 * [{"data": …}]}`, a text dataset of sentences is batch-transformed as its endpoint answers;
 * bad input refused with the field named.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchard } from '../../src/sdk/index.js';
import { backends, TEST_ATTEMPTS_DIR } from '../support/backends.js';
import { cli, startServer, type RunningServer } from '../support/server.js';
import { mulberry32 as random } from '../support/random.js';

/** Source words `aN` translate to `bN`, in reverse order. */
function pairs(n: number, seed: number): { source: string; target: string }[] {
  const next = random(seed);
  return Array.from({ length: n }, () => {
    const words = Array.from({ length: 2 + Math.floor(next() * 3) }, () => Math.floor(next() * 6));
    return { source: words.map((w) => `a${w}`).join(' '), target: [...words].reverse().map((w) => `b${w}`).join(' ') };
  });
}

const HP = ['num_embed_source=32', 'transformer_attention_heads=2', 'transformer_feed_forward_num_hidden=64', 'batch_size=32', 'learning_rate=0.01', 'max_num_epochs=10', 'label_smoothing=0', 'beam_size=2', 'bleu_sample_size=10'];
const hps = (list: string[]) => list.flatMap((h) => ['--hp', h]);

describe.each(backends)('seq2seq through the CLI on $name', (backend) => {
  let server: RunningServer;
  let teardown: () => Promise<void>;
  let admin: { url: string; token: string };
  let dir: string;
  const test = pairs(30, 3);
  const post = (endpoint: string, body: string, contentType: string) =>
    fetch(`${admin.url}/api/v1/endpoints/${endpoint}/invocations`, { method: 'POST', headers: { authorization: `Bearer ${admin.token}`, 'content-type': contentType }, body });

  beforeAll(async () => {
    const b = await backend.setup();
    teardown = b.teardown;
    server = await startServer({ ...b.env, ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR });
    admin = { url: server.url, token: server.adminToken };
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-seq2seq-'));
    const files: Record<string, string[]> = {
      's2s-train.txt': pairs(400, 1).map((p) => `${p.source}\t${p.target}`),
      's2s-val.txt': pairs(40, 2).map((p) => `${p.source}\t${p.target}`),
      's2s-test.txt': test.map((p) => p.source),
      's2s-csv.csv': ['1,2', '3,4'],
    };
    for (const [name, lines] of Object.entries(files)) {
      fs.writeFileSync(path.join(dir, name), lines.join('\n') + '\n');
      const res = await cli(['datasets', 'create', name.replace(/\..*$/, ''), '--file', path.join(dir, name), '--json'], admin);
      expect(res.code, res.stdout + res.stderr).toBe(0);
    }
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await teardown?.();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('trains on sentence pairs, answers by beam search, and batch-transforms sentences as its endpoint answers', async () => {
    const job = await cli(['train', '--name', 's2s1', '--algorithm', 'seq2seq', '--train', 's2s-train', '--channel', 'validation=s2s-val', ...hps(HP), '--wait', '--json'], admin);
    expect(job.code, job.stdout + job.stderr).toBe(0);
    expect(job.json.status).toBe('Completed');
    const series = (name: string) => job.json.metrics.filter((p: { name: string }) => p.name === name).map((p: { value: number }) => p.value);
    expect(series('train:loss').at(-1)).toBeLessThan(series('train:loss')[0]);
    expect(series('validation:perplexity').at(-1)).toBeLessThan(series('validation:perplexity')[0]);
    expect(series('validation:bleu').length).toBe(series('train:loss').length);
    expect((await cli(['models', 'create', 's2s-m', '--from-job', 's2s1', '--json'], admin)).code).toBe(0);
    const ep = await cli(['endpoints', 'create', 's2s-e', '--variant', 'A:s2s-m:1:1', '--wait', '--json'], admin);
    expect(ep.code, ep.stdout + ep.stderr).toBe(0);

    const r = await post('s2s-e', JSON.stringify({ instances: test.map((p) => ({ data: p.source })) }), 'application/json');
    expect(r.status).toBe(200);
    const { predictions } = (await r.json()) as { predictions: { target: string }[] };
    expect(predictions).toHaveLength(test.length);
    // Most held-out sentences come back translated and reversed, word for word.
    expect(predictions.filter((p, i) => p.target === test[i].target).length).toBeGreaterThan(test.length / 2);
    const bad = await post('s2s-e', JSON.stringify({ instances: [{ text: 'a1' }] }), 'application/json');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/instances\[0\]/);

    const t = await cli(['transform', '--name', 's2s-t', '--model', 's2s-m', '--input', 's2s-test', '--output', 's2s-out', '--split-type', 'Line', '--join-source', 'Input', '--wait', '--json'], admin);
    expect(t.code, t.stdout + t.stderr).toBe(0);
    const page = await new Orchard(admin).datasets.query('SELECT text, prediction FROM "s2s-out"', { pageSize: 100 });
    expect(page.rows.map((row) => row.text)).toEqual(test.map((p) => p.source));
    expect(page.rows.map((row) => JSON.parse(String(row.prediction)))).toEqual(predictions);
  });

  it('refuses bad input with the field named: before the job where it can, in the job’s failure otherwise', async () => {
    const hp = await cli(['train', '--name', 's2s-bad1', '--algorithm', 'seq2seq', '--train', 's2s-train', ...hps(['num_embed_source=30', 'transformer_attention_heads=4']), '--json'], admin);
    expect(hp.code).not.toBe(0);
    expect(hp.json.code).toBe('ORCH_HYPERPARAMETER_INVALID');
    expect(hp.json.details.errors.map((e: { field: string }) => e.field)).toEqual(['transformer_attention_heads']);
    const csv = await cli(['train', '--name', 's2s-bad2', '--algorithm', 'seq2seq', '--train', 's2s-csv', ...hps(HP), '--json'], admin);
    expect(csv.code).not.toBe(0);
    expect(csv.json.code).toBe('ORCH_TRAINING_DATA_INVALID');
    // Sentences without their targets: the job fails naming the line.
    const single = await cli(['train', '--name', 's2s-bad3', '--algorithm', 'seq2seq', '--train', 's2s-test', ...hps(HP), '--wait', '--json'], admin);
    expect(single.json.status).toBe('Failed');
    expect(single.json.failureReason).toMatch(/line 1: a pair is the source and the target separated by a tab/);
  });
});
