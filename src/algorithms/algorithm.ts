/**
 * What a built-in algorithm is: a registered descriptor with a hyperparameter schema
 * (SageMaker's names and defaults, tunable ranges), metric definitions, `train` and
 * `load`. One folder per algorithm; registering a name twice throws.
 */
import type { ExportedGraph } from './onnx-builder/index.js';

/** SageMaker's range scalings for tuning. */
export type Scaling = 'Auto' | 'Linear' | 'Logarithmic' | 'ReverseLogarithmic';

interface HyperparameterBase {
  name: string;
  description: string;
  /** Required parameters have no default and must be given. */
  required?: boolean;
}

export interface IntegerHyperparameter extends HyperparameterBase {
  type: 'integer';
  default?: number;
  min?: number;
  max?: number;
  /** The range a tuning job searches when the parameter is named without bounds. */
  tunable?: { min: number; max: number; scaling: Scaling };
}

export interface ContinuousHyperparameter extends HyperparameterBase {
  type: 'continuous';
  default?: number;
  min?: number;
  max?: number;
  /** Whether min/max themselves are allowed. @default true */
  minInclusive?: boolean;
  maxInclusive?: boolean;
  tunable?: { min: number; max: number; scaling: Scaling };
}

export interface CategoricalHyperparameter extends HyperparameterBase {
  type: 'categorical';
  values: readonly string[];
  default?: string;
  tunable?: { values: readonly string[] };
  /**
   * A value outside `values` is also accepted when it matches this (a regular expression
   * source, anchored by the writer): SageMaker's list-valued parameters such as
   * `cardinality` (`auto` or `[3, 10]`), whose own parsing is the algorithm's.
   */
  pattern?: string;
  /** How `pattern`'s values read, for messages (e.g. `a JSON list of integers`). */
  patternDescription?: string;
}

export interface BooleanHyperparameter extends HyperparameterBase {
  type: 'boolean';
  default?: boolean;
}

export type HyperparameterSpec = IntegerHyperparameter | ContinuousHyperparameter | CategoricalHyperparameter | BooleanHyperparameter;

/** Typed hyperparameter values after validation (defaults filled in). */
export type Hyperparameters = Record<string, number | string | boolean>;

/** A metric an algorithm emits, named as SageMaker does (`validation:auc`, `train:rmse`). */
export interface MetricDefinition {
  name: string;
  goal: 'maximize' | 'minimize';
}

/** One input channel's files on local disk (SageMaker: `input/data/<channel>/`). */
export interface ChannelInput {
  /** Files of the channel, in order. */
  files: string[];
  /** `text/csv` (target first, no header), `application/x-parquet`, `application/jsonlines`. */
  contentType: string;
}

/** What `train` gets; the executor builds it from the job's working folder. */
export interface TrainContext {
  hyperparameters: Hyperparameters;
  channels: Record<string, ChannelInput>;
  /** Write the model here; the executor packs it as model.tar.gz. */
  modelDir: string;
  /** Resume state lives here; restored on a retry. */
  checkpointDir: string;
  /** Worker threads the algorithm may use. */
  threads: number;
  /** Seed for every random choice; recorded in the artifact. */
  seed: number;
  signal: AbortSignal;
  log(line: string): void;
  /** Emits a metric value (also printed as `#metric name=value step=n` for regex definitions). */
  metric(name: string, value: number, step?: number): void;
}

/** Batch prediction over dense rows (no label column). */
export interface Predictor {
  /** Features per row the model expects. */
  readonly numFeatures: number;
  /**
   * Predicts `rows` rows of `numFeatures` values each (row-major; NaN = missing).
   * Returns one value per row, or `outputsPerRow` values per row (e.g. class
   * probabilities), row-major.
   */
  predict(features: Float32Array, rows: number): { values: Float32Array; outputsPerRow: number };
  /**
   * Present on a model with an asynchronous batch path (k-NN's search: a kernel pool over
   * several threads, or onnxruntime's matrix product for large batches): the same answer
   * as `predict`, on up to `threads` threads. Batch transform and endpoints call it
   * whatever their thread count; the threads or sessions it opens are kept until `close`.
   */
  predictParallel?(features: Float32Array, rows: number, threads: number): Promise<{ values: Float32Array; outputsPerRow: number }>;
  /** Present with `predictParallel`: stops the threads and sessions it started. */
  close?(): Promise<void>;
  /**
   * Present on a model that reads whole request documents rather than rows of numbers
   * (DeepAR's `{"instances": [...]}`): answers one request body of a supported type;
   * serving then calls this instead of decoding rows for `predict`.
   */
  invoke?(request: { contentType: 'text/csv' | 'application/json' | 'application/jsonlines'; accept: string | undefined; body: Buffer }): { contentType: string; body: string };
  /**
   * Present on a model that reads images (image-classification): answers one PNG or JPEG
   * request body; serving calls it for `image/png`, `image/jpeg` and `application/x-image`.
   */
  invokeImage?(request: { contentType: 'image/png' | 'image/jpeg' | 'application/x-image'; accept: string | undefined; body: Buffer }): { contentType: string; body: string };
  /**
   * Present on a model that reads text records rather than numbers (a line of a text
   * dataset for blazingtext, a JSON record for object2vec): answers each record with one
   * line of JSON, in order, as batch transform writes it. Throws `ORCH_MODEL_INPUT_INVALID`
   * for a record it cannot read.
   */
  answerRecords?(records: readonly string[]): string[];
  /**
   * Present on a model that explains its predictions: each feature's additive
   * contribution to the margin per row and output, plus the base (see {@link Explanation}).
   */
  explain?(features: Float32Array, rows: number): Explanation;
  /**
   * With `explain`: the work of explaining one row, in tree-path steps (each tree's leaves
   * times its depth, summed), so a caller can size how many rows it explains.
   */
  explainCost?(): number;
}

/**
 * Per-row contributions to a model's margin: the log-odds for a logistic output, the
 * class score before the softmax for multiclass, the value itself for regression.
 * Row-major `rows × outputs × (numFeatures + 1)`; the last column of each output is the
 * base (the expected margin), and each output's columns sum to its margin (XGBoost's
 * `pred_contribs` layout).
 */
export interface Explanation {
  values: Float64Array;
  /** 1, or the number of classes. */
  outputs: number;
}

export interface Algorithm {
  name: string;
  version: string;
  description: string;
  hyperparameters: readonly HyperparameterSpec[];
  metrics: readonly MetricDefinition[];
  /** Content types the training channels accept. */
  inputContentTypes: readonly string[];
  requiredChannels: readonly string[];
  optionalChannels: readonly string[];
  train(ctx: TrainContext): Promise<void>;
  /** Loads a model from an unpacked model folder; checks format/algorithm/version. */
  load(modelDir: string): Promise<Predictor>;
  /** How this algorithm's models are exported to ONNX; absent when they cannot be. */
  exportOnnx?: OnnxExporter;
  /**
   * Problems that involve several hyperparameters at once (`k` above `sample_size`),
   * given the values that resolved; reported with the others at create time.
   */
  checkHyperparameters?(values: Hyperparameters): { field: string; message: string; details?: Record<string, unknown> }[];
  /**
   * Cores a job of this algorithm asks for when it names none (one whose work does not
   * spread over threads, say). @default all of a worker's cores
   */
  defaultCpus?: number;
}

/**
 * An algorithm's ONNX exporter, found through the registry by `exportToOnnx`. It reads
 * the documented model.json; `exportToOnnx` checks the header and writes the model file.
 */
export interface OnnxExporter {
  /** The model.json `format` the exporter reads. */
  format: string;
  /** The model.json major version the exporter reads (`1` for 1.x). */
  majorVersion: string;
  /**
   * The graph for a model.json: it takes `features` [N, F] float (NaN = missing; the graph
   * gives `numFeatures`) and gives as its first float output what the native predictor
   * gives per row; or, for a model that does not read rows of numbers, it names its own
   * `inputs` (token ids, …), and such a model exports but is not served as ONNX.
   * Implementations import their exporter module here, so protobufjs loads only when a
   * model is exported. `modelDir` is the model's folder, for models that keep their arrays
   * beside model.json (k-NN's index.bin).
   */
  build(doc: Record<string, unknown>, modelDir: string): Promise<ExportedGraph>;
}
