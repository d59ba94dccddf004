/**
 * Human review of predictions (Amazon Augmented AI): a flow definition names its
 * workforce, task and activation conditions; an endpoint's predictions that meet a
 * condition (or a StartHumanLoop call) become human loops that reviewers lease and
 * answer; a completed loop's output is A2I's JSON in the artifact store.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Nullable, PageQuery, ResourceName, StringEnum, Strict, Timestamp } from './common.contract.js';
import { HUMAN_LOOP_SOURCES, HUMAN_LOOP_STATUSES, REVIEW_LIMITS } from './reviews.values.js';

export const ReviewFlowName = ResourceName(63);
export const HumanLoopName = ResourceName(63);
export const HumanLoopStatus = StringEnum(HUMAN_LOOP_STATUSES);
export type HumanLoopStatus = Static<typeof HumanLoopStatus>;
export const HumanLoopSource = StringEnum(HUMAN_LOOP_SOURCES);

/**
 * When an endpoint's answer goes to people; a loop starts when any condition holds.
 * `confidenceBelow`: the top-class confidence of some record is below it;
 * `labels`: some record's predicted class is one of these; `samplePercent`: a random share.
 */
export const ReviewActivation = Strict({
  confidenceBelow: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
  labels: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { minItems: 1, maxItems: REVIEW_LIMITS.labels })),
  samplePercent: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 100 })),
});
export type ReviewActivation = Static<typeof ReviewActivation>;

/** A flow's automatic export: its completed loops to `dataset`, every `everyLoops` of them. */
export const ReviewAutoExport = Strict({
  dataset: Type.String({ minLength: 1, maxLength: 128 }),
  everyLoops: Type.Integer({ minimum: 1, maximum: 100_000 }),
});
export type ReviewAutoExport = Static<typeof ReviewAutoExport>;

/** `POST /review-flows` (CreateFlowDefinition). */
export const CreateReviewFlowRequest = Strict({
  name: ReviewFlowName,
  /** The endpoint whose predictions are reviewed; without one, loops start only by `POST /human-loops`. */
  endpoint: Type.Optional(Type.String({ minLength: 1, maxLength: 63 })),
  /** The classes a reviewer picks from, in the model's output order (class 0 first). */
  labels: Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { minItems: 1, maxItems: REVIEW_LIMITS.labels }),
  /** Markdown shown to reviewers. */
  instructions: Type.Optional(Type.String({ maxLength: REVIEW_LIMITS.instructionsChars })),
  /** The workforce: these users only (each must hold `labeling:work`). @default every labeler */
  workers: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { minItems: 1, maxItems: REVIEW_LIMITS.workers })),
  /** Distinct reviewers per loop (A2I's TaskCount). @default 1 */
  reviewersPerLoop: Type.Optional(Type.Integer({ minimum: 1, maximum: REVIEW_LIMITS.reviewersPerLoop })),
  /** How long a leased review waits for its answer before it returns to the pool. @default 600 */
  leaseSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: REVIEW_LIMITS.leaseSeconds })),
  /** Required with an endpoint. */
  activation: Type.Optional(ReviewActivation),
  /** Export the completed loops to this dataset on its own, each time `everyLoops` more have completed since its last export. */
  autoExport: Type.Optional(ReviewAutoExport),
});
export type CreateReviewFlowRequest = Static<typeof CreateReviewFlowRequest>;
export type CreateReviewFlowInput = CreateReviewFlowRequest & { createdBy?: string };

export const ReviewFlow = Type.Object({
  name: Type.String(),
  /** `arn:orchard:sagemaker:::flow-definition/<name>`, as written in the output. */
  arn: Type.String(),
  endpoint: Nullable(Type.String()),
  labels: Type.Array(Type.String()),
  instructions: Nullable(Type.String()),
  workers: Nullable(Type.Array(Type.String())),
  reviewersPerLoop: Type.Integer(),
  leaseSeconds: Type.Integer(),
  activation: Nullable(ReviewActivation),
  /** Where completed loops are written: `<outputPrefix>yyyy/mm/dd/hh/mm/ss/<loop>/output.json`. */
  outputPrefix: Type.String(),
  autoExport: Nullable(ReviewAutoExport),
  counts: Type.Object({ inProgress: Type.Integer(), completed: Type.Integer(), stopped: Type.Integer() }),
  createdBy: Nullable(Type.String()),
  createdAt: Timestamp,
});
export type ReviewFlow = Static<typeof ReviewFlow>;

export const ReviewFlowFilter = Strict({ endpoint: Type.Optional(Type.String({ minLength: 1, maxLength: 63 })), ...PageQuery });
export type ReviewFlowFilter = Static<typeof ReviewFlowFilter>;

/** What a loop is about: for an endpoint's, the request and the response (A2I's `inputContent`). */
export const HumanLoopInput = Type.Record(Type.String(), Type.Unknown());

/** `POST /human-loops` (StartHumanLoop): any JSON object for reviewers to judge. */
export const StartHumanLoopRequest = Strict({
  name: HumanLoopName,
  flow: ReviewFlowName,
  inputContent: HumanLoopInput,
});
export type StartHumanLoopRequest = Static<typeof StartHumanLoopRequest>;
export type StartHumanLoopInput = StartHumanLoopRequest & { createdBy?: string };

/** One reviewer's answer (A2I's `humanAnswers[]`). */
export const HumanAnswer = Type.Object({
  answerContent: Type.Record(Type.String(), Type.Unknown()),
  submissionTime: Timestamp,
  timeSpentInSeconds: Type.Number(),
  workerId: Type.String(),
});
export type HumanAnswer = Static<typeof HumanAnswer>;

export const HumanLoop = Type.Object({
  name: Type.String(),
  flow: Type.String(),
  status: HumanLoopStatus,
  /** What started it. */
  source: HumanLoopSource,
  endpoint: Nullable(Type.String()),
  variant: Nullable(Type.String()),
  /** The caller's `X-Amzn-SageMaker-Inference-Id`, when it sent one. */
  inferenceId: Nullable(Type.String()),
  /** The lowest top-class confidence among the response's records. */
  confidence: Nullable(Type.Number()),
  /** The predicted class of that record (a flow label, when the model's output maps to one). */
  predictedLabel: Nullable(Type.String()),
  inputContent: HumanLoopInput,
  humanAnswers: Type.Array(HumanAnswer),
  reviewersPerLoop: Type.Integer(),
  /** The A2I output object's key in the artifact store, once completed. */
  output: Nullable(Type.String()),
  failureReason: Nullable(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  endedAt: Nullable(Timestamp),
});
export type HumanLoop = Static<typeof HumanLoop>;

export const HumanLoopFilter = Strict({
  flow: Type.Optional(ReviewFlowName),
  status: Type.Optional(HumanLoopStatus),
  endpoint: Type.Optional(Type.String({ minLength: 1, maxLength: 63 })),
  ...PageQuery,
});
export type HumanLoopFilter = Static<typeof HumanLoopFilter>;

/** `POST /review-tasks/next`: the next loop for the caller, of one flow or any. */
export const NextReviewTaskRequest = Strict({ flow: Type.Optional(ReviewFlowName) });
export type NextReviewTaskRequest = Static<typeof NextReviewTaskRequest>;

/** A loop leased to the caller: what to judge, the classes to pick from, until when. */
export const ReviewTask = Type.Object({
  loop: Type.String(),
  flow: Type.String(),
  labels: Type.Array(Type.String()),
  instructions: Nullable(Type.String()),
  /** Records in the response (one answer label each); null for a loop started by the API. */
  records: Nullable(Type.Integer()),
  confidence: Nullable(Type.Number()),
  predictedLabel: Nullable(Type.String()),
  inputContent: HumanLoopInput,
  leaseExpiresAt: Timestamp,
});
export type ReviewTask = Static<typeof ReviewTask>;
export const NextReviewTask = Type.Object({ task: Nullable(ReviewTask) });
export type NextReviewTask = Static<typeof NextReviewTask>;

/**
 * `POST /human-loops/{name}/answer`: `{label}` (one record), or `{labels}` one per
 * record; other keys (a comment) are kept in `answerContent` as given.
 */
export const SubmitReviewAnswerRequest = Strict({ answer: Type.Record(Type.String(), Type.Unknown()) });
export type SubmitReviewAnswerRequest = Static<typeof SubmitReviewAnswerRequest>;

export const ReviewAnswerReceipt = Type.Object({
  loop: Type.String(),
  worker: Type.String(),
  duplicate: Type.Boolean(),
  status: HumanLoopStatus,
  answeredAt: Timestamp,
});
export type ReviewAnswerReceipt = Static<typeof ReviewAnswerReceipt>;

/**
 * `POST /review-flows/{name}/export`: the flow's completed loops as a new version of a
 * dataset, for retraining: only loops completed since the last export to that dataset
 * unless `all`, and from `since` on when given.
 */
export const ExportReviewsRequest = Strict({
  dataset: Type.String({ minLength: 1, maxLength: 128 }),
  since: Type.Optional(Timestamp),
  all: Type.Optional(Type.Boolean()),
});
export type ExportReviewsRequest = Static<typeof ExportReviewsRequest>;
export type ExportReviewsInput = ExportReviewsRequest & { createdBy?: string };

export const ReviewExport = Type.Object({
  flow: Type.String(),
  /** `<dataset>@<version>`; null when no loop was left to export. */
  dataset: Nullable(Type.String()),
  version: Nullable(Type.Integer()),
  /** `csv` when every exported request was CSV (SageMaker's training layout), else `jsonl` (an augmented manifest). */
  format: Nullable(Type.Union([Type.Literal('csv'), Type.Literal('jsonl')])),
  loops: Type.Integer(),
  rows: Type.Integer(),
  /** CSV exports: the JSON Lines object with each row's loop, inference id, prediction and review time, in row order. */
  provenance: Nullable(Type.String()),
  /** Loops that gave no row, and why (a binary request, answers that do not cover the records). */
  skipped: Type.Array(Type.Object({ loop: Type.String(), reason: Type.String() })),
  /** The last exported loop's end time: the next export starts after it. */
  through: Nullable(Timestamp),
});
export type ReviewExport = Static<typeof ReviewExport>;
