export type {
  ClaimedJob,
  ClaimOptions,
  EnqueueOptions,
  FailInfo,
  FailOutcome,
  JobQueue,
  JobQueueDeps,
  JobRecord,
  JobState,
  LeaseLostReason,
  BullmqJobQueueOptions,
} from './queue/index.js';
export { JobLeaseLostError, openJobQueue, createEmbeddedJobQueue, retryDelayMs } from './queue/index.js';
export { startWorkerLoop, interruptedByPlatform } from './worker-loop.js';
export type { AbortReason, AttemptContext, JobHandler, WorkerLoop, WorkerLoopOptions } from './worker-loop.js';
export { runScriptAttempt, commandFor, linkRunHelpers, chownTree, PACKAGE_ROOT, UNPRIVILEGED, runProcess, runnerProgram, exitWithParent, compileMetricDefinitions, createWorkDir, workDirAt, scriptEnvironment, hyperparameterArgs } from './executor/index.js';
export type { ScriptAttemptSpec, AttemptResult, ChannelFiles, RunProcessOptions, ProcessResult, MetricDefinitionInput, MetricSample, WorkDir, WorkDirSpec, ChannelConfig } from './executor/index.js';
export { groupUsage, treeUsage, UsageMeter } from './executor/index.js';
export { modelArchiveStream } from './executor/index.js';
export type { ModelArchiveStream } from './executor/index.js';
export type { ProcUsage } from './executor/index.js';
export { seqBatches, serialFlusher } from './seq-batches.js';
export type { SeqBatches, SeqBatchesOptions, SerialFlusher } from './seq-batches.js';
