/** Labeling teams: named groups of labelers a labeling job can be given to. */
export { TeamService } from './team-service.js';
export type { TeamDeps } from './team-service.js';
export { TeamStore, ACTIVE_JOB_STATUSES } from './team-store.js';
