/**
 * `sql`: a SELECT's result as the next version of a dataset (Athena's CTAS), run on a
 * worker as a `pipeline-sql` queue job whose id is the step's resource (enqueueing an id
 * that exists changes nothing, so a re-entered step finds its job). The step reads the
 * outcome the job stored beside its resource; a job the queue lost is enqueued again, by
 * the poll and by the lost-jobs watch. Stopping the step cancels the job.
 */
import type { JobQueue } from '../../jobs/index.js';
import { StepFailure, type StepContext, type StepResult, type StepRunner } from '../engine/step-runner.js';
import { readJson, type PipelinePorts } from './ports.js';
import { PIPELINE_SQL_KIND, SQL_JOB_ATTEMPTS, sqlOutputs, sqlResultKey, taggedVersion, type SqlPayload, type SqlResult } from './sql-job.js';

interface SqlInputs {
  query: string;
  output: string;
  description?: string;
}

export function sqlPayloadOf(ctx: Pick<StepContext, 'execution' | 'resource' | 'inputs' | 'createdBy'>): SqlPayload {
  const inputs = ctx.inputs as unknown as SqlInputs;
  return {
    resource: ctx.resource,
    execution: ctx.execution.id,
    pipeline: ctx.execution.pipeline,
    query: inputs.query,
    output: inputs.output,
    ...(inputs.description !== undefined ? { description: inputs.description } : {}),
    createdBy: ctx.createdBy,
  };
}

export async function enqueueSql(queue: Pick<JobQueue, 'enqueue'>, payload: SqlPayload): Promise<void> {
  await queue.enqueue(PIPELINE_SQL_KIND, payload, { jobId: payload.resource, maxAttempts: SQL_JOB_ATTEMPTS, backoffMs: 1000 });
}

function outcome(result: SqlResult): StepResult {
  if (result.ok) return { status: 'done', outputs: { ...result.outputs } };
  throw new StepFailure(result.code, result.message, result.retryable);
}

export const sqlStep: StepRunner<PipelinePorts> = {
  async start(ctx, ports) {
    const stored = await readJson<SqlResult>(ports.artifacts, sqlResultKey(ctx.resource));
    if (stored) return outcome(stored);
    // Registered in the controller's process by an earlier server (before SQL steps were jobs).
    const made = await taggedVersion(ports.datasets, (ctx.inputs as unknown as SqlInputs).output, ctx.resource);
    if (made) return { status: 'done', outputs: { ...sqlOutputs(made) } };
    await enqueueSql(ports.queue, sqlPayloadOf(ctx));
    return { status: 'running' };
  },
  async poll(ctx, ports) {
    const stored = await readJson<SqlResult>(ports.artifacts, sqlResultKey(ctx.resource));
    if (stored) return outcome(stored);
    const job = await ports.queue.get(ctx.resource);
    if (!job) {
      // The queue lost it (a Redis without persistence restarted): the same job again.
      await enqueueSql(ports.queue, sqlPayloadOf(ctx));
      return { status: 'running' };
    }
    // Ended without a stored outcome: its worker was lost on its last attempt, or it was cancelled.
    if (job.state === 'failed' || job.state === 'cancelled') throw new StepFailure('ORCH_PIPELINE_STEP_FAILED', `sql job '${job.id}' ${job.state}${job.lastError ? `: ${job.lastError}` : ''}`);
    return { status: 'running' };
  },
  async stop(ctx, ports) {
    await ports.queue.cancel(ctx.resource).catch(() => undefined);
  },
};
