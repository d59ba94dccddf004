import type { LogLine, SecondaryStatus, SequencedMetricPoint, TrainingJobStatus } from '../../training/index.js';

/** `event: status` of a training job's stream: sent first, then on every change. */
export interface TrainingStatusEvent {
  type: 'status';
  status: TrainingJobStatus;
  secondaryStatus: SecondaryStatus;
  failureReason: string | null;
  updatedAt: string;
}

/** `event: log`: one line of the job's log. */
export interface TrainingLogEvent extends LogLine {
  type: 'log';
}

/** `event: metric`: one metric point (`step` when the algorithm gave one). */
export interface TrainingMetricEvent extends SequencedMetricPoint {
  type: 'metric';
}

/** `event: end`: the job is Completed, Failed or Stopped and everything it wrote was sent. */
export interface TrainingEndEvent {
  type: 'end';
  status: TrainingJobStatus;
  secondaryStatus: SecondaryStatus;
  failureReason: string | null;
}

/** What `GET /api/v1/training-jobs/{name}/events` streams, as the SDK yields it. */
export type TrainingEvent = TrainingStatusEvent | TrainingLogEvent | TrainingMetricEvent | TrainingEndEvent;

/** `event: status` of the platform feed (`GET /api/v1/events`): a job's (or endpoint's…) current status. */
export interface StatusChangeEvent {
  type: 'status';
  /** What changed: `training-job`, `transform-job`, or whatever a source registered. */
  kind: string;
  name: string;
  status: string;
  /** Training jobs only. */
  secondaryStatus?: string;
  failureReason: string | null;
  updatedAt: string;
}

/** The statuses after which a training job changes no more. */
export const TERMINAL_TRAINING_STATUSES: ReadonlySet<string> = new Set(['Completed', 'Failed', 'Stopped']);
