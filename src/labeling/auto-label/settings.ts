import type { CreateLabelingJobInput, LabelingJob } from '../../contracts/index.js';
import type { RequestProblem } from '../../core/index.js';
import type { AutoLabelTable } from './auto-label-store.js';
import { roundSize } from './rounds.js';

/** @default 0.95: the accuracy the machine labels must reach on held-out human labels. */
export const DEFAULT_TARGET_ACCURACY = 0.95;
/** @default 0.1: the share of items labeled by people before the first round (and between rounds). */
export const DEFAULT_BATCH_SHARE = 0.1;
/** Each fold of the cross-validation holds out this share of the human labels (5 folds). */
export const HOLDOUT_SHARE = 0.2;

/** The request's automated-labeling problems (added to the others of create). */
export function autoLabelProblems(input: CreateLabelingJobInput, add: (field: string, message: string) => void): void {
  const classification = input.taskType === 'image-classification' || input.taskType === 'text-classification';
  if (!input.autoLabel) {
    if (input.autoLabelAccuracy !== undefined) add('autoLabelAccuracy', 'applies with autoLabel only');
    if (input.autoLabelBatch !== undefined) add('autoLabelBatch', 'applies with autoLabel only');
    return;
  }
  // Single-label and multi-label (one binary model per class) alike.
  if (!classification) add('autoLabel', 'applies to image-classification and text-classification only');
  if (input.labels.length < 2) add('autoLabel', 'needs at least two labels');
}

export function autoLabelRow(input: CreateLabelingJobInput, totalItems: number, now: string): AutoLabelTable {
  const row: AutoLabelTable = {
    job: input.name,
    target_accuracy: input.autoLabelAccuracy ?? DEFAULT_TARGET_ACCURACY,
    batch_share: input.autoLabelBatch ?? DEFAULT_BATCH_SHARE,
    holdout_share: HOLDOUT_SHARE,
    state: 'Idle',
    round: 0,
    next_round_at: 0,
    training_job: null,
    threshold: null,
    expected_correct: 0,
    last_error: null,
    updated_at: now,
  };
  row.next_round_at = roundSize(row, totalItems);
  return row;
}

/** The job's `autoLabel` block of describe. */
export function autoLabelView(row: AutoLabelTable, machineLabeled: number): NonNullable<LabelingJob['autoLabel']> {
  return {
    targetAccuracy: row.target_accuracy,
    batch: row.batch_share,
    state: row.state as 'Idle' | 'Training',
    rounds: row.round,
    trainingJob: row.training_job,
    threshold: row.threshold,
    estimatedAccuracy: machineLabeled > 0 ? Math.round((row.expected_correct / machineLabeled) * 1e4) / 1e4 : null,
    nextRoundAt: row.next_round_at,
    note: row.last_error,
  };
}
