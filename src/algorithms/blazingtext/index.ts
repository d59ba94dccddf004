/**
 * Built-in BlazingText (SageMaker's "BlazingText algorithm"): Word2Vec (`skipgram`,
 * `cbow`, `batch_skipgram`) and fastText-style text classification (`supervised`) on
 * text datasets, one sentence a line (`__label__` prefixes for the classes). Trained
 * Hogwild on worker threads over shared weights (see `bt-kernels.ts`).
 */
import { OrchardError } from '../../core/errors.js';
import type { Algorithm, ChannelInput, TrainContext } from '../algorithm.js';
import { createKernelPool, splitRows } from '../parallel/kernel-pool.js';
import { createRandom } from '../parallel/random.js';
import { BT_KERNELS } from './bt-kernels.js';
import { W2V_WASM, w2vMemory } from './bt-wasm.js';
import { BT_FORMAT, BT_VERSION, btPredictor, readBt, saveBt, topLabel, type BtArtifact } from './bt-model.js';
import { BT_HYPERPARAMETERS, btOptions, checkBtHyperparameters, type BtOptions } from './hyperparameters.js';
import { charNgramBuckets, hashString, lineInputs, readCorpus, readLabelledLines, type LabelledLines, type Vocabulary } from './text-corpus.js';
import { unigramAlias } from './unigram-alias.js';

function textChannel(ctx: TrainContext, name: string): ChannelInput | null {
  const c = ctx.channels[name];
  if (!c) return null;
  const type = c.contentType.split(';')[0].trim();
  if (type !== 'text/plain') {
    throw new OrchardError('ORCH_TRAINING_DATA_INVALID', { message: `blazingtext reads text, one sentence a line (a dataset created with --format text); channel "${name}" is ${c.contentType}`, details: { channel: name, contentType: c.contentType } });
  }
  return c;
}

function sharedFloats(n: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(Math.max(1, n) * 4)).subarray(0, n);
}
function sharedInts(a: ArrayLike<number>): Int32Array {
  const s = new Int32Array(new SharedArrayBuffer(Math.max(1, a.length) * 4)).subarray(0, a.length);
  s.set(a);
  return s;
}

/** fastText's initialisation: uniform in [−1/dim, 1/dim]. */
function initInput(rows: number, d: number, seed: number, into?: Float32Array): Float32Array {
  const w = into ?? sharedFloats(rows * d);
  const rng = createRandom(seed);
  for (let i = 0; i < w.length; i++) w[i] = (rng.next() * 2 - 1) / d;
  return w;
}

function header(ctx: TrainContext, o: BtOptions, vocab: Vocabulary, rest: Pick<BtArtifact, 'labels' | 'bucketIds' | 'subwords' | 'metrics'>): BtArtifact {
  return { format: BT_FORMAT, algorithm: 'blazingtext', version: BT_VERSION, hyperparameters: ctx.hyperparameters, seed: ctx.seed, mode: o.mode, dim: o.dim, words: vocab.words, buckets: o.buckets, wordNgrams: o.mode === 'supervised' ? o.wordNgrams : 1, ...rest };
}

/** Which Word2Vec kernel runs: WebAssembly SIMD when the runtime has it (`auto`), or the JavaScript one. */
export type W2vKernel = 'auto' | 'js';

/** Trains Word2Vec; exported for the bench, which times it in process (and compares the kernels). */
export async function trainWord2Vec(ctx: TrainContext, kernel: W2vKernel = 'auto'): Promise<void> {
  const o = btOptions(ctx.hyperparameters);
  const train = textChannel(ctx, 'train');
  if (!train) throw new OrchardError('ORCH_TRAINING_CHANNEL_MISSING', { message: 'blazingtext needs a "train" channel', details: { channel: 'train' } });
  const corpus = await readCorpus(train.files, o.minCount);
  const V = corpus.vocab.words.length;
  const d = o.dim;
  // Subwords: each word's rows are its own and its character n-grams' (buckets get rows in order of first use).
  let subOff: Int32Array | null = null;
  let subIds: Int32Array | null = null;
  const bucketIds: number[] = [];
  if (o.subwords) {
    const rows = new Map<number, number>();
    const off = [0];
    const ids: number[] = [];
    corpus.vocab.words.forEach((word, w) => {
      ids.push(w);
      for (const b of new Set(charNgramBuckets(word, o.minChar, o.maxChar, o.buckets))) {
        let row = rows.get(b);
        if (row === undefined) {
          row = V + bucketIds.length;
          rows.set(b, row);
          bucketIds.push(b);
        }
        ids.push(row);
      }
      off.push(ids.length);
    });
    subOff = sharedInts(off);
    subIds = sharedInts(ids);
  }
  const threads = Math.max(1, Math.floor(ctx.threads));
  let maxRows = 1;
  if (subOff) for (let w = 0; w < V; w++) maxRows = Math.max(maxRows, subOff[w + 1] - subOff[w]);
  const wasm = kernel === 'auto' ? w2vMemory(V + bucketIds.length, V, d, threads, 2 * o.window * maxRows, 2 * o.window * (o.negative + 1), 2 * o.window) : null;
  const syn0 = initInput(V + bucketIds.length, d, ctx.seed, wasm?.syn0);
  const syn1 = wasm ? wasm.syn1 : sharedFloats(V * d);
  // Subsampling (Mikolov et al. 2013, as word2vec.c): keep a word with probability (√(f/tT) + 1)·tT/f.
  const keep = new Float32Array(new SharedArrayBuffer(V * 4));
  const tT = o.sampling * corpus.words;
  for (let w = 0; w < V; w++) keep[w] = o.sampling > 0 ? Math.min(1, (Math.sqrt(corpus.vocab.counts[w] / tT) + 1) * (tT / corpus.vocab.counts[w])) : 1;
  const { prob, alias } = unigramAlias(corpus.vocab.counts);
  const mode = o.mode === 'cbow' ? 1 : o.mode === 'skipgram' ? 0 : 2;
  ctx.log(`blazingtext ${o.mode}: ${corpus.lines} lines, ${corpus.words} words, vocabulary ${V}${o.subwords ? ` + ${bucketIds.length} character n-grams` : ''}, dim ${d}, threads=${ctx.threads}, ${wasm ? 'WebAssembly SIMD' : 'JavaScript'} kernel`);
  const pool = createKernelPool(BT_KERNELS, threads, { dim: d, syn0, syn1, ids: corpus.ids, keep, prob, alias, subOff, subIds, mode, negative: o.negative, window: o.window, vocabSize: V, ...(wasm ? { mem: wasm.memory, wasm: W2V_WASM, layout: wasm.layout } : {}) });
  try {
    const parts = splitRows(corpus.ids.length, pool.threads);
    for (let epoch = 0; epoch < o.epochs; epoch++) {
      const started = Date.now();
      const results = await pool.run<{ loss: number; pairs: number }>(
        'w2v',
        parts.map((p, t) => ({ ...p, seed: ctx.seed ^ Math.imul(epoch * 131 + t + 1, 0x9e3779b1), lr: o.lr, epoch, epochs: o.epochs, totalWords: corpus.words, threads: parts.length, scratch: wasm?.layout.scratch[t] })),
      );
      const loss = results.reduce((s, r) => s + r.loss, 0) / Math.max(1, results.reduce((s, r) => s + r.pairs, 0));
      ctx.metric('train:loss', loss, epoch);
      ctx.log(`epoch ${epoch + 1}/${o.epochs}: loss ${loss.toFixed(4)}, ${Math.round(corpus.words / Math.max(0.001, (Date.now() - started) / 1000))} words/s`);
    }
  } finally {
    await pool.close();
  }
  const input = syn0.slice();
  await saveBt(ctx.modelDir, header(ctx, o, corpus.vocab, { labels: [], bucketIds, subwords: o.subwords ? { minChar: o.minChar, maxChar: o.maxChar } : null, metrics: {} }), { input, output: null });
}

interface Inputs {
  inOff: Int32Array;
  inIds: Int32Array;
}

function buildInputs(lines: LabelledLines, hashes: Uint32Array, o: BtOptions, bucketRows: Map<number, number>, nextRow: { value: number } | null): Inputs {
  const off = new Int32Array(lines.lines + 1);
  const ids: number[] = [];
  for (let l = 0; l < lines.lines; l++) {
    off[l] = ids.length;
    lineInputs(lines.lineWords, lines.lineOffsets[l], lines.lineOffsets[l + 1], hashes, o.wordNgrams, o.buckets, bucketRows, nextRow, ids);
  }
  off[lines.lines] = ids.length;
  return { inOff: sharedInts(off), inIds: sharedInts(ids) };
}

/** Share of lines whose best label is one of theirs (fastText's precision at 1). */
function accuracy(lines: LabelledLines, inputs: Inputs, win: Float32Array, wout: Float32Array, d: number): number {
  const L = lines.labels.length;
  const h = new Float32Array(d);
  const z = new Float64Array(L);
  let hits = 0;
  let counted = 0;
  for (let l = 0; l < lines.lines; l++) {
    const l0 = lines.labelOffsets[l];
    const l1 = lines.labelOffsets[l + 1];
    if (l1 === l0) continue;
    counted++;
    const i0 = inputs.inOff[l];
    const i1 = inputs.inOff[l + 1];
    h.fill(0);
    for (let q = i0; q < i1; q++) for (let k = 0; k < d; k++) h[k] += win[inputs.inIds[q] * d + k];
    for (let j = 0; j < L; j++) {
      let f = 0;
      for (let k = 0; k < d; k++) f += h[k] * wout[j * d + k];
      z[j] = f;
    }
    const best = topLabel(z, L);
    for (let p = l0; p < l1; p++) if (lines.lineLabels[p] === best) hits++, (p = l1);
  }
  return counted ? hits / counted : 0;
}

/** Trains the classifier; exported for the bench, which times it in process. */
export async function trainSupervised(ctx: TrainContext): Promise<void> {
  const o = btOptions(ctx.hyperparameters);
  const trainChannel = textChannel(ctx, 'train');
  if (!trainChannel) throw new OrchardError('ORCH_TRAINING_CHANNEL_MISSING', { message: 'blazingtext needs a "train" channel', details: { channel: 'train' } });
  const validationChannel = textChannel(ctx, 'validation');
  if (o.earlyStopping && !validationChannel) throw new OrchardError('ORCH_TRAINING_CHANNEL_MISSING', { message: 'early_stopping needs a "validation" channel', details: { channel: 'validation', field: 'early_stopping' } });
  const train = await readLabelledLines(trainChannel.files, o.minCount, 'train');
  const V = train.vocab.words.length;
  if (V === 0) throw new OrchardError('ORCH_TRAINING_DATA_INVALID', { message: `The vocabulary is empty: no word is seen min_count (${o.minCount}) times`, details: { field: 'min_count', min_count: o.minCount, channel: 'train' } });
  const hashes = Uint32Array.from(train.vocab.words, hashString);
  const bucketRows = new Map<number, number>();
  const next = { value: V };
  const inputs = buildInputs(train, hashes, o, bucketRows, next);
  const validation = validationChannel ? await readLabelledLines(validationChannel.files, 0, 'validation', { vocab: train.vocab, labels: train.labels }) : null;
  const validationInputs = validation ? buildInputs(validation, hashes, o, bucketRows, null) : null;
  const d = o.dim;
  const L = train.labels.length;
  const win = initInput(next.value, d, ctx.seed);
  const wout = sharedFloats(L * d);
  ctx.log(`blazingtext supervised: ${train.lines} lines, vocabulary ${V}, ${next.value - V} word n-grams, ${L} labels, dim ${d}, threads=${ctx.threads}`);
  const pool = createKernelPool(BT_KERNELS, ctx.threads, { dim: d, win, wout, numLabels: L, inOff: inputs.inOff, inIds: inputs.inIds, labOff: sharedInts(train.labelOffsets), labIds: sharedInts(train.lineLabels) });
  const metrics: Record<string, number> = {};
  let best: { acc: number; epoch: number; win: Float32Array; wout: Float32Array } | null = null;
  try {
    const parts = splitRows(train.lines, pool.threads);
    for (let epoch = 0; epoch < o.epochs; epoch++) {
      const results = await pool.run<{ loss: number; examples: number }>(
        'sup',
        parts.map((p, t) => ({ ...p, seed: ctx.seed ^ Math.imul(epoch * 131 + t + 1, 0x9e3779b1), lr: o.lr, epoch, epochs: o.epochs, totalLines: train.lines, threads: parts.length })),
      );
      const loss = results.reduce((s, r) => s + r.loss, 0) / Math.max(1, results.reduce((s, r) => s + r.examples, 0));
      ctx.metric('train:loss', loss, epoch);
      let line = `epoch ${epoch + 1}/${o.epochs}: loss ${loss.toFixed(4)}`;
      if (validation && validationInputs) {
        const acc = accuracy(validation, validationInputs, win, wout, d);
        ctx.metric('validation:accuracy', acc, epoch);
        metrics['validation:accuracy'] = acc;
        line += `, validation accuracy ${acc.toFixed(4)}`;
        if (o.earlyStopping) {
          if (!best || acc > best.acc) best = { acc, epoch, win: win.slice(), wout: wout.slice() };
          else if (epoch + 1 >= o.minEpochs && epoch - best.epoch >= o.patience) {
            ctx.log(line);
            ctx.log(`early stopping: no improvement for ${o.patience} epochs; keeping epoch ${best.epoch + 1} (validation accuracy ${best.acc.toFixed(4)})`);
            break;
          }
        }
      }
      ctx.log(line);
    }
  } finally {
    await pool.close();
  }
  if (best) metrics['validation:accuracy'] = best.acc;
  const bucketIds = new Array<number>(next.value - V);
  for (const [b, row] of bucketRows) if (row < next.value) bucketIds[row - V] = b;
  await saveBt(ctx.modelDir, header(ctx, o, train.vocab, { labels: train.labels, bucketIds, subwords: null, metrics }), { input: best ? best.win : win.slice(), output: best ? best.wout : wout.slice() });
}

export const blazingtext: Algorithm = {
  name: 'blazingtext',
  version: BT_VERSION,
  description: 'Word2Vec (skipgram, cbow, batch_skipgram; negative sampling, optional subwords) and fastText-style text classification (supervised, word n-grams) on text datasets, one sentence a line.',
  hyperparameters: BT_HYPERPARAMETERS,
  checkHyperparameters: checkBtHyperparameters,
  metrics: [
    { name: 'train:loss', goal: 'minimize' },
    { name: 'validation:accuracy', goal: 'maximize' },
  ],
  inputContentTypes: ['text/plain'],
  requiredChannels: ['train'],
  optionalChannels: ['validation'],
  async train(ctx) {
    if (btOptions(ctx.hyperparameters).mode === 'supervised') await trainSupervised(ctx);
    else await trainWord2Vec(ctx);
  },
  async load(modelDir: string) {
    const { artifact, weights } = await readBt(modelDir);
    return btPredictor(artifact, weights);
  },
  exportOnnx: {
    format: BT_FORMAT,
    majorVersion: BT_VERSION.split('.')[0],
    build: async (doc, modelDir) => (await import('./bt-onnx.js')).exportBlazingText(doc, modelDir),
  },
};
