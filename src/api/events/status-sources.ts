import type { StatusChanges, StatusRow } from '../../storage/index.js';

export type { StatusRow };

/**
 * Something whose status changes the platform feed (`GET /api/v1/events`) reports:
 * training, transform and tuning jobs, endpoints. Each capability reads its own table
 * (its service's `statusChanges`); the platform names the kind.
 *
 * @example
 * // in startPlatform: the endpoints appear in the studio's live lists
 * statusSource('endpoint', endpoints.statusChanges)
 */
export interface StatusSource {
  /** The `kind` of its events, e.g. `training-job`. */
  readonly kind: string;
  /**
   * Rows updated at or after `since` (an ISO time), ordered by (updatedAt, name), after
   * the row `after` when given, at most `limit`.
   */
  changedSince: StatusChanges;
}

/** A feed source of one kind over a capability's `statusChanges`. */
export function statusSource(kind: string, changedSince: StatusChanges): StatusSource {
  return { kind, changedSince };
}
