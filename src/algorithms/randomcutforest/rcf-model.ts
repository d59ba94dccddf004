/**
 * The random cut forest artifact: `model.json` (header, options, the training score
 * statistics and where each of the forest's arrays lies) beside `forest.bin` (the node
 * arrays, little-endian, each at an offset that is a multiple of 8), and its predictor:
 * rows answer one anomaly score each; documents answer SageMaker's
 * `{"scores": [{"score": …}]}`.
 *
 * Version 1.0.0 models (older releases) hold the forest's arrays as JSON numbers inside
 * `model.json`; they still load.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { OrchardError } from '../../core/errors.js';
import type { Hyperparameters, Predictor } from '../algorithm.js';
import { assertFeatureCount, invalidModel, MODEL_FILE, writeModelFile } from '../model-file.js';
import { answerType, badInput, decodeRequestRows, denseRows, encodeRecords } from '../data/instances.js';
import { instantiateKernels } from '../parallel/kernel-pool.js';
import { shingleRows, withScoring, type Forest } from './rcf-forest.js';
import { rcfKernelSource, type ScoringArrays } from './rcf-score.js';

export const RCF_FORMAT = 'orchard-randomcutforest';
/** 1.1.0: the forest in `forest.bin`; 1.0.0 (still read): the forest as JSON in `model.json`. */
export const RCF_VERSION = '1.1.0';
export const RCF_JSON_VERSION = '1.0.0';
export const FOREST_FILE = 'forest.bin';

/** The stored node arrays, in the order they lie in forest.bin. */
const FOREST_ARRAYS = ['treeStart', 'sampleSize', 'dim', 'left', 'right', 'depth', 'mass', 'cut', 'lo', 'hi'] as const;
type ForestArray = (typeof FOREST_ARRAYS)[number];
type StoredType = 'i32' | 'f32' | 'f64';
const TYPE_OF: Record<ForestArray, StoredType> = { treeStart: 'i32', sampleSize: 'i32', dim: 'i32', left: 'i32', right: 'i32', depth: 'i32', mass: 'i32', cut: 'f64', lo: 'f32', hi: 'f32' };
const BYTES: Record<StoredType, number> = { i32: 4, f32: 4, f64: 8 };

export interface RcfHeader {
  format: typeof RCF_FORMAT;
  algorithm: 'randomcutforest';
  version: string;
  hyperparameters: Hyperparameters;
  seed: number;
  featureDim: number;
  shingleSize: number;
  /** Mean and standard deviation of the training rows' scores; mean + 3σ is the anomaly threshold. */
  scoreMean: number;
  scoreStd: number;
  metrics: Record<string, number>;
}

export interface RcfArtifact extends RcfHeader {
  /** The forest's size, and where each node array lies in forest.bin (offset in bytes, length in elements). */
  forest: { D: number; trees: number; file: typeof FOREST_FILE; arrays: Record<ForestArray, { type: StoredType; offset: number; length: number }> };
}

/** A 1.0.0 artifact: the same, with the forest's arrays as JSON numbers. */
export interface RcfJsonArtifact extends RcfHeader {
  forest: { D: number; trees: number; treeStart: number[]; dim: number[]; cut: number[]; left: number[]; right: number[]; depth: number[]; mass: number[]; lo: number[]; hi: number[]; sampleSize: number[] };
}

/** Writes model.json and forest.bin. */
export async function saveRcf(modelDir: string, header: Omit<RcfHeader, 'format' | 'algorithm' | 'version'>, f: Forest): Promise<void> {
  const arrays = {} as RcfArtifact['forest']['arrays'];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const name of FOREST_ARRAYS) {
    const a = f[name];
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    arrays[name] = { type: TYPE_OF[name], offset, length: a.length };
    const pad = (8 - (bytes.length % 8)) % 8;
    chunks.push(bytes, new Uint8Array(pad));
    offset += bytes.length + pad;
  }
  const artifact: RcfArtifact = { format: RCF_FORMAT, algorithm: 'randomcutforest', version: RCF_VERSION, ...header, forest: { D: f.D, trees: f.trees, file: FOREST_FILE, arrays } };
  await writeModelFile(modelDir, artifact);
  await fs.writeFile(path.join(modelDir, FOREST_FILE), Buffer.concat(chunks, offset));
}

export async function readRcf(modelDir: string): Promise<{ artifact: RcfHeader; forest: Forest }> {
  const a = await readHeader(modelDir);
  const f = a.forest;
  if (!f || !Number.isInteger(a.featureDim) || !Number.isInteger(a.shingleSize) || f.D !== a.featureDim * a.shingleSize || !Number.isInteger(f.trees) || f.trees < 1) {
    throw invalidModel('random cut forest model has bad dimensions');
  }
  const arrays = a.version === RCF_JSON_VERSION ? jsonArrays(a as RcfJsonArtifact) : await binaryArrays(modelDir, a as RcfArtifact);
  return { artifact: a, forest: withScoring(checkForest(f.D, f.trees, arrays)) };
}

/**
 * model.json, parsed once whichever version it is (a 1.0.0 one is large), with the header
 * checks every built-in's `readModelFile` makes.
 */
async function readHeader(modelDir: string): Promise<RcfArtifact | RcfJsonArtifact> {
  let a: RcfArtifact | RcfJsonArtifact;
  try {
    a = JSON.parse(await fs.readFile(path.join(modelDir, MODEL_FILE), 'utf8')) as RcfArtifact;
  } catch (cause) {
    throw new OrchardError('ORCH_MODEL_INVALID', { message: `No readable ${MODEL_FILE} in the model folder`, cause });
  }
  if (a?.format !== RCF_FORMAT || a.algorithm !== 'randomcutforest') {
    throw invalidModel(`Not a random cut forest model (format ${JSON.stringify(a?.format)}, algorithm ${JSON.stringify(a?.algorithm)})`);
  }
  if (a.version !== RCF_VERSION && a.version !== RCF_JSON_VERSION) throw invalidModel(`random cut forest model version ${a.version} is not ${RCF_VERSION} (or ${RCF_JSON_VERSION})`, { version: a.version });
  if (typeof a.seed !== 'number' || typeof a.hyperparameters !== 'object' || a.hyperparameters === null) throw invalidModel('random cut forest model lacks its seed or hyperparameters');
  return a;
}

type NodeArrays = Omit<Forest, keyof ScoringArrays | 'D' | 'trees'>;

/** The arrays of forest.bin, as views of one shared buffer (scoring threads read them uncopied). */
async function binaryArrays(modelDir: string, a: RcfArtifact): Promise<NodeArrays> {
  const table = a.forest.arrays;
  if (a.forest.file !== FOREST_FILE || typeof table !== 'object' || table === null) throw invalidModel('random cut forest model does not name its forest file');
  let bin: Uint8Array;
  let sab: SharedArrayBuffer;
  try {
    const bytes = await fs.readFile(path.join(modelDir, FOREST_FILE));
    // One shared buffer, each array a view of it (offsets are multiples of 8).
    sab = new SharedArrayBuffer(Math.max(8, bytes.length));
    bin = new Uint8Array(sab, 0, bytes.length);
    bin.set(bytes);
  } catch (cause) {
    throw invalidModel(`random cut forest model has no readable ${FOREST_FILE}`, { cause: String(cause) });
  }
  const out = {} as Record<ForestArray, Int32Array | Float32Array | Float64Array>;
  for (const name of FOREST_ARRAYS) {
    const e = table[name];
    const type = TYPE_OF[name];
    const size = BYTES[type];
    if (!e || e.type !== type || !Number.isInteger(e.offset) || !Number.isInteger(e.length) || e.offset < 0 || e.length < 0 || e.offset % size !== 0 || e.offset + e.length * size > bin.length) {
      throw invalidModel(`random cut forest model's ${name} array does not fit ${FOREST_FILE}`);
    }
    out[name] = type === 'i32' ? new Int32Array(sab, e.offset, e.length) : type === 'f32' ? new Float32Array(sab, e.offset, e.length) : new Float64Array(sab, e.offset, e.length);
  }
  return out as unknown as NodeArrays;
}

/** A 1.0.0 forest's JSON arrays, copied into shared memory. */
function jsonArrays(a: RcfJsonArtifact): NodeArrays {
  const f = a.forest;
  const numbers = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number');
  for (const name of FOREST_ARRAYS) if (!numbers(f[name])) throw invalidModel(`random cut forest model's ${name} array is not a list of numbers`);
  const ints = (v: number[]) => v.every((x) => Number.isInteger(x));
  if (![f.treeStart, f.sampleSize, f.dim, f.left, f.right, f.depth, f.mass].every(ints)) throw invalidModel('random cut forest model has bad nodes');
  const shared = <T extends Float32Array | Float64Array | Int32Array>(C: { new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number }, v: number[]): T => {
    const arr = new C(new SharedArrayBuffer(Math.max(1, v.length) * C.BYTES_PER_ELEMENT));
    (arr as unknown as { set(x: number[]): void }).set(v);
    return arr.subarray(0, v.length) as T;
  };
  return {
    treeStart: shared(Int32Array, f.treeStart),
    sampleSize: shared(Int32Array, f.sampleSize),
    dim: shared(Int32Array, f.dim),
    left: shared(Int32Array, f.left),
    right: shared(Int32Array, f.right),
    depth: shared(Int32Array, f.depth),
    mass: shared(Int32Array, f.mass),
    cut: shared(Float64Array, f.cut),
    lo: shared(Float32Array, f.lo),
    hi: shared(Float32Array, f.hi),
  };
}

/** Checks the node arrays' sizes and links, as every version stores them. */
function checkForest(D: number, trees: number, n: NodeArrays): Omit<Forest, keyof ScoringArrays> {
  if (n.treeStart.length !== trees + 1 || n.sampleSize.length !== trees || n.treeStart[0] !== 0) throw invalidModel('random cut forest model has bad dimensions');
  for (let t = 0; t < trees; t++) if (n.treeStart[t + 1] <= n.treeStart[t]) throw invalidModel('random cut forest model has bad dimensions');
  const nodes = n.treeStart[trees];
  if ([n.dim, n.left, n.right, n.depth, n.mass].some((v) => v.length !== nodes)) throw invalidModel('random cut forest model has bad nodes');
  if (n.cut.length !== nodes || n.lo.length !== nodes * D || n.hi.length !== nodes * D) throw invalidModel('random cut forest model has bad boxes');
  // Children lie after their parent within its tree (as built), so no walk can loop.
  for (let t = 0; t < trees; t++) {
    const base = n.treeStart[t];
    const size = n.treeStart[t + 1] - base;
    for (let i = base; i < n.treeStart[t + 1]; i++) {
      const at = i - base;
      if (n.dim[i] >= D || (n.dim[i] >= 0 && (n.left[i] <= at || n.left[i] >= size || n.right[i] <= at || n.right[i] >= size))) throw invalidModel('random cut forest model has a bad node');
    }
  }
  return { D, trees, ...n };
}

/** Scores rows on the calling thread. */
const localOps = new Map<number, ReturnType<typeof instantiateKernels>>();

export function scoreRows(forest: Forest, X: Float32Array, rows: number, featureDim: number, shingleSize: number): Float64Array {
  const P = shingleRows(X, rows, featureDim, shingleSize);
  // Compiled once per process and dimension: a model server scores on every request.
  let ops = localOps.get(forest.D);
  if (!ops) localOps.set(forest.D, (ops = instantiateKernels(rcfKernelSource(forest.D))));
  return ops.score(forest as unknown as Record<string, unknown>, { P, start: 0, end: rows }) as Float64Array;
}

export function rcfPredictor(a: Pick<RcfHeader, 'featureDim' | 'shingleSize'>, forest: Forest): Predictor {
  const d = a.featureDim;
  const score = (features: Float32Array, rows: number) => {
    const i = features.findIndex((v) => !Number.isFinite(v));
    if (i >= 0) throw badInput(`Row ${Math.floor(i / d) + 1}, column ${(i % d) + 1}: random cut forest needs complete numeric rows`, { row: Math.floor(i / d) + 1 });
    return scoreRows(forest, features, rows, d, a.shingleSize);
  };
  return {
    numFeatures: d,
    predict(features: Float32Array, rows: number) {
      assertFeatureCount(features, rows, d);
      return { values: Float32Array.from(score(features, rows)), outputsPerRow: 1 };
    },
    invoke({ contentType, accept, body }) {
      const { type } = answerType(accept, contentType);
      const req = decodeRequestRows(contentType, body, d);
      const scores = score(denseRows(req, d), req.rows);
      return encodeRecords(type, 'scores', Array.from(scores, (s) => ({ score: s })), ['score']);
    },
  };
}
