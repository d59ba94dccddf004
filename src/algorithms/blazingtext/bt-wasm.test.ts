import { describe, expect, it } from 'vitest';
import { instantiateKernels } from '../parallel/kernel-pool.js';
import { createRandom } from '../parallel/random.js';
import { BT_KERNELS } from './bt-kernels.js';
import { W2V_WASM, w2vMemory } from './bt-wasm.js';
import { unigramAlias } from './unigram-alias.js';

const V = 12;
const D = 20;
const NEG = 4;
const WINDOW = 2;

/** Word i's rows with subwords: its own and two shared "n-gram" rows after the words. */
function subwords(): { subOff: Int32Array; subIds: Int32Array; rows: number } {
  const off = [0];
  const ids: number[] = [];
  for (let w = 0; w < V; w++) {
    ids.push(w, V + (w % 5), V + 5 + (w % 3));
    off.push(ids.length);
  }
  return { subOff: Int32Array.from(off), subIds: Int32Array.from(ids), rows: V + 8 };
}

/**
 * Runs the w2v kernel on one thread over `sentence` (one epoch, no subsampling) twice from
 * the same weights (a corpus said to be far longer, so the step barely decays), once with the JavaScript pair updates and once with the WebAssembly
 * step (which draws skipgram's and cbow's negatives itself: the comparison covers its draws too), and
 * returns both results.
 */
function both(mode: number, sentence: number[], withSubwords: boolean, opts: { counts?: number[]; vocabSize?: number; negative?: number } = {}) {
  const ops = instantiateKernels(BT_KERNELS);
  const neg = opts.negative ?? NEG;
  const sub = withSubwords ? subwords() : null;
  const inputRows = sub ? sub.rows : V;
  const rng = createRandom(7);
  // Weights larger than the training initialisation, so that the dot products and sigmoids are not all near 0.
  const syn0 = Float32Array.from({ length: inputRows * D }, () => rng.next() - 0.5);
  const syn1 = Float32Array.from({ length: V * D }, () => rng.next() - 0.5);
  const { prob, alias } = unigramAlias(opts.counts ?? Array.from({ length: V }, (_, i) => 1 + (i % 4)));
  const common = { dim: D, ids: Int32Array.from(sentence), keep: new Float32Array(V).fill(1), prob, alias, subOff: sub?.subOff ?? null, subIds: sub?.subIds ?? null, mode, negative: neg, window: WINDOW, vocabSize: opts.vocabSize ?? V };
  const args = { start: 0, end: sentence.length, seed: 3, lr: 0.05, epoch: 0, epochs: 1, totalWords: 1000 * sentence.length, threads: 1 };

  const js = { syn0: syn0.slice(), syn1: syn1.slice() };
  const jsResult = ops.w2v({ ...common, ...js }, args) as { loss: number; pairs: number };

  const mem = w2vMemory(inputRows, V, D, 1, 2 * WINDOW * (sub ? 3 : 1), 2 * WINDOW * (neg + 1), 2 * WINDOW);
  expect(mem).not.toBeNull();
  mem!.syn0.set(syn0);
  mem!.syn1.set(syn1);
  const wasmResult = ops.w2v({ ...common, syn0: mem!.syn0, syn1: mem!.syn1, mem: mem!.memory, wasm: W2V_WASM, layout: mem!.layout }, { ...args, scratch: mem!.layout.scratch[0] }) as { loss: number; pairs: number };
  return { js, jsResult, wasm: { syn0: mem!.syn0, syn1: mem!.syn1 }, wasmResult, syn0, syn1 };
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('blazingtext WebAssembly Word2Vec step', () => {
  const cases: [string, number, number[], boolean, number?][] = [
    ['skipgram, one step (a centre and one context word)', 0, [3, 7], false],
    ['cbow, one step (one centre and its window)', 1, [3, 7, 1], false],
    ['skipgram over a sentence', 0, [3, 7, 1, 9, 4, 4, 11, 0], false],
    ['cbow over a sentence', 1, [3, 7, 1, 9, 4, 4, 11, 0], false],
    ['batch_skipgram over a sentence', 2, [3, 7, 1, 9, 4, 4, 11, 0], false],
    ['skipgram with subwords', 0, [3, 7, 1, 9, 4, 11], true],
    ['cbow with subwords', 1, [3, 7, 1, 9, 4, 11], true],
    // 13 targets a step: the module's blocks of 6 targets (a first, a middle and a last one, which holds g in turn).
    ['skipgram with 12 negatives', 0, [3, 7, 1, 9, 4, 4, 11, 0], false, 12],
    ['skipgram with subwords and 12 negatives', 0, [3, 7, 1, 9, 4, 11], true, 12],
    ['cbow with 12 negatives', 1, [3, 7, 1, 9, 4, 4, 11, 0], false, 12],
    ['batch_skipgram with 12 negatives', 2, [3, 7, 1, 9, 4, 4, 11, 0], false, 12],
  ];
  for (const [title, mode, sentence, withSubwords, negative] of cases) {
    it(`${title}: the same updated vectors and loss as the JavaScript kernel (within 1e-5)`, () => {
      const r = both(mode, sentence, withSubwords, { negative });
      expect(r.wasmResult.pairs).toBe(r.jsResult.pairs);
      expect(r.jsResult.pairs).toBeGreaterThan(0);
      // The step changed the weights, and both kernels changed them alike.
      expect(maxDiff(r.js.syn0, r.syn0)).toBeGreaterThan(1e-3);
      expect(maxDiff(r.js.syn1, r.syn1)).toBeGreaterThan(1e-3);
      expect(maxDiff(r.wasm.syn0, r.js.syn0)).toBeLessThan(1e-5);
      expect(maxDiff(r.wasm.syn1, r.js.syn1)).toBeLessThan(1e-5);
      expect(Math.abs(r.wasmResult.loss - r.jsResult.loss)).toBeLessThan(1e-4 * Math.max(1, r.jsResult.loss));
    });
  }

  it('skips a negative drawn equal to the target (as word2vec.c and gensim do): a one-word vocabulary trains on its positive pairs alone', () => {
    const dot = (x: Float32Array, y: Float32Array) => x.subarray(0, D).reduce((s, v, k) => s + v * y[k], 0);
    for (const mode of [0, 1, 2]) {
      // Word 0 is the whole vocabulary: every negative drawn is the target. Had it been kept (or drawn
      // again without end), the target's own row would be pushed away NEG times for each pull.
      const r = both(mode, [0, 0, 0], false, { counts: [1], vocabSize: 1 });
      expect(r.jsResult.pairs).toBeGreaterThan(0);
      const before = dot(r.syn0, r.syn1);
      expect(dot(r.js.syn0, r.js.syn1)).toBeGreaterThan(before + 1e-3);
      expect(dot(r.wasm.syn0, r.wasm.syn1)).toBeGreaterThan(before + 1e-3);
      expect(maxDiff(r.wasm.syn0, r.js.syn0)).toBeLessThan(1e-5);
      expect(maxDiff(r.wasm.syn1, r.js.syn1)).toBeLessThan(1e-5);
      // Only word 0's rows moved.
      expect(maxDiff(r.js.syn1.subarray(D), r.syn1.subarray(D))).toBe(0);
    }
  });

  it('has no WebAssembly memory for a dimension that is not a multiple of 4 (the JavaScript kernel runs)', () => {
    expect(w2vMemory(V, V, 10, 1, 4, NEG + 1)).toBeNull();
    expect(w2vMemory(V, V, 12, 2, 4, NEG + 1)?.layout.scratch).toHaveLength(2);
  });
});
