import { describe, expect, it } from 'vitest';
import { rng } from './binning.js';
import { kBuildHist, kGradients, kPartition } from './kernels.js';
import { Wasm, wasmKernels } from './wasm.js';

/** Typed arrays carved one after another out of one shared wasm memory (16-byte aligned). */
function heap(bytes: number) {
  const memory = new Wasm.Memory({ initial: Math.ceil(bytes / 65536) + 1, maximum: 65536, shared: true });
  const kernels = wasmKernels(memory);
  let top = 0;
  const take = <T>(ctor: new (b: SharedArrayBuffer, o: number, n: number) => T, n: number, size: number): T => {
    const a = new ctor(memory.buffer as SharedArrayBuffer, top, n);
    top = Math.ceil((top + n * size) / 16) * 16;
    return a;
  };
  return { kernels, take };
}

describe('xgboost kernels: the WebAssembly ones against their JavaScript twins', () => {
  const N = 5003;
  const W = 3;
  const rand = rng(11);

  it('builds the same histograms and partitions', () => {
    const { kernels, take } = heap(64 << 20);
    expect(kernels).not.toBeNull();
    const bins = take(Uint8Array, N * W * 4, 1);
    for (let i = 0; i < bins.length; i++) bins[i] = rand() < 0.05 ? 255 : Math.floor(rand() * 40);
    const words = new Uint32Array(bins.buffer, bins.byteOffset, N * W);
    const binsT = take(Uint8Array, N * W * 4, 1);
    for (let r = 0; r < N; r++) for (let f = 0; f < W * 4; f++) binsT[f * N + r] = bins[r * W * 4 + f];
    const gh = take(Float32Array, 2 * N, 4);
    for (let i = 0; i < gh.length; i++) gh[i] = rand() * 2 - 1;
    const rows0 = take(Uint32Array, N, 4);
    // A shuffled subset of the rows, as after a few splits.
    for (let i = 0; i < N; i++) rows0[i] = i;
    for (let i = N - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [rows0[i], rows0[j]] = [rows0[j], rows0[i]];
    }
    const rows1 = take(Uint32Array, N, 4);
    const rows2 = take(Uint32Array, N, 4);
    const size = W * 2048;
    const histJs = take(Float64Array, 2 * size, 8);
    const histWasm = take(Float64Array, 2 * size, 8);

    // One node in two thread segments: [0, 2500) and [2500, 5003) of buffer 0.
    const tasks = Int32Array.from([0, 2500, 2500, N, 0, 0]);
    for (const t of [0, 1]) {
      tasks[4] = t; // each thread its own slot
      kBuildHist(words, W, gh, rows0, rows1, rows2, tasks, 1, t, 2, histJs, 0, 0);
      kBuildHist(words, W, gh, rows0, rows1, rows2, tasks, 1, t, 2, histWasm, 0, kernels!.hist);
    }
    expect(Array.from(histWasm)).toEqual(Array.from(histJs));
    // Each feature's histogram holds every row of the thread's segment once.
    for (const t of [0, 1]) {
      const [a, z] = t === 0 ? [0, 2500] : [2500, N];
      let want = 0;
      for (let i = a; i < z; i++) want += gh[2 * rows0[i] + 1];
      for (const f of [0, 5, 11]) {
        let got = 0;
        for (let b = 0; b < 256; b++) got += histJs[t * size + f * 512 + 2 * b + 1];
        expect(got).toBeCloseTo(want, 6);
      }
    }

    // Partition both segments on feature 5 at bin 17, missing values left, into buffer 1, then into 2.
    const part = Int32Array.from([0, 2500, 2500, N, 5, 17, 1, 0]);
    const countsJs = new Int32Array(2);
    const countsWasm = new Int32Array(2);
    for (const t of [0, 1]) kPartition(binsT, N, rows0, rows1, rows2, part, 1, t, 2, countsJs, 0);
    const firstJs = Array.from(rows1);
    rows1.fill(0);
    for (const t of [0, 1]) kPartition(binsT, N, rows0, rows1, rows2, part, 1, t, 2, countsWasm, kernels!.part);
    expect(Array.from(rows1)).toEqual(firstJs);
    expect(Array.from(countsWasm)).toEqual(Array.from(countsJs));
    // Left rows are those with bin <= 17 or missing, in the segment's order.
    const left = Array.from(rows0.subarray(0, 2500)).filter((r) => binsT[5 * N + r] <= 17 || binsT[5 * N + r] === 255);
    expect(firstJs.slice(0, countsJs[0])).toEqual(left);
    const fromB = Int32Array.from([0, 2500, 2500, N, 7, 3, 0, 1]);
    for (const t of [0, 1]) kPartition(binsT, N, rows0, rows1, rows2, fromB, 1, t, 2, countsJs, 0);
    const secondJs = Array.from(rows2);
    rows2.fill(0);
    for (const t of [0, 1]) kPartition(binsT, N, rows0, rows1, rows2, fromB, 1, t, 2, countsWasm, kernels!.part);
    expect(Array.from(rows2)).toEqual(secondJs);
    expect(new Set(secondJs).size).toBe(N);
  });

  it('computes logistic gradients as the JavaScript loop does, to float32 precision', () => {
    const { kernels, take } = heap(1 << 20);
    const margin = take(Float32Array, N, 4);
    const labels = take(Float32Array, N, 4);
    for (let r = 0; r < N; r++) {
      margin[r] = (rand() - 0.5) * 30;
      labels[r] = rand() < 0.4 ? 1 : 0;
    }
    margin[0] = 120;
    margin[1] = -120;
    const js = take(Float32Array, 2 * N, 4);
    const wasm = take(Float32Array, 2 * N, 4);
    kGradients(1, margin, labels, js, 1, 0, N, 0);
    // Two threads' halves, the second starting on an odd row (its first rows in JavaScript).
    kGradients(1, margin, labels, wasm, 1, 0, 2501, kernels!.grad);
    kGradients(1, margin, labels, wasm, 1, 2501, N, kernels!.grad);
    for (let i = 0; i < 2 * N; i++) {
      const scale = Math.max(Math.abs(js[i]), 1e-6);
      expect(Math.abs(wasm[i] - js[i]) / scale).toBeLessThan(1e-6);
    }
  });
});
