/**
 * The one way serving code gets a model to predict with: a model server, a batch
 * transform shard and the endpoint tests all open a model's unpacked folder here.
 */
import { getAlgorithm, registerBuiltins } from '../algorithms/index.js';
import { OrchardError } from '../core/index.js';
import type { ModelFormat } from '../registry/types.js';

/** A predictor whose `predict` may be asynchronous (ONNX runs through a native session). */
export interface ServingPredictor {
  readonly numFeatures: number;
  predict(features: Float32Array, rows: number): Promise<{ values: Float32Array; outputsPerRow: number }>;
}

/** What `openPredictor` needs of a model: its unpacked folder and how to read it. */
export interface PredictorSource {
  dir: string;
  format: ModelFormat;
  algorithm: string | null;
}

/** Loads an unpacked model (see `materializeModel`) for prediction. */
export async function openPredictor(model: PredictorSource): Promise<ServingPredictor> {
  if (model.format !== 'algorithm' || !model.algorithm) {
    throw new OrchardError('ORCH_MODEL_INVALID', { message: `Cannot serve ${model.format} models yet` });
  }
  registerBuiltins();
  const predictor = await getAlgorithm(model.algorithm).load(model.dir);
  return { numFeatures: predictor.numFeatures, predict: async (features, rows) => predictor.predict(features, rows) };
}
