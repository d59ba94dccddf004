/**
 * The job-level transitions an instance's outcome and the assembly both make: a job ended
 * with its other instances cancelled, a stopping job that has come to rest, and the
 * assembly queued once every instance has completed.
 */
import type { ProcessingWorkerDeps } from './processing-worker.js';
import type { ProcessingStore } from './processing-store.js';
import { ASSEMBLE_ATTEMPTS, assembleJobId, instanceJobId, PROCESSING_ASSEMBLE_KIND, stagingPrefix } from './types.js';

/** Failures of the job's own making: every attempt would fail alike. */
export const NOT_RETRIED = new Set(['ORCH_PROCESSING_OUTPUT_OUTSIDE', 'ORCH_PROCESSING_OUTPUT_INVALID', 'ORCH_PROCESSING_SOURCE_INVALID', 'ORCH_DATASET_NOT_FOUND', 'ORCH_DATASET_DELETED']);

/**
 * Ends a job that has not ended (Failed, or Stopped by its time limit): the other
 * instances are cancelled (running ones are stopped by their workers) and what they staged
 * is removed, so nothing is registered.
 */
export async function endJob(deps: ProcessingWorkerDeps, store: ProcessingStore, name: string, status: 'Failed' | 'Stopped', reason: string): Promise<void> {
  const ended = await store.end(name, status, { failure_reason: reason.slice(0, 4096) });
  for (const inst of await store.instances(name)) {
    if (inst.status === 'Pending') await store.setInstance(name, Number(inst.instance), 'Stopped', {}, ['Completed', 'Failed', 'Stopped']);
    if (ended) await deps.queue.cancel(instanceJobId(name, Number(inst.instance))).catch(() => undefined);
  }
  await deps.artifacts.deletePrefix(stagingPrefix(name)).catch(() => undefined);
}

/** A stopping job whose instances have all ended is Stopped. */
export async function endIfStopped(deps: ProcessingWorkerDeps, store: ProcessingStore, name: string): Promise<void> {
  const row = await store.row(name);
  if (row.status !== 'Stopping') return;
  const instances = await store.instances(name);
  if (instances.some((i) => i.status === 'InProgress')) return;
  await store.end(name, 'Stopped');
  await deps.artifacts.deletePrefix(stagingPrefix(name)).catch(() => undefined);
}

/** Once every instance has completed, queues the assembly (one queue job per processing job, by its id). */
export async function maybeAssemble(deps: ProcessingWorkerDeps, store: ProcessingStore, name: string): Promise<void> {
  const instances = await store.instances(name);
  if (instances.some((i) => i.status !== 'Completed')) return;
  await deps.queue.enqueue(PROCESSING_ASSEMBLE_KIND, { name }, { jobId: assembleJobId(name), maxAttempts: ASSEMBLE_ATTEMPTS, backoffMs: 1000 });
}
