/**
 * ONNX: exporting built-in models to ONNX (each algorithm's exporter, found through the
 * algorithm registry, builds the graph; the protobuf is written without Python), and
 * serving any ONNX model through onnxruntime-node, loaded lazily on first use.
 */
export { exportToOnnx, onnxExportableAlgorithms } from './export-model.js';
export { checkOnnxModel, describeOnnxModel, loadOnnxRuntime, openOnnxPredictor, servingContract } from './onnx-runtime.js';
export type { OnnxModelInfo, OnnxPredictor, OnnxSessionOptions, ServingContract } from './onnx-runtime.js';
export type { DecodedValue as OnnxValueInfo } from '../algorithms/onnx-builder/index.js';
