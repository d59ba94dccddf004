/**
 * Labeling jobs (SageMaker Ground Truth's model): a dataset of items (images by
 * `source-ref`, or text rows by `source`) each answered by N labelers under leases, then
 * consolidated (Dawid–Skene and its kin) into an augmented manifest written as a new
 * JSON Lines dataset version.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Nullable, PageQuery, ResourceName, StringEnum, Strict, Timestamp } from './common.contract.js';
import { LABELING_JOB_STATUSES, LABELING_LIMITS, LABELING_TASK_TYPES } from './labeling.values.js';
import { LabelingTeamName } from './labeling-team.contract.js';

export const LabelingJobName = ResourceName(63);
export const LabelingTaskType = StringEnum(LABELING_TASK_TYPES);
export type LabelingTaskType = Static<typeof LabelingTaskType>;
export const LabelingJobStatus = StringEnum(LABELING_JOB_STATUSES);
export type LabelingJobStatus = Static<typeof LabelingJobStatus>;

/** A gold item: an input line (`source` or `source-ref`) and its known answer. */
export const LabelingGoldItem = Type.Object({ answer: Type.Unknown() }, { additionalProperties: true });
export type LabelingGoldItem = Static<typeof LabelingGoldItem>;

/** `POST /labeling-jobs`. */
export const CreateLabelingJobRequest = Strict({
  name: LabelingJobName,
  /** The input manifest: a JSON Lines dataset (`name` or `name@version`), one item per line. */
  dataset: Type.String({ minLength: 1, maxLength: 200 }),
  taskType: LabelingTaskType,
  labels: Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { minItems: 1, maxItems: LABELING_LIMITS.labels }),
  /** Classification only: an item may carry several labels. @default false */
  multiLabel: Type.Optional(Type.Boolean()),
  /** Distinct labelers who answer each item. @default 1 */
  annotatorsPerItem: Type.Optional(Type.Integer({ minimum: 1, maximum: LABELING_LIMITS.annotatorsPerItem })),
  /** How long a leased item waits for its labeler's answer before it returns to the pool. @default 600 */
  leaseSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: LABELING_LIMITS.leaseSeconds })),
  /** Markdown shown to labelers. */
  instructions: Type.Optional(Type.String({ maxLength: LABELING_LIMITS.instructionsChars })),
  /**
   * The label attribute of the output manifest. @default the job's name (`<name>-ref` for polygons)
   * A `verification` job (required): the attribute of the input manifest whose labels are
   * judged; its output attribute is the job's name.
   */
  labelAttribute: Type.Optional(Type.String({ minLength: 1, maxLength: 127 })),
  /**
   * An adjustment job: the input manifest's label attribute whose labels each labeler is
   * handed pre-filled, to correct. The output's `-metadata` gets `adjustment-status`.
   */
  adjustAttribute: Type.Optional(Type.String({ minLength: 1, maxLength: 127 })),
  /** Only the members of this labeling team are handed the job's items. @default every labeler */
  team: Type.Optional(LabelingTeamName),
  /** The dataset the output manifest is written to, as its next version. @default `<name>-labels` */
  outputDataset: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  /** Items with known answers, mixed into the pool to measure each labeler; not in the output. */
  gold: Type.Optional(Type.Array(LabelingGoldItem, { maxItems: LABELING_LIMITS.goldItems })),
  /** Automated labeling: models trained on the human labels label the items they are sure of (single-label classification). @default false */
  autoLabel: Type.Optional(Type.Boolean()),
  /** Automated labeling: the accuracy machine labels must reach on held-out human labels. @default 0.95 */
  autoLabelAccuracy: Type.Optional(Type.Number({ minimum: 0.5, maximum: 0.999 })),
  /** Automated labeling: the share of items labeled by people before each round (at least 10 items). @default 0.1 */
  autoLabelBatch: Type.Optional(Type.Number({ minimum: 0.01, maximum: 0.9 })),
});
export type CreateLabelingJobRequest = Static<typeof CreateLabelingJobRequest>;
export type CreateLabelingJobInput = CreateLabelingJobRequest & { createdBy?: string };

export const LabelingJobFilter = Strict({
  status: Type.Optional(LabelingJobStatus),
  dataset: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  ...PageQuery,
});
export type LabelingJobFilter = Static<typeof LabelingJobFilter>;

/** One labeler's work on a job; gold accuracy once they answered a gold item. */
export const LabelingWorkerStats = Type.Object({
  worker: Type.String(),
  answers: Type.Integer(),
  goldAnswered: Type.Integer(),
  goldCorrect: Type.Integer(),
  goldAccuracy: Nullable(Type.Number()),
  /** Consolidation's estimate (Dawid–Skene's confusion diagonal, weighted), once consolidated. */
  estimatedAccuracy: Nullable(Type.Number()),
});
export type LabelingWorkerStats = Static<typeof LabelingWorkerStats>;

/** Automated labeling's rounds: each trains a model on the human labels and labels the items it is sure of. */
export const LabelingAutoLabel = Type.Object({
  targetAccuracy: Type.Number(),
  /** Share of items labeled by people before each round. */
  batch: Type.Number(),
  /** Training while a round runs, else Idle (waiting for the next batch of human labels). */
  state: StringEnum(['Idle', 'Training'] as const),
  /** Rounds started so far. */
  rounds: Type.Integer(),
  /** The last round's training job (an ordinary training job, listed with the others). */
  trainingJob: Nullable(Type.String()),
  /** The last round's confidence threshold; null when no threshold reached the target. */
  threshold: Nullable(Type.Number()),
  /** Expected accuracy of the machine labels, from the held-out human labels of their rounds. */
  estimatedAccuracy: Nullable(Type.Number()),
  /** Items with all their human answers that start the next round. */
  nextRoundAt: Type.Integer(),
  /** Why the last round labeled nothing or failed, if it did. */
  note: Nullable(Type.String()),
});
export type LabelingAutoLabel = Static<typeof LabelingAutoLabel>;

export const LabelingJob = Type.Object({
  name: Type.String(),
  /** The input dataset version, `name@version`. */
  dataset: Type.String(),
  taskType: LabelingTaskType,
  multiLabel: Type.Boolean(),
  labels: Type.Array(Type.String()),
  annotatorsPerItem: Type.Integer(),
  leaseSeconds: Type.Integer(),
  instructions: Nullable(Type.String()),
  labelAttribute: Type.String(),
  /** A verification job: the input's label attribute its reviewers judge. */
  verifiedAttribute: Nullable(Type.String()),
  /** An adjustment job: the input's label attribute whose labels are pre-filled to correct. */
  adjustAttribute: Type.Optional(Nullable(Type.String())),
  /** The labeling team whose members alone are handed the items; null: every labeler. */
  team: Nullable(Type.String()),
  outputDataset: Type.String(),
  status: LabelingJobStatus,
  failureReason: Nullable(Type.String()),
  counts: Type.Object({
    /** Items to label (gold items apart). */
    total: Type.Integer(),
    /** Items with all their answers (after consolidation: items with a label in the output). */
    labeled: Type.Integer(),
    /** Items labeled by a model (automated labeling), not by people. */
    machineLabeled: Type.Integer(),
    gold: Type.Integer(),
    answers: Type.Integer(),
    /** Leases out now, not yet answered. */
    leased: Type.Integer(),
  }),
  /** The output manifest's dataset version, `name@version`, once written. */
  output: Nullable(Type.String()),
  /** Automated labeling's state, when the job has it. */
  autoLabel: Type.Optional(LabelingAutoLabel),
  workers: Type.Array(LabelingWorkerStats),
  createdBy: Nullable(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  endedAt: Nullable(Timestamp),
});
export type LabelingJob = Static<typeof LabelingJob>;

/**
 * The existing label a verification task shows its reviewer, read from the input line's
 * attribute and `-metadata`: class names, boxes (image pixels) or text spans.
 */
export const LabelToVerify = Type.Object({
  attribute: Type.String(),
  /** Ground Truth's label type, e.g. `groundtruth/object-detection`. */
  type: Type.String(),
  kind: StringEnum(['classes', 'boxes', 'entities', 'mask'] as const),
  /** `classes`: the class name(s) given (several for a multi-label line, none for an empty one). */
  classes: Type.Array(Type.String()),
  boxes: Type.Array(Type.Object({ label: Type.String(), left: Type.Number(), top: Type.Number(), width: Type.Number(), height: Type.Number() })),
  entities: Type.Array(Type.Object({ label: Type.String(), startOffset: Type.Integer(), endOffset: Type.Integer() })),
  /**
   * `mask`: a semantic-segmentation label, the indexed PNG at `ref` (fetched by the labeler
   * from `tasks/{item}/mask`) and its classes by pixel value (BACKGROUND, 0, left out).
   */
  mask: Type.Optional(Type.Object({ ref: Type.String(), classes: Type.Array(Type.Object({ value: Type.Integer(), name: Type.String(), color: Type.String() })) })),
});
export type LabelToVerify = Static<typeof LabelToVerify>;

/** An item leased to the caller: what to label, and until when. */
export const LabelingTask = Type.Object({
  job: Type.String(),
  item: Type.String(),
  taskType: LabelingTaskType,
  multiLabel: Type.Boolean(),
  labels: Type.Array(Type.String()),
  instructions: Nullable(Type.String()),
  /** The input manifest line (`source` or `source-ref` and its other keys). */
  source: Type.Record(Type.String(), Type.Unknown()),
  /** Images: their size, read from the file's header. */
  image: Nullable(Type.Object({ width: Type.Integer(), height: Type.Integer() })),
  /** A verification task: the label to judge (`labels` are then the verdicts). */
  verify: Type.Optional(LabelToVerify),
  /** An adjustment task: the existing label, as an answer of the task's shape, to show pre-filled. */
  adjust: Type.Optional(Type.Object({ attribute: Type.String(), answer: Type.Unknown() })),
  leaseExpiresAt: Timestamp,
});
export type LabelingTask = Static<typeof LabelingTask>;

/** `POST /labeling-jobs/{name}/tasks/next`: the task leased, or null when none is left for the caller. */
export const NextLabelingTask = Type.Object({ task: Nullable(LabelingTask) });
export type NextLabelingTask = Static<typeof NextLabelingTask>;

/**
 * `POST /labeling-jobs/{name}/tasks/{item}/answer`. By task type: `{label}` (or
 * `{labels}` multi-label), `{boxes: [{label, left, top, width, height}]}`,
 * `{polygons: [{label, vertices: [{x, y}]}]}`, `{entities: [{label, startOffset, endOffset}]}`;
 * a verification: `{label: <verdict>, comment?}`.
 */
export const SubmitLabelingAnswerRequest = Strict({ answer: Type.Unknown() });
export type SubmitLabelingAnswerRequest = Static<typeof SubmitLabelingAnswerRequest>;

export const LabelingTaskParams = Strict({ name: LabelingJobName, item: Type.String({ minLength: 1, maxLength: 64 }) });

export const LabelingAnswerReceipt = Type.Object({
  job: Type.String(),
  item: Type.String(),
  worker: Type.String(),
  /** True when this answer had been recorded before (a resubmission changes nothing). */
  duplicate: Type.Boolean(),
  answeredAt: Timestamp,
});
export type LabelingAnswerReceipt = Static<typeof LabelingAnswerReceipt>;

/** `GET /labeling-work`: a running job the caller may take items from, and how far they are. */
export const LabelingWork = Type.Object({
  job: Type.String(),
  taskType: LabelingTaskType,
  multiLabel: Type.Boolean(),
  labels: Type.Array(Type.String()),
  /** Items handed out in all, gold ones included. */
  items: Type.Integer(),
  /** Items the caller answered. */
  answered: Type.Integer(),
  /** The labeling team the job is for (the caller is a member), or null: every labeler. */
  team: Nullable(Type.String()),
  createdAt: Timestamp,
});
export type LabelingWork = Static<typeof LabelingWork>;
