/**
 * Quantile bin edges from a row sample, and the uint8 bin matrix, both computed on all
 * threads of the pool.
 *
 * A value v falls in bin = (number of cut points <= v); a split "bin <= b goes left"
 * is therefore the threshold test `v < cuts[b]`, XGBoost's `x < split_condition`.
 * Bin 255 is reserved for missing values, so a feature has at most 255 value bins.
 */
import { WorkerPool } from './worker-pool.js';

export const MISSING_BIN = 255;
const SAMPLE_ROWS = 200_000;

export interface Cuts {
  /** Cut points of all features, concatenated. */
  values: Float32Array;
  /** Feature f's cut points are values[start[f] .. start[f+1]). */
  start: Int32Array;
}

/**
 * The bin matrix in shared memory: row-major with a row stride padded to whole 32-bit
 * words (`stride`, for histogram building) and a column-major copy (for partitioning
 * rows on one feature).
 */
export interface BinMatrix {
  rowMajor: Uint8Array;
  stride: number;
  colMajor: Uint8Array;
}

/** Deterministic 32-bit PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Bins of feature f: cut points + 1. */
export function binCount(cuts: Cuts, f: number): number {
  return cuts.start[f + 1] - cuts.start[f] + 1;
}

/** Cut points from up to 200k sampled rows (the same for any thread count), and the bin matrix. */
export async function buildBins(
  pool: WorkerPool,
  features: Float32Array,
  rows: number,
  cols: number,
  maxBin: number,
  seed: number,
): Promise<{ cuts: Cuts; bins: BinMatrix }> {
  const nb = Math.min(maxBin, MISSING_BIN);
  const nSample = Math.min(rows, SAMPLE_ROWS);
  const sample = WorkerPool.shared(Uint32Array, nSample);
  if (rows <= SAMPLE_ROWS) for (let i = 0; i < rows; i++) sample[i] = i;
  else {
    const rand = rng(seed ^ 0x5bd1e995);
    for (let i = 0; i < nSample; i++) sample[i] = Math.floor(rand() * rows);
    // Sorted indices read the row-major matrix in order.
    sample.sort();
  }
  let shared = features;
  if (!(features.buffer instanceof SharedArrayBuffer)) {
    shared = WorkerPool.shared(Float32Array, features.length);
    shared.set(features);
  }
  const tbl = WorkerPool.shared(Float32Array, cols * 256);
  const nc = WorkerPool.shared(Int32Array, cols);
  const stride = Math.ceil(cols / 4) * 4;
  const rowMajor = pool.alloc(Uint8Array, rows * stride);
  const colMajor = pool.alloc(Uint8Array, rows * cols);
  for (const [name, a] of Object.entries({ binFeatures: shared, sample, cutTable: tbl, cutCount: nc, bins: rowMajor, binsT: colMajor })) {
    pool.share(name, a);
  }
  await pool.run('kCuts', (t, T) => [{ ref: 'binFeatures' }, cols, { ref: 'sample' }, nSample, nb, { ref: 'cutTable' }, { ref: 'cutCount' }, t, T]);
  await pool.run('kBinRows', (t, T) => [
    { ref: 'binFeatures' }, cols, { ref: 'cutTable' }, { ref: 'cutCount' }, { ref: 'bins' }, stride, { ref: 'binsT' }, rows,
    Math.floor((rows * t) / T),
    Math.floor((rows * (t + 1)) / T),
  ]);
  // Let the workers drop their view of the (large) float matrix.
  pool.share('binFeatures', WorkerPool.shared(Float32Array, 1));
  const start = new Int32Array(cols + 1);
  for (let f = 0; f < cols; f++) start[f + 1] = start[f] + nc[f];
  const values = new Float32Array(start[cols]);
  for (let f = 0; f < cols; f++) values.set(tbl.subarray(f * 256, f * 256 + nc[f]), start[f]);
  return { cuts: { values, start }, bins: { rowMajor, stride, colMajor } };
}
