/** Server-sent events: a training job's stream and the platform's status feed. */
import { Type, type Static } from '@sinclair/typebox';
import { Nullable, Timestamp } from './common.contract.js';
import { StepStatus } from './pipeline.contract.js';
import { LogLine, SecondaryStatus, SequencedMetricPoint, TrainingJobStatus } from './training.contract.js';

/** `event: status` of a training job's stream: sent first, then on every change. */
export const TrainingStatusEvent = Type.Object({
  type: Type.Literal('status'),
  status: TrainingJobStatus,
  secondaryStatus: SecondaryStatus,
  failureReason: Nullable(Type.String()),
  updatedAt: Timestamp,
});
export type TrainingStatusEvent = Static<typeof TrainingStatusEvent>;

/** `event: log`: one line of the job's log. */
export const TrainingLogEvent = Type.Object({ ...LogLine.properties, type: Type.Literal('log') });
export type TrainingLogEvent = Static<typeof TrainingLogEvent>;

/** `event: metric`: one metric point (`step` when the algorithm gave one). */
export const TrainingMetricEvent = Type.Object({ ...SequencedMetricPoint.properties, type: Type.Literal('metric') });
export type TrainingMetricEvent = Static<typeof TrainingMetricEvent>;

/** `event: end`: the job is Completed, Failed or Stopped and everything it wrote was sent. */
export const TrainingEndEvent = Type.Object({
  type: Type.Literal('end'),
  status: TrainingJobStatus,
  secondaryStatus: SecondaryStatus,
  failureReason: Nullable(Type.String()),
});
export type TrainingEndEvent = Static<typeof TrainingEndEvent>;

/** What `GET /api/v1/training-jobs/{name}/events` streams, as the SDK yields it. */
export const TrainingEvent = Type.Union([TrainingStatusEvent, TrainingLogEvent, TrainingMetricEvent, TrainingEndEvent]);
export type TrainingEvent = Static<typeof TrainingEvent>;

/** `event: status` of the platform feed (`GET /api/v1/events`): a job's (or endpoint's…) current status. */
export const StatusChangeEvent = Type.Object({
  type: Type.Literal('status'),
  /** What changed: `training-job`, `transform-job`, or whatever a source registered. */
  kind: Type.String(),
  name: Type.String(),
  status: Type.String(),
  /** Training jobs only. */
  secondaryStatus: Type.Optional(Type.String()),
  failureReason: Nullable(Type.String()),
  updatedAt: Timestamp,
});
export type StatusChangeEvent = Static<typeof StatusChangeEvent>;

/**
 * `event: pipeline-step` of the platform feed: a pipeline step's row changed (its status,
 * attempt or failure). `name` is `<execution>/<step>`, so a reader follows one execution by
 * the prefix `<execution>/`. Sent whenever the row differs from what was sent last: a state
 * shorter than one poll of the feed (a `Starting` followed at once by `Executing`) is folded
 * into the next.
 */
export const PipelineStepEvent = Type.Object({
  type: Type.Literal('pipeline-step'),
  kind: Type.Literal('pipeline-step'),
  name: Type.String(),
  execution: Type.String(),
  pipeline: Type.String(),
  /** The step's key: its name, or `loop[2].train` inside a for-each. */
  step: Type.String(),
  stepType: Type.String(),
  status: StepStatus,
  /** 1 for the first attempt; a retry rule's next attempt counts up (0 before a step starts). */
  attempt: Type.Integer(),
  /** What the step made or makes (`<execution>-<step>[-aN]`). */
  resource: Nullable(Type.String()),
  failureCode: Nullable(Type.String()),
  failureReason: Nullable(Type.String()),
  updatedAt: Timestamp,
});
export type PipelineStepEvent = Static<typeof PipelineStepEvent>;

/** Every event of the platform feed, as the SDK's `events.feed()` yields it. */
export const PlatformEvent = Type.Union([StatusChangeEvent, PipelineStepEvent]);
export type PlatformEvent = Static<typeof PlatformEvent>;
