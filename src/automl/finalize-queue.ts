import type { JobQueue } from '../jobs/index.js';
import { FINALIZE_KIND, finalizeQueueId } from './types.js';

/** Attempts of a finalize job in all. */
const ATTEMPTS = 3;

/** Enqueues a job's finalize (idempotent: one queue entry per AutoML job). */
export async function enqueueFinalize(queue: JobQueue, name: string): Promise<void> {
  await queue.enqueue(FINALIZE_KIND, { name }, { jobId: finalizeQueueId(name), maxAttempts: ATTEMPTS, backoffMs: 2000 });
}
