/** The wire shapes of tuning jobs are declared once, in the contracts. */
export type { CreateTuningJobInput, RangeInput, Trial, TuningJob, TuningJobStatus, TuningSpec } from '../contracts/index.js';
