/** The finalize step of an AutoML job: scores, the ensemble, importance. */
export { finalizeCandidates } from './finalize.js';
export { finalizeInThread } from './finalize-in-thread.js';
export type { FinalizeThreadOptions } from './finalize-in-thread.js';
export type { CandidateScore, FinalizeCandidate, FinalizeInput, FinalizeResult } from './types.js';
