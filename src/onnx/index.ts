/**
 * ONNX: exporting built-in models to ONNX (protobuf written here, no Python), and
 * serving any ONNX model through onnxruntime-node, loaded lazily on first use.
 */
export { exportToOnnx, ONNX_EXPORTABLE_ALGORITHMS } from './export-model.js';
export { checkOnnxModel, describeOnnxModel, loadOnnxRuntime, openOnnxPredictor, servingContract } from './onnx-runtime.js';
export type { OnnxModelInfo, OnnxPredictor, OnnxSessionOptions, ServingContract } from './onnx-runtime.js';
export type { DecodedValue as OnnxValueInfo } from './onnx-proto.js';
