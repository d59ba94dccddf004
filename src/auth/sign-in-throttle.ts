import { OrchardError } from '../core/errors.js';

export interface SignInThrottleOptions {
  /** Failed sign-ins allowed per key within the window. @default 10 */
  maxFailures?: number;
  /** @default 15 minutes */
  windowMs?: number;
  /** Keys remembered at most (oldest dropped first), so a flood cannot exhaust memory. @default 10000 */
  maxKeys?: number;
  now?: () => number;
}

/**
 * Slows password guessing at the sign-in form: after `maxFailures` failed attempts for
 * one user name (or one client address) within the window, further attempts are refused
 * with 429 until the oldest failure leaves the window. A success clears the user's count.
 * In memory, per server: a restart forgets, which is acceptable for a brake on guessing.
 */
export class SignInThrottle {
  private readonly failures = new Map<string, number[]>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(options: SignInThrottleOptions = {}) {
    this.maxFailures = options.maxFailures ?? 10;
    this.windowMs = options.windowMs ?? 15 * 60 * 1000;
    this.maxKeys = options.maxKeys ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Throws `ORCH_AUTH_TOO_MANY_ATTEMPTS` (with `retryAfterSeconds`) when any key is over its limit. */
  check(keys: string[]): void {
    const now = this.now();
    for (const key of keys) {
      const recent = this.recent(key, now);
      if (recent.length >= this.maxFailures) {
        const retryAfterSeconds = Math.max(1, Math.ceil((recent[0] + this.windowMs - now) / 1000));
        throw new OrchardError('ORCH_AUTH_TOO_MANY_ATTEMPTS', { message: `Too many failed sign-ins; try again in ${retryAfterSeconds} s`, details: { retryAfterSeconds } });
      }
    }
  }

  failed(keys: string[]): void {
    const now = this.now();
    for (const key of keys) {
      const recent = this.recent(key, now);
      recent.push(now);
      this.failures.delete(key);
      this.failures.set(key, recent);
    }
    while (this.failures.size > this.maxKeys) this.failures.delete(this.failures.keys().next().value!);
  }

  succeeded(key: string): void {
    this.failures.delete(key);
  }

  private recent(key: string, now: number): number[] {
    return (this.failures.get(key) ?? []).filter((t) => t > now - this.windowMs);
  }
}
