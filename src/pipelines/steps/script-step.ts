/**
 * `script`: the step's inline code as a `pipeline-script` queue job whose id is the step's
 * resource (enqueueing an id that exists changes nothing, so a re-entered step finds its
 * job). The step reads the result the job stored beside its resource; a job the queue lost
 * is enqueued again, by the poll and by `requeueLost`. Stopping the step cancels the job,
 * and its worker kills the script's process group.
 */
import type { JobQueue } from '../../jobs/index.js';
import type { ArtifactStore } from '../../storage/index.js';
import type { StepDef } from '../definition/index.js';
import type { PipelineStore } from '../pipeline-store.js';
import { StepFailure, type StepContext, type StepResult, type StepRunner } from '../engine/step-runner.js';
import { enqueueSql, sqlPayloadOf } from './data-steps.js';
import { readJson, type PipelinePorts } from './ports.js';
import { sqlResultKey } from './sql-job.js';
import { PIPELINE_SCRIPT_KIND, SCRIPT_JOB_ATTEMPTS, SCRIPT_TIMEOUT_SECONDS, scriptLogKey, scriptResultKey, type ScriptPayload, type ScriptResult } from './script-job.js';

/** A step's definition by its name, wherever it is nested (a parallel's branch, a for-each's body). */
function findStep(steps: StepDef[], name: string): StepDef | undefined {
  for (const s of steps) {
    if (s.name === name) return s;
    const nested = s.type === 'parallel' ? s.branches.flat() : s.type === 'for-each' ? s.steps : [];
    const found = findStep(nested as StepDef[], name);
    if (found) return found;
  }
  return undefined;
}

/** The step's `timeoutSeconds` (a common field, so not among its inputs), else the default. */
async function timeoutOf(pipelines: Pick<PipelineStore, 'version'>, execution: { pipeline: string; version: number }, step: string): Promise<number> {
  const row = await pipelines.version(execution.pipeline, execution.version);
  const def = JSON.parse(row.definition_json) as { steps: StepDef[] };
  // `loop[2].fit` is the body step `fit`.
  const name = step.slice(step.lastIndexOf('].') === -1 ? 0 : step.lastIndexOf('].') + 2);
  return findStep(def.steps, name)?.timeoutSeconds ?? SCRIPT_TIMEOUT_SECONDS;
}

async function payloadOf(pipelines: Pick<PipelineStore, 'version'>, ctx: Pick<StepContext, 'execution' | 'step' | 'resource' | 'inputs'>): Promise<ScriptPayload> {
  const inputs = ctx.inputs as { language: ScriptPayload['language']; code: string; input?: unknown };
  return { resource: ctx.resource, language: inputs.language, code: inputs.code, input: inputs.input ?? {}, timeoutSeconds: await timeoutOf(pipelines, ctx.execution, ctx.step) };
}

async function enqueue(queue: Pick<JobQueue, 'enqueue'>, payload: ScriptPayload): Promise<void> {
  await queue.enqueue(PIPELINE_SCRIPT_KIND, payload, { jobId: payload.resource, maxAttempts: SCRIPT_JOB_ATTEMPTS, backoffMs: 1000 });
}

function outcome(ctx: StepContext, result: ScriptResult): StepResult {
  if (result.ok) return { status: 'done', outputs: { output: result.output } };
  throw new StepFailure(result.code, `${result.message} (log: ${scriptLogKey(ctx.resource)})`);
}

export const scriptStep: StepRunner<PipelinePorts> = {
  async start(ctx, ports) {
    const stored = await readJson<ScriptResult>(ports.artifacts, scriptResultKey(ctx.resource));
    if (stored) return outcome(ctx, stored);
    await enqueue(ports.queue, await payloadOf(ports.pipelines, ctx));
    return { status: 'running' };
  },
  async poll(ctx, ports) {
    const stored = await readJson<ScriptResult>(ports.artifacts, scriptResultKey(ctx.resource));
    if (stored) return outcome(ctx, stored);
    const job = await ports.queue.get(ctx.resource);
    if (!job) {
      // The queue lost it (a Redis without persistence restarted): the same job again.
      await enqueue(ports.queue, await payloadOf(ports.pipelines, ctx));
      return { status: 'running' };
    }
    // Ended without a stored result: the worker lost it on its last attempt, or it was cancelled.
    if (job.state === 'failed' || job.state === 'cancelled') throw new StepFailure('ORCH_PIPELINE_STEP_FAILED', `script job '${job.id}' ${job.state}${job.lastError ? `: ${job.lastError}` : ''}`);
    return { status: 'running' };
  },
  async stop(ctx, ports) {
    await ports.queue.cancel(ctx.resource).catch(() => undefined);
  },
};

/**
 * Enqueues again the script jobs of running steps that the queue no longer has (the
 * platform's lost-jobs watch calls it, through `stepJobsOwner`, at start and when the
 * queue reports a loss).
 */
export function scriptJobsOwner(store: Pick<PipelineStore, 'active' | 'steps' | 'version'>, queue: Pick<JobQueue, 'enqueue' | 'get'>, artifacts: Pick<ArtifactStore, 'head'>): { requeueLost(): Promise<number> } {
  return stepJobsOwner(store, queue, artifacts, ['script']);
}

/** The step types whose work is a queue job named by the step's resource, and how each is enqueued again. */
const REQUEUE: Record<string, { resultKey(resource: string): string; enqueue(queue: Pick<JobQueue, 'enqueue'>, store: Pick<PipelineStore, 'version'>, ctx: StepContext): Promise<void> }> = {
  script: { resultKey: scriptResultKey, enqueue: async (queue, store, ctx) => enqueue(queue, await payloadOf(store, ctx)) },
  sql: { resultKey: sqlResultKey, enqueue: (queue, _store, ctx) => enqueueSql(queue, sqlPayloadOf(ctx)) },
};

/**
 * Enqueues again the jobs of running script and SQL steps that the queue no longer has
 * (the platform's lost-jobs watch calls it at start and when the queue reports a loss).
 */
export function stepJobsOwner(
  store: Pick<PipelineStore, 'active' | 'steps' | 'version'>,
  queue: Pick<JobQueue, 'enqueue' | 'get'>,
  artifacts: Pick<ArtifactStore, 'head'>,
  types: readonly string[] = Object.keys(REQUEUE),
): { requeueLost(): Promise<number> } {
  return {
    async requeueLost() {
      let requeued = 0;
      for (const exec of await store.active()) {
        if (exec.status !== 'Executing') continue;
        for (const row of await store.steps(exec.name)) {
          const kind = types.includes(row.type) ? REQUEUE[row.type] : undefined;
          if (!kind || !row.resource || (row.status !== 'Starting' && row.status !== 'Executing')) continue;
          // A job the queue forgot after it ended has left its result: nothing to run again.
          if ((await queue.get(row.resource)) || (await artifacts.head(kind.resultKey(row.resource)))) continue;
          const ctx: StepContext = {
            execution: { id: exec.name, pipeline: exec.pipeline, version: exec.version },
            step: row.step,
            resource: row.resource,
            attempt: row.attempts,
            inputs: JSON.parse(row.inputs_json ?? '{}') as Record<string, unknown>,
            createdBy: exec.created_by,
          };
          await kind.enqueue(queue, store, ctx);
          requeued++;
        }
      }
      return requeued;
    },
  };
}
