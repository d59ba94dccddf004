export { startPlatform, startWorker } from './platform.js';
export type { Platform } from './platform.js';
export { buildApi } from './server.js';
export type { ApiDeps, ApiOptions } from './server.js';
