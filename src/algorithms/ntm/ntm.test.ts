import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrainContext } from '../algorithm.js';
import { resolveHyperparameters } from '../hyperparameters.js';
import { createRandom } from '../parallel/random.js';
import { neuralEngine } from '../neural/index.js';
import { ntm } from './index.js';
import { ntmWeights, readNtm } from './ntm-model.js';
import { topicWords } from './ntm-network.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ntm-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const K = 4;
const V = 40;

/**
 * LDA's generative story with known topics: topic k puts 90% of its mass on words
 * 10k..10k+9 (uniformly) and spreads the rest; a document draws its mixture from a sparse
 * Dirichlet (α = 0.2, by normalised Gamma draws) and 60 words from it.
 */
function trueTopics(): number[][] {
  return Array.from({ length: K }, (_, k) => Array.from({ length: V }, (_, w) => (Math.floor(w / 10) === k ? 0.9 / 10 : 0.1 / 30)));
}

function gamma(rng: ReturnType<typeof createRandom>, a: number): number {
  // Marsaglia–Tsang with the a < 1 boost.
  const boost = a < 1 ? Math.pow(rng.next() || 1e-12, 1 / a) : 1;
  const d = (a < 1 ? a + 1 : a) - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = rng.normal();
    const v = (1 + c * x) ** 3;
    if (v > 0 && Math.log(rng.next() || 1e-12) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v * boost;
  }
}

function documents(n: number, seed: number): { counts: number[][]; mixtures: number[][] } {
  const rng = createRandom(seed);
  const topics = trueTopics();
  const counts: number[][] = [];
  const mixtures: number[][] = [];
  for (let d = 0; d < n; d++) {
    const g = Array.from({ length: K }, () => gamma(rng, 0.2));
    const sum = g.reduce((a, b) => a + b, 0) || 1;
    const theta = g.map((x) => x / sum);
    const row = new Array<number>(V).fill(0);
    for (let i = 0; i < 60; i++) {
      let u = rng.next();
      let k = 0;
      while (k < K - 1 && u >= theta[k]) u -= theta[k++];
      let r = rng.next();
      let w = 0;
      while (w < V - 1 && r >= topics[k][w]) r -= topics[k][w++];
      row[w]++;
    }
    counts.push(row);
    mixtures.push(theta);
  }
  return { counts, mixtures };
}

function write(name: string, text: string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
}

const sparseLines = (counts: number[][]) =>
  counts
    .map((row) => {
      const keys = row.flatMap((c, w) => (c > 0 ? [w] : []));
      return JSON.stringify({ keys, values: keys.map((w) => row[w]) });
    })
    .join('\n');

function context(values: Record<string, string | number>, channels: Record<string, { file: string; type: string }>, name: string) {
  const points: Record<string, number[]> = {};
  const lines: string[] = [];
  const ctx: TrainContext = {
    hyperparameters: resolveHyperparameters(ntm, { feature_dim: V, num_topics: K, ...values }),
    channels: Object.fromEntries(Object.entries(channels).map(([k, c]) => [k, { files: [c.file], contentType: c.type }])),
    modelDir: path.join(tmp, name, 'model'),
    checkpointDir: path.join(tmp, name, 'checkpoints'),
    threads: 1,
    seed: 3,
    signal: new AbortController().signal,
    log: (l) => lines.push(l),
    metric: (metric, value) => (points[metric] ??= []).push(value),
  };
  return { ctx, points, lines };
}

const cosine = (a: ArrayLike<number>, b: ArrayLike<number>) => {
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

const HP = { optimizer: 'adam', learning_rate: 0.01, epochs: 40, mini_batch_size: 64, encoder_layers: '32', encoder_layers_activation: 'relu' };

describe('ntm', () => {
  const train = documents(1500, 1);
  const held = documents(200, 2);
  const trainFile = write('train.jsonl', sparseLines(train.counts));
  const validFile = write('valid.csv', held.counts.map((r) => r.join(',')).join('\n'));

  it('recovers known topics from sparse JSON Lines, and infers each document’s mixture', async () => {
    const { ctx, points } = context(HP, { train: { file: trainFile, type: 'application/jsonlines' }, validation: { file: validFile, type: 'text/csv' }, test: { file: validFile, type: 'text/csv' } }, 'known');
    await ntm.train(ctx);
    // The loss falls: the last epoch's is well below the first's.
    const loss = points['train:total_loss'];
    expect(loss.length).toBeGreaterThan(5);
    expect(loss.at(-1)!).toBeLessThan(0.9 * loss[0]);
    expect(points['validation:total_loss'].length).toBe(loss.length);
    expect(points['test:perplexity'][0]).toBeGreaterThan(1);

    // Each learned topic's word distribution matches one true topic, one to one.
    const artifact = await readNtm(ctx.modelDir);
    const tf = await neuralEngine();
    const learned = tf.tidy(() => topicWords(tf, ntmWeights(tf, artifact)).arraySync());
    const truth = trueTopics();
    const matched = new Set<number>();
    for (const t of truth) {
      const sims = learned.map((l) => cosine(l, t));
      const best = sims.indexOf(Math.max(...sims));
      expect(sims[best]).toBeGreaterThan(0.9);
      matched.add(best);
    }
    expect(matched.size).toBe(K);

    // A document of topic 2's words alone weighs that topic most.
    const predictor = await ntm.load(ctx.modelDir);
    const row = new Float32Array(V);
    for (let w = 20; w < 30; w++) row[w] = 5;
    const { values, outputsPerRow } = predictor.predict(row, 1);
    expect(outputsPerRow).toBe(K);
    const topicOfWords = learned.map((l) => cosine(l, truth[2])).reduce((bi, s, i, a) => (s > a[bi] ? i : bi), 0);
    expect(values.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(Array.from(values).indexOf(Math.max(...values))).toBe(topicOfWords);

    // SageMaker's answer shape, from dense JSON, sparse JSON and CSV.
    const dense = predictor.invoke!({ contentType: 'application/json', accept: 'application/json', body: Buffer.from(JSON.stringify({ instances: [{ features: Array.from(row) }] })) });
    const doc = JSON.parse(dense.body) as { predictions: { topic_weights: number[] }[] };
    expect(doc.predictions[0].topic_weights).toHaveLength(K);
    expect(doc.predictions[0].topic_weights[topicOfWords]).toBeCloseTo(values[topicOfWords], 5);
    const sparse = predictor.invoke!({ contentType: 'application/json', accept: undefined, body: Buffer.from(JSON.stringify({ instances: [{ data: { features: { keys: [20, 21, 22], shape: [V], values: [3, 3, 3] } } }] })) });
    expect(JSON.parse(sparse.body).predictions[0].topic_weights).toHaveLength(K);
    const csv = predictor.invoke!({ contentType: 'text/csv', accept: 'text/csv', body: Buffer.from(Array.from(row).join(',') + '\n') });
    expect(csv.body.trim().split(',')).toHaveLength(K);
    expect(() => predictor.invoke!({ contentType: 'text/csv', accept: undefined, body: Buffer.from('1,2,3\n') })).toThrow(/expected 40 features, got 3/);
    expect(() => predictor.invoke!({ contentType: 'application/json', accept: undefined, body: Buffer.from(JSON.stringify({ instances: [{ keys: [1], values: [-2] }] })) })).toThrow(/non-negative/);
  }, 300_000);

  it('is reproducible from its seed, stops early, and resumes from its checkpoint', async () => {
    const small = { ...HP, epochs: 6 };
    const a = context(small, { train: { file: trainFile, type: 'application/jsonlines' } }, 'seed-a');
    await ntm.train(a.ctx);
    const b = context(small, { train: { file: trainFile, type: 'application/jsonlines' } }, 'seed-b');
    await ntm.train(b.ctx);
    expect(b.points['train:total_loss']).toEqual(a.points['train:total_loss']);
    expect((await readNtm(b.ctx.modelDir)).weights).toEqual((await readNtm(a.ctx.modelDir)).weights);

    // Resume: a run of 6 epochs with the checkpoint of a 3-epoch run continues from epoch 4
    // and ends where the uninterrupted run ended.
    const c = context({ ...small, epochs: 3 }, { train: { file: trainFile, type: 'application/jsonlines' } }, 'resume');
    await ntm.train(c.ctx);
    const d = context(small, { train: { file: trainFile, type: 'application/jsonlines' } }, 'resume');
    await ntm.train(d.ctx);
    expect(d.lines.some((l) => /resumed from the checkpoint after epoch 3/.test(l))).toBe(true);
    expect(d.points['train:total_loss']).toHaveLength(3);
    expect(d.points['train:total_loss'].at(-1)).toBeCloseTo(a.points['train:total_loss'].at(-1)!, 3);

    // A tolerance no epoch can meet stops after num_patience_epochs + 1 epochs.
    const e = context({ ...small, epochs: 20, tolerance: 0.1, num_patience_epochs: 1 }, { train: { file: trainFile, type: 'application/jsonlines' } }, 'early');
    await ntm.train(e.ctx);
    expect(e.points['train:total_loss'].length).toBeLessThan(20);
    expect(e.lines.some((l) => /early stopping after epoch/.test(l))).toBe(true);
  }, 300_000);

  it('refuses bad input with the field named', async () => {
    const wide = write('wide.csv', '1,2,3\n');
    await expect(ntm.train(context({}, { train: { file: wide, type: 'text/csv' } }, 'bad1').ctx)).rejects.toMatchObject({ code: 'ORCH_TRAINING_DATA_INVALID', details: { field: 'feature_dim' } });
    const big = write('big.jsonl', JSON.stringify({ keys: [45], values: [1] }));
    await expect(ntm.train(context({}, { train: { file: big, type: 'application/jsonlines' } }, 'bad2').ctx)).rejects.toThrow(/feature_dim is 40 but .* word id 45/);
    const negative = write('neg.jsonl', JSON.stringify({ keys: [1], values: [-1] }));
    await expect(ntm.train(context({}, { train: { file: negative, type: 'application/jsonlines' } }, 'bad3').ctx)).rejects.toThrow(/non-negative/);
    const empty = write('empty.jsonl', JSON.stringify({ keys: [], values: [] }));
    await expect(ntm.train(context({}, { train: { file: empty, type: 'application/jsonlines' } }, 'bad4').ctx)).rejects.toThrow(/every document is empty/);
    await expect(ntm.train(context({}, { train: { file: trainFile, type: 'application/x-parquet' } }, 'bad5').ctx)).rejects.toThrow(/ntm reads text\/csv/);
    expect(() => resolveHyperparameters(ntm, { feature_dim: V, num_topics: K, encoder_layers: '10,x' })).toThrow();
    expect(() => resolveHyperparameters(ntm, { feature_dim: V, num_topics: 1 })).toThrow();
    expect(() => resolveHyperparameters(ntm, { feature_dim: V, num_topics: K, optimizer: 'lbfgs' })).toThrow();
  });
});
