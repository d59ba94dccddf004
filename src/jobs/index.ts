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
export { runScriptAttempt, runProcess, compileMetricDefinitions, createWorkDir, workDirAt, scriptEnvironment, hyperparameterArgs } from './executor/index.js';
export type { ScriptAttemptSpec, AttemptResult, ChannelFiles, RunProcessOptions, ProcessResult, MetricDefinitionInput, MetricSample, WorkDir, WorkDirSpec, ChannelConfig } from './executor/index.js';
