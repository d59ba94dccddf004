/**
 * Building ONNX graphs: the protobuf writer and reader (protobufjs with the onnx-ml
 * schema, no Python) and what every exporter shares. Each algorithm's exporter lives in
 * its own folder (`xgboost/onnx-export.ts`, …) and is loaded through its descriptor's
 * `exportOnnx` on first use; `src/onnx` encodes the result and runs ONNX models.
 *
 * Not re-exported from `algorithms/index.ts` on purpose: it loads protobufjs, which
 * training and the worker never need.
 */
export { DataType, DATA_TYPE_NAMES, IR_VERSION, ML_DOMAIN, ONNX_ML_OPSET, ONNX_OPSET, decodeModel, doubleTensor, encodeModel, externalFloatTensor, floatTensor, int64Tensor } from './onnx-proto.js';
export type { AttributeValue, DecodedModel, DecodedValue, GraphSpec, NodeSpec, SubgraphSpec, Tensor, ValueSpec } from './onnx-proto.js';
export { GraphBuilder, INPUT, finiteArray, invalid, positiveInt } from './graph-common.js';
export type { ExportedGraph } from './graph-common.js';
