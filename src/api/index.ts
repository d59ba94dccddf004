export { buildApi } from './server.js';
export type { ApiDeps, ApiOptions } from './server.js';
export { eventSource, statusSource } from './events/index.js';
