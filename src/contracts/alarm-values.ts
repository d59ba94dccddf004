/**
 * Plain values of the alarm contract (no schema library behind them, as in values.ts): the
 * CLI, the SDK and the evaluator import them at run time without loading TypeBox.
 */
import { METRIC_NAMESPACE_VALUES, METRIC_STAT_VALUES } from './metrics-values.js';

/** Where an alarm is: it starts `INSUFFICIENT_DATA` and moves on each evaluation. */
export const ALARM_STATES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;
export type AlarmState = (typeof ALARM_STATES)[number];

/** CloudWatch's comparison operators: the datapoint on the left, the threshold on the right. */
export const ALARM_COMPARISONS = ['GreaterThanThreshold', 'GreaterThanOrEqualToThreshold', 'LessThanThreshold', 'LessThanOrEqualToThreshold'] as const;
export type AlarmComparison = (typeof ALARM_COMPARISONS)[number];

/**
 * How a period without a datapoint counts (CloudWatch's `TreatMissingData`):
 * - `missing`: not at all; when every period is missing the alarm goes `INSUFFICIENT_DATA`;
 * - `notBreaching`: as within the threshold;
 * - `breaching`: as over it;
 * - `ignore`: not at all; when every period is missing the state is kept.
 */
export const ALARM_MISSING_DATA = ['missing', 'notBreaching', 'breaching', 'ignore'] as const;
export type AlarmMissingData = (typeof ALARM_MISSING_DATA)[number];

/** The namespaces of stored metrics an alarm may watch. */
export const ALARM_NAMESPACES = METRIC_NAMESPACE_VALUES;
export type AlarmNamespace = (typeof ALARM_NAMESPACES)[number];

/** How a period's samples become one datapoint (the metrics query's stats). */
export const ALARM_STATS = METRIC_STAT_VALUES;
export type AlarmStat = (typeof ALARM_STATS)[number];

/**
 * What an action does, written `kind:TARGET`:
 * - `webhook:NAME`: delivers `alarm.state-change` to a registered webhook;
 * - `pipeline:NAME` (optionally `pipeline:NAME?k=v&k2=v2`): starts an execution with those parameters;
 * - `stop-training:JOB`: stops a training job.
 */
export const ALARM_ACTION_KINDS = ['webhook', 'pipeline', 'stop-training'] as const;
export type AlarmActionKind = (typeof ALARM_ACTION_KINDS)[number];

/** The event an alarm's webhook action delivers. */
export const ALARM_EVENT = 'alarm.state-change';

/** Limits of alarms. */
export const ALARM_LIMITS = {
  /** Periods an alarm may look back over (M). */
  evaluationPeriods: 100,
  /** Longest period: a day. */
  periodSeconds: 86_400,
  /** Actions per state. */
  actions: 5,
  /** Transitions kept in an alarm's history. */
  history: 50,
  /** Default evaluation interval of the server's loop (`ORCHARD_ALARM_INTERVAL_MS`). */
  intervalMs: 60_000,
} as const;
