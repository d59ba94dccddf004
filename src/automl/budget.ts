/**
 * The budget check made before a job is stored: a rough cost of each phase from the
 * table's size. The fixed parts are what a recipe job, a training job and the finalize
 * job take on this platform whatever the data (queueing, process start, DuckDB, upload);
 * the per-cell parts are the work: recipe passes, boosting rounds, scoring.
 */
export interface BudgetEstimate {
  featureEngineering: number;
  candidate: number;
  finalize: number;
}

const FIXED = { featureEngineering: 20, candidate: 15, finalize: 10 };
const PER_CELL = { featureEngineering: 3e-6, candidate: 2e-5, finalize: 5e-6 };

/** Seconds each phase is expected to take for `rows` × `features` cells. */
export function estimateCost(rows: number, features: number): BudgetEstimate {
  const cells = Math.max(0, rows) * Math.max(1, features);
  return {
    featureEngineering: round(FIXED.featureEngineering + PER_CELL.featureEngineering * cells),
    candidate: round(FIXED.candidate + PER_CELL.candidate * cells),
    finalize: round(FIXED.finalize + PER_CELL.finalize * cells),
  };
}

/** The least budget that fits the analysis, one candidate and the finalize. */
export function minimumBudget(e: BudgetEstimate): number {
  return Math.ceil(e.featureEngineering + e.candidate + e.finalize);
}

/** Candidates stop launching once this share of the budget is used: the rest is the finalize's. */
export const TUNING_SHARE = 0.75;

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
