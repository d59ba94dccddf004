/**
 * The AutoML job page's Budget panel: how the job spent `maxRuntimeSeconds` (its `budget`),
 * phase by phase, as rows the page draws. Pure, so it is tested without a browser.
 */
import type { AutomlJob } from '../api/types';

export interface BudgetRow {
  phase: string;
  /** Null while the phase has not ended (or was never reached). */
  seconds: number | null;
  /** `seconds` as a share of the budget (0–1), null with it. */
  share: number | null;
  /** The estimate's row is not time spent: drawn apart. */
  estimate?: boolean;
}

export interface BudgetView {
  maxRuntimeSeconds: number;
  rows: BudgetRow[];
  /** Seconds past the budget, when the job ran over it. */
  overSeconds: number | null;
  /** The finalize took longer than it was expected to. */
  finalizeOverEstimate: boolean;
  /** What the finalize left out to end within the budget: null before it ran, empty when nothing. */
  leftOut: string[] | null;
}

/** Null on a job from before the budget was recorded. */
export function readBudget(job: Pick<AutomlJob, 'budget' | 'maxRuntimeSeconds'>): BudgetView | null {
  const b = job.budget;
  if (!b) return null;
  const max = job.maxRuntimeSeconds;
  const row = (phase: string, seconds: number | undefined, estimate?: boolean): BudgetRow => ({
    phase,
    seconds: seconds ?? null,
    share: seconds === undefined || max <= 0 ? null : seconds / max,
    ...(estimate ? { estimate } : {}),
  });
  return {
    maxRuntimeSeconds: max,
    rows: [
      row('Feature engineering', b.featureEngineeringSeconds),
      row('Tuning', b.tuningSeconds),
      row('Finalize (estimated)', b.finalizeEstimateSeconds, true),
      row('Finalize', b.finalizeSeconds),
      row('Total', b.totalSeconds),
    ],
    overSeconds: b.totalSeconds !== undefined && b.totalSeconds > max ? Math.round((b.totalSeconds - max) * 10) / 10 : null,
    finalizeOverEstimate: b.finalizeSeconds !== undefined && b.finalizeEstimateSeconds !== undefined && b.finalizeSeconds > b.finalizeEstimateSeconds,
    leftOut: b.finalizeDegraded ?? null,
  };
}
