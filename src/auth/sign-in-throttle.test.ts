import { describe, expect, it } from 'vitest';
import { SignInThrottle } from './sign-in-throttle.js';

describe('SignInThrottle', () => {
  it('refuses a key after too many failures in the window, and lets it in again later', () => {
    let now = 1_000_000;
    const throttle = new SignInThrottle({ maxFailures: 3, windowMs: 60_000, now: () => now });
    for (let i = 0; i < 3; i++) {
      throttle.check(['user:ann']);
      throttle.failed(['user:ann']);
      now += 1000;
    }
    expect(() => throttle.check(['user:ann'])).toThrowError(expect.objectContaining({ code: 'ORCH_AUTH_TOO_MANY_ATTEMPTS', status: 429, details: { retryAfterSeconds: 57 } }));
    expect(() => throttle.check(['user:bob'])).not.toThrow();
    now += 57_000;
    expect(() => throttle.check(['user:ann'])).not.toThrow();
  });

  it('is cleared by a success and limits every key it is given', () => {
    const throttle = new SignInThrottle({ maxFailures: 2 });
    throttle.failed(['user:ann', 'ip:1']);
    throttle.failed(['user:bob', 'ip:1']);
    expect(() => throttle.check(['user:carol', 'ip:1'])).toThrowError(expect.objectContaining({ code: 'ORCH_AUTH_TOO_MANY_ATTEMPTS' }));
    throttle.failed(['user:ann']);
    throttle.succeeded('user:ann');
    expect(() => throttle.check(['user:ann'])).not.toThrow();
  });

  it('remembers a bounded number of keys', () => {
    const throttle = new SignInThrottle({ maxFailures: 1, maxKeys: 2 });
    throttle.failed(['a']);
    throttle.failed(['b']);
    throttle.failed(['c']);
    expect(() => throttle.check(['a'])).not.toThrow();
    expect(() => throttle.check(['c'])).toThrow();
  });
});
