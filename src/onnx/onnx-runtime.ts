/**
 * Serving ONNX models through onnxruntime-node (loaded on first use, so the rest of the
 * platform does not pay for it), and describing a model file.
 *
 * The serving rule, applied to every ONNX model whatever made it:
 * - input: exactly one graph input, a float32 (or float64) tensor [N, F] with F fixed
 *   (a graph over other inputs, such as object2vec's or seq2seq's exported token ids, is
 *   refused with ORCH_MODEL_INVALID naming them: it is run by its caller's onnxruntime);
 * - output: the first graph output that is a float32 (or float64) tensor of rank 1 or 2
 *   ([N] -> one value per row, [N, K] -> K values per row). Outputs of other types are
 *   passed over, so a classifier's int64 `label` gives way to its `probabilities`; a
 *   ZipMap output (a sequence of maps) is not a tensor and is passed over too.
 */
import fs from 'node:fs/promises';
import { OrchardError } from '../core/index.js';
import { decodeModel, type DecodedModel, type DecodedValue } from '../algorithms/onnx-builder/index.js';

type Ort = typeof import('onnxruntime-node');
type Session = import('onnxruntime-node').InferenceSession;

const FLOAT_TYPES = ['float32', 'float64'];

/** Which input and output a model is served through. */
export interface ServingContract {
  input: string;
  inputType: 'float32' | 'float64';
  numFeatures: number;
  output: string;
}

/** What `describeOnnxModel` tells about a model file (recorded on the model when it is created). */
export interface OnnxModelInfo {
  irVersion: number;
  producer: string;
  /** Operator set per domain (`ai.onnx`, `ai.onnx.ml`, …). */
  opsets: Record<string, number>;
  inputs: DecodedValue[];
  outputs: DecodedValue[];
  metadata: Record<string, string>;
  /** How Orchard serves it; null (with `servingProblem`) when the serving rule does not fit. */
  serving: ServingContract | null;
  servingProblem?: string;
}

let runtime: Promise<Ort> | null = null;

/** onnxruntime-node, imported once on first use. */
export function loadOnnxRuntime(): Promise<Ort> {
  runtime ??= import('onnxruntime-node').catch((cause: unknown) => {
    runtime = null;
    throw new OrchardError('ORCH_ONNX_RUNTIME_UNAVAILABLE', { message: `onnxruntime-node could not be loaded: ${(cause as Error).message}`, cause });
  });
  return runtime;
}

function invalid(message: string, cause?: unknown, details?: Record<string, unknown>): OrchardError {
  return new OrchardError('ORCH_MODEL_INVALID', { message, cause, details });
}

function decode(bytes: Uint8Array): DecodedModel {
  try {
    return decodeModel(bytes);
  } catch (cause) {
    throw invalid(`Not an ONNX model: ${(cause as Error).message}`, cause);
  }
}

/** Applies the serving rule (see the top of this file); throws ORCH_MODEL_INVALID saying what does not fit. */
export function servingContract(model: Pick<DecodedModel, 'inputs' | 'outputs'>): ServingContract {
  if (model.inputs.length > 1 && model.inputs.some((i) => !FLOAT_TYPES.includes(i.type))) {
    const described = model.inputs.map((i) => `${i.name} ${i.type}${i.shape ? ` [${i.shape.map((d) => d ?? '?').join(', ')}]` : ''}`).join(', ');
    throw invalid(`An ONNX model is served with one input (a float tensor [N, features]); this one reads ${described}: run it with onnxruntime yourself, or serve the built-in model as it is`, undefined, {
      inputs: model.inputs.map((i) => i.name),
    });
  }
  if (model.inputs.length !== 1) {
    throw invalid(`An ONNX model is served with one input (a float tensor [N, features]); this one has ${model.inputs.length}: ${model.inputs.map((i) => i.name).join(', ')}`);
  }
  const input = model.inputs[0];
  if (!FLOAT_TYPES.includes(input.type) || !input.shape || input.shape.length !== 2) {
    throw invalid(`The input '${input.name}' is ${input.type} ${JSON.stringify(input.shape)}; Orchard serves a float tensor [N, features]`);
  }
  const [batch, features] = input.shape;
  if (typeof features !== 'number' || features < 1) throw invalid(`The input '${input.name}' has no fixed number of features (shape ${JSON.stringify(input.shape)})`);
  if (typeof batch === 'number') throw invalid(`The input '${input.name}' has a fixed batch size ${batch}; export it with a free first dimension`);
  const output = model.outputs.find((o) => FLOAT_TYPES.includes(o.type) && (o.shape === null || o.shape.length === 1 || o.shape.length === 2));
  if (!output) {
    throw invalid(
      `No output is a float tensor [N] or [N, K] (outputs: ${model.outputs.map((o) => `${o.name} ${o.type}`).join(', ')}); a classifier converted with ZipMap needs it turned off`,
    );
  }
  return { input: input.name, inputType: input.type as ServingContract['inputType'], numFeatures: features, output: output.name };
}

function info(decoded: DecodedModel): OnnxModelInfo {
  let serving: ServingContract | null = null;
  let servingProblem: string | undefined;
  try {
    serving = servingContract(decoded);
  } catch (err) {
    servingProblem = (err as Error).message;
  }
  return {
    irVersion: decoded.irVersion,
    producer: [decoded.producerName, decoded.producerVersion].filter(Boolean).join(' '),
    opsets: Object.fromEntries(decoded.opsetImport.map((o) => [o.domain, o.version])),
    inputs: decoded.inputs,
    outputs: decoded.outputs,
    metadata: decoded.metadata,
    serving,
    ...(servingProblem ? { servingProblem } : {}),
  };
}

/** Inputs, outputs, opsets and the serving contract of an ONNX file (read without onnxruntime). */
export async function describeOnnxModel(file: string): Promise<OnnxModelInfo> {
  return info(decode(await fs.readFile(file)));
}

/** Options for an ONNX session. */
export interface OnnxSessionOptions {
  /**
   * Threads one prediction may use. Batch transform runs a process per shard and an
   * endpoint an instance per process, so one thread each avoids oversubscription.
   * @default 1
   */
  threads?: number;
}

async function createSession(bytes: Uint8Array, options: OnnxSessionOptions): Promise<Session> {
  const ort = await loadOnnxRuntime();
  try {
    return await ort.InferenceSession.create(bytes, {
      executionProviders: ['cpu'],
      intraOpNumThreads: options.threads ?? 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
    });
  } catch (cause) {
    throw invalid(`onnxruntime cannot load the model: ${firstLine(cause)}`, cause);
  }
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0].slice(0, 500);
}

/** A loaded ONNX model that predicts like a built-in's predictor. */
export interface OnnxPredictor {
  readonly numFeatures: number;
  readonly contract: ServingContract;
  predict(features: Float32Array, rows: number): Promise<{ values: Float32Array; outputsPerRow: number }>;
  close(): Promise<void>;
}

/** Opens an ONNX model file for serving; ORCH_MODEL_INVALID when it cannot be served. */
export async function openOnnxPredictor(file: string, options: OnnxSessionOptions = {}): Promise<OnnxPredictor> {
  const bytes = await fs.readFile(file).catch((cause: unknown) => {
    throw invalid(`Cannot read the ONNX model: ${firstLine(cause)}`, cause);
  });
  const contract = servingContract(decode(bytes));
  const session = await createSession(bytes, options);
  const ort = await loadOnnxRuntime();
  const F = contract.numFeatures;
  return {
    numFeatures: F,
    contract,
    async predict(features, rows) {
      if (features.length !== rows * F) {
        throw new OrchardError('ORCH_MODEL_INPUT_INVALID', { message: `Expected ${rows} rows of ${F} features`, details: { featureDim: F } });
      }
      const data = contract.inputType === 'float64' ? Float64Array.from(features) : features;
      let result: Record<string, import('onnxruntime-node').Tensor>;
      try {
        result = await session.run({ [contract.input]: new ort.Tensor(contract.inputType, data, [rows, F]) }, [contract.output]);
      } catch (cause) {
        throw invalid(`onnxruntime could not run the model: ${firstLine(cause)}`, cause);
      }
      return toValues(result[contract.output], rows, contract.output);
    },
    close: () => session.release(),
  };
}

function toValues(tensor: import('onnxruntime-node').Tensor, rows: number, name: string): { values: Float32Array; outputsPerRow: number } {
  const dims = tensor.dims;
  if (!(dims.length === 1 || dims.length === 2) || dims[0] !== rows || !FLOAT_TYPES.includes(tensor.type)) {
    throw invalid(`The output '${name}' is ${tensor.type} ${JSON.stringify(dims)} for ${rows} rows; Orchard serves a float tensor [N] or [N, K]`);
  }
  const values = tensor.data instanceof Float32Array ? tensor.data : Float32Array.from(tensor.data as Float64Array);
  return { values, outputsPerRow: dims.length === 2 ? dims[1] : 1 };
}

/**
 * Checks an ONNX file before it becomes a model: it decodes, fits the serving rule,
 * loads in onnxruntime and predicts one row of zeros. Returns what `describeOnnxModel` says.
 */
export async function checkOnnxModel(file: string): Promise<OnnxModelInfo> {
  const described = await describeOnnxModel(file);
  const predictor = await openOnnxPredictor(file);
  try {
    await predictor.predict(new Float32Array(predictor.numFeatures), 1);
  } finally {
    await predictor.close();
  }
  return described;
}
