/**
 * The one way serving code gets a model to predict with: a model server, a batch
 * transform shard and the endpoint tests all open a model's unpacked folder here.
 */
import path from 'node:path';
import { getAlgorithm, registerBuiltins } from '../algorithms/index.js';
import { OrchardError } from '../core/index.js';
import { openOnnxPredictor } from '../onnx/index.js';
import { ONNX_FILE } from '../registry/index.js';
import type { ModelFormat } from '../registry/types.js';

/** A predictor whose `predict` may be asynchronous (ONNX runs through a native session). */
export interface ServingPredictor {
  readonly numFeatures: number;
  predict(features: Float32Array, rows: number): Promise<{ values: Float32Array; outputsPerRow: number }>;
  /** The same without a promise, for models that predict synchronously (the built-ins). */
  predictSync?(features: Float32Array, rows: number): { values: Float32Array; outputsPerRow: number };
  /** Frees what the model holds outside the JS heap (an ONNX session); absent when there is nothing to free. */
  close?(): Promise<void>;
}

/** What `openPredictor` needs of a model: its unpacked folder and how to read it. */
export interface PredictorSource {
  dir: string;
  format: ModelFormat;
  algorithm: string | null;
  /** Threads an ONNX session may use per prediction. @default 1 */
  threads?: number;
}

/**
 * Loads an unpacked model (see `materializeModel`) for prediction: a built-in through
 * its algorithm's `load`, an ONNX model (`dir/model.onnx`) through onnxruntime (the
 * serving rule for its input and output is in src/onnx/onnx-runtime.ts).
 */
export async function openPredictor(model: PredictorSource): Promise<ServingPredictor> {
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
  };
}
