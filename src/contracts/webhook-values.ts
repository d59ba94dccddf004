/**
 * Plain values of the webhook contract (no schema library behind them, as in values.ts):
 * the CLI, the SDK and the delivery worker import them at run time without loading TypeBox.
 */

/** Where a delivery is: `Pending` until an attempt succeeds (`Delivered`) or the last one fails (`Failed`). */
export const WEBHOOK_DELIVERY_STATUSES = ['Pending', 'Delivered', 'Failed'] as const;

/** The event `POST /webhooks/{name}/test` sends; every webhook takes it, whatever its `events`. */
export const WEBHOOK_PING_EVENT = 'ping';

/** An event name: letters, digits, `.`, `_`, `-`, `:`; in a webhook's `events` list a trailing `*` matches any rest. */
export const WEBHOOK_EVENT_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$';

/** Limits of webhooks and deliveries. */
export const WEBHOOK_LIMITS = {
  /** Longest target URL. */
  urlLength: 2048,
  /** Event names one webhook may list. */
  events: 50,
  /** Largest request body sent (the JSON envelope with its payload), bytes. */
  bodyBytes: 256 * 1024,
  /** Attempts of one delivery in all. @default 8 */
  maxAttempts: 8,
  /** Attempts a caller may ask for at most. */
  maxAttemptsLimit: 20,
  /** First retry wait; each next one doubles. @default 1000 */
  backoffMs: 1000,
  /** Longest an attempt may take, redirects included. */
  attemptTimeoutMs: 10_000,
  /** Redirects followed in one attempt. */
  redirects: 5,
} as const;
