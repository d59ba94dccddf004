/**
 * AutoML (SageMaker Autopilot): a table and a target in; the analysis, candidates (recipe ×
 * algorithm, each an ordinary training job chosen by Bayesian search), the scored
 * leaderboard, an ensemble, the best model registered and two reports out.
 */
export { AutomlService, maximized, reportKey, sortLeaderboard } from './automl-service.js';
export type { AutomlDeps } from './automl-service.js';
export { AutomlController } from './automl-controller.js';
export type { AutomlControllerDeps, AutomlControllerOptions } from './automl-controller.js';
export { automlFinalizeJobHandler, FINALIZE_TOP } from './finalize-job.js';
export { enqueueFinalize } from './finalize-queue.js';
export type { FinalizeJobDeps } from './finalize-job.js';
export type { FinalizeAnswer, FinalizeCall, FinalizeCandidates } from './finalize-port.js';
export { finalizeCandidates, finalizeInThread } from './finalize/index.js';
export { FINALIZE_KIND, finalizeQueueId } from './types.js';
export type { AutomlCandidate, AutomlJob, AutomlJobFilter, CreateAutomlJobInput } from './types.js';
