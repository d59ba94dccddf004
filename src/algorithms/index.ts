/**
 * Built-in algorithms: the registry, hyperparameter validation, the CSV matrix loader
 * and the built-in table. Other capabilities import only from here.
 */
export type {
  Algorithm,
  BooleanHyperparameter,
  CategoricalHyperparameter,
  ChannelInput,
  ContinuousHyperparameter,
  Explanation,
  HyperparameterSpec,
  Hyperparameters,
  IntegerHyperparameter,
  MetricDefinition,
  OnnxExporter,
  Predictor,
  Scaling,
  TrainContext,
} from './algorithm.js';
export type { ExportedGraph } from './onnx-builder/index.js';
export { getAlgorithm, hasAlgorithm, listAlgorithms, registerAlgorithm, unregisterAlgorithm } from './registry.js';
export { checkHyperparameters, describeRange, hyperparameterError, resolveHyperparameters } from './hyperparameters.js';
export type { HyperparameterInput, HyperparameterProblem, HyperparameterProblemCode, HyperparameterSchema } from './hyperparameters.js';
export { loadCsvMatrix } from './data/matrix.js';
export { rankAuc } from './rank-auc.js';
export type { CsvMatrixOptions, Matrix } from './data/matrix.js';
export { BUILTIN_ALGORITHMS, registerBuiltins } from './builtins.js';
export { BUILTIN_NAMES, loadBuiltin } from './builtin-loaders.js';
export { ENSEMBLE_FORMAT, ENSEMBLE_VERSION, readEnsemble, writeEnsemble } from './ensemble/index.js';
export type { EnsembleArtifact, EnsembleMember } from './ensemble/index.js';
export { openDeepArNetwork, trainDeepArNetwork } from './deepar/network-api.js';
export type { DeepArArtifact, DeepArNetwork, DeepArSeries } from './deepar/network-api.js';
