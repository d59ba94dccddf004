// The composition root. `startPlatform` is loaded on first call, so that `orchard worker`
// (which imports this folder for `startWorker`) never loads the HTTP layer.
import type { ResolvedConfig } from '../core/index.js';
import type { Platform } from './start-platform.js';

export { startWorker } from './start-worker.js';
export type { Worker } from './start-worker.js';
export type { Platform } from './start-platform.js';
export type { BootstrapResult } from './bootstrap.js';
export type { PlatformLog } from './platform-log.js';
export type { LostJobOwner } from './lost-jobs.js';

/** Starts `orchard up`: stores, embedded workers, the HTTP API (see `start-platform.ts`). */
export async function startPlatform(config: ResolvedConfig): Promise<Platform> {
  const { startPlatform: start } = await import('./start-platform.js');
  return start(config);
}
