/**
 * factorization-machines model.json -> ONNX, in float64. With x₀ = x with missing values
 * as 0 (an absent key of a sparse row):
 *   ŷ = w₀ + x₀·w + ½ ReduceSum((x₀V)² − (x₀²)(V²), axis 1),
 * then Sigmoid and the 0.5 threshold for a binary classifier. Output `predictions`
 * [N, 2] (score, predicted_label) or [N, 1] (score): what the native predictor gives.
 */
import { DataType, doubleTensor, INPUT, finiteArray, int64Tensor, invalid, positiveInt, type ExportedGraph, type NodeSpec } from '../onnx-builder/index.js';

export function exportFactorizationMachines(doc: Record<string, unknown>): ExportedGraph {
  const d = positiveInt(doc, 'featureDim', 'factorization machines');
  const f = positiveInt(doc, 'numFactors', 'factorization machines');
  const { w0, w, V, predictorType } = doc;
  if (typeof w0 !== 'number' || !Number.isFinite(w0) || !finiteArray(w, d) || !finiteArray(V, d * f)) invalid('factorization machines model arrays do not match featureDim and numFactors');
  const classifier = predictorType === 'binary_classifier' ? true : predictorType === 'regressor' ? false : invalid(`factorization machines predictor type ${String(predictorType)} cannot be exported`);
  const nodes: NodeSpec[] = [
    { op: 'Cast', inputs: [INPUT], outputs: ['x'], attributes: { to: DataType.DOUBLE } },
    { op: 'IsNaN', inputs: ['x'], outputs: ['missing'] },
    { op: 'Where', inputs: ['missing', 'zero', 'x'], outputs: ['x0'] },
    { op: 'MatMul', inputs: ['x0', 'w'], outputs: ['linear'] },
    { op: 'MatMul', inputs: ['x0', 'V'], outputs: ['xv'] },
    { op: 'Mul', inputs: ['xv', 'xv'], outputs: ['xv_sq'] },
    { op: 'Mul', inputs: ['x0', 'x0'], outputs: ['x_sq'] },
    { op: 'MatMul', inputs: ['x_sq', 'V_sq'], outputs: ['x2v2'] },
    { op: 'Sub', inputs: ['xv_sq', 'x2v2'], outputs: ['pair_f'] },
    { op: 'ReduceSum', inputs: ['pair_f', 'axis1'], outputs: ['pair_sum'], attributes: { keepdims: 1 } },
    { op: 'Mul', inputs: ['pair_sum', 'half'], outputs: ['pair'] },
    { op: 'Add', inputs: ['linear', 'pair'], outputs: ['lp'] },
    { op: 'Add', inputs: ['lp', 'w0'], outputs: ['raw'] },
  ];
  if (classifier) {
    nodes.push(
      { op: 'Sigmoid', inputs: ['raw'], outputs: ['score'] },
      { op: 'Greater', inputs: ['score', 'half'], outputs: ['is_one'] },
      { op: 'Cast', inputs: ['is_one'], outputs: ['label'], attributes: { to: DataType.DOUBLE } },
      { op: 'Concat', inputs: ['score', 'label'], outputs: ['both'], attributes: { axis: 1 } },
      { op: 'Cast', inputs: ['both'], outputs: ['predictions'], attributes: { to: DataType.FLOAT } },
    );
  } else nodes.push({ op: 'Cast', inputs: ['raw'], outputs: ['predictions'], attributes: { to: DataType.FLOAT } });
  const Vsq = (V as number[]).map((v) => v * v);
  return {
    nodes,
    initializers: [
      doubleTensor('zero', [], [0]),
      doubleTensor('half', [], [0.5]),
      doubleTensor('w0', [], [w0]),
      doubleTensor('w', [d, 1], w),
      doubleTensor('V', [d, f], V),
      doubleTensor('V_sq', [d, f], Vsq),
      int64Tensor('axis1', [1], [1]),
    ],
    outputs: [{ name: 'predictions', elemType: DataType.FLOAT, shape: ['N', classifier ? 2 : 1] }],
    numFeatures: d,
    metadata: { predictor_type: String(predictorType), num_factors: String(f) },
  };
}
