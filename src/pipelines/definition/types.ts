import type { RequestProblem } from '../../core/errors.js';
import type { StepDef, StepType } from '../../contracts/pipeline-definition.contract.js';

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
} from '../../contracts/pipeline-definition.contract.js';

export type Json = Record<string, unknown>;
export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A step as the checker sees it: where it is written, and what contains it. */
export interface StepInfo {
  name: string;
  type: StepType;
  def: StepDef;
  /** Its field path: `steps[2]`, `steps[3].branches[0][1]`, `steps[4].steps[0]`. */
  path: string;
  /** The parallel or for-each whose body holds it, or null at top level. */
  parent: string | null;
  /** The innermost for-each whose body holds it (itself excluded), or null. */
  forEach: string | null;
  /** Definition order over the whole tree (a parent before its body). */
  index: number;
}

/**
 * The type of a value as the checker infers it: a JSON Schema node (an output's or a
 * parameter's), or a whole step.
 */
export type ValueType = { kind: 'schema'; schema: Json } | { kind: 'step'; stepType: StepType };

/** Collects every problem of a definition, each with its field path. */
export class Problems {
  readonly list: RequestProblem[] = [];
  add(field: string, message: string): void {
    this.list.push({ field, code: 'ORCH_PIPELINE_INVALID', message: `${field}: ${message}` });
  }
}
