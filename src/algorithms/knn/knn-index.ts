/**
 * The k-NN index: optional random projection, then a flat matrix (exact search), or
 * inverted lists over a k-means coarse quantiser (IVFFlat) whose rows may be stored as
 * product-quantised residuals (IVFPQ), as faiss builds them.
 */
import { createKernelPool, instantiateKernels, splitRows, type KernelPool } from '../parallel/kernel-pool.js';
import { createRandom, type Random } from '../parallel/random.js';
import { fitKMeans } from '../kmeans/kmeans-core.js';
import type { KMeansOptions } from '../kmeans/hyperparameters.js';
import { KNN_KERNELS, type HeapResult } from './knn-kernels.js';
import { SCAN_WASM, WASM_TILE, scratchLayout, wasmRows } from './knn-wasm.js';

export type Metric = 'L2' | 'INNER_PRODUCT' | 'COSINE';

/** A random projection from `from` to `to` dimensions. */
export type Projection =
  | { type: 'sign'; from: number; to: number; /** to × from, ±1/√to. */ matrix: Float32Array }
  | { type: 'fjlt'; from: number; to: number; /** Padded length (a power of two). */ n: number; /** n random signs. */ signs: Float32Array; /** `to` sampled coordinates of the transform. */ picks: Int32Array };

/** The searchable index (everything `search` needs). */
export interface KnnIndex {
  metric: Metric;
  kind: 'flat' | 'ivf' | 'ivfpq';
  /** Dimension of the indexed vectors (after projection). */
  d: number;
  rows: number;
  /** Row labels, in index order. */
  labels: Float32Array;
  /** n × d vectors (flat, ivf); empty for ivfpq. */
  X: Float32Array;
  /** Per-row ‖x‖² for L2 (flat, ivf). */
  A: Float32Array;
  nlists: number;
  /** nlists × d coarse centroids and their key terms (‖c‖² for L2). */
  C: Float32Array;
  CA: Float32Array;
  /** nlists + 1 row offsets. */
  offsets: Int32Array;
  /** ivfpq: sub-quantisers, M × 256 × (d / M) codebooks and n × M codes. */
  M: number;
  codebooks: Float32Array;
  codes: Uint8Array;
  nprobe: number;
  projection: Projection | null;
}

const sharedF32 = (n: number) => new Float32Array(new SharedArrayBuffer(Math.max(1, n) * 4), 0, n);

/** Builds a projection (sign: Achlioptas' ±1 matrix; fjlt: the subsampled randomised Hadamard transform of Ailon & Chazelle). */
export function makeProjection(type: 'sign' | 'fjlt', from: number, to: number, rng: Random): Projection {
  if (type === 'sign') {
    const matrix = new Float32Array(to * from);
    const s = 1 / Math.sqrt(to);
    for (let i = 0; i < matrix.length; i++) matrix[i] = rng.next() < 0.5 ? -s : s;
    return { type, from, to, matrix };
  }
  let n = 1;
  while (n < from) n *= 2;
  const signs = new Float32Array(n);
  for (let i = 0; i < n; i++) signs[i] = rng.next() < 0.5 ? -1 : 1;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < to; i++) {
    const j = i + rng.int(n - i);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return { type, from, to, n, signs, picks: order.slice(0, to).sort() };
}

/** Projects `rows` rows of `from` values into `to` values each. */
export function project(p: Projection, X: Float32Array, rows: number, out: Float32Array = sharedF32(rows * p.to)): Float32Array {
  const { from, to } = p;
  if (p.type === 'sign') {
    const x = new Float64Array(from);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < from; j++) x[j] = X[i * from + j];
      for (let r = 0; r < to; r++) {
        let s = 0;
        const o = r * from;
        for (let j = 0; j < from; j++) s += p.matrix[o + j] * x[j];
        out[i * to + r] = s;
      }
    }
    return out;
  }
  const n = p.n;
  const buf = new Float64Array(n);
  // H/√n is orthonormal; keeping `to` of n coordinates scaled by √(n/to) preserves norms in expectation.
  const scale = 1 / Math.sqrt(to);
  for (let i = 0; i < rows; i++) {
    buf.fill(0);
    for (let j = 0; j < from; j++) buf[j] = X[i * from + j] * p.signs[j];
    for (let h = 1; h < n; h *= 2) {
      for (let s = 0; s < n; s += 2 * h) {
        for (let j = s; j < s + h; j++) {
          const a = buf[j];
          const b = buf[j + h];
          buf[j] = a + b;
          buf[j + h] = a - b;
        }
      }
    }
    for (let r = 0; r < to; r++) out[i * to + r] = buf[p.picks[r]] * scale;
  }
  return out;
}

/** Scales each row to unit length (zero rows stay zero), for the cosine metric. */
export function normalizeRows(X: Float32Array, rows: number, d: number): void {
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += X[i * d + j] ** 2;
    if (s > 0) {
      const f = 1 / Math.sqrt(s);
      for (let j = 0; j < d; j++) X[i * d + j] *= f;
    }
  }
}

/** Query rows as the index sees them: projected, normalised for cosine, in shared memory. */
export function prepareQueries(index: Pick<KnnIndex, 'projection' | 'metric' | 'd'>, Q: Float32Array, rows: number): Float32Array {
  let out: Float32Array;
  if (index.projection) out = project(index.projection, Q, rows);
  else {
    out = sharedF32(rows * index.d);
    out.set(Q.subarray(0, rows * index.d));
  }
  if (index.metric === 'COSINE') normalizeRows(out, rows, index.d);
  return out;
}

function kmeansOptions(k: number): KMeansOptions {
  return {
    k,
    featureDim: null,
    initMethod: 'random',
    epochs: 1,
    miniBatchSize: 5000,
    extraCenterFactor: 1,
    halfLifeTimeSize: 0,
    localLloydInitMethod: 'random',
    localLloydMaxIter: 15,
    localLloydNumTrials: 1,
    localLloydTol: 1e-4,
    evalMetrics: [],
    mode: 'lloyd',
  };
}

/** Rows [0, n) of P (d columns) to the nearest of nc centres, in parallel. */
async function assignNearest(pool: KernelPool, P: Float32Array, n: number, d: number, C: Float32Array, nc: number, coef: number): Promise<Int32Array> {
  const parts = await pool.run<Int32Array>(
    'nearest',
    splitRows(n, n < 4096 ? 1 : pool.threads).map((r) => ({ ...r, P, d, C, nc, coef })),
  );
  const out = new Int32Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Rows of X (shared, n × d) drawn without replacement for training a quantiser. */
function trainingSample(X: Float32Array, n: number, d: number, m: number, rng: Random): { P: Float32Array; n: number } {
  if (m >= n) return { P: X, n };
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < m; i++) {
    const j = i + rng.int(n - i);
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  const P = sharedF32(m * d);
  for (let i = 0; i < m; i++) P.set(X.subarray(idx[i] * d, idx[i] * d + d), i * d);
  return { P, n: m };
}

export interface BuildOptions {
  metric: Metric;
  kind: 'flat' | 'ivf' | 'ivfpq';
  nlists: number | null;
  nprobe: number | null;
  pqM: number;
  threads: number;
  seed: number;
  log?: (line: string) => void;
}

/**
 * Builds an index over `X` (n × d, already projected and normalised as the metric
 * needs; shared memory), rows labelled by `labels`.
 */
export async function buildIndex(X: Float32Array, labels: Float32Array, n: number, d: number, projection: Projection | null, o: BuildOptions): Promise<KnnIndex> {
  const coef = o.metric === 'L2' ? -2 : -1;
  const rng = createRandom(o.seed ^ 0x5bd1e995);
  const rowNorms = (V: Float32Array, rows: number) => {
    const A = sharedF32(rows);
    if (coef === -2) for (let i = 0; i < rows; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += V[i * d + j] ** 2;
      A[i] = s;
    }
    return A;
  };
  const base = { metric: o.metric, d, rows: n, projection, M: 0, codebooks: new Float32Array(0), codes: new Uint8Array(0) };
  if (o.kind === 'flat') {
    return { ...base, kind: 'flat', labels, X, A: rowNorms(X, n), nlists: 1, C: new Float32Array(d), CA: new Float32Array(1), offsets: Int32Array.of(0, n), nprobe: 1 };
  }
  const nlists = Math.max(1, Math.min(n, o.nlists ?? Math.round(Math.sqrt(n))));
  const pool = createKernelPool(KNN_KERNELS, n >= 20_000 ? o.threads : 1, {});
  try {
    // Coarse quantiser: Lloyd k-means (Orchard's) on a sample of 64 rows per list, as faiss trains on a sample.
    const sample = trainingSample(X, n, d, 64 * nlists, rng);
    const fit = await fitKMeans(sample.P, sample.n, d, kmeansOptions(nlists), { threads: o.threads, seed: o.seed });
    const C = sharedF32(nlists * d);
    C.set(Float32Array.from(fit.centers));
    const list = await assignNearest(pool, X, n, d, C, nlists, coef);
    const offsets = new Int32Array(nlists + 1);
    for (let i = 0; i < n; i++) offsets[list[i] + 1]++;
    for (let l = 0; l < nlists; l++) offsets[l + 1] += offsets[l];
    const fill = offsets.slice(0, nlists);
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[fill[list[i]]++] = i;
    const sorted = sharedF32(n * d);
    const sortedLabels = new Float32Array(n);
    for (let p = 0; p < n; p++) {
      sorted.set(X.subarray(order[p] * d, order[p] * d + d), p * d);
      sortedLabels[p] = labels[order[p]];
    }
    const CA = rowNorms(C, nlists);
    const nprobe = Math.max(1, Math.min(nlists, o.nprobe ?? Math.max(8, Math.round(nlists / 12))));
    o.log?.(`knn: ${nlists} inverted lists (largest ${Math.max(...Array.from({ length: nlists }, (_, l) => offsets[l + 1] - offsets[l]))} rows), nprobe ${nprobe}`);
    if (o.kind === 'ivf') return { ...base, kind: 'ivf', labels: sortedLabels, X: sorted, A: rowNorms(sorted, n), nlists, C, CA, offsets, nprobe };
    const M = o.pqM;
    const ds = d / M;
    // Residuals to each row's centroid for L2; the vectors themselves for inner products.
    const R = sharedF32(n * d);
    for (let p = 0; p < n; p++) {
      const l = list[order[p]];
      for (let j = 0; j < d; j++) R[p * d + j] = sorted[p * d + j] - (coef === -2 ? C[l * d + j] : 0);
    }
    const codebooks = new Float32Array(M * 256 * ds);
    const codes = new Uint8Array(n * M);
    const rs = trainingSample(R, n, d, Math.min(n, 64 * 256), rng);
    for (let s = 0; s < M; s++) {
      const sub = (P: Float32Array, rows: number) => {
        const out = sharedF32(rows * ds);
        for (let i = 0; i < rows; i++) for (let j = 0; j < ds; j++) out[i * ds + j] = P[i * d + s * ds + j];
        return out;
      };
      const cbk = Math.min(256, rs.n);
      const f = await fitKMeans(sub(rs.P, rs.n), rs.n, ds, kmeansOptions(cbk), { threads: o.threads, seed: o.seed + s });
      const cb = sharedF32(256 * ds);
      cb.set(Float32Array.from(f.centers));
      // Unused codewords (fewer than 256 training rows) repeat the first, never chosen over it.
      for (let c = cbk; c < 256; c++) cb.set(cb.subarray(0, ds), c * ds);
      codebooks.set(cb, s * 256 * ds);
      const assigned = await assignNearest(pool, sub(R, n), n, ds, cb, cbk, -2);
      for (let i = 0; i < n; i++) codes[i * M + s] = assigned[i];
    }
    return { ...base, kind: 'ivfpq', labels: sortedLabels, X: new Float32Array(0), A: new Float32Array(0), nlists, C, CA, offsets, M, codebooks, codes, nprobe };
  } finally {
    await pool.close();
  }
}

/** Per index: its rows in a shared WebAssembly memory for the SIMD searches (flat, IVF), made once. */
const wasmCopies = new WeakMap<KnnIndex, ReturnType<typeof wasmRows>>();
const WASM_THREADS = 64;

function wasmOf(index: KnnIndex): ReturnType<typeof wasmRows> {
  if (index.kind === 'ivfpq') return null;
  if (!wasmCopies.has(index)) wasmCopies.set(index, wasmRows(index.X, index.A, index.rows, index.d, WASM_THREADS));
  return wasmCopies.get(index) ?? null;
}

/** The kernel state of an index (typed arrays in shared memory are shared with workers uncopied). */
function kernelState(index: KnnIndex): Record<string, unknown> {
  const w = wasmOf(index);
  return {
    ...(w ? { mem: w.memory, wasm: SCAN_WASM, tile: WASM_TILE, aOffset: w.aOffset, layout: scratchLayout(index.d) } : {}),
    X: index.X,
    A: index.A,
    d: index.d,
    coef: index.metric === 'L2' ? -2 : -1,
    C: index.C,
    CA: index.CA,
    nlists: index.nlists,
    offsets: index.offsets,
    M: index.M,
    codebooks: index.codebooks,
    codes: index.codes,
  };
}

/** Neighbours of each query, nearest first: m × k row numbers (−1 when fewer rows) and distances as the metric reports them. */
export interface Neighbours {
  k: number;
  rows: Int32Array;
  distances: Float32Array;
}

function op(index: KnnIndex): 'flat' | 'flatWasm' | 'ivf' | 'ivfWasm' | 'ivfpq' {
  if (index.kind === 'ivfpq' || !wasmOf(index)) return index.kind;
  return index.kind === 'flat' ? 'flatWasm' : 'ivfWasm';
}

/** Sorts each query's heap and turns keys into distances (L2: squared Euclidean; inner products: the similarity). */
export function finish(index: KnnIndex, Q: Float32Array, parts: HeapResult[], m: number, k: number): Neighbours {
  const rows = new Int32Array(m * k).fill(-1);
  const distances = new Float32Array(m * k).fill(NaN);
  const d = index.d;
  const order = Array.from({ length: k }, (_, i) => i);
  let q = 0;
  for (const part of parts) {
    const pm = part.keys.length / k;
    for (let t = 0; t < pm; t++, q++) {
      const h = t * k;
      order.sort((a, b) => part.keys[h + a] - part.keys[h + b]);
      let qn = 0;
      if (index.metric === 'L2' && index.kind !== 'ivfpq') for (let j = 0; j < d; j++) qn += Q[q * d + j] ** 2;
      for (let r = 0; r < k; r++) {
        const key = part.keys[h + order[r]];
        if (part.rows[h + order[r]] < 0) continue;
        rows[q * k + r] = part.rows[h + order[r]];
        distances[q * k + r] = index.metric === 'L2' ? Math.max(0, key + qn) : -key;
      }
    }
  }
  return { k, rows, distances };
}

/** Searches on the calling thread (model servers). `Q` holds prepared queries (see `prepareQueries`). */
let localOps: ReturnType<typeof instantiateKernels> | null = null;

export function searchSync(index: KnnIndex, Q: Float32Array, m: number, k: number, nprobe = index.nprobe): Neighbours {
  // Compiled once per process: a model server searches on every request.
  const ops = (localOps ??= instantiateKernels(KNN_KERNELS));
  const res = ops[op(index)](kernelState(index), { Q, q0: 0, q1: m, k, lo: 0, hi: index.rows, nprobe, scratch: wasmOf(index)?.scratch[0] }) as HeapResult;
  return finish(index, Q, [res], m, k);
}

/** A pool of threads over one index, for searching many queries in parallel. */
export interface IndexSearcher {
  search(Q: Float32Array, m: number, k: number, nprobe?: number): Promise<Neighbours>;
  close(): Promise<void>;
}

export function createSearcher(index: KnnIndex, threads: number): IndexSearcher {
  // Scratch areas exist for WASM_THREADS threads.
  threads = Math.min(threads, WASM_THREADS);
  const pool = createKernelPool(KNN_KERNELS, threads, kernelState(index));
  return {
    async search(Q, m, k, nprobe = index.nprobe) {
      // Queries split across threads; each thread walks the whole index.
      const parts = await pool.run<HeapResult>(
        op(index),
        splitRows(m, m < 8 ? 1 : pool.threads).map((r, t) => ({ Q, q0: r.start, q1: r.end, k, lo: 0, hi: index.rows, nprobe, scratch: wasmOf(index)?.scratch[t] })),
      );
      return finish(index, Q, parts, m, k);
    },
    close: () => pool.close(),
  };
}
