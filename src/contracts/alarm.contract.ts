/**
 * Alarms (CloudWatch alarms' model): a threshold on a stored metric over N of M periods,
 * a state that moves between OK, ALARM and INSUFFICIENT_DATA, and actions run once per
 * transition (a signed webhook delivery, a pipeline execution, a training job stopped).
 */
import { Type, type Static } from '@sinclair/typebox';
import { MapOf, Nullable, PageQuery, ResourceName, StringEnum, StringRecord, Strict, Timestamp } from './common.contract.js';
import { ALARM_COMPARISONS, ALARM_LIMITS, ALARM_MISSING_DATA, ALARM_NAMESPACES, ALARM_STATES, ALARM_STATS } from './alarm-values.js';

export const AlarmName = ResourceName(63);
export const AlarmState = StringEnum(ALARM_STATES);
export const AlarmComparison = StringEnum(ALARM_COMPARISONS);
export const AlarmMissingData = StringEnum(ALARM_MISSING_DATA);
export const AlarmNamespace = StringEnum(ALARM_NAMESPACES);
export const AlarmStat = StringEnum(ALARM_STATS);
export type AlarmState = Static<typeof AlarmState>;
export type AlarmComparison = Static<typeof AlarmComparison>;
export type AlarmMissingData = Static<typeof AlarmMissingData>;
export type AlarmNamespace = Static<typeof AlarmNamespace>;
export type AlarmStat = Static<typeof AlarmStat>;

/** `webhook:NAME`, `pipeline:NAME[?k=v&…]` or `stop-training:JOB` (checked by the service). */
export const AlarmAction = Type.String({ minLength: 3, maxLength: 2048 });
const AlarmActions = Type.Array(AlarmAction, { maxItems: ALARM_LIMITS.actions });

/** `POST /alarms`. */
export const CreateAlarmRequest = Strict({
  name: AlarmName,
  description: Type.Optional(Type.String({ maxLength: 1024 })),
  /** The metric watched: its namespace, name and dimensions, e.g. `{endpoint: 'ep', variant: 'AllTraffic'}`. */
  namespace: AlarmNamespace,
  metric: Type.String({ minLength: 1, maxLength: 255 }),
  /** Every series whose dimensions include these is summed into the datapoints. */
  dimensions: MapOf(Type.String({ minLength: 1, maxLength: 256 }), { maxProperties: 10 }),
  stat: AlarmStat,
  /** Seconds per datapoint, a multiple of 60 up to a day. */
  period: Type.Integer({ minimum: 1 }),
  threshold: Type.Number(),
  comparison: AlarmComparison,
  /** M: the periods looked at, the newest one (still running) included. */
  evaluationPeriods: Type.Integer({ minimum: 1, maximum: ALARM_LIMITS.evaluationPeriods }),
  /** N of the M periods must breach for ALARM. @default evaluationPeriods */
  datapointsToAlarm: Type.Optional(Type.Integer({ minimum: 1, maximum: ALARM_LIMITS.evaluationPeriods })),
  /** @default 'missing' */
  treatMissingData: Type.Optional(AlarmMissingData),
  /** Run when the alarm goes to ALARM. */
  actions: Type.Optional(AlarmActions),
  /** Run when the alarm goes from ALARM back to OK. */
  okActions: Type.Optional(AlarmActions),
  /** @default true */
  enabled: Type.Optional(Type.Boolean()),
});
export type CreateAlarmRequest = Static<typeof CreateAlarmRequest>;
export type CreateAlarmInput = CreateAlarmRequest & { createdBy?: string };

export const AlarmFilter = Strict({
  state: Type.Optional(AlarmState),
  namespace: Type.Optional(AlarmNamespace),
  /** Alarms on this endpoint (its `endpoint` dimension). */
  endpoint: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  ...PageQuery,
});
export type AlarmFilter = Static<typeof AlarmFilter>;

/** One period of an evaluation: its start and value (null when it had no datapoint). */
export const AlarmDatapoint = Type.Object({ timestamp: Timestamp, value: Nullable(Type.Number()) });
export type AlarmDatapoint = Static<typeof AlarmDatapoint>;

/** What one action of a transition did. */
export const AlarmActionResult = Type.Object({
  action: Type.String(),
  status: StringEnum(['Pending', 'Done', 'Failed'] as const),
  /** What it made: a webhook delivery's id, a pipeline execution's id, the stopped job. */
  resource: Nullable(Type.String()),
  error: Nullable(Type.String()),
});
export type AlarmActionResult = Static<typeof AlarmActionResult>;

/** One state change, with the datapoints that caused it and what its actions did. */
export const AlarmTransition = Type.Object({
  id: Type.String(),
  at: Timestamp,
  from: AlarmState,
  to: AlarmState,
  reason: Type.String(),
  datapoints: Type.Array(AlarmDatapoint),
  actions: Type.Array(AlarmActionResult),
});
export type AlarmTransition = Static<typeof AlarmTransition>;

export const Alarm = Type.Object({
  name: Type.String(),
  description: Nullable(Type.String()),
  namespace: AlarmNamespace,
  metric: Type.String(),
  dimensions: StringRecord,
  stat: AlarmStat,
  period: Type.Integer(),
  threshold: Type.Number(),
  comparison: AlarmComparison,
  evaluationPeriods: Type.Integer(),
  datapointsToAlarm: Type.Integer(),
  treatMissingData: AlarmMissingData,
  actions: Type.Array(Type.String()),
  okActions: Type.Array(Type.String()),
  enabled: Type.Boolean(),
  state: AlarmState,
  stateReason: Type.String(),
  stateUpdatedAt: Timestamp,
  /** When the alarm was last evaluated, and the datapoints it saw then. */
  lastEvaluatedAt: Nullable(Timestamp),
  lastDatapoints: Type.Array(AlarmDatapoint),
  /** The latest transitions, newest first (at most 50 are kept). */
  history: Type.Array(AlarmTransition),
  createdBy: Nullable(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Alarm = Static<typeof Alarm>;
