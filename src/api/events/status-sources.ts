import type { StatusChanges, StatusRow } from '../../storage/index.js';

export type { StatusRow };

/**
 * A row a feed source reports: a status row, with the fields of its own event when the
 * source sends one (`event` other than `status`).
 */
export interface FeedRow extends StatusRow {
  /** Sent as they are in the source's own event, and compared: a change in them is a change. */
  fields?: Record<string, unknown>;
}

/** Rows changed at or after `since`, ordered by (updatedAt, name), after `after` when given, at most `limit`. */
export type FeedChanges = (since: string, limit: number, after?: { updatedAt: string; name: string }) => Promise<FeedRow[]>;

/**
 * Something whose status changes the platform feed (`GET /api/v1/events`) reports:
 * training, transform and tuning jobs, endpoints, pipeline steps. Each capability reads
 * its own table (its service's `statusChanges`); the platform names the kind.
 *
 * @example
 * // in startPlatform: the endpoints appear in the studio's live lists
 * statusSource('endpoint', endpoints.statusChanges)
 */
export interface StatusSource {
  /** The `kind` of its events, e.g. `training-job`. */
  readonly kind: string;
  /**
   * The SSE event its rows go out as: `status` (a `StatusChangeEvent`), or a name of its
   * own whose data is `{kind, name, ...fields, status, failureReason, updatedAt}`.
   * @default 'status'
   */
  readonly event?: string;
  /**
   * Rows updated at or after `since` (an ISO time), ordered by (updatedAt, name), after
   * the row `after` when given, at most `limit`. `name` is unique within the kind.
   */
  changedSince: FeedChanges | StatusChanges;
}

/** A feed source of one kind over a capability's `statusChanges`. */
export function statusSource(kind: string, changedSince: StatusChanges): StatusSource {
  return { kind, changedSince };
}

/**
 * A feed source whose rows go out as their own SSE event, named as the kind.
 *
 * @example
 * // in startPlatform: every pipeline step's change, as `event: pipeline-step`
 * eventSource('pipeline-step', pipelines.stepChanges)
 */
export function eventSource(kind: string, changedSince: FeedChanges): StatusSource {
  return { kind, event: kind, changedSince };
}
