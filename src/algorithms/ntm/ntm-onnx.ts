/**
 * ntm model.json -> ONNX: the encoder's inference path, what the native predictor answers.
 * `features` [N, feature_dim] word counts (NaN = 0, as the predictor takes a missing
 * count) -> log(1 + counts) -> the `encoder_layers` dense layers with the model's
 * activation -> μ -> Softmax: `topic_weights` [N, num_topics]. The decoder (β) is not
 * needed to infer a document's topics and is left out. The predictor refuses negative
 * counts; the graph does not check them.
 */
import { DataType, floatTensor, INPUT, invalid, positiveInt, type ExportedGraph, type NodeSpec, type Tensor } from '../onnx-builder/index.js';
import { readWeights } from '../neural/weights.js';
import { ntmParamSpecs, type NtmShape } from './ntm-network.js';

const ACTIVATION_OP: Record<string, string> = { relu: 'Relu', tanh: 'Tanh', sigmoid: 'Sigmoid' };

export function exportNtm(doc: Record<string, unknown>): ExportedGraph {
  const d = positiveInt(doc, 'featureDim', 'ntm');
  const k = positiveInt(doc, 'numTopics', 'ntm');
  const layers = doc.encoderLayers;
  if (!Array.isArray(layers) || !layers.every((v) => Number.isInteger(v) && v >= 1)) invalid('ntm model has no valid encoderLayers');
  const op = ACTIVATION_OP[String(doc.activation)];
  if (!op) invalid(`ntm model has an unknown activation ${JSON.stringify(doc.activation)}`);
  const s: NtmShape = { featureDim: d, numTopics: k, encoderLayers: layers as number[], activation: doc.activation as NtmShape['activation'] };
  const specs = ntmParamSpecs(s);
  const w = readWeights(doc.weights, specs);
  const shapeOf = (name: string) => specs.find((p) => p.name === name)!.shape;
  const initializers: Tensor[] = [floatTensor('zero', [], [0]), floatTensor('one', [], [1])];
  const nodes: NodeSpec[] = [
    { op: 'IsNaN', inputs: [INPUT], outputs: ['missing'] },
    { op: 'Where', inputs: ['missing', 'zero', INPUT], outputs: ['counts'] },
    { op: 'Add', inputs: ['counts', 'one'], outputs: ['counts_1'] },
    { op: 'Log', inputs: ['counts_1'], outputs: ['h'] },
  ];
  let h = 'h';
  const dense = (name: string, out: string) => {
    initializers.push(floatTensor(`${name}_w`, shapeOf(`${name}_w`), w[`${name}_w`]), floatTensor(`${name}_b`, shapeOf(`${name}_b`), w[`${name}_b`]));
    nodes.push({ op: 'Gemm', inputs: [h, `${name}_w`, `${name}_b`], outputs: [out] });
  };
  s.encoderLayers.forEach((_, i) => {
    dense(`enc${i}`, `enc${i}_linear`);
    nodes.push({ op, inputs: [`enc${i}_linear`], outputs: [`enc${i}`] });
    h = `enc${i}`;
  });
  dense('mu', 'mu');
  nodes.push({ op: 'Softmax', inputs: ['mu'], outputs: ['topic_weights'], attributes: { axis: 1 } });
  return {
    nodes,
    initializers,
    outputs: [{ name: 'topic_weights', elemType: DataType.FLOAT, shape: ['N', k] }],
    numFeatures: d,
    metadata: { num_topics: String(k) },
  };
}
