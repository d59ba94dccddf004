/**
 * Automated labeling (Ground Truth's active learning) for image and text classification,
 * single- and multi-label: rounds that train a model on the human labels as an ordinary
 * training job (one binary model per class for multi-label), choose a confidence threshold
 * on held-out labels, and label the items the model is sure of. Used by the labeling
 * service and worker only.
 */
export { AutoLabelStore } from './auto-label-store.js';
export type { AutoLabelTable, MachineLabelsTable } from './auto-label-store.js';
export { autoLabelWake, LABELING_AUTO_KIND, MIN_ROUND_ITEMS, maybeStartRound, roundSize, roundTrainingJob, runAutoLabelStep } from './rounds.js';
export type { AutoLabelDeps, AutoLabelPayload } from './rounds.js';
export { autoLabelProblems, autoLabelRow, autoLabelView, DEFAULT_BATCH_SHARE, DEFAULT_TARGET_ACCURACY, HOLDOUT_SHARE } from './settings.js';
export { withMachineLines } from './machine-lines.js';
export { chooseThreshold } from './threshold.js';
export { multiLabelDecision } from './multi-label.js';
export type { MultiLabelDecision } from './multi-label.js';
export type { ThresholdChoice } from './threshold.js';
export { decodeGreyImage } from './grey-image.js';
export type { GreyImage } from './grey-image.js';
export { fitTextFeaturizer, imageRow, textRow } from './features.js';
export type { Featurizer } from './features.js';
