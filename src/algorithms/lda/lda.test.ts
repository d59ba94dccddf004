import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrainContext } from '../algorithm.js';
import { resolveHyperparameters } from '../hyperparameters.js';
import { createRandom } from '../parallel/random.js';
import { lda } from './index.js';
import { expElogBetaT, expElogBetaWords, fitLda, inferMixtures, type Docs } from './lda-core.js';
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

/** Rows of counts as documents of their non-zero counts. */
function docsOf(rows: number[][]): Docs {
  const indptr = [0];
  const indices: number[] = [];
  const counts: number[] = [];
  for (const r of rows) {
    r.forEach((c, j) => {
      if (c > 0) {
        indices.push(j);
        counts.push(c);
      }
    });
    indptr.push(indices.length);
  }
  return { rows: rows.length, dim: rows[0].length, indptr: Int32Array.from(indptr), indices: Int32Array.from(indices), counts: Float64Array.from(counts) };
}

/**
 * λ and the training perplexities of `fitLda` on `docsOf(corpus(120, 5).rows)`, seed 7 (K = 3,
 * α = η = 1/3, tol 0). Online with mini-batches of 70, one start and 3 passes: as the
 * single-threaded fit computed them before the E-step moved to a kernel pool. Batch with 3
 * restarts and 4 passes (restart 1 wins): as the one-thread fit computes them since the
 * restarts became three short online passes over the sample each (the earlier anchor held
 * the one-pass restarts' fit).
 */
const BATCH_LAMBDA = [
  150.7229626356414, 148.2906609227282, 141.53946964098546, 158.25347604528977, 144.19111811796958, 154.69348208579353, 166.8234789279766,
  168.49983525422013, 156.07512107146874, 151.36013403565218, 2.0111117395779767, 6.35403085584369, 3.711253343574923, 3.913501458751379,
  4.365128805676751, 6.692242676043421, 0.4390533516562585, 3.12649354187782, 7.798314483825232, 3.6420211943843817, 1.6456960345947464,
  0.35734824057622505, 7.093875002745307, 1.431453643062213, 5.698071726202305, 0.4665187718895253, 8.161981133507867, 2.9588062007234344,
  0.3789279288794351, 2.2474760015206643, 3.908237767602384, 0.3514563419239508, 2.491063196216108, 0.5972061284216119, 1.329484205643198,
  1.6078781647501672, 0.6471065180810356, 0.7923166835296991, 0.4593066207639439, 4.020107607661163, 171.56165449033273, 135.3012671519414,
  169.06944974984046, 153.65351750562073, 160.18026529464203, 160.598571077036, 148.22412484095372, 183.45177297224978, 153.00597219138396,
  130.4890141005036, 1.6008599669804497, 1.1568695028176081, 1.2243208911222505, 2.8471217619429123, 7.163315987912988, 0.34054531637094676,
  2.7497937984977714, 0.9765049744768359, 1.0368204237954324, 6.112193579052229, 5.3687995967550926, 3.3578827353470007, 0.9694671627975693,
  2.1493178262878057, 0.47939767638639963, 0.6986397494554191, 2.5294145539414794, 1.7078480622493475, 0.4655723077666638, 7.619758356685537,
  0.4272337700884479, 0.3447019922140823, 5.2192969065835735, 2.4329810356268493, 2.4546058996801974, 3.7091862469195176, 0.3368218073894966,
  0.4217334858716183, 1.1957133247898426, 2.8689647051109244, 159.7534439984239, 165.48578225660546, 161.68180410613147, 158.72142459499395,
  152.13861228588357, 178.19293591173897, 155.0882250679934, 140.06468882479874, 164.58425164732438, 129.64033041942605,
];
const BATCH_PERPLEXITIES = [
  15.190266943140728, 14.748189403568883, 14.676515337959692, 14.643585361592313,
];
const ONLINE_LAMBDA = [
  5.754393223512213, 4.728026865221261, 4.420020675524681, 6.060081005994542, 4.704645110096771, 4.744768940537382, 4.122519883803347, 5.4074711769298,
  4.347850340671112, 5.9046073428885855, 108.39323017661184, 88.38209962226699, 111.71466828571184, 101.24082984665615, 105.01120218392359,
  103.28373942492844, 95.33910829362458, 116.326707986781, 101.01866063732578, 87.13929797193823, 4.532273289239933, 2.816850719923269,
  3.142586089353647, 3.9321691471112192, 6.6620288807420245, 1.8259490506162046, 5.938544694631457, 4.4609845319481325, 3.1329361034521965,
  5.58164565960811, 97.01183680128163, 93.56882915885997, 89.37400005523361, 98.60014474870906, 93.02767443838303, 97.67619652390913,
  107.95781431279886, 105.52472825129692, 95.79712680152656, 95.28889072512791, 5.574235762091313, 7.24096650063515, 7.784838724908221,
  4.199530078203556, 7.139601516599751, 6.923094261223034, 5.706213917649178, 8.195808090383515, 9.17089845083153, 5.346925561367782,
  7.308030615659347, 5.12356228018986, 9.235479280982814, 4.918031340302183, 11.48477916020334, 6.973807141791408, 9.22019588482797, 7.627051818640857,
  6.173315216869981, 5.079272837228029, 5.864712666566271, 3.7098463882941037, 3.9454816200710883, 4.608894671754408, 2.2348543496301523,
  3.9379487290192703, 4.123821389715407, 6.421243056743848, 4.407454805387492, 8.826062351766241, 3.8623126934147987, 2.0896525906343326,
  5.211001696935673, 4.185338609842526, 3.5421863152896185, 5.400738354890686, 1.4175060756693039, 3.666540568693149, 2.8596495502102637,
  3.4391852118851745, 100.93511575289743, 108.51719675898497, 104.1230616383597, 105.38641235110467, 94.72544684861569, 115.18173580415868,
  97.21029831801873, 87.40172288143036, 105.40613309347785, 84.6243547775569,
];
const ONLINE_PERPLEXITIES = [
  36.227943977898626, 15.966818824093632, 15.222263340311745,
];

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

  it('computes an online batch’s exp(E[log β]) for its own words only, with the whole computation’s values', () => {
    const K = 4;
    const V = 50;
    const rng = createRandom(5);
    const next = () => rng.next();
    const normal = () => rng.normal();
    const lambda = Float64Array.from({ length: K * V }, () => gammaDraw(2, 1 + 5 * rng.next(), next, normal));
    const whole = expElogBetaT(lambda, K, V);
    const words = Int32Array.from([17, 3, 40]);
    const out = new Float64Array(V * K).fill(-1);
    expElogBetaWords(lambda, K, V, words, 2, out);
    for (let w = 0; w < V; w++) {
      for (let k = 0; k < K; k++) expect(out[w * K + k]).toBe(w === 17 || w === 3 ? whole[w * K + k] : -1);
    }
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

  it('fits on one thread exactly as the single-threaded fit did, and on two threads the same topics up to the order of sums', async () => {
    const docs = docsOf(corpus(120, 5).rows);
    const base = { numTopics: 3, alpha: 1 / 3, eta: 1 / 3, tol: 0 };
    const batch = { ...base, miniBatchSize: null, maxRestarts: 3, maxIterations: 4 };
    const online = { ...base, miniBatchSize: 70, maxRestarts: 1, maxIterations: 3 };
    const one = await fitLda(docs, batch, { seed: 7, threads: 1 });
    expect(Array.from(one.lambda)).toEqual(BATCH_LAMBDA);
    expect(one.perplexities).toEqual(BATCH_PERPLEXITIES);
    expect(one.restart).toBe(1);
    const oneOnline = await fitLda(docs, online, { seed: 7, threads: 1 });
    expect(Array.from(oneOnline.lambda)).toEqual(ONLINE_LAMBDA);
    expect(oneOnline.perplexities).toEqual(ONLINE_PERPLEXITIES);
    const close = (a: Float64Array, b: number[]) => {
      let worst = 0;
      for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.abs(b[i]));
      return worst;
    };
    // 120 documents: two threads of 60 (at least 32 each); the restarts' sample (all 120) and the first mini-batch of 70 split too.
    const two = await fitLda(docs, batch, { seed: 7, threads: 2 });
    expect(close(two.lambda, BATCH_LAMBDA)).toBeLessThan(1e-9);
    expect(two.restart).toBe(1);
    two.perplexities.forEach((p, i) => expect(Math.abs(p - BATCH_PERPLEXITIES[i]) / p).toBeLessThan(1e-9));
    const twoOnline = await fitLda(docs, online, { seed: 7, threads: 2 });
    expect(close(twoOnline.lambda, ONLINE_LAMBDA)).toBeLessThan(1e-9);
    // Three threads: 40 documents each, and more threads than a mini-batch of 70 (two parts) or of 50 (one) uses.
    const three = await fitLda(docs, batch, { seed: 7, threads: 3 });
    expect(close(three.lambda, BATCH_LAMBDA)).toBeLessThan(1e-9);
    expect(close((await fitLda(docs, online, { seed: 7, threads: 3 })).lambda, ONLINE_LAMBDA)).toBeLessThan(1e-9);
  });

  it('trains a job on its threads and says how many', async () => {
    const { rows } = corpus(300, 1);
    const train = write('threads.csv', rows.map((r) => r.join(',')).join('\n') + '\n');
    const lines: string[] = [];
    const fits: number[][] = [];
    for (const threads of [1, 2]) {
      const dir = path.join(tmp, `threads-${threads}`);
      const { ctx } = context({ max_iterations: 5, tol: 0 }, { train: { file: train, type: 'text/csv' } }, dir);
      ctx.threads = threads;
      ctx.log = (line) => lines.push(line);
      await lda.train(ctx);
      fits.push(JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')).lambda);
    }
    expect(lines.filter((l) => /^lda: 300 documents, .*threads=1$/.test(l))).toHaveLength(1);
    expect(lines.filter((l) => /^lda: 300 documents, .*threads=2$/.test(l))).toHaveLength(1);
    fits[1].forEach((v, i) => expect(Math.abs(v - fits[0][i]) / fits[0][i]).toBeLessThan(1e-9));
    // A handful of documents keeps to one thread.
    const small = write('threads-small.csv', rows.slice(0, 40).map((r) => r.join(',')).join('\n') + '\n');
    const { ctx } = context({ max_iterations: 2 }, { train: { file: small, type: 'text/csv' } }, path.join(tmp, 'threads-small'));
    ctx.threads = 4;
    ctx.log = (line) => lines.push(line);
    await lda.train(ctx);
    expect(lines.filter((l) => /^lda: 40 documents, .*threads=1$/.test(l))).toHaveLength(1);
  });
});
