/**
 * The job's budget (`maxRuntimeSeconds`, creation to the job's end) shared between the
 * candidates and the finalize. The finalize's time is estimated from what the job measured
 * while it ran (its candidates' training seconds on the same data, how many of them the
 * finalize will score, the ensemble); candidates stop launching, and running ones are
 * stopped, early enough to leave it; the finalize then plans what fits in the time left
 * and the finalize thread shrinks its explanations to the deadline. Pure functions: the
 * controller and the finalize job call them with the clock's value.
 */
import type { AutomlCandidatesTable } from './automl-store.js';
import { familyCount, FINALIZE_TOP, finalizeOrder } from './candidates.js';
import type { AutomlAnalysis, AutomlSpec } from './types.js';

export const BUDGET_RULES = {
  /**
   * A finalize's seconds besides its candidates: the queue's pickup, the thread's start, the
   * held-out rows read, the best registered, the reports written, the job recorded. The
   * figures are measured (5,000 rows, cross-validated, 3-4 candidates and the ensemble: 5-8 s
   * of finalize at load 5-9, against candidates of 15-20 training seconds each).
   */
  finalizeFixed: 3,
  /** Scoring a candidate (its models loaded, the held-out rows predicted), as a share of its training seconds. */
  scoreShare: 0.03,
  /** A candidate's importance: this share of its own model's training seconds, at most `importanceMax` (the sample is sized to fit). */
  importanceShare: 0.1,
  importanceMax: 5,
  /** Fetching one training job's model archive and its fitted recipe. */
  downloadSeconds: 0.05,
  /** Stopping the running candidates: until their workers let go and the controller's next pass sees it. */
  stopSeconds: 4,
  /** The estimate times this: the finalize may meet a busier machine than the candidates did. */
  safety: 1.5,
  /** The finalize keeps at most this share of the budget, so a short budget still trains. */
  maxReserveShare: 0.4,
  /** Kept after the finalize's thread answers: the ensemble packed and uploaded, the best registered, the reports written. */
  finalizeTail: 2,
} as const;

/** A completed candidate as the budget sees it. */
export interface MeasuredCandidate {
  /** Seconds its training jobs ran in all (its own and, cross-validating, its folds'). */
  trainingSeconds: number;
  /** Its training jobs: 1, or 1 + folds. */
  jobs: number;
}

/**
 * Seconds the finalize spends on one candidate: its models downloaded and scored (every fold
 * model predicts its fold), and the importance of its own model (one of its jobs).
 */
export function candidateFinalizeSeconds(c: MeasuredCandidate): number {
  const r = BUDGET_RULES;
  const t = Math.max(0, c.trainingSeconds);
  const jobs = Math.max(1, c.jobs);
  return jobs * r.downloadSeconds + r.scoreShare * t + Math.min(r.importanceMax, (r.importanceShare * t) / jobs);
}

/**
 * Seconds the finalize is expected to take for these candidates (those it will score), with
 * the ensemble in mode `ensembling`: its selection is cheap, its importance costs about the
 * dearest member's again. Times the safety factor.
 */
export function finalizeEstimate(scored: readonly MeasuredCandidate[], ensembling: boolean): number {
  const r = BUDGET_RULES;
  const each = scored.map(candidateFinalizeSeconds);
  const ensemble = ensembling && scored.length >= 2 ? Math.max(...each) : 0;
  return r.safety * (r.finalizeFixed + each.reduce((a, b) => a + b, 0) + ensemble);
}

export interface BudgetInput {
  /** The job's creation (epoch ms): the budget runs from there. */
  createdMs: number;
  budgetSeconds: number;
  /**
   * The completed candidates the finalize would score now, in the order it takes them (the
   * best of each family first); at most the finalize's top.
   */
  scored: readonly MeasuredCandidate[];
  /** Candidates the finalize always scores, whatever the time (the best of each family). */
  keep: number;
  ensembling: boolean;
  /** The analysis's finalize estimate (seconds), used while no candidate has completed. */
  priorFinalizeSeconds: number;
  /**
   * While none has completed: the longest-running candidate, its seconds so far standing for
   * its training seconds (at least what its finalize will cost).
   */
  running?: MeasuredCandidate;
}

export interface BudgetPlan {
  /** The job's end at the latest (epoch ms): creation plus the budget. */
  deadline: number;
  /** Seconds kept for the finalize (the estimate, bounded by the budget's share). */
  reserveSeconds: number;
  /** No candidate launches from here, and running ones are stopped once one has completed (epoch ms). */
  tuningEnd: number;
  /**
   * With no candidate completed yet, running ones are let run until here: the finalize of
   * the one candidate to come still fits (epoch ms).
   */
  lastStop: number;
}

/** The budget's split now: when the candidates end, given what the finalize is expected to take. */
export function budgetPlan(input: BudgetInput): BudgetPlan {
  const r = BUDGET_RULES;
  const deadline = input.createdMs + input.budgetSeconds * 1000;
  const cap = r.maxReserveShare * input.budgetSeconds;
  const estimate = input.scored.length > 0 ? finalizeEstimate(input.scored, input.ensembling) : input.priorFinalizeSeconds;
  const reserveSeconds = Math.min(cap, estimate);
  // The least the finalize must do: the best of each family scored and registered, no ensemble
  // (with none completed yet, the running one's, as long as it has run so far).
  const least = input.scored.length > 0 ? finalizeEstimate(input.scored.slice(0, Math.max(1, input.keep)), false) : input.running ? finalizeEstimate([input.running], false) : input.priorFinalizeSeconds;
  const lastReserve = Math.min(cap, least);
  return {
    deadline,
    reserveSeconds,
    tuningEnd: deadline - (reserveSeconds + r.stopSeconds) * 1000,
    lastStop: deadline - (lastReserve + r.stopSeconds) * 1000,
  };
}

/**
 * Whether a candidate launched now is expected to end before the candidates' end: yes while
 * nothing of its kind was measured, else when its expected wall time (launch to end, the
 * median of its family's completed candidates) fits.
 */
export function fitsBeforeEnd(now: number, tuningEnd: number, expectedSeconds: number | null): boolean {
  if (now >= tuningEnd) return false;
  return expectedSeconds === null || now + expectedSeconds * 1000 <= tuningEnd;
}

/** The median of some values, null when there are none. */
export function median(values: readonly number[]): number | null {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

export interface FinalizePlanInput {
  now: number;
  /** When the job must have ended (epoch ms). */
  deadline: number;
  /** The candidates the finalize may score, in its order (the best of each family first). */
  candidates: readonly MeasuredCandidate[];
  /** The first this many are scored whatever the time. */
  keep: number;
  ensembling: boolean;
}

export interface FinalizePlan {
  /** How many of the candidates (the first ones) to download and score. */
  candidates: number;
  /** When the finalize's thread is to answer (epoch ms): the deadline less the registration and reports. */
  threadDeadline: number;
}

/**
 * What the finalize does in the time left: the first `keep` candidates always, then as many
 * more as their expected cost fits (the estimate without its safety factor: the thread
 * itself shrinks importance to its deadline), the ensemble's share kept aside.
 */
export function finalizePlan(input: FinalizePlanInput): FinalizePlan {
  const r = BUDGET_RULES;
  const threadDeadline = input.deadline - r.finalizeTail * 1000;
  const left = (threadDeadline - input.now) / 1000 - (r.finalizeFixed - r.finalizeTail);
  const keep = Math.min(input.candidates.length, Math.max(1, input.keep));
  const costs = input.candidates.map(candidateFinalizeSeconds);
  let spent = costs.slice(0, keep).reduce((a, b) => a + b, 0);
  let n = keep;
  while (n < costs.length) {
    const next = spent + costs[n];
    const ensemble = input.ensembling ? Math.max(...costs.slice(0, n + 1)) : 0;
    if (next + ensemble > left) break;
    spent = next;
    n++;
  }
  return { candidates: n, threadDeadline };
}

/** Training jobs per candidate: its own, and one per fold when the job cross-validates. */
export function jobsPerCandidate(analysis: Pick<AutomlAnalysis, 'validation'>): number {
  return 1 + (analysis.validation.method === 'cv' ? (analysis.validation.folds ?? 5) : 0);
}

/** The completed candidates the finalize would take now, in its order, as the budget sees them. */
export function measuredForFinalize(trained: readonly AutomlCandidatesTable[], spec: Pick<AutomlSpec, 'objective'>, analysis: Pick<AutomlAnalysis, 'problemType' | 'validation'>): { order: AutomlCandidatesTable[]; measured: MeasuredCandidate[] } {
  const order = finalizeOrder(trained, spec, analysis).slice(0, FINALIZE_TOP);
  const jobs = jobsPerCandidate(analysis);
  return { order, measured: order.map((c) => ({ trainingSeconds: Number(c.training_seconds ?? 0), jobs })) };
}

/**
 * A job's budget split now, from its stored candidates (those the finalize would score and
 * their training times), with the finalize's expected seconds.
 */
export function planBudget(spec: Pick<AutomlSpec, 'objective' | 'maxRuntimeSeconds' | 'mode'>, analysis: Pick<AutomlAnalysis, 'problemType' | 'validation' | 'estimate'>, createdMs: number, trained: readonly AutomlCandidatesTable[], now: number): BudgetPlan & { finalizeEstimate: number } {
  const { order, measured } = measuredForFinalize(trained, spec, analysis);
  const ensembling = spec.mode === 'ensembling';
  const jobs = jobsPerCandidate(analysis);
  const oldest = Math.min(...trained.filter((c) => c.status === 'InProgress').map((c) => Date.parse(c.created_at)));
  const running = Number.isFinite(oldest) ? { trainingSeconds: (jobs * Math.max(0, now - oldest)) / 1000, jobs } : undefined;
  const plan = budgetPlan({ createdMs, budgetSeconds: spec.maxRuntimeSeconds, scored: measured, keep: familyCount(order), ensembling, priorFinalizeSeconds: analysis.estimate.finalize, ...(running ? { running } : {}) });
  return { ...plan, finalizeEstimate: measured.length > 0 ? finalizeEstimate(measured, ensembling) : analysis.estimate.finalize };
}
