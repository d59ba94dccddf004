/** Experiments: runs (training jobs) grouped, filtered, sorted and compared. */
export { ExperimentService, lowerIsBetter } from './experiment-service.js';
export type { ExperimentServiceDeps, RunSource } from './experiment-service.js';
export { ExperimentStore } from './experiment-store.js';
export { parseFilter, parseSort, runValue } from './run-query.js';
export type { Experiment, ExperimentDetail, Run, RunComparison, RunDetail, RunQuery } from './types.js';
