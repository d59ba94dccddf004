/**
 * Pipelines: versioned definitions, started as executions that the controller drives. The
 * service writes what a client asks for (a version, an execution, a stop, an approval) and
 * tells the controller; the controller does the rest.
 */
import { OrchardError } from '../core/index.js';
import { TERMINAL_EXECUTION_STATUSES } from '../contracts/pipeline.values.js';
import type { CreatePipelineInput, Execution, ExecutionFilter, ExecutionStep, Pipeline, PipelineFilter, PipelineVersion, StepStatus, UpdatePipelineRequest } from '../contracts/index.js';
import { parseDefinition, resolveParameters, type PipelineDefinition } from './definition/index.js';
import { newExecutionId } from './engine/naming.js';
import { executionNotFound, type ExecutionsTable, type PipelinesTable, type PipelineStore, type StepsTable } from './pipeline-store.js';

/** Who answers an approval: their name and role. */
export interface Approver {
  name: string;
  role: string;
}

export interface StartOptions {
  parameters?: Record<string, unknown>;
  version?: number;
  /** What started it. @default {kind: 'api'} */
  trigger?: Record<string, unknown>;
  createdBy?: string;
  /** Parameters given as text (the CLI's `--param k=v`), typed by the definition. */
  fromStrings?: boolean;
}

export class PipelineService {
  /** Told when an execution should be looked at now (the controller's `kick`). */
  onChange: (execution: string) => void = () => undefined;

  constructor(readonly store: PipelineStore) {}

  readonly statusChanges = (since: string, limit: number, after?: { updatedAt: string; name: string }) => this.store.statusChanges(since, limit, after);
  /** Step rows' changes for the platform feed (`pipeline-step` events, named `<execution>/<step>`). */
  readonly stepChanges = (since: string, limit: number, after?: { updatedAt: string; name: string }) => this.store.stepChanges(since, limit, after);

  // --- pipelines ---

  async create(input: CreatePipelineInput): Promise<Pipeline> {
    const def = parseDefinition(input.definition);
    const now = new Date().toISOString();
    await this.store.insertPipeline(
      { name: input.name, description: input.description ?? def.description ?? null, latest_version: 1, overlap: input.overlap ?? 'allow', created_by: input.createdBy ?? null, created_at: now, updated_at: now },
      JSON.stringify(def),
    );
    return this.describe(input.name);
  }

  async update(name: string, change: UpdatePipelineRequest, by?: string): Promise<Pipeline> {
    const definitionJson = change.definition === undefined ? undefined : JSON.stringify(parseDefinition(change.definition));
    await this.store.update(name, { definitionJson, description: change.description, overlap: change.overlap, by: by ?? null });
    return this.describe(name);
  }

  async describe(name: string): Promise<Pipeline> {
    const row = await this.store.pipeline(name);
    const version = await this.store.version(name, row.latest_version);
    return toPipeline(row, JSON.parse(version.definition_json));
  }

  async list(filter: PipelineFilter = {}): Promise<{ items: Pipeline[]; total: number }> {
    const { rows, total } = await this.store.pipelines(filter.limit ?? 100, filter.offset ?? 0);
    const items = await Promise.all(rows.map(async (r) => toPipeline(r, JSON.parse((await this.store.version(r.name, r.latest_version)).definition_json))));
    return { items, total };
  }

  async versions(name: string): Promise<PipelineVersion[]> {
    await this.store.pipeline(name);
    return (await this.store.versions(name)).map((v) => ({ pipeline: v.pipeline, version: v.version, definition: JSON.parse(v.definition_json), deleted: v.deleted === 1, createdBy: v.created_by, createdAt: v.created_at }));
  }

  /** A version no longer startable (its executions stay readable). */
  async deleteVersion(name: string, version: number): Promise<void> {
    await this.store.version(name, version);
    await this.store.markVersionDeleted(name, version);
  }

  /** Removes a pipeline with its versions, executions and triggers; refused while an execution runs. */
  async delete(name: string): Promise<void> {
    await this.store.pipeline(name);
    const active = await this.store.activeOf(name);
    if (active.length > 0) throw new OrchardError('ORCH_PIPELINE_IN_USE', { message: `Pipeline '${name}' has ${active.length} execution(s) that have not ended; stop them first`, details: { name, executions: active.map((e) => e.name) } });
    await this.store.deletePipeline(name);
  }

  // --- executions ---

  async start(name: string, opts: StartOptions = {}): Promise<Execution> {
    const pipeline = await this.store.pipeline(name);
    const versionNumber = opts.version ?? pipeline.latest_version;
    const version = await this.store.version(name, versionNumber);
    if (version.deleted) throw new OrchardError('ORCH_PIPELINE_VERSION_DELETED', { message: `Version ${versionNumber} of pipeline '${name}' is deleted`, details: { name, version: versionNumber } });
    const def = JSON.parse(version.definition_json) as PipelineDefinition;
    const parameters = resolveParameters(def, opts.parameters ?? {}, { fromStrings: opts.fromStrings });
    const now = new Date().toISOString();
    const busy = pipeline.overlap === 'allow' ? false : (await this.store.activeOf(name)).length > 0;
    const id = newExecutionId();
    const row: ExecutionsTable = {
      name: id,
      pipeline: name,
      version: versionNumber,
      status: busy ? (pipeline.overlap === 'queue' ? 'Queued' : 'Stopped') : 'Executing',
      parameters_json: JSON.stringify(parameters),
      trigger_json: JSON.stringify(opts.trigger ?? { kind: 'api' }),
      failure_reason: busy && pipeline.overlap === 'skip' ? `Skipped: another execution of '${name}' is running (overlap policy 'skip')` : null,
      stop_requested: 0,
      created_by: opts.createdBy ?? null,
      created_at: now,
      started_at: busy ? null : now,
      ended_at: busy && pipeline.overlap === 'skip' ? now : null,
      updated_at: now,
    };
    await this.store.insertExecution(row);
    if (row.status === 'Executing') this.onChange(id);
    return this.execution(id);
  }

  async execution(id: string): Promise<Execution> {
    const row = await this.store.execution(id);
    return toExecution(row, await this.store.steps(id));
  }

  async executions(filter: ExecutionFilter = {}): Promise<{ items: Execution[]; total: number }> {
    if (filter.pipeline) await this.store.pipeline(filter.pipeline);
    const { rows, total } = await this.store.executions(filter, filter.limit ?? 100, filter.offset ?? 0);
    return { items: await Promise.all(rows.map(async (r) => toExecution(r, await this.store.steps(r.name)))), total };
  }

  async stop(id: string): Promise<Execution> {
    const row = await this.store.execution(id);
    if (TERMINAL_EXECUTION_STATUSES.includes(row.status)) throw ended(id, row.status);
    await this.store.requestStop(id);
    if (!(await this.store.setExecution(id, 'Stopped', ['Queued'], { ended_at: new Date().toISOString() }))) await this.store.setExecution(id, 'Stopping', ['Executing']);
    this.onChange(id);
    return this.execution(id);
  }

  /**
   * Runs a failed or stopped execution again from where it failed: finished steps keep their
   * outputs; a failed or stopped step that created something runs as its next attempt (a new
   * resource), others start over.
   */
  async retry(id: string): Promise<Execution> {
    const row = await this.store.execution(id);
    if (row.status !== 'Failed' && row.status !== 'Stopped') throw new OrchardError('ORCH_PIPELINE_INVALID', { message: `Execution '${id}' is ${row.status}; only a Failed or Stopped execution can be retried`, details: { id, status: row.status } });
    const now = new Date().toISOString();
    const redo: string[] = [];
    for (const step of await this.store.steps(id)) {
      if (step.status !== 'Failed' && step.status !== 'Stopped') continue;
      if (step.resource) await this.store.putStep({ ...step, status: 'Retrying', next_at: now, failure_code: null, failure_reason: null, caught: 0, ended_at: null, updated_at: now }, [step.status]);
      else if (step.type === 'parallel' || step.type === 'for-each') await this.store.putStep({ ...step, status: 'Executing', failure_code: null, failure_reason: null, ended_at: null, updated_at: now }, [step.status]);
      else redo.push(step.step);
    }
    await this.store.resetSteps(id, redo);
    await this.store.setExecution(id, 'Executing', ['Failed', 'Stopped'], { failure_reason: null, ended_at: null, stop_requested: 0, trigger_json: JSON.stringify({ ...JSON.parse(row.trigger_json), retriedAt: now }) });
    this.onChange(id);
    return this.execution(id);
  }

  /** Answers a wait step's approval; `approve: false` fails the step (and the execution, unless caught). */
  async decide(id: string, answer: { approve: boolean; step?: string; comment?: string }, who: Approver): Promise<Execution> {
    const row = await this.store.execution(id);
    if (TERMINAL_EXECUTION_STATUSES.includes(row.status)) throw ended(id, row.status);
    const waiting = (await this.store.steps(id)).filter((s) => s.status === 'Waiting' && s.type === 'wait' && (JSON.parse(s.inputs_json ?? '{}') as { approval?: unknown }).approval !== undefined);
    const step = answer.step ? waiting.find((s) => s.step === answer.step) : waiting.length === 1 ? waiting[0] : undefined;
    if (!step) {
      const names = waiting.map((s) => s.step);
      throw new OrchardError('ORCH_PIPELINE_NOT_WAITING', { message: answer.step ? `Step '${answer.step}' of execution '${id}' is not waiting for an approval` : names.length === 0 ? `No step of execution '${id}' is waiting for an approval` : `Several steps wait for an approval (${names.join(', ')}): name one with --step`, details: { id, waiting: names } });
    }
    const approval = (JSON.parse(step.inputs_json ?? '{}') as { approval: { role?: string } }).approval;
    if (approval.role && who.role !== approval.role && who.role !== 'admin') {
      throw new OrchardError('ORCH_AUTH_FORBIDDEN', { message: `Step '${step.step}' must be answered by a user with the role '${approval.role}'`, details: { id, step: step.step, role: approval.role } });
    }
    const now = new Date().toISOString();
    const outputs = { approvedBy: answer.approve ? who.name : '', comment: answer.comment ?? '', decidedAt: now };
    const next: StepsTable = answer.approve
      ? { ...step, status: 'Succeeded', outputs_json: JSON.stringify(outputs), ended_at: now, updated_at: now }
      : { ...step, status: 'Failed', outputs_json: JSON.stringify(outputs), failure_code: 'ORCH_PIPELINE_STEP_FAILED', failure_reason: `Rejected by ${who.name}${answer.comment ? `: ${answer.comment}` : ''}`, ended_at: now, updated_at: now };
    if (!(await this.store.putStep(next, ['Waiting']))) throw new OrchardError('ORCH_PIPELINE_NOT_WAITING', { message: `Step '${step.step}' was answered already`, details: { id, step: step.step } });
    this.onChange(id);
    return this.execution(id);
  }
}

function ended(id: string, status: string): OrchardError {
  return new OrchardError('ORCH_PIPELINE_EXECUTION_ENDED', { message: `Execution '${id}' has ended (${status})`, details: { id, status } });
}

function toPipeline(row: PipelinesTable, definition: unknown): Pipeline {
  return { name: row.name, description: row.description, latestVersion: row.latest_version, overlap: row.overlap as Pipeline['overlap'], definition, createdBy: row.created_by, createdAt: row.created_at, updatedAt: row.updated_at };
}

export function toExecution(row: ExecutionsTable, steps: StepsTable[]): Execution {
  const order = (s: StepsTable) => s.started_at ?? s.updated_at;
  return {
    id: row.name,
    pipeline: row.pipeline,
    version: row.version,
    status: row.status as Execution['status'],
    parameters: JSON.parse(row.parameters_json) as Record<string, unknown>,
    trigger: JSON.parse(row.trigger_json) as Record<string, unknown>,
    failureReason: row.failure_reason,
    steps: [...steps].sort((a, b) => order(a).localeCompare(order(b)) || a.step.localeCompare(b.step)).map(toStep),
    createdBy: row.created_by,
    createdAt: row.created_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    updatedAt: row.updated_at,
  };
}

function toStep(s: StepsTable): ExecutionStep {
  return {
    name: s.step,
    type: s.type,
    status: s.status as StepStatus,
    attempts: s.attempts,
    resource: s.resource,
    inputs: s.inputs_json ? JSON.parse(s.inputs_json) : null,
    outputs: s.outputs_json ? (JSON.parse(s.outputs_json) as Record<string, unknown>) : {},
    failureReason: s.failure_reason,
    cacheHit: s.cache_hit === 1,
    startedAt: s.started_at,
    endedAt: s.ended_at,
  };
}

export { executionNotFound };
