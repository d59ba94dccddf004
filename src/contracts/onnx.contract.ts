/** What an ONNX model file says about itself, as a model record carries it. */
import { Type, type Static } from '@sinclair/typebox';
import { MapOf, Nullable, StringEnum, StringRecord } from './common.contract.js';

/** One input or output of an ONNX graph. */
export const OnnxValueInfo = Type.Object({
  name: Type.String(),
  /** `tensor(float32)`-style element type, or the kind of a non-tensor value (`sequence`, `map`). */
  type: Type.String(),
  /** Dimensions: numbers, names of free axes, or null for an unknown one; null when the rank is unknown. */
  shape: Nullable(Type.Array(Type.Union([Type.Number(), Type.String(), Type.Null()]))),
});
export type OnnxValueInfo = Static<typeof OnnxValueInfo>;

/** Which input and output a model is served through. */
export const ServingContract = Type.Object({
  input: Type.String(),
  inputType: StringEnum(['float32', 'float64'] as const),
  numFeatures: Type.Integer(),
  output: Type.String(),
});
export type ServingContract = Static<typeof ServingContract>;

/** What an ONNX model file tells about itself (recorded on the model when it is created). */
export const OnnxModelInfo = Type.Object({
  irVersion: Type.Integer(),
  producer: Type.String(),
  /** Operator set per domain (`ai.onnx`, `ai.onnx.ml`, …). */
  opsets: MapOf(Type.Integer()),
  inputs: Type.Array(OnnxValueInfo),
  outputs: Type.Array(OnnxValueInfo),
  metadata: StringRecord,
  /** How Orchard serves it; null (with `servingProblem`) when the serving rule does not fit. */
  serving: Nullable(ServingContract),
  servingProblem: Type.Optional(Type.String()),
});
export type OnnxModelInfo = Static<typeof OnnxModelInfo>;
