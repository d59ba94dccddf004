/**
 * PCA model.json -> ONNX, in float64: a missing value becomes the mean, then
 * (x - mean) MatMul componentsᵀ. Output `projection` [N, numComponents].
 */
import { DataType, doubleTensor, INPUT, finiteArray, invalid, positiveInt, type ExportedGraph } from '../onnx-builder/index.js';

export function exportPca(doc: Record<string, unknown>): ExportedGraph {
  const d = positiveInt(doc, 'featureDim', 'PCA');
  const k = positiveInt(doc, 'numComponents', 'PCA');
  const { mean, components } = doc;
  if (k > d || !finiteArray(mean, d) || !finiteArray(components, k * d)) invalid('PCA model arrays do not match featureDim and numComponents');
  // Components transposed to [d, k] so one MatMul projects all rows.
  const vt = new Float64Array(d * k);
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) vt[j * k + c] = components[c * d + j];
  return {
    nodes: [
      { op: 'Cast', inputs: [INPUT], outputs: ['x'], attributes: { to: DataType.DOUBLE } },
      { op: 'IsNaN', inputs: ['x'], outputs: ['missing'] },
      { op: 'Where', inputs: ['missing', 'mean', 'x'], outputs: ['x_filled'] },
      { op: 'Sub', inputs: ['x_filled', 'mean'], outputs: ['centered'] },
      { op: 'MatMul', inputs: ['centered', 'components_t'], outputs: ['projected'] },
      { op: 'Cast', inputs: ['projected'], outputs: ['projection'], attributes: { to: DataType.FLOAT } },
    ],
    initializers: [doubleTensor('mean', [d], mean), doubleTensor('components_t', [d, k], vt)],
    outputs: [{ name: 'projection', elemType: DataType.FLOAT, shape: ['N', k] }],
    numFeatures: d,
    metadata: { num_components: String(k) },
  };
}
