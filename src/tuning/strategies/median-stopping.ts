/**
 * The median stopping rule (Golovin et al. 2017, Google Vizier §3.2.2; SageMaker's
 * early stopping type `Auto`): stop a running trial when its best objective so far is
 * worse than the median of the completed trials' running averages up to the same step.
 */
import type { TrialState } from './types.js';

export interface MedianStoppingOptions {
  /** Completed trials needed before any trial is stopped. @default 3 */
  minCompletedTrials?: number;
  /** Intermediate values a trial must have reported before it can be stopped. @default 3 */
  minReports?: number;
}

/**
 * Stop a running trial whose best objective so far at its latest step is worse than the
 * median of completed trials' running averages at that step (requires
 * `minCompletedTrials` completed trials and `minReports` reports of the trial).
 */
export function medianStoppingRule(
  trial: TrialState,
  trials: TrialState[],
  direction: 'maximize' | 'minimize',
  options: MedianStoppingOptions = {},
): boolean {
  const minCompleted = options.minCompletedTrials ?? 3;
  const minReports = options.minReports ?? 3;
  if (trial.status !== 'running') return false;
  const own = trial.intermediate.filter((p) => Number.isFinite(p.value));
  if (own.length < minReports) return false;
  const sign = direction === 'maximize' ? -1 : 1;
  const step = Math.max(...own.map((p) => p.step));
  const best = Math.min(...own.map((p) => sign * p.value));
  const averages: number[] = [];
  for (const t of trials) {
    if (t.status !== 'completed' || t.id === trial.id) continue;
    const upTo = t.intermediate.filter((p) => p.step <= step && Number.isFinite(p.value));
    if (upTo.length === 0) continue;
    averages.push(upTo.reduce((a, p) => a + sign * p.value, 0) / upTo.length);
  }
  if (averages.length < minCompleted) return false;
  averages.sort((a, b) => a - b);
  const mid = averages.length >> 1;
  const median = averages.length % 2 ? averages[mid] : (averages[mid - 1] + averages[mid]) / 2;
  return best > median;
}
