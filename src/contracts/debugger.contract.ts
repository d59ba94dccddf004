/** Debugger: rules on a training job, their statuses, and the job's profiler report. */
import { Type, type Static } from '@sinclair/typebox';
import { RULE_ACTIONS, RULE_LIMITS, RULE_NAME_PATTERN, RULE_STATUSES } from './debugger-values.js';
import { Nullable, StringEnum, Strict, Timestamp } from './common.contract.js';

export const RuleAction = StringEnum(RULE_ACTIONS);
export const RuleStatusName = StringEnum(RULE_STATUSES);

/**
 * A rule a training job is created with. A built-in rule is named by its SageMaker name
 * (`loss_not_decreasing`, …) and takes SageMaker's parameters; a custom rule names a
 * `script` whose source travels with the request.
 */
export const RuleConfig = Strict({
  name: Type.String({ pattern: RULE_NAME_PATTERN }),
  /** @default 'none' */
  action: Type.Optional(RuleAction),
  /** The rule's parameters as SageMaker names them (`num_steps`, `patience`, …); strings or numbers. */
  parameters: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.Union([Type.String({ maxLength: 1024 }), Type.Number(), Type.Boolean()]))),
  /** A custom rule: a Python or JavaScript program reading the metric series as JSON on stdin. */
  script: Type.Optional(
    Strict({
      fileName: Type.String({ pattern: '^[\\w.-]{1,128}\\.(py|js|mjs)$' }),
      source: Type.String({ maxLength: RULE_LIMITS.scriptBytes }),
    }),
  ),
});
export type RuleConfig = Static<typeof RuleConfig>;

export const RuleConfigs = Type.Array(RuleConfig, { maxItems: RULE_LIMITS.rules });

/** A rule's evaluation on a job, as `describe` shows it. */
export const RuleStatus = Type.Object({
  name: Type.String(),
  status: RuleStatusName,
  action: RuleAction,
  message: Nullable(Type.String()),
  updatedAt: Timestamp,
});
export type RuleStatus = Static<typeof RuleStatus>;

/** One utilisation sample of an attempt's processes. */
export const ProfileSample = Type.Object({
  /** Seconds since the attempt started. */
  t: Type.Number(),
  /** CPU percent of one core (200 = two cores busy); null for the first sample. */
  cpuPercent: Nullable(Type.Number()),
  memoryMiB: Type.Number(),
});
export type ProfileSample = Static<typeof ProfileSample>;

export const ProfilePhase = Type.Object({
  name: Type.String(),
  /** Seconds since the attempt started. */
  start: Type.Number(),
  seconds: Type.Number(),
});
export type ProfilePhase = Static<typeof ProfilePhase>;

/** `GET /training-jobs/{name}/profile`: one attempt's utilisation and phases, latest attempt last. */
export const ProfileAttempt = Type.Object({
  attempt: Type.Integer(),
  startedAt: Timestamp,
  /** Seconds between samples. */
  intervalSeconds: Type.Number(),
  samples: Type.Array(ProfileSample),
  phases: Type.Array(ProfilePhase),
  /** Seconds per phase name, summed. */
  totals: Type.Record(Type.String(), Type.Number()),
  cpu: Type.Object({ avgPercent: Nullable(Type.Number()), maxPercent: Nullable(Type.Number()) }),
  memory: Type.Object({ maxMiB: Nullable(Type.Number()) }),
});
export type ProfileAttempt = Static<typeof ProfileAttempt>;

export const TrainingProfile = Type.Object({
  job: Type.String(),
  attempts: Type.Array(ProfileAttempt),
});
export type TrainingProfile = Static<typeof TrainingProfile>;
