export type {
  ClaimedJob,
  ClaimOptions,
  EnqueueOptions,
  FailInfo,
  FailOutcome,
  JobQueue,
  JobRecord,
  JobState,
  LeaseLostReason,
} from './job-queue.js';
export { JobLeaseLostError, DEFAULT_BACKOFF_MS, DEFAULT_MAX_ATTEMPTS, MAX_PRIORITY, retryDelayMs } from './job-queue.js';
export { openJobQueue } from './open-job-queue.js';
export type { JobQueueDeps } from './open-job-queue.js';
export { createEmbeddedJobQueue } from './embedded-queue.js';
/** In-memory queue for tests; not for production. */
export { createMemoryJobQueue, MemoryJobStore } from './memory-job-queue.js';
export type { BullmqJobQueueOptions } from './bullmq-queue.js';
