import { OrchardError } from '../../core/errors.js';
import type { MetadataStore } from '../../storage/index.js';
import type { JobQueue } from './job-queue.js';

export interface JobQueueDeps {
  /** Where the embedded queue keeps its jobs. */
  metadata: MetadataStore;
}

type Opener = (url: string, deps: JobQueueDeps) => Promise<JobQueue>;

// Backends load on first use, so the embedded mode never loads BullMQ or a Redis client.
const openers: Record<string, Opener> = {
  'embedded:': async (_url, deps) => (await import('./embedded-queue.js')).createEmbeddedJobQueue(deps.metadata),
  'redis:': async (url) => (await import('./bullmq-queue.js')).createBullmqJobQueue(url),
  'rediss:': async (url) => (await import('./bullmq-queue.js')).createBullmqJobQueue(url),
};

const KNOWN = ['embedded', 'redis://', 'rediss://'];

/**
 * Opens the job queue named by URL: `embedded` (in the metadata database) or
 * `redis://host:port[/db][?prefix=…&stalledIntervalMs=…]` / `rediss://…` (BullMQ).
 *
 * @example
 * const queue = await openJobQueue(process.env.ORCHARD_QUEUE_URL ?? 'embedded', { metadata });
 */
export async function openJobQueue(url: string, deps: JobQueueDeps): Promise<JobQueue> {
  const trimmed = url.trim();
  const scheme = trimmed === 'embedded' ? 'embedded:' : trimmed.slice(0, trimmed.indexOf(':') + 1).toLowerCase();
  const opener = scheme ? openers[scheme] : undefined;
  if (!opener) {
    // Credentials stay out of the message.
    const shown = trimmed.replace(/\/\/[^@/]*@/, '//');
    throw new OrchardError('ORCH_CONFIG_UNKNOWN_SCHEME', {
      message: `Unknown job queue URL '${shown}'; known: ${KNOWN.join(', ')}`,
      details: { known: KNOWN },
    });
  }
  return opener(trimmed, deps);
}
