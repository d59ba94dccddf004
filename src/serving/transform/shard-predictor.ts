import { getAlgorithm, registerBuiltins } from '../../algorithms/index.js';
import { OrchardError } from '../../core/index.js';
import type { ShardSpec } from './types.js';

/** A predictor whose `predict` may be asynchronous (ONNX runs through a native session). */
export interface ShardPredictor {
  readonly numFeatures: number;
  predict(features: Float32Array, rows: number): Promise<{ values: Float32Array; outputsPerRow: number }>;
}

/** Loads the model a shard runs: a built-in's unpacked folder. */
export async function openShardPredictor(model: ShardSpec['model']): Promise<ShardPredictor> {
  if (model.format !== 'algorithm' || !model.algorithm) {
    throw new OrchardError('ORCH_MODEL_INVALID', { message: `Batch transform cannot run ${model.format} models yet` });
  }
  registerBuiltins();
  const predictor = await getAlgorithm(model.algorithm).load(model.dir);
  return { numFeatures: predictor.numFeatures, predict: async (features, rows) => predictor.predict(features, rows) };
}
