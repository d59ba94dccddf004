/**
 * Exact k-NN search of large batches through onnxruntime's matrix product (MLAS, which
 * uses the CPU's widest vectors: AVX2 or AVX-512 where present, where WebAssembly stops at
 * 128 bits). A query q ranks row x by the key A[x] + coef·q·x, as the kernels do
 * (`knn-kernels.ts`); here `Gemm` forms the keys of a block of queries against a chunk of
 * rows at once (the queries arrive already multiplied by coef) and `TopK` keeps the few
 * smallest of each chunk, then of all chunks. The graph reads the rows and their `A` from
 * the model's own `index.bin` as ONNX external data, so nothing is copied into the graph's
 * bytes and onnxruntime packs the rows once when the session opens.
 *
 * Float32 products may order near-ties differently from the float64 check the kernels
 * make, so each query keeps `EXTRA` candidates beyond k, and their keys are computed again
 * in float64 before the best k are kept: the answer is the exact search's unless a true
 * neighbour's float32 key falls behind k + EXTRA others.
 *
 * The session is opened from a private temporary folder holding the graph and a link to
 * (or, across file systems, a copy of) `index.bin`, and the folder is removed once the
 * session has read it: the model's own folder (a cache shared by processes, or a training
 * job's output) is never written. Any failure to open (onnxruntime missing, no temporary
 * space) answers null and the caller keeps the WebAssembly search.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DataType, encodeModel, externalFloatTensor, int64Tensor, type NodeSpec, type Tensor } from '../onnx-builder/index.js';
import type { HeapResult } from './knn-kernels.js';
import type { KnnIndex } from './knn-index.js';

/** Candidates kept per query beyond k, re-ranked in float64. */
const EXTRA = 4;
/** Queries per run: the products of a block against one chunk stay in cache for TopK. */
const QUERY_BLOCK = 64;
/** Rows per chunk (at most). */
const CHUNK_ROWS = 50_000;

export interface GemmSearch {
  /** The k best keys and rows of queries [0, m) of Q (prepared, m × d), as the kernels' heaps hold them. */
  search(Q: Float32Array, m: number): Promise<HeapResult>;
  close(): Promise<void>;
}

/** Where the rows and their keys' constant term lie in `index.bin` (byte offsets). */
export interface IndexFile {
  file: string;
  xOffset: number;
  aOffset: number;
}

type Ort = typeof import('onnxruntime-node');

/** Rows [0, rows) in `chunks` chunks of `per` rows (the last one shorter), none narrower than `candidates`. */
function chunking(rows: number, chunkRows: number, candidates: number): { chunks: number; per: number } {
  for (let chunks = Math.ceil(rows / Math.max(1, chunkRows)); chunks > 1; chunks--) {
    const per = Math.ceil(rows / chunks);
    if (rows - (chunks - 1) * per >= candidates) return { chunks, per };
  }
  return { chunks: 1, per: rows };
}

/** The search graph: `queries` [N, d] (times coef) and `k` [1] in; `keys` [N, k] and `rows` [N, k] (int64) out. */
export function searchGraph(d: number, rows: number, where: IndexFile, layout: { chunks: number; per: number }): Uint8Array {
  const location = path.basename(where.file);
  const { chunks, per } = layout;
  const nodes: NodeSpec[] = [];
  const initializers: Tensor[] = [];
  const keys: string[] = [];
  const found: string[] = [];
  for (let c = 0; c < chunks; c++) {
    const lo = c * per;
    const w = Math.min(rows, lo + per) - lo;
    initializers.push(externalFloatTensor(`x${c}`, [w, d], location, where.xOffset + lo * d * 4, w * d * 4), externalFloatTensor(`a${c}`, [1, w], location, where.aOffset + lo * 4, w * 4));
    nodes.push(
      { op: 'Gemm', inputs: ['queries', `x${c}`, `a${c}`], outputs: [`s${c}`], attributes: { transB: 1 } },
      { op: 'TopK', inputs: [`s${c}`, 'k'], outputs: [`v${c}`, `i${c}`], attributes: { axis: 1, largest: 0, sorted: 0 } },
    );
    keys.push(`v${c}`);
    if (lo === 0) found.push(`i${c}`);
    else {
      initializers.push(int64Tensor(`o${c}`, [1], [lo]));
      nodes.push({ op: 'Add', inputs: [`i${c}`, `o${c}`], outputs: [`r${c}`] });
      found.push(`r${c}`);
    }
  }
  if (chunks === 1) {
    nodes.push({ op: 'Identity', inputs: [keys[0]], outputs: ['keys'] }, { op: 'Identity', inputs: [found[0]], outputs: ['rows'] });
  } else {
    nodes.push(
      { op: 'Concat', inputs: keys, outputs: ['all_keys'], attributes: { axis: 1 } },
      { op: 'Concat', inputs: found, outputs: ['all_rows'], attributes: { axis: 1 } },
      { op: 'TopK', inputs: ['all_keys', 'k'], outputs: ['keys', 'at'], attributes: { axis: 1, largest: 0, sorted: 0 } },
      { op: 'GatherElements', inputs: ['all_rows', 'at'], outputs: ['rows'], attributes: { axis: 1 } },
    );
  }
  return encodeModel({
    name: 'knn_search',
    producerVersion: '1',
    nodes,
    initializers,
    inputs: [
      { name: 'queries', elemType: DataType.FLOAT, shape: ['N', d] },
      { name: 'k', elemType: DataType.INT64, shape: [1] },
    ],
    outputs: [
      { name: 'keys', elemType: DataType.FLOAT, shape: ['N', 'K'] },
      { name: 'rows', elemType: DataType.INT64, shape: ['N', 'K'] },
    ],
  });
}

/** Opens the k-best search over a flat index stored at `where`; null when it cannot (the caller keeps its own search). */
export async function openGemmSearch(index: KnnIndex, where: IndexFile, k: number, threads: number, chunkRows = CHUNK_ROWS): Promise<GemmSearch | null> {
  let ort: Ort;
  try {
    ort = await import('onnxruntime-node');
  } catch {
    return null;
  }
  const { d, rows } = index;
  k = Math.min(k, rows);
  const kk = Math.min(rows, k + EXTRA);
  const layout = chunking(rows, chunkRows, kk);
  let session: import('onnxruntime-node').InferenceSession;
  let dir: string | null = null;
  try {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'orchard-knn-'));
    const local = path.join(dir, path.basename(where.file));
    await fs.link(where.file, local).catch(() => fs.copyFile(where.file, local));
    const graph = path.join(dir, 'search.onnx');
    await fs.writeFile(graph, searchGraph(d, rows, where, layout));
    session = await ort.InferenceSession.create(graph, {
      executionProviders: ['cpu'],
      intraOpNumThreads: Math.max(1, threads),
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
      // Idle threads sleep instead of spinning between runs.
      extra: { session: { 'intra_op.allow_spinning': '0' } },
    });
  } catch {
    return null;
  } finally {
    if (dir) await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
  const coef = index.metric === 'L2' ? -2 : -1;
  return {
    async search(Q, m) {
      const keys = new Float64Array(m * k).fill(Infinity);
      const found = new Int32Array(m * k).fill(-1);
      const block = new Float32Array(QUERY_BLOCK * d);
      const kTensor = new ort.Tensor('int64', BigInt64Array.of(BigInt(kk)), [1]);
      const cand = new Float64Array(kk);
      const candRow = new Int32Array(kk);
      const order = Array.from({ length: kk }, (_, i) => i);
      for (let q0 = 0; q0 < m; q0 += QUERY_BLOCK) {
        const b = Math.min(QUERY_BLOCK, m - q0);
        for (let i = 0; i < b * d; i++) block[i] = coef * Q[q0 * d + i];
        const out = await session.run({ queries: new ort.Tensor('float32', block.subarray(0, b * d), [b, d]), k: kTensor });
        const rowIds = out.rows.data as BigInt64Array;
        for (let t = 0; t < b; t++) {
          const q = (q0 + t) * d;
          // The candidates' keys again, in float64.
          for (let c = 0; c < kk; c++) {
            const r = Number(rowIds[t * kk + c]);
            const x = r * d;
            let s = 0;
            for (let j = 0; j < d; j++) s += Q[q + j] * index.X[x + j];
            cand[c] = index.A[r] + coef * s;
            candRow[c] = r;
          }
          order.sort((u, v) => cand[u] - cand[v] || candRow[u] - candRow[v]);
          for (let r = 0; r < k; r++) {
            keys[(q0 + t) * k + r] = cand[order[r]];
            found[(q0 + t) * k + r] = candRow[order[r]];
          }
        }
      }
      return { keys, rows: found };
    },
    close: () => session.release(),
  };
}
