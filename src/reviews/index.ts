/**
 * Human review of predictions (Amazon Augmented AI): flow definitions, human loops
 * started by an endpoint's uncertain predictions, leased to reviewers, A2I's output JSON.
 * Other capabilities import only from here.
 */
export { ReviewService, flowArn } from './service.js';
export { outputKey } from './loop-records.js';
export { EXPORT_FLOW_TAG, EXPORT_THROUGH_TAG, outputPrefixOf, ReviewExporter } from './exporter.js';
export { consensus, exportRows } from './export.js';
export type { ExportLoop, ExportProvenance, ExportRows } from './export.js';
export type { ReviewDeps } from './service.js';
export { checkReviewAnswer } from './answers.js';
export { decide, readPredictions } from './prediction.js';
/** The wire shapes of human review are declared once, in the contracts. */
export type { CreateReviewFlowInput, ExportReviewsInput, ReviewExport, HumanLoop, HumanLoopFilter, ReviewAnswerReceipt, ReviewFlow, ReviewFlowFilter, ReviewTask, StartHumanLoopInput } from '../contracts/index.js';
