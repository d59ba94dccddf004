/**
 * k-NN hyperparameters with SageMaker's names, defaults and ranges (SageMaker developer
 * guide, "k-NN Hyperparameters"), plus `faiss_index_nprobe`, the inverted lists an IVF
 * query visits. `auto` values are `auto` or left out.
 */
import type { HyperparameterSpec, Hyperparameters } from '../algorithm.js';

export const INDEX_TYPES = ['faiss.Flat', 'faiss.IVFFlat', 'faiss.IVFPQ'] as const;
export const INDEX_METRICS = ['L2', 'INNER_PRODUCT', 'COSINE'] as const;
/** Bytes per PQ code faiss accepts (SageMaker lists the same). */
export const PQ_M_VALUES = [1, 2, 3, 4, 8, 12, 16, 20, 24, 28, 32, 40, 48, 56, 64, 96] as const;

const AUTO_OR_INT = { pattern: '^[1-9][0-9]{0,6}$', patternDescription: 'a positive integer' } as const;

export const KNN_HYPERPARAMETERS: readonly HyperparameterSpec[] = [
  { name: 'feature_dim', type: 'integer', required: true, min: 1, max: 100_000, description: 'Features per row.' },
  { name: 'k', type: 'integer', required: true, min: 1, max: 1024, description: 'Neighbours per query.', tunable: { min: 1, max: 1024, scaling: 'Auto' } },
  { name: 'predictor_type', type: 'categorical', required: true, values: ['classifier', 'regressor'], description: 'classifier: the most common label of the neighbours; regressor: their mean label.' },
  { name: 'sample_size', type: 'integer', required: true, min: 1, max: 100_000_000, description: 'Training rows sampled (uniformly, seeded) into the index.', tunable: { min: 256, max: 20_000_000, scaling: 'Auto' } },
  { name: 'dimension_reduction_type', type: 'categorical', values: ['sign', 'fjlt'], description: 'Random projection before indexing: sign (a ±1 Johnson–Lindenstrauss matrix) or fjlt (a subsampled randomised Hadamard transform).' },
  { name: 'dimension_reduction_target', type: 'integer', min: 1, max: 100_000, description: 'Dimension after reduction; required with dimension_reduction_type.' },
  { name: 'index_type', type: 'categorical', values: INDEX_TYPES, default: 'faiss.Flat', description: 'faiss.Flat: exact search; faiss.IVFFlat: inverted lists over a k-means coarse quantiser; faiss.IVFPQ: the same with product-quantised residuals.' },
  { name: 'index_metric', type: 'categorical', values: INDEX_METRICS, default: 'L2', description: 'Distance: L2 (squared Euclidean), INNER_PRODUCT or COSINE (similarities, larger is nearer).' },
  { name: 'faiss_index_ivf_nlists', type: 'categorical', values: ['auto'], ...AUTO_OR_INT, default: 'auto', description: 'Inverted lists of an IVF index; auto = √(sample rows).' },
  { name: 'faiss_index_pq_m', type: 'categorical', values: PQ_M_VALUES.map(String), description: 'Sub-quantisers (bytes per code) of faiss.IVFPQ; must divide the indexed dimension; auto (left out) = the largest allowed divisor ≤ dimension / 2.' },
  { name: 'faiss_index_nprobe', type: 'categorical', values: ['auto'], ...AUTO_OR_INT, default: 'auto', description: 'Inverted lists a query visits (IVF indexes); auto = max(8, nlists / 12).' },
  { name: 'mini_batch_size', type: 'integer', default: 5000, min: 1, max: 10_000_000, description: 'Query rows searched per batch.' },
];

export interface KnnOptions {
  featureDim: number;
  k: number;
  predictorType: 'classifier' | 'regressor';
  sampleSize: number;
  reduction: { type: 'sign' | 'fjlt'; target: number } | null;
  indexType: (typeof INDEX_TYPES)[number];
  metric: (typeof INDEX_METRICS)[number];
  nlists: number | null;
  pqM: number | null;
  nprobe: number | null;
  miniBatchSize: number;
}

const autoInt = (v: unknown): number | null => (v === undefined || v === 'auto' ? null : Number(v));

export function knnOptions(hp: Hyperparameters): KnnOptions {
  return {
    featureDim: Number(hp.feature_dim),
    k: Number(hp.k),
    predictorType: hp.predictor_type === 'regressor' ? 'regressor' : 'classifier',
    sampleSize: Number(hp.sample_size),
    reduction: hp.dimension_reduction_type === 'sign' || hp.dimension_reduction_type === 'fjlt' ? { type: hp.dimension_reduction_type, target: Number(hp.dimension_reduction_target) } : null,
    indexType: (INDEX_TYPES as readonly string[]).includes(String(hp.index_type)) ? (hp.index_type as KnnOptions['indexType']) : 'faiss.Flat',
    metric: (INDEX_METRICS as readonly string[]).includes(String(hp.index_metric)) ? (hp.index_metric as KnnOptions['metric']) : 'L2',
    nlists: autoInt(hp.faiss_index_ivf_nlists),
    pqM: autoInt(hp.faiss_index_pq_m),
    nprobe: autoInt(hp.faiss_index_nprobe),
    miniBatchSize: Number(hp.mini_batch_size ?? 5000),
  };
}

/** The PQ sub-quantiser count used for dimension `d` when faiss_index_pq_m is auto. */
export function autoPqM(d: number): number | null {
  let best: number | null = null;
  for (const m of PQ_M_VALUES) if (d % m === 0 && m <= Math.max(1, d / 2)) best = m;
  return best;
}

/** Problems among several hyperparameters, checked when a job is created. */
export function checkKnnHyperparameters(v: Hyperparameters): { field: string; message: string; details?: Record<string, unknown> }[] {
  const problems: { field: string; message: string; details?: Record<string, unknown> }[] = [];
  const num = (name: string) => (typeof v[name] === 'number' ? (v[name] as number) : null);
  const k = num('k');
  const sample = num('sample_size');
  const fd = num('feature_dim');
  if (k !== null && sample !== null && k > sample) problems.push({ field: 'k', message: `k (${k}) is larger than sample_size (${sample}): there are not that many neighbours to find`, details: { k, sample_size: sample } });
  const type = v.dimension_reduction_type;
  const target = num('dimension_reduction_target');
  if (type !== undefined && target === null) problems.push({ field: 'dimension_reduction_target', message: `dimension_reduction_target is required with dimension_reduction_type=${String(type)}` });
  if (type === undefined && target !== null) problems.push({ field: 'dimension_reduction_type', message: 'dimension_reduction_target is given but dimension_reduction_type is not (sign or fjlt)' });
  if (type !== undefined && target !== null && fd !== null && target > fd) problems.push({ field: 'dimension_reduction_target', message: `dimension_reduction_target (${target}) must not exceed feature_dim (${fd})`, details: { feature_dim: fd } });
  const nlists = v.faiss_index_ivf_nlists;
  if (nlists !== undefined && nlists !== 'auto' && sample !== null && Number(nlists) > sample) problems.push({ field: 'faiss_index_ivf_nlists', message: `faiss_index_ivf_nlists (${String(nlists)}) must not exceed sample_size (${sample})` });
  const pqM = v.faiss_index_pq_m;
  if (pqM !== undefined) {
    if (v.index_type !== 'faiss.IVFPQ') problems.push({ field: 'faiss_index_pq_m', message: 'faiss_index_pq_m applies to index_type=faiss.IVFPQ only' });
    const dim = type !== undefined && target !== null ? target : fd;
    if (dim !== null && dim % Number(pqM) !== 0) problems.push({ field: 'faiss_index_pq_m', message: `faiss_index_pq_m (${String(pqM)}) must divide the indexed dimension (${dim})`, details: { dimension: dim } });
  } else if (v.index_type === 'faiss.IVFPQ') {
    const dim = type !== undefined && target !== null ? target : fd;
    if (dim !== null && autoPqM(dim) === null) problems.push({ field: 'faiss_index_pq_m', message: `no faiss_index_pq_m in ${PQ_M_VALUES.join(', ')} divides the indexed dimension (${dim}); reduce it to one that does` });
  }
  return problems;
}
