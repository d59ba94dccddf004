/**
 * Automatic model tuning: tuning jobs whose trials are training jobs, chosen by a search
 * strategy (see strategies/) and driven by the controller in the server process.
 */
export { TuningService, bestTrial, trialJobName, MAX_JOBS, MAX_PARALLEL } from './tuning-service.js';
export type { TuningDeps } from './tuning-service.js';
export { TuningController } from './tuning-controller.js';
export type { TuningControllerOptions } from './tuning-controller.js';
export type { CreateTuningJobInput, RangeInput, Trial, TuningJob, TuningJobStatus, TuningSpec } from './types.js';
export type { ParameterRange, Scaling, StrategyName } from './strategies/index.js';
