/** The runners of the step types that do work, by type (control steps are the engine's own). */
import type { StepRunner } from '../engine/step-runner.js';
import { sqlStep } from './data-steps.js';
import { createModelStep, registerModelStep, trainingStep } from './model-steps.js';
import type { PipelinePorts } from './ports.js';

export type { PipelinePorts } from './ports.js';

export const STEP_RUNNERS: Record<string, StepRunner<PipelinePorts>> = {
  sql: sqlStep,
  training: trainingStep,
  'create-model': createModelStep,
  'register-model': registerModelStep,
};
