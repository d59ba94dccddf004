/**
 * The one way serving code gets a model to predict with: a model server, a batch
 * transform shard and the endpoint tests all open a model's unpacked folder here.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Explanation, Predictor } from '../algorithms/index.js';
// Not through the algorithms' and onnx's indexes, which load every built-in (and the ONNX
// exporters): a transform shard or a model server runs one model, and loads its own
// algorithm's folder only.
import { loadBuiltin } from '../algorithms/builtin-loaders.js';
import { readEnsemble } from '../algorithms/ensemble/ensemble-model.js';
import { OrchardError } from '../core/index.js';
import { openOnnxPredictor } from '../onnx/onnx-runtime.js';
import { ONNX_FILE } from '../contracts/registry.values.js';
import type { ModelFormat } from '../registry/types.js';
import { decodeRaw, isNumericType, type DecodedRows, type MediaType, type RawColumns, type RawRow } from './endpoints/codecs.js';
import { featureSources } from './feature-lineage.js';

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
  /** Present on a model that reads images: see the algorithms' `Predictor.invokeImage`. */
  readonly invokeImage?: Predictor['invokeImage'];
  /** Present on a model that reads text records (blazingtext, object2vec): see the algorithms' `Predictor.answerRecords`. */
  readonly answerRecords?: Predictor['answerRecords'];
  /** Present on a model that explains its predictions: contributions to the margin per feature (see the algorithms' `Explanation`). */
  explain?(features: Float32Array, rows: number): Explanation;
  /** With `explain`: the work of explaining one row (see the algorithms' `Predictor`). */
  explainCost?(): number;
}

/** The recipe stage of an inference pipeline. */
export interface PipelineStage {
  /** The raw columns a row carries, in CSV order (the target excluded). */
  readonly columns: RawColumns;
  /** Per model feature: the raw column it comes from (one-hot `color_red` -> `color`). */
  readonly featureColumns: readonly string[];
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
  /**
   * Threads a prediction may use: an ONNX session's, or a built-in's that predicts in
   * parallel (`predictParallel`, k-NN's search). @default 1
   */
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
  if (model.format === 'algorithm' && model.algorithm === 'ensemble') {
    if (model.recipeFile) throw new OrchardError('ORCH_MODEL_INVALID', { message: "An ensemble carries its members' recipes; it takes none of its own" });
    return openEnsemble(model);
  }
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
  const predictor = await (await loadBuiltin(model.algorithm)).load(model.dir);
  const threads = Math.max(1, Math.floor(model.threads ?? 1));
  const parallel = predictor.predictParallel ? predictor.predictParallel.bind(predictor) : null;
  return {
    numFeatures: predictor.numFeatures,
    predict: parallel ? (features, rows) => parallel(features, rows, threads) : async (features, rows) => predictor.predict(features, rows),
    predictSync: (features, rows) => predictor.predict(features, rows),
    ...(predictor.close ? { close: predictor.close.bind(predictor) } : {}),
    ...(predictor.invoke ? { invoke: predictor.invoke.bind(predictor) } : {}),
    ...(predictor.invokeImage ? { invokeImage: predictor.invokeImage.bind(predictor) } : {}),
    ...(predictor.answerRecords ? { answerRecords: predictor.answerRecords.bind(predictor) } : {}),
    ...(predictor.explain ? { explain: predictor.explain.bind(predictor) } : {}),
    ...(predictor.explainCost ? { explainCost: predictor.explainCost.bind(predictor) } : {}),
  };
}

/**
 * An inference pipeline: the fitted recipe's online transform in front of the model (the
 * same numbers as applying the recipe to a dataset, then predicting).
 */
async function withRecipe(model: ServingPredictor, recipeFile: string): Promise<ServingPredictor> {
  return { ...model, pipeline: await recipeStage(recipeFile, model.numFeatures) };
}

/** The recipe stage of a fitted recipe; `numFeatures` (when given) is what the model reads. */
async function recipeStage(recipeFile: string, numFeatures: number | null): Promise<PipelineStage> {
  // The engine is loaded only by pipelines: a plain model's server never reads it.
  const { rowTransform } = await import('../recipes/engine/index.js');
  const fitted = JSON.parse(await fs.readFile(recipeFile, 'utf8')) as import('../recipes/engine/index.js').FittedRecipe;
  const online = rowTransform(fitted);
  if (numFeatures !== null && online.numFeatures !== numFeatures) {
    throw new OrchardError('ORCH_MODEL_INVALID', { message: `The recipe makes ${online.numFeatures} features; the model reads ${numFeatures}` });
  }
  const types = new Map(fitted.inputColumns.map((c) => [c.name, c.type]));
  const columns: RawColumns = { names: online.inputColumns, numeric: online.inputColumns.map((c) => isNumericType(types.get(c) ?? 'VARCHAR')) };
  const features = (rows: RawRow[]) => online.transform(rows);
  return {
    columns,
    featureColumns: featureSources(fitted),
    features,
    decode: (type, body) => {
      const rows = decodeRaw(type, body, columns);
      return { features: features(rows), rows: rows.length };
    },
  };
}

/**
 * An ensemble (AutoML's): its members side by side (src/algorithms/ensemble), each behind
 * its own recipe. Requests carry the raw columns of all the members' recipes (their union,
 * in the order first met); each member reads its own columns through its recipe.
 */
async function openEnsemble(model: PredictorSource): Promise<ServingPredictor> {
  const combined = await openModel(model);
  const artifact = await readEnsemble(model.dir);
  if (artifact.members.every((m) => m.recipe === null)) return combined;
  const stages = await Promise.all(artifact.members.map((m) => recipeStage(m.recipe!, null)));
  const names: string[] = [];
  const numeric: boolean[] = [];
  const index = new Map<string, number>();
  for (const stage of stages) {
    stage.columns.names.forEach((name, j) => {
      if (index.has(name)) return;
      index.set(name, names.length);
      names.push(name);
      numeric.push(stage.columns.numeric[j]);
    });
  }
  const maps = stages.map((s) => s.columns.names.map((n) => index.get(n)!));
  const widths = stages.map((s) => s.featureColumns.length);
  const F = widths.reduce((a, b) => a + b, 0);
  if (F !== combined.numFeatures) {
    throw new OrchardError('ORCH_MODEL_INVALID', { message: `The members' recipes make ${F} features; the members read ${combined.numFeatures}` });
  }
  const columns: RawColumns = { names, numeric };
  const features = (rows: RawRow[]): Float32Array => {
    const out = new Float32Array(rows.length * F);
    let off = 0;
    stages.forEach((stage, m) => {
      const map = maps[m];
      const same = map.length === names.length && map.every((u, j) => u === j);
      const memberRows = same ? rows : rows.map((row) => map.map((u) => row[u]));
      const f = stage.features(memberRows);
      const w = widths[m];
      for (let r = 0; r < rows.length; r++) out.set(f.subarray(r * w, r * w + w), r * F + off);
      off += w;
    });
    return out;
  };
  return {
    ...combined,
    pipeline: {
      columns,
      featureColumns: stages.flatMap((s) => s.featureColumns),
      features,
      decode: (type, body) => {
        const rows = decodeRaw(type, body, columns);
        return { features: features(rows), rows: rows.length };
      },
    },
  };
}
