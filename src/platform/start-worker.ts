import type { ResolvedConfig } from '../core/index.js';
import { openCore, startJobWorkers } from './core.js';
import { stderrLog } from './platform-log.js';

/** A running `orchard worker`. */
export interface Worker {
  close(): Promise<void>;
}

/**
 * A fleet worker (`orchard worker`): the same stores and job workers as the server, no
 * HTTP API. Point it at the shared PostgreSQL, S3 store and Redis queue. This module
 * must not import `src/api` (nor Fastify): a worker starts without the HTTP layer.
 */
export async function startWorker(config: ResolvedConfig): Promise<Worker> {
  const core = await openCore(config);
  try {
    await startJobWorkers(core, config, stderrLog());
    return { close: core.close };
  } catch (err) {
    await core.close();
    throw err;
  }
}
