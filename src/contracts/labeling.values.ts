/** Labeling's run-time values (no TypeBox): the SDK and CLI read them without the schemas. */

/** Task types, as `--task` names them. */
export const LABELING_TASK_TYPES = ['image-classification', 'bounding-box', 'polygon', 'text-classification', 'ner', 'verification'] as const;
export type LabelingTaskType = (typeof LABELING_TASK_TYPES)[number];

/**
 * Task types whose items are images (`source-ref`); the others are text (`source`). A
 * `verification` job's items are images or text as the label it verifies is.
 */
export const IMAGE_TASK_TYPES: readonly LabelingTaskType[] = ['image-classification', 'bounding-box', 'polygon'];

/** A job labels while InProgress; Consolidating and Stopping end in Completed and Stopped (with an output), or Failed. */
export const LABELING_JOB_STATUSES = ['InProgress', 'Consolidating', 'Stopping', 'Completed', 'Stopped', 'Failed'] as const;

/** The Ground Truth label types a verification job can show its reviewers (the `-metadata`'s `type`). */
export const VERIFIABLE_LABEL_TYPES = [
  'groundtruth/image-classification',
  'groundtruth/text-classification',
  'groundtruth/image-classification-multilabel',
  'groundtruth/text-classification-multilabel',
  'groundtruth/object-detection',
  'groundtruth/text-span',
  'groundtruth/semantic-segmentation',
] as const;

export const LABELING_LIMITS = {
  items: 100_000,
  labels: 255,
  annotatorsPerItem: 9,
  /** @default lease 600 s */
  leaseSeconds: 86_400,
  defaultLeaseSeconds: 600,
  instructionsChars: 65_536,
  goldItems: 10_000,
  teamMembers: 500,
  /** A reviewer's comment on a verification answer (Ground Truth's `worker-feedback`). */
  commentChars: 2_000,
} as const;
