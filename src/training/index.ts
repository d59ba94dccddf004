export type { TrainingService, TrainingJobFilter } from './training-service.js';
export type { CreateTrainingJobInput, TrainingJob, TrainingJobStatus, SecondaryStatus, MetricDefinition, MetricPoint, LogLine, SequencedMetricPoint, TrainingJobStatusInfo, TrainingProgress } from './types.js';
export { createTrainingService, TRAINING_KIND } from './training-jobs.js';
export type { ExperimentPort, TrainingDeps } from './training-jobs.js';
export { startTrainingWorkers, trainingJobHandler } from './training-worker.js';
export type { TrainingWorkerDeps, TrainingWorkers } from './training-worker.js';
export { reapOrphans, removeOwner, writeOwner } from './orphans.js';
export type { AttemptWatch, TrainingRulesPort, WatchedAttempt } from './rules-port.js';
