import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Predictor, TrainContext } from '../algorithm.js';
import { resolveHyperparameters } from '../hyperparameters.js';
import { createRandom } from '../parallel/random.js';
import { object2vec } from './index.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'o2v-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const VOCAB = 24;
/** A token's class: ids 4c..4c+3 belong to class c (six classes). */
const classOf = (t: number) => Math.floor(t / 4);

type Pair = { label: number; in0: number[]; in1: number[] };

/** Pairs of sequences of one class each; label 1 when both sides have the same class (half the pairs). */
function pairs(n: number, seed: number): Pair[] {
  const rng = createRandom(seed);
  const seq = (c: number) => Array.from({ length: 2 + Math.floor(rng.next() * 4) }, () => 4 * c + Math.floor(rng.next() * 4));
  return Array.from({ length: n }, (_, i) => {
    const a = Math.floor(rng.next() * 6);
    const same = i % 2 === 0;
    const b = same ? a : (a + 1 + Math.floor(rng.next() * 5)) % 6;
    return { label: same ? 1 : 0, in0: seq(a), in1: seq(b) };
  });
}

function writeLines(name: string, rows: unknown[]): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'data.jsonl');
  fs.writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return file;
}

async function trainModel(name: string, hp: Record<string, string | number | boolean>, data: { train: unknown[]; validation?: unknown[] }): Promise<{ predictor: Predictor; metrics: Record<string, number[]>; logs: string[]; dir: string }> {
  const modelDir = path.join(tmp, name, 'model');
  fs.mkdirSync(modelDir, { recursive: true });
  const metrics: Record<string, number[]> = {};
  const logs: string[] = [];
  const channels: TrainContext['channels'] = { train: { files: [writeLines(`${name}/train`, data.train)], contentType: 'application/jsonlines' } };
  if (data.validation) channels.validation = { files: [writeLines(`${name}/validation`, data.validation)], contentType: 'application/jsonlines' };
  await object2vec.train({
    hyperparameters: resolveHyperparameters(object2vec, hp),
    channels,
    modelDir,
    checkpointDir: path.join(tmp, name, 'checkpoints'),
    threads: 1,
    seed: 7,
    signal: new AbortController().signal,
    log: (l) => logs.push(l),
    metric: (n, v) => (metrics[n] ??= []).push(v),
  });
  return { predictor: await object2vec.load(modelDir), metrics, logs, dir: modelDir };
}

const small = { enc0_vocab_size: VOCAB, enc1_vocab_size: VOCAB, enc0_max_seq_len: 6, enc1_max_seq_len: 6, enc0_token_embedding_dim: 8, enc_dim: 16, mlp_dim: 16, mlp_layers: 1, mlp_activation: 'relu', mini_batch_size: 32, learning_rate: 0.01, epochs: 25 };

function invoke(p: Predictor, body: unknown, accept?: string, contentType: 'application/json' | 'application/jsonlines' = 'application/json') {
  const b = typeof body === 'string' ? body : JSON.stringify(body);
  return p.invoke!({ contentType, accept, body: Buffer.from(b) });
}

function accuracy(p: Predictor, test: Pair[]): number {
  const out = JSON.parse(invoke(p, { instances: test.map(({ in0, in1 }) => ({ in0, in1 })) }).body) as { predictions: { scores: number[]; predicted_label: number }[] };
  return out.predictions.filter((r, i) => r.predicted_label === test[i].label).length / test.length;
}

describe('object2vec', () => {
  const train = pairs(600, 1);
  const test = pairs(200, 2);

  for (const network of ['pooled_embedding', 'hcnn', 'bilstm'] as const) {
    it(`learns whether two sequences share a token class (${network})`, async () => {
      // The LSTM steps through each sequence: fewer pairs and epochs keep it quick.
      const data = network === 'bilstm' ? { train: train.slice(0, 300), validation: test.slice(0, 100) } : { train, validation: test };
      const { predictor, metrics } = await trainModel(network, { ...small, enc0_network: network, ...(network === 'bilstm' ? { epochs: 12 } : {}) }, data);
      // Chance is 0.5; the relation needs both encoders and the comparator.
      expect(accuracy(predictor, test)).toBeGreaterThan(0.85);
      expect(metrics['validation:accuracy'][0]).toBeGreaterThan(0.85);
      const losses = metrics['train:cross_entropy'];
      expect(losses.at(-1)!).toBeLessThan(losses[0]);
    }, 240_000);
  }

  it('answers pair scores, encoder embeddings, JSON Lines and CSV', async () => {
    const { predictor } = await trainModel('answers', { ...small, enc0_network: 'pooled_embedding', enc1_network: 'hcnn', epochs: 3 }, { train });
    const one = JSON.parse(invoke(predictor, { instances: [{ in0: [1, 2], in1: [3] }] }).body);
    expect(one.predictions[0].scores).toHaveLength(2);
    expect(one.predictions[0].scores[0] + one.predictions[0].scores[1]).toBeCloseTo(1, 5);
    const emb = JSON.parse(invoke(predictor, { instances: [{ in0: [1, 2] }, { in0: [5] }] }).body);
    expect(emb.predictions).toHaveLength(2);
    expect(emb.predictions[0].embeddings).toHaveLength(16);
    const emb1 = JSON.parse(invoke(predictor, { instances: [{ in1: [1, 2] }] }).body);
    expect(emb1.predictions[0].embeddings).toHaveLength(16);
    expect(emb1.predictions[0].embeddings).not.toEqual(emb.predictions[0].embeddings);
    const lines = invoke(predictor, '{"in0": [1, 2], "in1": [3]}\n{"in0": [4], "in1": [4]}\n', undefined, 'application/jsonlines');
    expect(lines.contentType).toBe('application/jsonlines');
    const records = lines.body.trim().split('\n').map((l) => JSON.parse(l));
    expect(records[0]).toEqual(one.predictions[0]);
    expect(invoke(predictor, { instances: [{ in0: [1, 2], in1: [3] }] }, 'text/csv').body.trim().split(',')).toHaveLength(2);
    // A sequence past max_seq_len is cut: extra tokens change nothing.
    const cut = JSON.parse(invoke(predictor, { instances: [{ in0: [1, 2, 3, 4, 5, 6], in1: [3] }, { in0: [1, 2, 3, 4, 5, 6, 7, 8], in1: [3] }] }).body);
    expect(cut.predictions[1]).toEqual(cut.predictions[0]);
    expect(predictor.answerRecords!(['{"in0": [1, 2], "in1": [3]}']).map((l) => JSON.parse(l))).toEqual([one.predictions[0]]);
  }, 240_000);

  it('refuses bad requests with ORCH_MODEL_INPUT_INVALID', async () => {
    const { predictor } = await trainModel('bad', { ...small, enc0_network: 'pooled_embedding', epochs: 1 }, { train: train.slice(0, 64) });
    const bad = (body: unknown) => expect(() => invoke(predictor, body)).toThrow(expect.objectContaining({ code: 'ORCH_MODEL_INPUT_INVALID' }));
    bad({ instances: [{ in0: [VOCAB], in1: [1] }] });
    bad({ instances: [{ in0: [], in1: [1] }] });
    bad({ instances: [{ in0: [1], in1: [1] }, { in0: [2] }] });
    bad({ instances: [{ in0: [1.5], in1: [1] }] });
    bad({ instances: [{}] });
    bad({ rows: [] });
    bad('not json');
    expect(() => predictor.answerRecords!(['{"in0": [1]}', '{"in0": [-1]}'])).toThrow(/Instance 2/);
    expect(() => predictor.predict(new Float32Array(1), 1)).toThrow(expect.objectContaining({ code: 'ORCH_MODEL_INPUT_INVALID' }));
  });

  it('refuses bad training data with the line', async () => {
    await expect(trainModel('bad-data', { ...small, epochs: 1 }, { train: [...train.slice(0, 3), { label: 1, in0: [1], in1: [99] }] })).rejects.toThrow(/line 4.*token id 99.*enc1_vocab_size/);
    await expect(trainModel('bad-label', { ...small, epochs: 1 }, { train: [{ label: 2, in0: [1], in1: [1] }] })).rejects.toThrow(/num_classes/);
    await expect(trainModel('no-in1', { ...small, epochs: 1 }, { train: [{ label: 1, in0: [1] }] })).rejects.toThrow(/"in1" is missing/);
  });

  it('regresses a real score with mean_squared_error', async () => {
    // Each side is a sequence of one token class; the score is the sum of the two classes / 10.
    const rng = createRandom(5);
    const seq = (c: number) => Array.from({ length: 1 + Math.floor(rng.next() * 4) }, () => 4 * c + Math.floor(rng.next() * 4));
    const data = Array.from({ length: 500 }, () => {
      const a = Math.floor(rng.next() * 6);
      const b = Math.floor(rng.next() * 6);
      return { label: (a + b) / 10, in0: seq(a), in1: seq(b) };
    });
    const { predictor, metrics } = await trainModel('regression', { ...small, enc0_network: 'pooled_embedding', output_layer: 'mean_squared_error', comparator_list: 'concat, abs_diff', epochs: 30 }, { train: data.slice(0, 400), validation: data.slice(400) });
    const out = JSON.parse(invoke(predictor, { instances: data.slice(400).map(({ in0, in1 }) => ({ in0, in1 })) }).body) as { predictions: { score: number }[] };
    const mean = data.slice(400).reduce((a, r) => a + r.label, 0) / 100;
    const variance = data.slice(400).reduce((a, r) => a + (r.label - mean) ** 2, 0) / 100;
    const mse = out.predictions.reduce((a, p, i) => a + (p.score - data[400 + i].label) ** 2, 0) / 100;
    expect(mse).toBeLessThan(0.2 * variance);
    expect(metrics['validation:mean_squared_error'].at(-1)).toBeCloseTo(mse, 3);
  }, 240_000);

  it('trains on positives only with negative sampling and tied embeddings', async () => {
    const positives = train.filter((p) => p.label === 1);
    const { predictor } = await trainModel('negatives', { ...small, enc0_network: 'pooled_embedding', negative_sampling_rate: 1, tied_token_embedding_weight: true, epochs: 40 }, { train: positives });
    expect(accuracy(predictor, test)).toBeGreaterThan(0.75);
  }, 240_000);

  it('checks hyperparameters across each other', () => {
    let error: unknown;
    try {
      resolveHyperparameters(object2vec, { ...small, enc1_vocab_size: 10, tied_token_embedding_weight: true, output_layer: 'mean_squared_error', negative_sampling_rate: 2 });
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code: 'ORCH_HYPERPARAMETER_INVALID' });
    const fields = ((error as { details: { errors: { field: string }[] } }).details.errors ?? []).map((p) => p.field).sort();
    expect(fields).toEqual(['negative_sampling_rate', 'tied_token_embedding_weight']);
    expect(() => resolveHyperparameters(object2vec, { ...small, comparator_list: 'hadamard, dot' })).toThrow();
  });
});
