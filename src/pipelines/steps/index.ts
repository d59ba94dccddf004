/** The runners of the step types that do work, by type (control steps are the engine's own). */
import type { StepRunner } from '../engine/step-runner.js';
import { sqlStep } from './data-steps.js';
import { endpointStep } from './endpoint-steps.js';
import { forecastExportStep, forecastImportStep, forecastPredictorStep, forecastStep } from './forecast-steps.js';
import { processingStep, transformStep, tuningStep } from './job-steps.js';
import { createModelStep, registerModelStep, trainingStep } from './model-steps.js';
import { notifyStep } from './notify-step.js';
import type { PipelinePorts } from './ports.js';
import { scriptStep } from './script-step.js';

export type { PipelinePorts } from './ports.js';
export { SOURCE_KEY_TAG } from './artifact-inputs.js';
export { scriptJobsOwner, stepJobsOwner } from './script-step.js';
export { pipelineScriptJobHandler, PIPELINE_SCRIPT_KIND } from './script-job.js';
export type { ScriptJobDeps, ScriptPayload } from './script-job.js';
export { pipelineSqlJobHandler, PIPELINE_SQL_KIND } from './sql-job.js';
export type { SqlJobDeps, SqlPayload } from './sql-job.js';

export const STEP_RUNNERS: Record<string, StepRunner<PipelinePorts>> = {
  sql: sqlStep,
  processing: processingStep,
  training: trainingStep,
  tuning: tuningStep,
  'create-model': createModelStep,
  'register-model': registerModelStep,
  transform: transformStep,
  endpoint: endpointStep,
  'forecast-import': forecastImportStep,
  'forecast-predictor': forecastPredictorStep,
  forecast: forecastStep,
  'forecast-export': forecastExportStep,
  script: scriptStep,
  notify: notifyStep,
};
