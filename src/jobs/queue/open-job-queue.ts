import { SchemeRegistry, type MetadataStore } from '../../storage/index.js';
import type { JobQueue } from './job-queue.js';

export interface JobQueueDeps {
  /** Where the embedded queue keeps its jobs. */
  metadata: MetadataStore;
}

// Backends load on first use, so the embedded mode never loads BullMQ or a Redis client.
const JOB_QUEUES = new SchemeRegistry<JobQueue, JobQueueDeps>('job queue')
  .register('embedded', async (_url, deps) => (await import('./embedded-queue.js')).createEmbeddedJobQueue(deps.metadata))
  .register('redis:', async (url) => (await import('./bullmq-queue.js')).createBullmqJobQueue(url), { shown: 'redis://' })
  .register('rediss:', async (url) => (await import('./bullmq-queue.js')).createBullmqJobQueue(url), { shown: 'rediss://' });

/**
 * Opens the job queue named by URL: `embedded` (in the metadata database) or
 * `redis://host:port[/db][?prefix=…&stalledIntervalMs=…]` / `rediss://…` (BullMQ).
 *
 * @throws OrchardError `ORCH_CONFIG_UNKNOWN_SCHEME` for any other URL, listing the known ones.
 *
 * @example
 * const queue = await openJobQueue(process.env.ORCHARD_QUEUE_URL ?? 'embedded', { metadata });
 */
export async function openJobQueue(url: string, deps: JobQueueDeps): Promise<JobQueue> {
  return JOB_QUEUES.open(url.trim(), deps);
}
