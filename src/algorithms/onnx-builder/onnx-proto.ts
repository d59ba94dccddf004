/**
 * Writing and reading ONNX model files: the protobuf messages (via protobufjs and the
 * schema in onnx-schema.ts) and small builders for graphs, so exporters read like the
 * graphs they make.
 */
import protobuf from 'protobufjs/light.js';
import { ONNX_SCHEMA } from './onnx-schema.js';

/** The IR version and opsets written models use (ONNX 1.12; onnxruntime reads newer and older). */
export const IR_VERSION = 8;
export const ONNX_OPSET = 17;
export const ONNX_ML_OPSET = 3;
export const ML_DOMAIN = 'ai.onnx.ml';

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7, BOOL: 9, DOUBLE: 11 } as const;
/** Names of TensorProto.DataType values, for describing a model's inputs and outputs. */
export const DATA_TYPE_NAMES: Record<number, string> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  14: 'complex64',
  15: 'complex128',
  16: 'bfloat16',
};

const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

let root: protobuf.Root | null = null;
function modelType(): protobuf.Type {
  root ??= protobuf.Root.fromJSON(ONNX_SCHEMA as unknown as protobuf.INamespace);
  return root.lookupType('onnx.ModelProto');
}

/** A value of an ONNX node attribute, typed by its JS shape. */
export type AttributeValue = number | string | Tensor | { ints: number[] } | { floats: number[] | ArrayLike<number> } | { strings: string[] } | { graph: SubgraphSpec };

/**
 * A graph held by a node (the body of `Loop`, the branches of `If`): its own inputs and
 * outputs; its nodes may read any value of the graphs around it by name.
 */
export interface SubgraphSpec {
  name: string;
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  nodes: NodeSpec[];
  initializers: Tensor[];
}

/** A TensorProto as written (raw little-endian data, or a reference to a file beside the model). */
export interface Tensor {
  name?: string;
  dims: number[];
  data_type: number;
  raw_data: Uint8Array;
  /** 1 (EXTERNAL): the data is `length` bytes at `offset` of `location`, a file in the model's folder. */
  data_location?: number;
  external_data?: { key: string; value: string }[];
}

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  domain?: string;
  name?: string;
  attributes?: Record<string, AttributeValue>;
}

/** A graph input or output: a tensor with a dimension per axis (a name for a free axis). */
export interface ValueSpec {
  name: string;
  elemType: number;
  shape: (number | string)[];
}

export interface GraphSpec {
  name: string;
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  nodes: NodeSpec[];
  initializers: Tensor[];
  docString?: string;
  /** Written as the model's metadata_props. */
  metadata?: Record<string, string>;
  producerVersion: string;
  /** Opset of ai.onnx.ml, when the graph uses it. */
  usesMl?: boolean;
}

/** A float64 tensor (exporters compute in double so results match the native float64 predictors). */
export function doubleTensor(name: string, dims: number[], values: ArrayLike<number>): Tensor {
  const view = new DataView(new ArrayBuffer(values.length * 8));
  for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i], true);
  return { name, dims, data_type: DataType.DOUBLE, raw_data: new Uint8Array(view.buffer) };
}

export function floatTensor(name: string, dims: number[], values: ArrayLike<number>): Tensor {
  const view = new DataView(new ArrayBuffer(values.length * 4));
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return { name, dims, data_type: DataType.FLOAT, raw_data: new Uint8Array(view.buffer) };
}

/**
 * A float32 tensor whose data stays in a file beside the model (ONNX external data):
 * `byteLength` bytes at `offset` of `location`, a path relative to the model's folder.
 */
export function externalFloatTensor(name: string, dims: number[], location: string, offset: number, byteLength: number): Tensor {
  const external_data = [
    { key: 'location', value: location },
    { key: 'offset', value: String(offset) },
    { key: 'length', value: String(byteLength) },
  ];
  return { name, dims, data_type: DataType.FLOAT, raw_data: new Uint8Array(0), data_location: 1, external_data };
}

export function int64Tensor(name: string, dims: number[], values: ArrayLike<number>): Tensor {
  const view = new DataView(new ArrayBuffer(values.length * 8));
  for (let i = 0; i < values.length; i++) view.setBigInt64(i * 8, BigInt(values[i]), true);
  return { name, dims, data_type: DataType.INT64, raw_data: new Uint8Array(view.buffer) };
}

function attribute(name: string, value: AttributeValue): Record<string, unknown> {
  if (typeof value === 'number') {
    return Number.isInteger(value) ? { name, type: AttributeType.INT, i: value } : { name, type: AttributeType.FLOAT, f: value };
  }
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: Buffer.from(value, 'utf8') };
  if ('raw_data' in value) return { name, type: AttributeType.TENSOR, t: value };
  if ('graph' in value) return { name, type: AttributeType.GRAPH, g: graphMessage(value.graph) };
  if ('ints' in value) return { name, type: AttributeType.INTS, ints: value.ints };
  if ('floats' in value) return { name, type: AttributeType.FLOATS, floats: Array.from(value.floats) };
  return { name, type: AttributeType.STRINGS, strings: value.strings.map((s) => Buffer.from(s, 'utf8')) };
}

function valueInfo(v: ValueSpec): Record<string, unknown> {
  return {
    name: v.name,
    type: { tensor_type: { elem_type: v.elemType, shape: { dim: v.shape.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } } },
  };
}

/** A GraphProto as protobufjs takes it: the main graph, or a node's subgraph. */
function graphMessage(spec: SubgraphSpec, nodePrefix = `${spec.name}_`): Record<string, unknown> {
  return {
    name: spec.name,
    node: spec.nodes.map((n, i) => ({
      name: n.name ?? `${nodePrefix}${n.op}_${i}`,
      op_type: n.op,
      domain: n.domain ?? '',
      input: n.inputs,
      output: n.outputs,
      attribute: Object.entries(n.attributes ?? {}).map(([k, v]) => attribute(k, v)),
    })),
    initializer: spec.initializers,
    input: spec.inputs.map(valueInfo),
    output: spec.outputs.map(valueInfo),
  };
}

/** Encodes a graph as a complete ModelProto (the bytes of a .onnx file). */
export function encodeModel(spec: GraphSpec): Uint8Array {
  const type = modelType();
  const model = {
    ir_version: IR_VERSION,
    producer_name: 'orchard',
    producer_version: spec.producerVersion,
    doc_string: spec.docString ?? '',
    opset_import: [{ domain: '', version: ONNX_OPSET }, ...(spec.usesMl ? [{ domain: ML_DOMAIN, version: ONNX_ML_OPSET }] : [])],
    metadata_props: Object.entries(spec.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: graphMessage(spec, ''),
  };
  const err = type.verify(model);
  if (err) throw new Error(`internal: ONNX model does not fit the schema: ${err}`);
  return type.encode(type.fromObject(model)).finish();
}

/** What a .onnx file says about itself (decoded ModelProto, initializer data left out). */
export interface DecodedModel {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  opsetImport: { domain: string; version: number }[];
  metadata: Record<string, string>;
  inputs: DecodedValue[];
  outputs: DecodedValue[];
}

export interface DecodedValue {
  name: string;
  /** `tensor(float32)`-style element type, or the kind of a non-tensor value (`sequence`, `map`). */
  type: string;
  /** Dimensions: numbers, names of free axes, or null for an unknown one; null when the rank is unknown. */
  shape: (number | string | null)[] | null;
}

interface RawType {
  tensor_type?: { elem_type?: number; shape?: { dim?: { dim_value?: Numeric; dim_param?: string }[] } };
  sequence_type?: unknown;
  map_type?: unknown;
  optional_type?: unknown;
  sparse_tensor_type?: unknown;
}

function decodeValue(v: { name?: string; type?: RawType }): DecodedValue {
  const t = v.type ?? {};
  if (t.tensor_type) {
    const dims = t.tensor_type.shape?.dim;
    return {
      name: v.name ?? '',
      type: DATA_TYPE_NAMES[t.tensor_type.elem_type ?? 0] ?? `type ${t.tensor_type.elem_type}`,
      shape: t.tensor_type.shape ? (dims ?? []).map((d) => (Object.hasOwn(d, 'dim_param') ? d.dim_param! : Object.hasOwn(d, 'dim_value') ? toNumber(d.dim_value) : null)) : null,
    };
  }
  const kind = t.sequence_type ? 'sequence' : t.map_type ? 'map' : t.optional_type ? 'optional' : t.sparse_tensor_type ? 'sparse_tensor' : 'unknown';
  return { name: v.name ?? '', type: kind, shape: null };
}

/**
 * Decodes a model file's header and graph signature; throws (a protobufjs error) when
 * the bytes are not a ModelProto. Inputs that are initializers (IR < 4 style) are left out.
 */
export function decodeModel(bytes: Uint8Array): DecodedModel {
  // Read fields off the decoded message rather than toObject(): that would copy every
  // initializer's data, which is most of a large model.
  const msg = modelType().decode(bytes) as unknown as {
    ir_version?: Numeric;
    producer_name?: string;
    producer_version?: string;
    opset_import?: { domain?: string; version?: Numeric }[];
    metadata_props?: { key?: string; value?: string }[];
    graph?: { input?: { name?: string; type?: RawType }[]; output?: { name?: string; type?: RawType }[]; initializer?: { name?: string }[] };
  };
  const initialized = new Set((msg.graph?.initializer ?? []).map((t) => t.name));
  return {
    irVersion: toNumber(msg.ir_version),
    producerName: msg.producer_name ?? '',
    producerVersion: msg.producer_version ?? '',
    opsetImport: (msg.opset_import ?? []).map((o) => ({ domain: o.domain || 'ai.onnx', version: toNumber(o.version) })),
    metadata: Object.fromEntries((msg.metadata_props ?? []).map((p) => [p.key ?? '', p.value ?? ''])),
    inputs: (msg.graph?.input ?? []).filter((i) => !initialized.has(i.name)).map(decodeValue),
    outputs: (msg.graph?.output ?? []).map(decodeValue),
  };
}

/** int64 fields decode as numbers or as Long objects. */
type Numeric = number | { toNumber(): number };
function toNumber(v: Numeric | undefined): number {
  return v === undefined ? 0 : typeof v === 'number' ? v : v.toNumber();
}
