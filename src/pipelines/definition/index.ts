/**
 * Pipeline definitions: parse and check (every problem at once, with field paths),
 * compile to the engine's plan, and evaluate expressions at run time.
 */
export { parseDefinition, parseText } from './parse.js';
export { validateDefinition } from './validate.js';
export { compilePlan, ownFields } from './plan.js';
export type { Plan, PlanStep } from './plan.js';
export { resolveValue, resolvePath, evaluateCondition, referencedSteps, durationMs } from './expressions.js';
export type { Scope } from './expressions.js';
export { resolveParameters, hasParameterType } from './parameters.js';
export type {
  CacheConfig,
  CatchRule,
  Condition,
  Expression,
  GetExpression,
  JoinExpression,
  PipelineDefinition,
  PipelineDefinitionInput,
  PipelineParameterSpec,
  PipelineParameterType,
  RetryRule,
  StepDef,
  StepDefOf,
  StepType,
} from './types.js';
