/**
 * The state one `advance` works on (an execution, its plan and step rows) and the pure
 * helpers over it: rows, dependency keys in a for-each iteration, gates, the scope that
 * references resolve in, a runner's context.
 */
import { TERMINAL_STEP_STATUSES } from '../../contracts/pipeline.values.js';
import type { Plan, PlanStep, Scope } from '../definition/index.js';
import type { PipelineDefinition, StepDef } from '../definition/index.js';
import type { ExecutionsTable, StepsTable } from '../pipeline-store.js';
import { resourceName } from './naming.js';
import type { StepContext } from './step-runner.js';

/** Fields every step has; the rest are the step type's own (its inputs). */
const COMMON = new Set(['name', 'type', 'dependsOn', 'retry', 'catch', 'timeoutSeconds', 'cache', 'description']);
/** Fields the engine reads itself rather than resolving as inputs. */
const STRUCTURAL: Record<string, string[]> = { condition: ['if', 'then', 'else'], parallel: ['branches'], 'for-each': ['steps'] };
export const ACTIVE_STEP = ['Starting', 'Executing', 'Waiting', 'Retrying'];
export const terminal = (s: string | undefined) => s !== undefined && TERMINAL_STEP_STATUSES.includes(s);

/** Where a step is instantiated: top level, or one iteration of a for-each. */
export interface Frame {
  prefix: string;
  item?: unknown;
  index?: number;
  /** Body step names of the for-each this frame belongs to. */
  siblings?: Set<string>;
}
export const TOP: Frame = { prefix: '' };

export interface Run {
  exec: ExecutionsTable;
  def: PipelineDefinition;
  plan: Plan;
  rows: Map<string, StepsTable>;
  now: number;
  changed: boolean;
  /**
   * The latest `updated_at` (ms) of the execution's step rows. Each write stamps later than
   * it, so the feed (ordered by `updated_at`) shows a step that ends and the step it frees,
   * written in the same millisecond, in the order they happened.
   */
  stamp: number;
}

export function newRow(run: Run, key: string, ps: PlanStep): StepsTable {
  return { execution: run.exec.name, step: key, type: ps.type, status: 'Pending', attempts: 0, runs: 0, resource: null, inputs_json: null, outputs_json: null, failure_code: null, failure_reason: null, caught: 0, cache_hit: 0, next_at: null, started_at: null, ended_at: null, updated_at: iso(run.now) };
}

/** A dependency's key: a sibling in the same for-each iteration, or a top-level step. */
export function keyIn(frame: Frame, name: string): string {
  return frame.siblings?.has(name) ? `${frame.prefix}${name}` : name;
}

export function gateHolds(run: Run, frame: Frame, gate: { step: string; when: 'then' | 'else' | 'caught' }): boolean {
  const row = run.rows.get(keyIn(frame, gate.step));
  if (!row) return false;
  if (gate.when === 'caught') return row.status === 'Failed' && row.caught === 1;
  if (row.status !== 'Succeeded') return false;
  const result = (JSON.parse(row.outputs_json ?? '{}') as { result?: boolean }).result;
  return gate.when === 'then' ? result === true : result === false;
}

export function scope(run: Run, frame: Frame): Scope {
  const steps: Scope['steps'] = {};
  for (const r of run.rows.values()) {
    if (r.step.includes('[')) continue;
    steps[r.step] = { type: r.type, status: r.status, outputs: outputsOf(r) };
  }
  if (frame.siblings) {
    for (const name of frame.siblings) {
      const r = run.rows.get(`${frame.prefix}${name}`);
      if (r) steps[name] = { type: r.type, status: r.status, outputs: outputsOf(r) };
      else delete steps[name];
    }
  }
  return {
    parameters: JSON.parse(run.exec.parameters_json) as Record<string, unknown>,
    steps,
    execution: { id: run.exec.name, pipeline: run.exec.pipeline, version: run.exec.version, startTime: run.exec.started_at ?? run.exec.created_at },
    ...(frame.siblings ? { item: frame.item, index: frame.index } : {}),
  };
}

export function inputFields(def: StepDef): Record<string, unknown> {
  const skip = STRUCTURAL[def.type] ?? [];
  return Object.fromEntries(Object.entries(def).filter(([k]) => !COMMON.has(k) && !skip.includes(k)));
}

export function context(run: Run, row: StepsTable): StepContext {
  return {
    execution: { id: run.exec.name, pipeline: run.exec.pipeline, version: run.exec.version },
    step: row.step,
    resource: row.resource ?? resourceName(run.exec.name, row.step, Math.max(1, row.attempts)),
    attempt: Math.max(1, row.attempts),
    inputs: JSON.parse(row.inputs_json ?? '{}') as Record<string, unknown>,
    createdBy: run.exec.created_by,
  };
}

export function outputsOf(row: StepsTable | undefined): Record<string, unknown> {
  return row?.outputs_json ? (JSON.parse(row.outputs_json) as Record<string, unknown>) : {};
}

/** The plan name of a step key (`loop[2].train` → `train`). */
export function baseName(key: string): string {
  const dot = key.lastIndexOf('].');
  return dot === -1 ? key : key.slice(dot + 2);
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
