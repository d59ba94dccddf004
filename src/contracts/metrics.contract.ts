/**
 * Stored metrics (CloudWatch's role): per-minute samples of endpoints, job attempts and
 * monitors, read back as datapoints per period for one statistic.
 */
import { Type, type Static } from '@sinclair/typebox';
import { StringEnum, Strict } from './common.contract.js';
import { METRIC_JOB_KINDS, METRIC_NAMESPACE_VALUES, METRIC_STAT_VALUES } from './metrics-values.js';

export const MetricNamespaceName = StringEnum(METRIC_NAMESPACE_VALUES);
export const MetricStatName = StringEnum(METRIC_STAT_VALUES);

/**
 * `GET /metrics`: which series (the dimensions given are matched, the rest summed), which
 * metric and statistic, seconds per datapoint, and the window (`since`: a duration back
 * from now like `15m`, `1h`, `2d`, or an ISO time; `until` likewise, default now).
 * The namespace defaults to `endpoint` when `endpoint` is given, `job` when `job` is.
 * Values are checked by the service, so one answer names every problem.
 */
export const MetricsQuery = Strict({
  namespace: Type.Optional(Type.String({ maxLength: 32 })),
  endpoint: Type.Optional(Type.String({ maxLength: 128 })),
  variant: Type.Optional(Type.String({ maxLength: 128 })),
  instance: Type.Optional(Type.String({ maxLength: 128 })),
  job: Type.Optional(Type.String({ maxLength: 128 })),
  kind: Type.Optional(Type.String({ maxLength: 32 })),
  schedule: Type.Optional(Type.String({ maxLength: 128 })),
  feature: Type.Optional(Type.String({ maxLength: 256 })),
  metric: Type.String({ maxLength: 128 }),
  stat: Type.Optional(Type.String({ maxLength: 16 })),
  period: Type.Optional(Type.String({ maxLength: 16 })),
  since: Type.Optional(Type.String({ maxLength: 64 })),
  until: Type.Optional(Type.String({ maxLength: 64 })),
});
export type MetricsQuery = Static<typeof MetricsQuery>;

export const MetricDatapoint = Type.Object({
  /** The period's start, ISO 8601. */
  timestamp: Type.String(),
  value: Type.Number(),
});
export type MetricDatapoint = Static<typeof MetricDatapoint>;

/** Periods without samples are left out. */
export const MetricsAnswer = Type.Object({
  datapoints: Type.Array(MetricDatapoint),
});
export type MetricsAnswer = Static<typeof MetricsAnswer>;

export const MetricJobKind = StringEnum(METRIC_JOB_KINDS);
