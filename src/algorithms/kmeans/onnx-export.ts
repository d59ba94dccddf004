/**
 * k-means model.json -> ONNX, in float64. For each row and centre c, over the features
 * present (a missing value counts towards no distance, as in the native predictor):
 *   ‖x − c‖² = Σ x² − 2 x·c + Σ c²  (masked),
 * so t = present·(c²)ᵀ − 2 x₀·cᵀ (x₀: x with missing values as 0) ranks the centres;
 * ArgMin(t) is the closest cluster and sqrt(max(0, min t + Σ x₀²)) its distance.
 * Output `clusters` [N, 2]: closest_cluster, distance_to_cluster (SageMaker's pair).
 */
import { DataType, doubleTensor, int64Tensor, INPUT, finiteArray, invalid, positiveInt, type ExportedGraph } from '../onnx-builder/index.js';

export function exportKmeans(doc: Record<string, unknown>): ExportedGraph {
  const k = positiveInt(doc, 'k', 'k-means');
  const d = positiveInt(doc, 'featureDim', 'k-means');
  const { centers } = doc;
  if (!finiteArray(centers, k * d)) invalid('k-means model centres do not match k × featureDim');
  const minus2ct = new Float64Array(d * k);
  const c2t = new Float64Array(d * k);
  for (let c = 0; c < k; c++) {
    for (let j = 0; j < d; j++) {
      minus2ct[j * k + c] = -2 * centers[c * d + j];
      c2t[j * k + c] = centers[c * d + j] ** 2;
    }
  }
  return {
    nodes: [
      { op: 'Cast', inputs: [INPUT], outputs: ['x'], attributes: { to: DataType.DOUBLE } },
      { op: 'IsNaN', inputs: ['x'], outputs: ['missing'] },
      { op: 'Not', inputs: ['missing'], outputs: ['present_b'] },
      { op: 'Cast', inputs: ['present_b'], outputs: ['present'], attributes: { to: DataType.DOUBLE } },
      { op: 'Where', inputs: ['missing', 'zero', 'x'], outputs: ['x0'] },
      { op: 'MatMul', inputs: ['present', 'centers_sq_t'], outputs: ['c_norms'] },
      { op: 'MatMul', inputs: ['x0', 'centers_m2_t'], outputs: ['cross'] },
      { op: 'Add', inputs: ['c_norms', 'cross'], outputs: ['rank'] },
      { op: 'ArgMin', inputs: ['rank'], outputs: ['closest'], attributes: { axis: 1, keepdims: 1 } },
      { op: 'ReduceMin', inputs: ['rank'], outputs: ['best'], attributes: { axes: { ints: [1] }, keepdims: 1 } },
      { op: 'Mul', inputs: ['x0', 'x0'], outputs: ['x_sq'] },
      { op: 'ReduceSum', inputs: ['x_sq', 'axis1'], outputs: ['x_norm'], attributes: { keepdims: 1 } },
      { op: 'Add', inputs: ['best', 'x_norm'], outputs: ['dist_sq_raw'] },
      { op: 'Max', inputs: ['dist_sq_raw', 'zero'], outputs: ['dist_sq'] },
      { op: 'Sqrt', inputs: ['dist_sq'], outputs: ['distance'] },
      { op: 'Cast', inputs: ['closest'], outputs: ['closest_d'], attributes: { to: DataType.DOUBLE } },
      { op: 'Concat', inputs: ['closest_d', 'distance'], outputs: ['pair'], attributes: { axis: 1 } },
      { op: 'Cast', inputs: ['pair'], outputs: ['clusters'], attributes: { to: DataType.FLOAT } },
    ],
    initializers: [doubleTensor('zero', [], [0]), doubleTensor('centers_sq_t', [d, k], c2t), doubleTensor('centers_m2_t', [d, k], minus2ct), int64Tensor('axis1', [1], [1])],
    outputs: [{ name: 'clusters', elemType: DataType.FLOAT, shape: ['N', 2] }],
    numFeatures: d,
    metadata: { k: String(k) },
  };
}
