/**
 * Labeling jobs (SageMaker Ground Truth's model): items leased to labelers, answers kept
 * once per (item, labeler), consolidated into an augmented manifest dataset version.
 * Other capabilities import only from here.
 */
export { LabelingService, LABELING_CONSOLIDATE_KIND, consolidationJobId } from './service.js';
export type { LabelingDeps } from './service.js';
export { labelingJobHandler } from './worker.js';
export { autoLabelWake } from './auto-label/index.js';
export type { LabelingWorkerDeps } from './worker.js';
export { readImageHeader } from './image-header.js';
export type { ImageHeader } from './image-header.js';
export { checkAnswer } from './answers.js';
export { consolidate } from './consolidate.js';
export { TeamService } from './teams/index.js';
export { labelToVerify } from './verification.js';
/** The wire shapes of labeling are declared once, in the contracts. */
export type { CreateLabelingJobInput, CreateLabelingTeamInput, LabelingAnswerReceipt, LabelingJob, LabelingJobFilter, LabelingTask, LabelingTeam } from '../contracts/index.js';
