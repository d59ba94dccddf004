/**
 * The N-of-M rule of an alarm (CloudWatch's "datapoints to alarm"), as a pure function of
 * the datapoints a metrics query answered: which periods breach, how a period without a
 * datapoint counts (`treatMissingData`), and the state and reason that follow.
 */
import type { AlarmComparison, AlarmMissingData, AlarmState } from '../contracts/alarm-values.js';
import type { AlarmDatapoint } from '../contracts/index.js';
import type { Datapoint } from '../metrics/types.js';

/** The periods an evaluation looks at: M period starts, oldest first, the newest holding `now`. */
export interface EvaluationWindow {
  /** Epoch ms of each period's start (multiples of the period, as the metrics query aligns them). */
  starts: number[];
  since: Date;
  until: Date;
}

/**
 * The last M periods up to `now`. The newest period is the one still running: an error
 * counted a second ago is seen at once, as CloudWatch's newest datapoint is. (A
 * `LessThan…` alarm on a count may see a short newest period: treat it with a longer
 * period or more evaluation periods.)
 */
export function evaluationWindow(periodSeconds: number, evaluationPeriods: number, now: Date): EvaluationWindow {
  const ms = periodSeconds * 1000;
  const last = Math.floor(now.getTime() / ms) * ms;
  const starts = Array.from({ length: evaluationPeriods }, (_, i) => last - (evaluationPeriods - 1 - i) * ms);
  return { starts, since: new Date(starts[0]), until: new Date(last + ms) };
}

/** Each period of the window with its datapoint's value, or null when the query had none. */
export function slotDatapoints(window: EvaluationWindow, periodSeconds: number, datapoints: readonly Datapoint[]): AlarmDatapoint[] {
  const ms = periodSeconds * 1000;
  const first = window.starts[0];
  const values: Array<number | null> = window.starts.map(() => null);
  for (const dp of datapoints) {
    const t = Date.parse(dp.timestamp);
    if (!Number.isFinite(t) || !Number.isFinite(dp.value)) continue;
    const i = Math.floor((t - first) / ms);
    if (i >= 0 && i < values.length) values[i] = dp.value;
  }
  return window.starts.map((start, i) => ({ timestamp: new Date(start).toISOString(), value: values[i] }));
}

export function breaches(value: number, comparison: AlarmComparison, threshold: number): boolean {
  switch (comparison) {
    case 'GreaterThanThreshold':
      return value > threshold;
    case 'GreaterThanOrEqualToThreshold':
      return value >= threshold;
    case 'LessThanThreshold':
      return value < threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= threshold;
  }
}

const WORDS: Record<AlarmComparison, string> = {
  GreaterThanThreshold: 'greater than',
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
};

export interface AlarmRule {
  comparison: AlarmComparison;
  threshold: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  treatMissingData: AlarmMissingData;
}

export interface Evaluation {
  state: AlarmState;
  reason: string;
}

/**
 * The state the datapoints give (one per period of the window, oldest first):
 * - ALARM when at least N periods breach; a missing period breaches under `breaching`;
 * - else, when every period is missing: INSUFFICIENT_DATA under `missing`, the current
 *   state kept under `ignore` (under `notBreaching` it is OK, under `breaching` ALARM);
 * - else OK.
 */
export function evaluateAlarm(rule: AlarmRule, datapoints: readonly AlarmDatapoint[], current: AlarmState): Evaluation {
  const present = datapoints.filter((d) => d.value !== null);
  const missing = datapoints.length - present.length;
  const breached = present.filter((d) => breaches(d.value!, rule.comparison, rule.threshold));
  const missingBreach = rule.treatMissingData === 'breaching' ? missing : 0;
  const count = breached.length + missingBreach;
  const of = `the last ${rule.evaluationPeriods} ${rule.evaluationPeriods === 1 ? 'datapoint' : 'datapoints'}`;
  const shown = breached.map((d) => `${formatValue(d.value!)} (${d.timestamp})`).join(', ');
  const missingNote = missing > 0 ? `; ${missing} missing, treated as ${rule.treatMissingData}` : '';
  if (count >= rule.datapointsToAlarm) {
    const what = breached.length > 0 ? ` [${shown}]` : '';
    return { state: 'ALARM', reason: `Threshold crossed: ${count} of ${of}${what} ${count === 1 ? 'was' : 'were'} ${WORDS[rule.comparison]} the threshold (${formatValue(rule.threshold)}); ${rule.datapointsToAlarm} needed for ALARM${missingNote}` };
  }
  if (present.length === 0) {
    if (rule.treatMissingData === 'missing') return { state: 'INSUFFICIENT_DATA', reason: `No datapoints in ${of}` };
    if (rule.treatMissingData === 'ignore') return { state: current, reason: `No datapoints in ${of}; the state is kept (treatMissingData: ignore)` };
  }
  return { state: 'OK', reason: `Threshold not crossed: ${count} of ${of} ${count === 1 ? 'was' : 'were'} ${WORDS[rule.comparison]} the threshold (${formatValue(rule.threshold)}); ${rule.datapointsToAlarm} needed for ALARM${missingNote}` };
}

function formatValue(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
}
