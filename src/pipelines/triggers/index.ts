export { TriggerService } from './trigger-service.js';
export { TriggerStore } from './trigger-store.js';
export { TriggerWatcher, firingId } from './trigger-watcher.js';
export type { TriggerWatcherOptions } from './trigger-watcher.js';
export type { TriggerPorts } from './ports.js';
export { checkCron, nextFire } from './cron.js';
export { checkMapping, mapParameters, parseEvery } from './mapping.js';
