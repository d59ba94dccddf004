export { runScriptAttempt, commandFor, linkRunHelpers, chownTree, PACKAGE_ROOT, UNPRIVILEGED } from './script-attempt.js';
export type { ScriptAttemptSpec, AttemptResult, ChannelFiles } from './script-attempt.js';
export { runProcess } from './process-runner.js';
export type { RunProcessOptions, ProcessResult } from './process-runner.js';
export { compileMetricDefinitions } from './metrics.js';
export type { MetricDefinitionInput, MetricSample } from './metrics.js';
export { createWorkDir, workDirAt } from './workdir.js';
export type { WorkDir, WorkDirSpec, ChannelConfig } from './workdir.js';
export { scriptEnvironment, hyperparameterArgs } from './sm-env.js';
