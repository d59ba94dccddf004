/** The wire shapes of experiments and runs are declared once, in the contracts. */
export type { Experiment, ExperimentDetail, Run, RunComparison, RunDetail, RunQuery } from '../contracts/index.js';
