/**
 * image-classification model.json -> ONNX. The graph reads what the native predictor's
 * `predict` reads: `features` [N, C·H·W], raw pixels 0..255 channels first (as
 * `image_shape`), and answers `probabilities` [N, classes]. It carries the model's input
 * normalisation (per channel: (x − mean) / std, the training pixels' statistics), so a
 * decoded, resized image goes in as it is. Each convolution has its batch norm (the
 * population statistics inference uses) folded in:
 *   W' = W · γ / √(σ² + ε) per output channel,  b' = β − μ · γ / √(σ² + ε),
 * so the network is Conv (+bias), Relu, Add, GlobalAveragePool, Flatten, Gemm, Softmax in
 * NCHW; "same" padding is ONNX's SAME_UPPER (TensorFlow's rule: the extra row and column
 * at the end). Decoding and resizing the image (PNG/JPEG to C×H×W) stay outside the graph.
 */
import { DataType, floatTensor, int64Tensor, INPUT, invalid, positiveInt, type ExportedGraph, type NodeSpec, type Tensor } from '../onnx-builder/index.js';
import { decodeTensor, readWeights } from '../neural/weights.js';
import { blocksOf, bnLayers, BN_EPS, icParamSpecs, type IcShape } from './ic-network.js';

export function exportImageClassification(doc: Record<string, unknown>): ExportedGraph {
  const label = 'image-classification';
  const shape = doc.shape as { channels?: unknown; height?: unknown; width?: unknown } | undefined;
  if (!shape || typeof shape !== 'object') invalid(`${label} model has no shape`);
  const C = positiveInt(shape as Record<string, unknown>, 'channels', label);
  const H = positiveInt(shape as Record<string, unknown>, 'height', label);
  const W = positiveInt(shape as Record<string, unknown>, 'width', label);
  const K = positiveInt(doc, 'numClasses', label);
  const blocks = doc.blocks;
  const widths = doc.widths;
  if (!Array.isArray(blocks) || !Array.isArray(widths) || blocks.length !== widths.length || blocks.length === 0 || ![...blocks, ...widths].every((v) => Number.isInteger(v) && v >= 1)) invalid(`${label} model has no valid layout`);
  const norm = doc.normalisation as { mean?: unknown; std?: unknown } | undefined;
  const okNorm = (a: unknown): a is number[] => Array.isArray(a) && a.length === C && a.every((v) => Number.isFinite(v));
  if (!norm || !okNorm(norm.mean) || !okNorm(norm.std) || norm.std.some((v) => v <= 0)) invalid(`${label} model has no valid normalisation`);
  const s: IcShape = { channels: C, height: H, width: W, numClasses: K, blocks: blocks as number[], widths: widths as number[] };
  const w = readWeights(doc.weights, icParamSpecs(s));
  const bnStats = (doc.bnStats ?? {}) as Record<string, { mean: never; variance: never }>;

  const nodes: NodeSpec[] = [];
  const initializers: Tensor[] = [];
  /** A convolution (TF filter [kh, kw, in, out]) with its BN folded in. */
  const conv = (input: string, output: string, weight: string, bn: string, stride: number, width: number) => {
    const [kh, kw, inC, outC] = icParamSpecs(s).find((p) => p.name === weight)!.shape;
    if (outC !== width) invalid(`${label} model: ${weight} has ${outC} filters, its batch norm ${width}`);
    const st = bnStats[bn];
    const mean = decodeTensor(`${bn}.mean`, st?.mean);
    const variance = decodeTensor(`${bn}.variance`, st?.variance);
    if (mean.length !== outC || variance.length !== outC) invalid(`${label} model lacks the statistics of ${bn}`);
    const gamma = w[`${bn}_g`];
    const beta = w[`${bn}_b`];
    const filter = w[weight];
    const folded = new Float32Array(outC * inC * kh * kw);
    const bias = new Float32Array(outC);
    for (let o = 0; o < outC; o++) {
      const scale = gamma[o] / Math.sqrt(variance[o] + BN_EPS);
      bias[o] = beta[o] - mean[o] * scale;
      for (let i = 0; i < inC; i++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) folded[((o * inC + i) * kh + y) * kw + x] = filter[((y * kw + x) * inC + i) * outC + o] * scale;
    }
    initializers.push(floatTensor(`${weight}_folded`, [outC, inC, kh, kw], folded), floatTensor(`${bn}_bias`, [outC], bias));
    nodes.push({ op: 'Conv', inputs: [input, `${weight}_folded`, `${bn}_bias`], outputs: [output], name: weight, attributes: { kernel_shape: { ints: [kh, kw] }, strides: { ints: [stride, stride] }, auto_pad: 'SAME_UPPER' } });
  };

  // Pixels [N, C·H·W] -> normalised [N, C, H, W].
  initializers.push(
    int64Tensor('image_shape', [4], [-1, C, H, W]),
    floatTensor('pixel_mean', [1, C, 1, 1], norm.mean),
    floatTensor('pixel_std', [1, C, 1, 1], norm.std),
  );
  nodes.push(
    { op: 'Reshape', inputs: [INPUT, 'image_shape'], outputs: ['image'] },
    { op: 'Sub', inputs: ['image', 'pixel_mean'], outputs: ['centred'] },
    { op: 'Div', inputs: ['centred', 'pixel_std'], outputs: ['x'] },
  );
  conv('x', 'stem_conv', 'stem_w', 'stem_bn', 1, s.widths[0]);
  nodes.push({ op: 'Relu', inputs: ['stem_conv'], outputs: ['stem'] });
  let h = 'stem';
  for (const b of blocksOf(s)) {
    const p = b.prefix;
    conv(h, `${p}_conv1`, `${p}_c1_w`, `${p}_bn1`, b.stride, b.outC);
    nodes.push({ op: 'Relu', inputs: [`${p}_conv1`], outputs: [`${p}_relu1`] });
    conv(`${p}_relu1`, `${p}_conv2`, `${p}_c2_w`, `${p}_bn2`, 1, b.outC);
    let shortcut = h;
    if (b.stride !== 1 || b.inC !== b.outC) {
      conv(h, `${p}_shortcut`, `${p}_sc_w`, `${p}_scbn`, b.stride, b.outC);
      shortcut = `${p}_shortcut`;
    }
    nodes.push({ op: 'Add', inputs: [`${p}_conv2`, shortcut], outputs: [`${p}_sum`] }, { op: 'Relu', inputs: [`${p}_sum`], outputs: [`${p}_out`] });
    h = `${p}_out`;
  }
  const last = s.widths[s.widths.length - 1];
  initializers.push(floatTensor('fc_w', [last, K], w.fc_w), floatTensor('fc_b', [K], w.fc_b));
  nodes.push(
    { op: 'GlobalAveragePool', inputs: [h], outputs: ['pooled'] },
    { op: 'Flatten', inputs: ['pooled'], outputs: ['pooled_flat'], attributes: { axis: 1 } },
    { op: 'Gemm', inputs: ['pooled_flat', 'fc_w', 'fc_b'], outputs: ['logits'] },
    { op: 'Softmax', inputs: ['logits'], outputs: ['probabilities'], attributes: { axis: 1 } },
  );
  // Every BN layer the network has was folded into its convolution.
  if (bnLayers(s).some((l) => !initializers.some((t) => t.name === `${l.name}_bias`))) invalid(`${label} model: a batch norm layer has no convolution`);
  const classNames = Array.isArray(doc.classNames) ? (doc.classNames as unknown[]).map(String) : null;
  return {
    nodes,
    initializers,
    outputs: [{ name: 'probabilities', elemType: DataType.FLOAT, shape: ['N', K] }],
    numFeatures: C * H * W,
    metadata: {
      image_shape: `${C},${H},${W}`,
      input_layout: 'raw pixels 0..255, channels first (C·H·W per row), normalised inside the graph',
      normalisation_mean: norm.mean.join(','),
      normalisation_std: norm.std.join(','),
      num_classes: String(K),
      ...(classNames ? { class_names: JSON.stringify(classNames) } : {}),
    },
  };
}
