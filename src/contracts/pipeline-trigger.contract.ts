/**
 * Pipeline triggers (EventBridge rules for SageMaker Pipelines): what starts an execution
 * with no one at the keyboard, and how what fired it becomes the pipeline's parameters.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Nullable, PageQuery, ResourceName, StringEnum, StringRecord, Strict, Timestamp } from './common.contract.js';
import { PipelineName } from './pipeline.contract.js';

/**
 * - `dataset`: a new version of a named dataset;
 * - `crawler`: runs a crawler every `every` and fires when a run registers a new dataset version;
 * - `schedule`: a 5-field cron expression in a time zone;
 * - `registry`: a model package version of a group becomes Approved.
 */
export const TRIGGER_KINDS = ['dataset', 'crawler', 'schedule', 'registry'] as const;
export type TriggerKind = (typeof TRIGGER_KINDS)[number];

/** The fields of each kind's event, which `map` may name (`{"dataset": "dataset"}`). */
export const TRIGGER_EVENT_FIELDS: Readonly<Record<TriggerKind, readonly string[]>> = {
  dataset: ['dataset', 'name', 'version'],
  crawler: ['dataset', 'name', 'version', 'crawler', 'run'],
  schedule: ['scheduledAt', 'firedAt', 'cron', 'timezone'],
  registry: ['package', 'group', 'version', 'model', 'approvedBy'],
};

export const TriggerName = ResourceName(63);
export const TriggerKind = StringEnum(TRIGGER_KINDS);

/** A fixed parameter value: what `--param k=v` gives, or a JSON scalar. */
const FixedValue = Type.Union([Type.String({ maxLength: 4096 }), Type.Number(), Type.Boolean()]);

/** `POST /pipeline-triggers`. Which of the kind's fields are needed is checked by the service. */
export const CreateTriggerRequest = Strict({
  name: TriggerName,
  pipeline: PipelineName,
  kind: TriggerKind,
  /** `dataset`: the dataset's name. */
  dataset: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  /** `crawler`: the crawler's name. */
  crawler: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  /** `crawler`: how often it runs the crawler (`30s`, `5m`, `1h`, `1d`). */
  every: Type.Optional(Type.String({ minLength: 2, maxLength: 20 })),
  /** `schedule`: minute hour day-of-month month day-of-week. */
  cron: Type.Optional(Type.String({ minLength: 9, maxLength: 200 })),
  /** `schedule`: an IANA zone. @default 'UTC' */
  timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  /** `registry`: the model package group. */
  group: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  /** Fixed parameter values, typed by the pipeline's definition. */
  parameters: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 100 }), FixedValue, { maxProperties: 100 })),
  /** Parameter ← a field of the event (`TRIGGER_EVENT_FIELDS`). */
  map: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 100 }), Type.String({ minLength: 1, maxLength: 100 }), { maxProperties: 100 })),
  /** @default true */
  enabled: Type.Optional(Type.Boolean()),
  description: Type.Optional(Type.String({ maxLength: 1024 })),
});
export type CreateTriggerRequest = Static<typeof CreateTriggerRequest>;
export type CreateTriggerInput = CreateTriggerRequest & { createdBy?: string };

export const TriggerFilter = Strict({ pipeline: Type.Optional(PipelineName), ...PageQuery });
export type TriggerFilter = Static<typeof TriggerFilter>;

/** What a kind watches: the create request's fields of that kind. */
export const TriggerSource = Type.Object({
  dataset: Type.Optional(Type.String()),
  crawler: Type.Optional(Type.String()),
  /** `crawler`: the interval as given, and in milliseconds. */
  every: Type.Optional(Type.String()),
  everyMs: Type.Optional(Type.Integer()),
  cron: Type.Optional(Type.String()),
  timezone: Type.Optional(Type.String()),
  group: Type.Optional(Type.String()),
});
export type TriggerSource = Static<typeof TriggerSource>;

export const PipelineTrigger = Type.Object({
  name: Type.String(),
  pipeline: Type.String(),
  kind: TriggerKind,
  source: TriggerSource,
  parameters: Type.Record(Type.String(), Type.Unknown()),
  map: StringRecord,
  enabled: Type.Boolean(),
  description: Nullable(Type.String()),
  /** `schedule`: when it fires next. */
  nextFireAt: Nullable(Timestamp),
  /** The last firing: when, what fired it, and the execution it started. */
  lastFired: Nullable(Type.Object({ at: Timestamp, event: Type.Record(Type.String(), Type.Unknown()), execution: Nullable(Type.String()) })),
  /** The last error the watcher met checking this trigger (cleared by a good check). */
  lastError: Nullable(Type.String()),
  createdBy: Nullable(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type PipelineTrigger = Static<typeof PipelineTrigger>;
