/**
 * The neural engine the neural built-ins share: the engine itself (TensorFlow.js with its
 * WebAssembly backend), seeded parameters saved in the model file, and the minibatch
 * training loop with early stopping and checkpoints.
 */
export { neuralEngine, engineDescription } from './engine.js';
export type { TfModule, NeuralBackend, EngineOptions } from './engine.js';
export { createParams, disposeParams, saveParams, readWeights, weightTensors, assignParams, encodeTensor, decodeTensor } from './weights.js';
export type { Params, ParamSpec, Init, SavedTensor, SavedWeights } from './weights.js';
export { fit, createOptimizer, OPTIMIZERS } from './train-loop.js';
export type { FitOptions, FitResult, EpochLosses, OptimizerName } from './train-loop.js';
