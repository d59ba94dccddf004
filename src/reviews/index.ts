/**
 * Human review of predictions (Amazon Augmented AI): flow definitions, human loops
 * started by an endpoint's uncertain predictions, leased to reviewers, A2I's output JSON.
 * Other capabilities import only from here.
 */
export { ReviewService, flowArn, outputKey, outputPrefixOf } from './service.js';
export type { ReviewDeps } from './service.js';
export { checkReviewAnswer } from './answers.js';
export { decide, readPredictions } from './prediction.js';
/** The wire shapes of human review are declared once, in the contracts. */
export type { CreateReviewFlowInput, HumanLoop, HumanLoopFilter, ReviewAnswerReceipt, ReviewFlow, ReviewFlowFilter, ReviewTask, StartHumanLoopInput } from '../contracts/index.js';
