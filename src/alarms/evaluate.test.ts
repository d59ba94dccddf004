import { describe, expect, it } from 'vitest';
import type { AlarmDatapoint } from '../contracts/index.js';
import { breaches, evaluateAlarm, evaluationWindow, slotDatapoints, type AlarmRule } from './evaluate.js';

const rule = (over: Partial<AlarmRule> = {}): AlarmRule => ({ comparison: 'GreaterThanOrEqualToThreshold', threshold: 1, evaluationPeriods: 3, datapointsToAlarm: 2, treatMissingData: 'missing', ...over });
const points = (...values: Array<number | null>): AlarmDatapoint[] => values.map((value, i) => ({ timestamp: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(), value }));

describe('evaluationWindow and slotDatapoints', () => {
  it('covers the last M periods, the running one included, aligned to the period', () => {
    const now = new Date(Date.UTC(2026, 0, 1, 10, 7, 30));
    const w = evaluationWindow(300, 3, now);
    expect(w.starts.map((s) => new Date(s).toISOString())).toEqual(['2026-01-01T09:55:00.000Z', '2026-01-01T10:00:00.000Z', '2026-01-01T10:05:00.000Z']);
    expect(w.since.toISOString()).toBe('2026-01-01T09:55:00.000Z');
    expect(w.until.toISOString()).toBe('2026-01-01T10:10:00.000Z');
  });

  it('puts each datapoint in its period and leaves the others missing', () => {
    const w = evaluationWindow(60, 3, new Date(Date.UTC(2026, 0, 1, 0, 2, 10)));
    const slots = slotDatapoints(w, 60, [
      { timestamp: '2026-01-01T00:02:00.000Z', value: 4 },
      { timestamp: '2026-01-01T00:00:00.000Z', value: 1 },
      // Outside the window: dropped.
      { timestamp: '2025-12-31T23:59:00.000Z', value: 9 },
    ]);
    expect(slots.map((s) => s.value)).toEqual([1, null, 4]);
  });
});

describe('evaluateAlarm: N of M', () => {
  it('alarms when N of the M periods breach, in any order', () => {
    expect(evaluateAlarm(rule(), points(1, 0, 3), 'OK').state).toBe('ALARM');
    expect(evaluateAlarm(rule(), points(5, 2, 0), 'OK').state).toBe('ALARM');
    const ok = evaluateAlarm(rule(), points(0, 0, 3), 'ALARM');
    expect(ok.state).toBe('OK');
    expect(ok.reason).toContain('1 of the last 3 datapoints was greater than or equal to the threshold (1)');
  });

  it('compares as each operator says, at the threshold too', () => {
    expect(breaches(1, 'GreaterThanThreshold', 1)).toBe(false);
    expect(breaches(1, 'GreaterThanOrEqualToThreshold', 1)).toBe(true);
    expect(breaches(1, 'LessThanThreshold', 1)).toBe(false);
    expect(breaches(1, 'LessThanOrEqualToThreshold', 1)).toBe(true);
    expect(breaches(0.5, 'LessThanThreshold', 1)).toBe(true);
  });

  it('names the breaching datapoints in the reason', () => {
    const r = evaluateAlarm(rule({ evaluationPeriods: 1, datapointsToAlarm: 1 }), points(3), 'INSUFFICIENT_DATA');
    expect(r.state).toBe('ALARM');
    expect(r.reason).toContain('[3 (2026-01-01T00:00:00.000Z)]');
  });
});

describe('evaluateAlarm: missing data', () => {
  it('missing: all missing is INSUFFICIENT_DATA; some missing are not counted', () => {
    expect(evaluateAlarm(rule(), points(null, null, null), 'OK').state).toBe('INSUFFICIENT_DATA');
    expect(evaluateAlarm(rule(), points(null, 2, 2), 'OK').state).toBe('ALARM');
    expect(evaluateAlarm(rule(), points(null, null, 2), 'ALARM').state).toBe('OK');
  });

  it('notBreaching: a missing period is within the threshold', () => {
    expect(evaluateAlarm(rule({ treatMissingData: 'notBreaching' }), points(null, null, null), 'ALARM').state).toBe('OK');
    expect(evaluateAlarm(rule({ treatMissingData: 'notBreaching' }), points(null, 5, null), 'ALARM').state).toBe('OK');
  });

  it('breaching: a missing period breaches', () => {
    expect(evaluateAlarm(rule({ treatMissingData: 'breaching' }), points(null, null, null), 'OK').state).toBe('ALARM');
    const r = evaluateAlarm(rule({ treatMissingData: 'breaching' }), points(null, 0, 5), 'OK');
    expect(r.state).toBe('ALARM');
    expect(r.reason).toContain('1 missing, treated as breaching');
    expect(evaluateAlarm(rule({ treatMissingData: 'breaching' }), points(null, 0, 0), 'OK').state).toBe('OK');
  });

  it('ignore: all missing keeps the state; otherwise only the datapoints present count', () => {
    expect(evaluateAlarm(rule({ treatMissingData: 'ignore' }), points(null, null, null), 'ALARM').state).toBe('ALARM');
    expect(evaluateAlarm(rule({ treatMissingData: 'ignore' }), points(null, null, null), 'OK').state).toBe('OK');
    expect(evaluateAlarm(rule({ treatMissingData: 'ignore' }), points(null, 0, null), 'ALARM').state).toBe('OK');
  });
});
