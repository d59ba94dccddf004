import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrainContext } from '../algorithm.js';
import { resolveHyperparameters } from '../hyperparameters.js';
import { createRandom } from '../parallel/random.js';
import { lda } from './index.js';
import { expElogBetaT, inferMixtures } from './lda-core.js';
import { digamma, gammaDraw, lgamma } from './lda-math.js';
import { LDA_FORMAT, LDA_VERSION, ldaPredictor } from './lda-model.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lda-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Documents over 30 words from 3 topics on disjoint blocks of 10 words; each document mostly one topic. */
function corpus(docs: number, seed: number): { rows: number[][]; topic: number[] } {
  const rng = createRandom(seed);
  const rows: number[][] = [];
  const topic: number[] = [];
  for (let d = 0; d < docs; d++) {
    const t = d % 3;
    const counts = new Array(30).fill(0);
    for (let i = 0; i < 40; i++) {
      const k = rng.next() < 0.9 ? t : rng.int(3);
      counts[k * 10 + rng.int(10)]++;
    }
    rows.push(counts);
    topic.push(t);
  }
  return { rows, topic };
}

function context(values: Record<string, string | number>, channels: Record<string, { file: string; type: string }>, modelDir: string) {
  const metrics: Record<string, number> = {};
  const ctx: TrainContext = {
    hyperparameters: resolveHyperparameters(lda, { num_topics: 3, feature_dim: 30, ...values }),
    channels: Object.fromEntries(Object.entries(channels).map(([k, c]) => [k, { files: [c.file], contentType: c.type }])),
    modelDir,
    checkpointDir: path.join(modelDir, 'ckpt'),
    threads: 1,
    seed: 3,
    signal: new AbortController().signal,
    log: () => {},
    metric: (name, value) => {
      metrics[name] = value;
    },
  };
  return { ctx, metrics };
}

function write(name: string, text: string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
}

describe('lda', () => {
  it('special functions match known values', () => {
    expect(digamma(1)).toBeCloseTo(-0.5772156649, 9);
    expect(digamma(0.5)).toBeCloseTo(-1.9635100260, 9);
    expect(lgamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 9);
    expect(lgamma(10)).toBeCloseTo(Math.log(362880), 9);
  });

  it('finds planted topics from CSV counts: each document’s mixture is mostly its own topic, one topic per block', async () => {
    const { rows, topic } = corpus(300, 1);
    const train = write('train.csv', rows.map((r) => r.join(',')).join('\n') + '\n');
    const test = write('test.csv', corpus(60, 2).rows.map((r) => r.join(',')).join('\n') + '\n');
    const dir = path.join(tmp, 'm1');
    const { ctx, metrics } = context({ max_iterations: 50 }, { train: { file: train, type: 'text/csv' }, test: { file: test, type: 'text/csv' } }, dir);
    await lda.train(ctx);
    expect(metrics['test:pwll']).toBeLessThan(0);
    expect(metrics['test:perplexity']).toBeCloseTo(Math.exp(-metrics['test:pwll']), 6);
    // A uniform model over 30 words has perplexity 30; topics of 10 words (10% noise) bring it near 15.
    expect(metrics['test:perplexity']).toBeLessThan(20);
    const p = await lda.load(dir);
    expect(p.numFeatures).toBe(30);
    const { values, outputsPerRow } = p.predict(Float32Array.from(rows.slice(0, 30).flat()), 30);
    expect(outputsPerRow).toBe(3);
    const winner = (r: number) => [0, 1, 2].reduce((a, b) => (values[r * 3 + b] > values[r * 3 + a] ? b : a), 0);
    const topicOfBlock = new Map<number, number>();
    for (let r = 0; r < 30; r++) {
      const sum = values[r * 3] + values[r * 3 + 1] + values[r * 3 + 2];
      expect(sum).toBeCloseTo(1, 5);
      expect(values[r * 3 + winner(r)]).toBeGreaterThan(0.7);
      const seen = topicOfBlock.get(topic[r]);
      if (seen === undefined) topicOfBlock.set(topic[r], winner(r));
      else expect(winner(r)).toBe(seen);
    }
    expect(new Set(topicOfBlock.values()).size).toBe(3);
    // SageMaker's answer: {"predictions": [{"topic_mixture": [...]}]}, sparse instances accepted.
    const answer = p.invoke!({ contentType: 'application/json', accept: undefined, body: Buffer.from(JSON.stringify({ instances: [{ data: { features: { keys: [0, 1, 2], values: [5, 3, 4] } } }] })) });
    const doc = JSON.parse(answer.body) as { predictions: { topic_mixture: number[] }[] };
    expect(doc.predictions[0].topic_mixture).toHaveLength(3);
    expect(Math.max(...doc.predictions[0].topic_mixture)).toBeGreaterThan(0.8);
    expect(() => p.invoke!({ contentType: 'text/csv', accept: undefined, body: Buffer.from(`${new Array(29).fill(0).join(',')},-1\n`) })).toThrow(/non-negative/);
  });

  it('answers dense rows from their non-zero counts: the mixtures of the whole rows, bit for bit, and of the same documents sent sparse', () => {
    const K = 4;
    const V = 50;
    const rng = createRandom(11);
    const next = () => rng.next();
    const normal = () => rng.normal();
    const lambda = Array.from({ length: K * V }, () => gammaDraw(2, 1 + 5 * rng.next(), next, normal));
    const p = ldaPredictor({ format: LDA_FORMAT, algorithm: 'lda', version: LDA_VERSION, hyperparameters: {}, seed: 1, numTopics: K, featureDim: V, alpha: 0.25, eta: 0.1, lambda, metrics: {} });
    // Ten documents of a few distinct words (one with a fractional count), and one of none.
    const rows = 11;
    const dense = new Float32Array(rows * V);
    for (let r = 0; r < rows - 1; r++) for (let i = 0; i < 3 + r; i++) dense[r * V + rng.int(V)] += i === 0 && r === 4 ? 0.5 : 1 + rng.int(3);
    const { values, outputsPerRow } = p.predict(dense, rows);
    expect(outputsPerRow).toBe(K);
    // Every word walked, zeros included, as the dense path did before.
    const whole = inferMixtures(
      { rows, dim: V, indptr: Int32Array.from({ length: rows + 1 }, (_, r) => r * V), indices: Int32Array.from({ length: rows * V }, (_, i) => i % V), counts: Float64Array.from(dense) },
      expElogBetaT(Float64Array.from(lambda), K, V),
      K,
      0.25,
    ).mixtures;
    expect(Array.from(values)).toEqual(Array.from(Float32Array.from(whole)));
    // The same documents as sparse keys/values (the JSON Lines path).
    const instances = Array.from({ length: rows }, (_, r) => {
      const keys = Array.from({ length: V }, (_, j) => j).filter((j) => dense[r * V + j] !== 0);
      return { features: { keys, values: keys.map((j) => dense[r * V + j]) } };
    });
    const answer = p.invoke!({ contentType: 'application/json', accept: undefined, body: Buffer.from(JSON.stringify({ instances })) });
    const sparse = (JSON.parse(answer.body) as { predictions: { topic_mixture: number[] }[] }).predictions.flatMap((x) => x.topic_mixture);
    expect(sparse).toEqual(Array.from(whole));
    // The empty document answers the uniform mixture, as before.
    for (let k = 0; k < K; k++) expect(values[(rows - 1) * K + k]).toBeCloseTo(1 / K, 7);
    // A missing or negative count is still refused with its row and word.
    const bad = dense.slice(0, 2 * V);
    bad[V + 7] = NaN;
    expect(() => p.predict(bad, 2)).toThrow(/Row 2: word counts must be non-negative numbers; word 7 has none/);
    bad[V + 7] = -1;
    expect(() => p.predict(bad, 2)).toThrow(/Row 2: .*word 7 has -1/);
  });

  it('trains from sparse JSON Lines, online with mini-batches, and more passes lower the training perplexity', async () => {
    const { rows } = corpus(300, 4);
    const lines = rows.map((r) => {
      const keys = r.flatMap((c, j) => (c > 0 ? [j] : []));
      return JSON.stringify({ features: { keys, values: keys.map((j) => r[j]) } });
    });
    const file = write('train.jsonl', lines.join('\n') + '\n');
    const perplexities: number[] = [];
    const dir = path.join(tmp, 'm2');
    const { ctx } = context({ mini_batch_size: 50, max_iterations: 8, tol: 0, max_restarts: 3 }, { train: { file, type: 'application/jsonlines' } }, dir);
    ctx.metric = (name, value) => {
      if (name === 'train:perplexity') perplexities.push(value);
    };
    await lda.train(ctx);
    expect(perplexities.length).toBeGreaterThanOrEqual(8);
    expect(perplexities[7]).toBeLessThan(perplexities[0]);
    const model = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    expect(model).toMatchObject({ format: 'orchard-lda', algorithm: 'lda', version: '1.0.0', numTopics: 3, featureDim: 30, seed: 3 });
    expect(model.lambda).toHaveLength(90);
  });

  it('refuses bad data with the field named', async () => {
    const run = (text: string, type = 'text/csv', values: Record<string, number> = {}) => {
      const { ctx } = context(values, { train: { file: write(`bad-${Math.random()}.txt`, text), type } }, path.join(tmp, 'bad'));
      return lda.train(ctx);
    };
    await expect(run('1,2\n')).rejects.toMatchObject({ code: 'ORCH_TRAINING_DATA_INVALID', details: { field: 'feature_dim' } });
    await expect(run(`${new Array(29).fill(1).join(',')},-2\n`)).rejects.toThrow(/row 1, column 30: word counts must be non-negative/);
    await expect(run(`${new Array(30).fill(0).join(',')}\n`)).rejects.toThrow(/no words.*empty vocabulary/);
    await expect(run('{"features": {"keys": [40], "values": [1]}}\n', 'application/jsonlines')).rejects.toMatchObject({ details: { field: 'feature_dim', line: 1 } });
    await expect(run('x\n', 'application/x-parquet')).rejects.toThrow(/lda reads text\/csv/);
    expect(() => resolveHyperparameters(lda, { num_topics: 0, feature_dim: 30, alpha0: -1 })).toThrow();
  });
});
