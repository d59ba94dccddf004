/** Human review's run-time values (no TypeBox): the SDK and CLI read them without the schemas. */

/** A human loop waits for its reviewers while InProgress; it ends Completed (output written) or Stopped. */
export const HUMAN_LOOP_STATUSES = ['InProgress', 'Completed', 'Stopped', 'Failed'] as const;
export type HumanLoopStatus = (typeof HUMAN_LOOP_STATUSES)[number];

/** Why a loop started: the endpoint's prediction met a condition, or StartHumanLoop was called. */
export const HUMAN_LOOP_SOURCES = ['confidence', 'label', 'sample', 'api'] as const;
export type HumanLoopSource = (typeof HUMAN_LOOP_SOURCES)[number];

export const REVIEW_LIMITS = {
  labels: 255,
  /** A2I's TaskCount: distinct reviewers per loop. */
  reviewersPerLoop: 9,
  defaultLeaseSeconds: 600,
  leaseSeconds: 86_400,
  instructionsChars: 65_536,
  workers: 500,
  /** Request and response bodies kept in a loop's input (larger ones are not reviewed). */
  maxPayloadBytes: 256 * 1024,
} as const;
