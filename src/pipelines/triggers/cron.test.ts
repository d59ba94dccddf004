import { describe, expect, it } from 'vitest';
import { checkCron, nextFire } from './cron.js';

const at = (iso: string) => new Date(iso);
const next = (cron: string, zone: string, after: string) => nextFire(cron, zone, at(after)).toISOString();

describe('cron schedules in a time zone', () => {
  it('fires at the wall-clock time of the zone, weekdays only for 1-5', () => {
    // Friday 2026-01-09 07:00 Paris (06:00Z) is past 06:00 Paris; the next weekday is Monday the 12th.
    expect(next('0 6 * * 1-5', 'Europe/Paris', '2026-01-09T06:00:00Z')).toBe('2026-01-12T05:00:00.000Z');
    expect(next('0 6 * * 1-5', 'Europe/Paris', '2026-01-08T04:00:00Z')).toBe('2026-01-08T05:00:00.000Z');
    // Summer time: 06:00 Paris is 04:00Z.
    expect(next('0 6 * * 1-5', 'Europe/Paris', '2026-07-01T00:00:00Z')).toBe('2026-07-01T04:00:00.000Z');
    expect(next('0 6 * * 1-5', 'UTC', '2026-07-01T00:00:00Z')).toBe('2026-07-01T06:00:00.000Z');
    expect(next('30 9 * * *', 'America/New_York', '2026-01-15T00:00:00Z')).toBe('2026-01-15T14:30:00.000Z');
  });

  it('is strictly after the given time', () => {
    expect(next('* * * * *', 'UTC', '2026-03-01T10:00:00Z')).toBe('2026-03-01T10:01:00.000Z');
    expect(next('* * * * *', 'UTC', '2026-03-01T10:00:30Z')).toBe('2026-03-01T10:01:00.000Z');
  });

  it('on a spring-forward day, a time that does not exist fires after the jump, once', () => {
    // Paris, 2026-03-29: 02:00 CET becomes 03:00 CEST; 02:30 does not exist that day.
    expect(next('30 2 * * *', 'Europe/Paris', '2026-03-28T12:00:00Z')).toBe('2026-03-29T01:30:00.000Z');
    // The day after, 02:30 CEST is 00:30Z.
    expect(next('30 2 * * *', 'Europe/Paris', '2026-03-29T02:00:00Z')).toBe('2026-03-30T00:30:00.000Z');
  });

  it('on a fall-back day, a time that happens twice fires once', () => {
    // Paris, 2026-10-25: 03:00 CEST becomes 02:00 CET; 02:30 happens at 00:30Z and at 01:30Z.
    const first = next('30 2 * * *', 'Europe/Paris', '2026-10-24T12:00:00Z');
    expect(first).toBe('2026-10-25T00:30:00.000Z');
    expect(next('30 2 * * *', 'Europe/Paris', first)).toBe('2026-10-26T01:30:00.000Z');
  });

  it('keeps daily times on the wall clock across the change', () => {
    expect(next('0 6 * * *', 'Europe/Paris', '2026-10-24T05:00:00Z')).toBe('2026-10-25T05:00:00.000Z');
    expect(next('0 6 * * *', 'Europe/Paris', '2026-10-25T05:00:00Z')).toBe('2026-10-26T05:00:00.000Z');
  });

  it('refuses what is not a 5-field expression in a known zone, with ORCH_TRIGGER_INVALID', () => {
    const code = (fn: () => void) => {
      try {
        fn();
      } catch (err) {
        return (err as { code?: string }).code;
      }
      return 'accepted';
    };
    expect(code(() => checkCron('0 6 * * 1-5', 'Europe/Paris'))).toBe('accepted');
    expect(code(() => checkCron('*/5 * * * *', 'UTC'))).toBe('accepted');
    expect(code(() => checkCron('61 * * * *', 'UTC'))).toBe('ORCH_TRIGGER_INVALID');
    expect(code(() => checkCron('0 0 6 * * 1', 'UTC'))).toBe('ORCH_TRIGGER_INVALID');
    expect(code(() => checkCron('every day', 'UTC'))).toBe('ORCH_TRIGGER_INVALID');
    expect(code(() => checkCron('0 6 * * *', 'Mars/Olympus'))).toBe('ORCH_TRIGGER_INVALID');
  });
});
