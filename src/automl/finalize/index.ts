/** The finalize step of an AutoML job: scores, the ensemble, importance. */
export { finalizeCandidates } from './finalize.js';
export type { CandidateScore, FinalizeCandidate, FinalizeInput, FinalizeResult } from './types.js';
