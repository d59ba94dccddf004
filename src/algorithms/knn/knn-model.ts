/**
 * The k-NN artifact: `model.json` (header, options, and where each array lies) beside
 * `index.bin` (the index's typed arrays, little-endian, 8-byte aligned), and its
 * predictor. Rows answer the predicted label; documents answer SageMaker's
 * `{"predictions": [{"predicted_label": …}]}`, with the neighbours' `labels` and
 * `distances` when the Accept header says `verbose=true`.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Hyperparameters, Predictor } from '../algorithm.js';
import { assertFeatureCount, invalidModel, readModelFile, writeModelFile } from '../model-file.js';
import { answerType, badInput, decodeRequestRows, denseRows, encodeRecords } from '../data/instances.js';
import { createSearcher, finish, prepareQueries, searchSync, type IndexSearcher, type KnnIndex, type Metric, type Neighbours, type Projection } from './knn-index.js';
// Types only: the search through onnxruntime (and protobufjs, which writes its graph) loads on first use.
import type { GemmSearch } from './knn-gemm.js';

export const KNN_FORMAT = 'orchard-knn';
export const KNN_VERSION = '1.0.0';
export const INDEX_FILE = 'index.bin';
/**
 * Below this many products (queries × rows) a batch is searched by the WebAssembly kernel,
 * not through onnxruntime (`knn-gemm.ts`): opening a session costs about as much as
 * searching 1,000 queries against 200,000 rows.
 */
export const GEMM_MIN_PRODUCTS = 100_000_000;
/** Queries below which `predictParallel` searches on the calling thread. */
const PARALLEL_MIN_QUERIES = 64;

type ArrayName = 'labels' | 'X' | 'A' | 'C' | 'CA' | 'offsets' | 'codebooks' | 'codes' | 'matrix' | 'signs' | 'picks';
type Typed = Float32Array | Int32Array | Uint8Array;

export interface KnnArtifact {
  format: typeof KNN_FORMAT;
  algorithm: 'knn';
  version: string;
  hyperparameters: Hyperparameters;
  seed: number;
  featureDim: number;
  k: number;
  predictorType: 'classifier' | 'regressor';
  metric: Metric;
  kind: KnnIndex['kind'];
  /** Indexed dimension (after projection). */
  d: number;
  rows: number;
  nlists: number;
  nprobe: number;
  M: number;
  projection: { type: 'sign' | 'fjlt'; from: number; to: number; n?: number } | null;
  /** Where each array lies in index.bin. */
  arrays: Partial<Record<ArrayName, { type: 'f32' | 'i32' | 'u8'; offset: number; length: number }>>;
  metrics: Record<string, number>;
}

const typeOf = (a: Typed): 'f32' | 'i32' | 'u8' => (a instanceof Float32Array ? 'f32' : a instanceof Int32Array ? 'i32' : 'u8');

/** Writes model.json and index.bin. */
export async function saveKnn(modelDir: string, header: Omit<KnnArtifact, 'arrays' | 'd' | 'rows' | 'nlists' | 'nprobe' | 'M' | 'kind' | 'metric' | 'projection'>, index: KnnIndex): Promise<void> {
  const arrays: Partial<Record<ArrayName, Typed>> = { labels: index.labels, X: index.X, A: index.A, C: index.C, CA: index.CA, offsets: index.offsets, codebooks: index.codebooks, codes: index.codes };
  const p = index.projection;
  if (p?.type === 'sign') arrays.matrix = p.matrix;
  if (p?.type === 'fjlt') {
    arrays.signs = p.signs;
    arrays.picks = p.picks;
  }
  const table: KnnArtifact['arrays'] = {};
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const [name, a] of Object.entries(arrays) as [ArrayName, Typed][]) {
    const bytes = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    table[name] = { type: typeOf(a), offset, length: a.length };
    const pad = (8 - (bytes.length % 8)) % 8;
    chunks.push(bytes, Buffer.alloc(pad));
    offset += bytes.length + pad;
  }
  await writeModelFile(modelDir, {
    ...header,
    metric: index.metric,
    kind: index.kind,
    d: index.d,
    rows: index.rows,
    nlists: index.nlists,
    nprobe: index.nprobe,
    M: index.M,
    projection: p ? { type: p.type, from: p.from, to: p.to, ...(p.type === 'fjlt' ? { n: p.n } : {}) } : null,
    arrays: table,
  } as KnnArtifact);
  const handle = await fs.open(path.join(modelDir, INDEX_FILE), 'w');
  try {
    for (const c of chunks) await handle.write(c);
  } finally {
    await handle.close();
  }
}

/** Reads and checks an artifact and its index; any mismatch is `ORCH_MODEL_INVALID`. */
export async function readKnn(modelDir: string): Promise<{ artifact: KnnArtifact; index: KnnIndex }> {
  const a = await readModelFile<KnnArtifact>(modelDir, { format: KNN_FORMAT, algorithm: 'knn', version: KNN_VERSION, label: 'k-NN' });
  const posInt = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
  if (![a.featureDim, a.k, a.d, a.rows, a.nlists, a.nprobe, a.M].every(posInt) || !['flat', 'ivf', 'ivfpq'].includes(a.kind) || !['L2', 'INNER_PRODUCT', 'COSINE'].includes(a.metric)) {
    throw invalidModel('k-NN model has bad dimensions, index kind or metric');
  }
  const bin = await readShared(path.join(modelDir, INDEX_FILE));
  const get = <T extends Typed>(name: ArrayName, expected: number | null): T => {
    const e = a.arrays?.[name];
    if (!e) throw invalidModel(`k-NN model lacks the ${name} array`);
    const size = e.type === 'u8' ? 1 : 4;
    if (!posInt(e.offset) || !posInt(e.length) || e.offset % 4 !== 0 || e.offset + e.length * size > bin.length || (expected !== null && e.length !== expected)) {
      throw invalidModel(`k-NN model's ${name} array does not fit ${INDEX_FILE}`);
    }
    // A view of the shared file (offsets are multiples of 8), so search threads read it uncopied.
    const sab = bin.buffer;
    return (e.type === 'f32' ? new Float32Array(sab, e.offset, e.length) : e.type === 'i32' ? new Int32Array(sab, e.offset, e.length) : new Uint8Array(sab, e.offset, e.length)) as T;
  };
  const { d, rows, nlists, M } = a;
  let projection: Projection | null = null;
  if (a.projection) {
    const p = a.projection;
    if (p.to !== d || p.from !== a.featureDim) throw invalidModel('k-NN model projection does not match its dimensions');
    projection = p.type === 'sign' ? { type: 'sign', from: p.from, to: p.to, matrix: get('matrix', p.to * p.from) } : { type: 'fjlt', from: p.from, to: p.to, n: Number(p.n), signs: get('signs', Number(p.n)), picks: get('picks', p.to) };
  } else if (d !== a.featureDim) throw invalidModel('k-NN model dimension does not match featureDim');
  const pq = a.kind === 'ivfpq';
  const offsets = get<Int32Array>('offsets', nlists + 1);
  if (offsets[0] !== 0 || offsets[nlists] !== rows) throw invalidModel('k-NN model list offsets do not cover its rows');
  const index: KnnIndex = {
    metric: a.metric,
    kind: a.kind,
    d,
    rows,
    labels: get('labels', rows),
    X: get('X', pq ? 0 : rows * d),
    A: get('A', pq || a.metric !== 'L2' ? null : rows),
    nlists,
    C: get('C', nlists * d),
    CA: get('CA', nlists),
    offsets,
    M,
    codebooks: get('codebooks', pq ? M * 256 * (d / M) : 0),
    codes: get('codes', pq ? rows * M : 0),
    nprobe: a.nprobe,
    projection,
  };
  if (pq) for (const c of index.codes) if (c >= 256) throw invalidModel('k-NN model has a bad PQ code');
  return { artifact: a, index };
}

/**
 * The whole index file read straight into one shared buffer: each array is a view of it,
 * with no second copy of a file that is most of the model (51 MB for 200,000 × 64 rows).
 */
async function readShared(file: string): Promise<Uint8Array<SharedArrayBuffer>> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(file, 'r');
    const size = (await handle.stat()).size;
    const bin = new Uint8Array(new SharedArrayBuffer(Math.max(8, size)), 0, size);
    for (let at = 0; at < size; ) {
      const { bytesRead } = await handle.read(bin, at, size - at, at);
      if (bytesRead === 0) throw new Error(`${INDEX_FILE} ended after ${at} of ${size} bytes`);
      at += bytesRead;
    }
    return bin;
  } catch (cause) {
    throw invalidModel(`k-NN model has no readable ${INDEX_FILE}`, { cause: String(cause) });
  } finally {
    await handle?.close();
  }
}

/** The label a query's neighbours give: their most common label (ties: the one met first, i.e. nearest), or their mean. */
export function voteLabel(labels: Float32Array, nb: Neighbours, q: number, regressor: boolean): number {
  let n = 0;
  let sum = 0;
  const seen = new Map<number, number>();
  let best = NaN;
  let bestCount = 0;
  for (let r = 0; r < nb.k; r++) {
    const row = nb.rows[q * nb.k + r];
    if (row < 0) break;
    const y = labels[row];
    n++;
    sum += y;
    const c = (seen.get(y) ?? 0) + 1;
    seen.set(y, c);
    if (c > bestCount) {
      bestCount = c;
      best = y;
    }
  }
  return regressor ? (n ? sum / n : NaN) : best;
}

/**
 * The predictor of a k-NN model. `modelDir` (the folder `readKnn` read) lets large batches
 * of an exact index go through onnxruntime's matrix product (`knn-gemm.ts`), which reads
 * the rows from the folder's `index.bin`.
 */
export function knnPredictor(a: KnnArtifact, index: KnnIndex, modelDir?: string): Predictor {
  const d = a.featureDim;
  const regressor = a.predictorType === 'regressor';
  const search = (features: Float32Array, rows: number) => searchSync(index, prepareQueries(index, features, rows), rows, Math.min(a.k, index.rows));
  const checkComplete = (features: Float32Array) => {
    const i = features.findIndex((v) => !Number.isFinite(v));
    if (i >= 0) throw badInput(`Row ${Math.floor(i / d) + 1}, column ${(i % d) + 1}: k-NN needs complete numeric rows`, { row: Math.floor(i / d) + 1 });
  };
  const answer = (nb: Neighbours, rows: number) => {
    const values = new Float32Array(rows);
    for (let q = 0; q < rows; q++) values[q] = voteLabel(index.labels, nb, q, regressor);
    return { values, outputsPerRow: 1 };
  };
  // Made on the first parallel call and kept (its threads hold the index's shared memory), until close.
  let pool: { threads: number; searcher: IndexSearcher } | null = null;
  // Opened on the first batch large enough and kept until close; null when it could not open.
  let gemm: Promise<GemmSearch | null> | null = null;
  const gemmFor = (rows: number, threads: number): Promise<GemmSearch | null> | null => {
    const X = a.arrays.X;
    const A = a.arrays.A;
    if (!modelDir || !X || !A || index.kind !== 'flat' || rows * index.rows < GEMM_MIN_PRODUCTS) return gemm;
    gemm ??= import('./knn-gemm.js').then((g) => g.openGemmSearch(index, { file: path.join(modelDir, INDEX_FILE), xOffset: X.offset, aOffset: A.offset }, a.k, threads));
    return gemm;
  };
  return {
    numFeatures: d,
    predict(features: Float32Array, rows: number) {
      assertFeatureCount(features, rows, d);
      checkComplete(features);
      return answer(search(features, rows), rows);
    },
    async predictParallel(features: Float32Array, rows: number, threads: number) {
      assertFeatureCount(features, rows, d);
      checkComplete(features);
      const g = await gemmFor(rows, threads);
      if (g) {
        const Q = prepareQueries(index, features, rows);
        return answer(finish(index, Q, [await g.search(Q, rows)], rows, Math.min(a.k, index.rows)), rows);
      }
      // A few queries cost less than waking the threads.
      if (threads <= 1 || rows < PARALLEL_MIN_QUERIES) return answer(search(features, rows), rows);
      if (pool?.threads !== threads) {
        await pool?.searcher.close();
        pool = { threads, searcher: createSearcher(index, threads) };
      }
      return answer(await pool.searcher.search(prepareQueries(index, features, rows), rows, Math.min(a.k, index.rows)), rows);
    },
    async close() {
      await pool?.searcher.close();
      pool = null;
      const g = await gemm;
      gemm = null;
      await g?.close();
    },
    invoke({ contentType, accept, body }) {
      const { type, verbose } = answerType(accept, contentType);
      const req = decodeRequestRows(contentType, body, d);
      const features = denseRows(req, d);
      checkComplete(features);
      const nb = search(features, req.rows);
      const records = Array.from({ length: req.rows }, (_, q) => {
        const rec: Record<string, unknown> = { predicted_label: voteLabel(index.labels, nb, q, regressor) };
        if (verbose) {
          const labels: number[] = [];
          const distances: number[] = [];
          for (let r = 0; r < nb.k; r++) {
            const row = nb.rows[q * nb.k + r];
            if (row < 0) break;
            labels.push(index.labels[row]);
            distances.push(nb.distances[q * nb.k + r]);
          }
          rec.labels = labels;
          rec.distances = distances;
        }
        return rec;
      });
      return encodeRecords(type, 'predictions', records, ['predicted_label']);
    },
  };
}
