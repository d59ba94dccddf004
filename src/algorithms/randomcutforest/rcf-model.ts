/**
 * The random cut forest artifact (`model.json`: header, options, the forest's arrays
 * and the training score statistics) and its predictor: rows answer one anomaly score
 * each; documents answer SageMaker's `{"scores": [{"score": …}]}`.
 */
import type { Hyperparameters, Predictor } from '../algorithm.js';
import { assertFeatureCount, invalidModel, readModelFile, writeModelFile } from '../model-file.js';
import { answerType, badInput, decodeRequestRows, denseRows, encodeRecords } from '../data/instances.js';
import { instantiateKernels } from '../parallel/kernel-pool.js';
import { shingleRows, withScoring, type Forest } from './rcf-forest.js';
import { rcfKernelSource } from './rcf-score.js';

export const RCF_FORMAT = 'orchard-randomcutforest';
export const RCF_VERSION = '1.0.0';

export interface RcfArtifact {
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
  forest: { D: number; trees: number; treeStart: number[]; dim: number[]; cut: number[]; left: number[]; right: number[]; depth: number[]; mass: number[]; lo: number[]; hi: number[]; sampleSize: number[] };
  metrics: Record<string, number>;
}

export function forestToJson(f: Forest): RcfArtifact['forest'] {
  return {
    D: f.D,
    trees: f.trees,
    treeStart: Array.from(f.treeStart),
    dim: Array.from(f.dim),
    cut: Array.from(f.cut),
    left: Array.from(f.left),
    right: Array.from(f.right),
    depth: Array.from(f.depth),
    mass: Array.from(f.mass),
    lo: Array.from(f.lo),
    hi: Array.from(f.hi),
    sampleSize: Array.from(f.sampleSize),
  };
}

export async function saveRcf(modelDir: string, a: RcfArtifact): Promise<void> {
  await writeModelFile(modelDir, a);
}

export async function readRcf(modelDir: string): Promise<{ artifact: RcfArtifact; forest: Forest }> {
  const a = await readModelFile<RcfArtifact>(modelDir, { format: RCF_FORMAT, algorithm: 'randomcutforest', version: RCF_VERSION, label: 'random cut forest' });
  const f = a.forest;
  const ints = (v: unknown, n: number) => Array.isArray(v) && v.length === n && v.every((x) => Number.isInteger(x));
  if (!f || !Number.isInteger(a.featureDim) || !Number.isInteger(a.shingleSize) || f.D !== a.featureDim * a.shingleSize || !Number.isInteger(f.trees) || f.trees < 1 || !ints(f.treeStart, f.trees + 1)) {
    throw invalidModel('random cut forest model has bad dimensions');
  }
  const nodes = f.treeStart[f.trees];
  if (!ints(f.dim, nodes) || !ints(f.left, nodes) || !ints(f.right, nodes) || !ints(f.depth, nodes) || !ints(f.mass, nodes) || !ints(f.sampleSize, f.trees)) throw invalidModel('random cut forest model has bad nodes');
  if (!Array.isArray(f.cut) || f.cut.length !== nodes || !Array.isArray(f.lo) || f.lo.length !== nodes * f.D || !Array.isArray(f.hi) || f.hi.length !== nodes * f.D) throw invalidModel('random cut forest model has bad boxes');
  for (let t = 0; t < f.trees; t++) {
    const size = f.treeStart[t + 1] - f.treeStart[t];
    for (let i = f.treeStart[t]; i < f.treeStart[t + 1]; i++) {
      if (f.dim[i] >= f.D || (f.dim[i] >= 0 && (f.left[i] <= 0 || f.left[i] >= size || f.right[i] <= 0 || f.right[i] >= size))) throw invalidModel('random cut forest model has a bad node');
    }
  }
  const shared = <T extends Float32Array | Float64Array | Int32Array>(C: { new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number }, v: number[]): T => {
    const arr = new C(new SharedArrayBuffer(Math.max(1, v.length) * C.BYTES_PER_ELEMENT));
    (arr as unknown as { set(x: number[]): void }).set(v);
    return arr;
  };
  const forest = withScoring({
    D: f.D,
    trees: f.trees,
    treeStart: Int32Array.from(f.treeStart),
    dim: shared(Int32Array, f.dim),
    cut: shared(Float64Array, f.cut),
    left: shared(Int32Array, f.left),
    right: shared(Int32Array, f.right),
    depth: shared(Int32Array, f.depth),
    mass: shared(Int32Array, f.mass),
    lo: shared(Float32Array, f.lo),
    hi: shared(Float32Array, f.hi),
    sampleSize: Int32Array.from(f.sampleSize),
  });
  return { artifact: a, forest };
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

export function rcfPredictor(a: RcfArtifact, forest: Forest): Predictor {
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
