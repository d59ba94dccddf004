/**
 * linear-learner model.json -> ONNX, in float64 like the native predictor: a missing
 * value becomes the feature's training mean, then Gemm with the weights and bias, then
 * Sigmoid (binary_classifier with logistic loss) or Softmax (multiclass_classifier).
 * Output `predictions` [N, outputs]: what the native predictor gives per row.
 */
import { DataType, doubleTensor, INPUT, finiteArray, invalid, positiveInt, type NodeSpec, type ExportedGraph } from '../onnx-builder/index.js';

export function exportLinearLearner(doc: Record<string, unknown>): ExportedGraph {
  const d = positiveInt(doc, 'featureDim', 'linear-learner');
  const k = positiveInt(doc, 'outputs', 'linear-learner');
  const { weights, bias, mean, predictorType, loss } = doc;
  if (!finiteArray(weights, k * d) || !finiteArray(bias, k) || !finiteArray(mean, d)) invalid('linear-learner model arrays do not match featureDim and outputs');
  const head =
    predictorType === 'multiclass_classifier' ? 'Softmax' : predictorType === 'binary_classifier' && loss === 'logistic' ? 'Sigmoid' : predictorType === 'binary_classifier' || predictorType === 'regressor' ? null : invalid(`linear-learner predictor type ${String(predictorType)} cannot be exported`);
  const nodes: NodeSpec[] = [
    { op: 'Cast', inputs: [INPUT], outputs: ['x'], attributes: { to: DataType.DOUBLE } },
    { op: 'IsNaN', inputs: ['x'], outputs: ['missing'] },
    { op: 'Where', inputs: ['missing', 'mean', 'x'], outputs: ['x_filled'] },
    { op: 'Gemm', inputs: ['x_filled', 'weights', 'bias'], outputs: ['score'], attributes: { transB: 1 } },
    ...(head === 'Softmax' ? [{ op: 'Softmax', inputs: ['score'], outputs: ['output'], attributes: { axis: 1 } }] : head === 'Sigmoid' ? [{ op: 'Sigmoid', inputs: ['score'], outputs: ['output'] }] : []),
    { op: 'Cast', inputs: [head ? 'output' : 'score'], outputs: ['predictions'], attributes: { to: DataType.FLOAT } },
  ];
  return {
    nodes,
    initializers: [doubleTensor('mean', [d], mean), doubleTensor('weights', [k, d], weights), doubleTensor('bias', [k], bias)],
    outputs: [{ name: 'predictions', elemType: DataType.FLOAT, shape: ['N', k] }],
    numFeatures: d,
    metadata: { predictor_type: String(predictorType), loss: String(loss) },
  };
}
