/**
 * The one way serving code gets a model to predict with: a model server, a batch
 * transform shard and the endpoint tests all open a model's unpacked folder here.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { getAlgorithm, registerBuiltins, type Predictor } from '../algorithms/index.js';
import { OrchardError } from '../core/index.js';
import { openOnnxPredictor } from '../onnx/index.js';
import { ONNX_FILE } from '../registry/index.js';
import type { ModelFormat } from '../registry/types.js';
import { decodeRaw, isNumericType, type DecodedRows, type MediaType, type RawColumns, type RawRow } from './endpoints/codecs.js';

/** A predictor whose `predict` may be asynchronous (ONNX runs through a native session). */
export interface ServingPredictor {
  readonly numFeatures: number;
  predict(features: Float32Array, rows: number): Promise<{ values: Float32Array; outputsPerRow: number }>;
  /** The same without a promise, for models that predict synchronously (the built-ins). */
  predictSync?(features: Float32Array, rows: number): { values: Float32Array; outputsPerRow: number };
  /** Frees what the model holds outside the JS heap (an ONNX session); absent when there is nothing to free. */
  close?(): Promise<void>;
  /**
   * Present on an inference pipeline: requests carry raw rows, which the recipe turns
   * into the `numFeatures` features `predict` takes. Absent on a plain model, whose
   * requests are decoded as numbers (the fast path).
   */
  readonly pipeline?: PipelineStage;
  /** Present on a model that answers whole request documents (DeepAR): see the algorithms' `Predictor.invoke`. */
  readonly invoke?: Predictor['invoke'];
}

/** The recipe stage of an inference pipeline. */
export interface PipelineStage {
  /** The raw columns a row carries, in CSV order (the target excluded). */
  readonly columns: RawColumns;
  /** Raw rows to the model's features, row-major. Throws the recipe's errors (an unknown category under `error`). */
  features(rows: RawRow[]): Float32Array;
  /** A request body (CSV, JSON, JSON Lines of raw rows) to the model's features. */
  decode(type: MediaType, body: Buffer): DecodedRows;
}

/** What `openPredictor` needs of a model: its unpacked folder and how to read it. */
export interface PredictorSource {
  dir: string;
  format: ModelFormat;
  algorithm: string | null;
  /** Threads an ONNX session may use per prediction. @default 1 */
  threads?: number;
  /** An inference pipeline's fitted recipe (JSON), applied to raw rows before the model. */
  recipeFile?: string;
}

/**
 * Loads an unpacked model (see `materializeModel`) for prediction: a built-in through
 * its algorithm's `load`, an ONNX model (`dir/model.onnx`) through onnxruntime (the
 * serving rule for its input and output is in src/onnx/onnx-runtime.ts).
 */
export async function openPredictor(model: PredictorSource): Promise<ServingPredictor> {
  const predictor = await openModel(model);
  return model.recipeFile ? withRecipe(predictor, model.recipeFile) : predictor;
}

async function openModel(model: PredictorSource): Promise<ServingPredictor> {
  if (model.format === 'onnx') {
    const onnx = await openOnnxPredictor(path.join(model.dir, ONNX_FILE), { threads: model.threads });
    return { numFeatures: onnx.numFeatures, predict: (features, rows) => onnx.predict(features, rows), close: () => onnx.close() };
  }
  if (model.format !== 'algorithm' || !model.algorithm) {
    throw new OrchardError('ORCH_MODEL_INVALID', { message: `Cannot serve ${String(model.format)} models` });
  }
  registerBuiltins();
  const predictor = await getAlgorithm(model.algorithm).load(model.dir);
  return {
    numFeatures: predictor.numFeatures,
    predict: async (features, rows) => predictor.predict(features, rows),
    predictSync: (features, rows) => predictor.predict(features, rows),
    ...(predictor.invoke ? { invoke: predictor.invoke.bind(predictor) } : {}),
  };
}

/**
 * An inference pipeline: the fitted recipe's online transform in front of the model (the
 * same numbers as applying the recipe to a dataset, then predicting).
 */
async function withRecipe(model: ServingPredictor, recipeFile: string): Promise<ServingPredictor> {
  // The engine is loaded only by pipelines: a plain model's server never reads it.
  const { rowTransform } = await import('../recipes/engine/index.js');
  const fitted = JSON.parse(await fs.readFile(recipeFile, 'utf8')) as import('../recipes/engine/index.js').FittedRecipe;
  const online = rowTransform(fitted);
  if (online.numFeatures !== model.numFeatures) {
    throw new OrchardError('ORCH_MODEL_INVALID', { message: `The recipe makes ${online.numFeatures} features; the model reads ${model.numFeatures}` });
  }
  const types = new Map(fitted.inputColumns.map((c) => [c.name, c.type]));
  const columns: RawColumns = { names: online.inputColumns, numeric: online.inputColumns.map((c) => isNumericType(types.get(c) ?? 'VARCHAR')) };
  const features = (rows: RawRow[]) => online.transform(rows);
  return {
    ...model,
    pipeline: {
      columns,
      features,
      decode: (type, body) => {
        const rows = decodeRaw(type, body, columns);
        return { features: features(rows), rows: rows.length };
      },
    },
  };
}
