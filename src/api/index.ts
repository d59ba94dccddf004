export { buildApi } from './server.js';
export type { ApiDeps, ApiOptions } from './server.js';
export { tableStatusSource } from './events/index.js';
