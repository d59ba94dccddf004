import { describe, expect, it } from 'vitest';
import type { AutomlCandidatesTable } from './automl-store.js';
import { BUDGET_RULES, budgetPlan, candidateFinalizeSeconds, finalizeEstimate, finalizePlan, fitsBeforeEnd, median, planBudget } from './budget.js';
import type { AutomlAnalysis, AutomlSpec } from './types.js';

const r = BUDGET_RULES;
const T0 = Date.parse('2026-12-04T10:00:00Z');

describe('AutoML budget: the finalize estimate', () => {
  it('costs a candidate its downloads, a share of its training for scoring, and importance up to a cap', () => {
    const small = candidateFinalizeSeconds({ trainingSeconds: 4, jobs: 1 });
    expect(small).toBeCloseTo(r.downloadSeconds + r.scoreShare * 4 + r.importanceShare * 4, 9);
    // A long candidate: scoring grows with it, importance stops at its cap (its sample shrinks instead).
    const large = candidateFinalizeSeconds({ trainingSeconds: 400, jobs: 1 });
    expect(large).toBeCloseTo(r.downloadSeconds + r.scoreShare * 400 + r.importanceMax, 9);
    // Cross-validated: six models to fetch and score, the importance of one of them.
    const cv = candidateFinalizeSeconds({ trainingSeconds: 24, jobs: 6 });
    expect(cv).toBeCloseTo(6 * r.downloadSeconds + r.scoreShare * 24 + r.importanceShare * 4, 9);
  });

  it('adds the fixed part and, ensembling two or more, the dearest member again; times the safety factor', () => {
    const c = [{ trainingSeconds: 10, jobs: 1 }, { trainingSeconds: 30, jobs: 1 }];
    const each = c.map(candidateFinalizeSeconds);
    expect(finalizeEstimate(c, false)).toBeCloseTo(r.safety * (r.finalizeFixed + each[0] + each[1]), 9);
    expect(finalizeEstimate(c, true)).toBeCloseTo(r.safety * (r.finalizeFixed + each[0] + each[1] + each[1]), 9);
    expect(finalizeEstimate(c.slice(0, 1), true)).toBeCloseTo(finalizeEstimate(c.slice(0, 1), false), 9);
  });
});

describe('AutoML budget: when the candidates end', () => {
  const base = { createdMs: T0, budgetSeconds: 600, keep: 1, ensembling: true, priorFinalizeSeconds: 40 };

  it('keeps the finalize its estimate at the end of the budget, the stop included', () => {
    const scored = [{ trainingSeconds: 20, jobs: 1 }, { trainingSeconds: 10, jobs: 1 }, { trainingSeconds: 15, jobs: 1 }];
    const plan = budgetPlan({ ...base, scored });
    expect(plan.deadline).toBe(T0 + 600_000);
    expect(plan.reserveSeconds).toBeCloseTo(finalizeEstimate(scored, true), 9);
    expect(plan.tuningEnd).toBeCloseTo(plan.deadline - (plan.reserveSeconds + r.stopSeconds) * 1000, 3);
    // With none completed the one candidate's finalize is all that must fit: running ones may go on longer.
    expect(plan.lastStop).toBeCloseTo(plan.deadline - (finalizeEstimate(scored.slice(0, 1), false) + r.stopSeconds) * 1000, 3);
    expect(plan.lastStop).toBeGreaterThan(plan.tuningEnd);
    // More candidates to score leave the candidates less time.
    const more = budgetPlan({ ...base, scored: [...scored, ...scored] });
    expect(more.tuningEnd).toBeLessThan(plan.tuningEnd);
  });

  it('uses the analysis estimate before any candidate completed, and never keeps more than its share of a short budget', () => {
    expect(budgetPlan({ ...base, scored: [] }).reserveSeconds).toBe(40);
    expect(budgetPlan({ ...base, scored: [] }).lastStop).toBe(T0 + (600 - 40 - r.stopSeconds) * 1000);
    const short = budgetPlan({ ...base, budgetSeconds: 60, scored: [] });
    expect(short.reserveSeconds).toBeCloseTo(r.maxReserveShare * 60, 9);
    expect(short.tuningEnd).toBeCloseTo(T0 + (60 - r.maxReserveShare * 60 - r.stopSeconds) * 1000, 3);
    const slow = budgetPlan({ ...base, budgetSeconds: 120, scored: Array.from({ length: 10 }, () => ({ trainingSeconds: 300, jobs: 6 })) });
    expect(slow.reserveSeconds).toBeCloseTo(r.maxReserveShare * 120, 9);
  });

  it('launches a candidate only when its family\'s usual time fits before the end', () => {
    const end = T0 + 100_000;
    expect(fitsBeforeEnd(T0, end, null)).toBe(true);
    expect(fitsBeforeEnd(T0, end, 99)).toBe(true);
    expect(fitsBeforeEnd(T0, end, 101)).toBe(false);
    expect(fitsBeforeEnd(end, end, null)).toBe(false);
    expect(median([])).toBeNull();
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('reads the plan from the stored candidates: the ones the finalize will score, with their folds', () => {
    const spec = { objective: 'auc', maxRuntimeSeconds: 300, mode: 'ensembling' } as AutomlSpec;
    const analysis = { problemType: 'binary', validation: { method: 'cv', folds: 5 }, estimate: { featureEngineering: 5, candidate: 10, finalize: 30 } } as AutomlAnalysis;
    const row = (n: number, algorithm: string, variant: string, trained: number | null, status = 'Completed'): AutomlCandidatesTable => ({
      job: 'j', seq: n, name: `j-${n}`, variant, algorithm, training_job: `j-${n}`, params_json: '{}', status, trained_objective: trained, objective: null, metrics_json: '{}',
      importance_json: null, members_json: null, rank: null, training_seconds: 12, failure_reason: null, created_at: new Date(T0).toISOString(), ended_at: null,
    });
    expect(planBudget(spec, analysis, T0, [], T0).finalizeEstimate).toBe(30);
    // None completed: the running candidate may go on until its own finalize (as long as it has run, six jobs) still fits.
    const first = planBudget(spec, analysis, T0, [row(1, 'xgboost', 'trees', null, 'InProgress')], T0 + 40_000);
    expect(first.lastStop).toBeCloseTo(T0 + (300 - finalizeEstimate([{ trainingSeconds: 240, jobs: 6 }], false) - r.stopSeconds) * 1000, 3);
    const rows = [row(1, 'xgboost', 'trees', 0.9), row(2, 'linear-learner', 'linear', 0.8), row(3, 'xgboost', 'trees', null, 'Failed'), row(4, 'xgboost', 'trees', 0.91, 'InProgress')];
    const plan = planBudget(spec, analysis, T0, rows, T0 + 100_000);
    const scored = [{ trainingSeconds: 12, jobs: 6 }, { trainingSeconds: 12, jobs: 6 }];
    expect(plan.finalizeEstimate).toBeCloseTo(finalizeEstimate(scored, true), 9);
    expect(plan.tuningEnd).toBeCloseTo(T0 + (300 - finalizeEstimate(scored, true) - r.stopSeconds) * 1000, 3);
    // Both families' best are kept whatever the time: the latest stop leaves room for both.
    expect(plan.lastStop).toBeCloseTo(T0 + (300 - finalizeEstimate(scored, false) - r.stopSeconds) * 1000, 3);
  });
});

describe('AutoML budget: what the finalize does in the time left', () => {
  const candidates = Array.from({ length: 8 }, () => ({ trainingSeconds: 20, jobs: 1 }));
  const each = candidateFinalizeSeconds(candidates[0]);
  const deadline = T0 + 100_000;

  it('scores every candidate with time to spare', () => {
    const plan = finalizePlan({ now: T0, deadline, candidates, keep: 2, ensembling: true });
    expect(plan).toEqual({ candidates: 8, threadDeadline: deadline - r.finalizeTail * 1000 });
  });

  it('scores as many as fit beside the ensemble, never fewer than each family\'s best', () => {
    // Time for 4 candidates and the ensemble's share beside them.
    const left = 5 * each + 0.5 + (r.finalizeFixed - r.finalizeTail) + r.finalizeTail;
    const plan = finalizePlan({ now: deadline - left * 1000, deadline, candidates, keep: 2, ensembling: true });
    expect(plan.candidates).toBe(4);
    expect(finalizePlan({ now: deadline - left * 1000, deadline, candidates, keep: 2, ensembling: false }).candidates).toBe(5);
    // Past the deadline (a retried finalize, a late queue): the best of each family only.
    expect(finalizePlan({ now: deadline + 1000, deadline, candidates, keep: 2, ensembling: true }).candidates).toBe(2);
    expect(finalizePlan({ now: deadline + 1000, deadline, candidates: candidates.slice(0, 1), keep: 2, ensembling: true }).candidates).toBe(1);
  });
});
