/**
 * Hyperband (Li et al. 2018) run asynchronously: each trial is assigned to a bracket,
 * and inside its bracket asynchronous successive halving (ASHA, Li et al. 2020) decides
 * at each rung — steps r·η^k from the bracket's minimum r — whether the trial is in the
 * best 1/η of the trials that reached that rung so far; if not, `shouldStop` says stop.
 * New points come from random search (or TPE over completed trials).
 *
 * Brackets: with R = maxResource / minResource there are ⌊log_η R⌋ + 1 brackets;
 * bracket b starts halving at minResource·η^b (the last one never stops a trial), and
 * receives trials in proportion to Hyperband's configuration counts, by a hash of the
 * trial id alone, so a strategy rebuilt with another seed keeps every trial in its
 * bracket. Until maxResource is known (given, or the longest completed trial) a single
 * bracket is used.
 *
 * Arrival order: ASHA compares a trial with those that reached the rung before it. The
 * decision must survive the strategy being rebuilt for every call, so "before" is read
 * as "created earlier" (a lower trial id), which never changes once a trial has passed;
 * promotions seen by a long-lived instance are remembered as well.
 */
import { RandomSource, STREAM } from './random-source.js';
import { createRandom } from './random-search.js';
import { createTpe } from './tpe.js';
import type { Strategy, StrategyOptions, TrialState } from './types.js';

export interface ResolvedHyperband {
  minResource: number;
  maxResource: number | null;
  reductionFactor: number;
}

export function resolveHyperband(options: StrategyOptions): ResolvedHyperband {
  return {
    minResource: options.hyperband?.minResource ?? 1,
    maxResource: options.hyperband?.maxResource ?? null,
    reductionFactor: options.hyperband?.reductionFactor ?? 3,
  };
}

function lastStep(t: TrialState): number {
  let s = -Infinity;
  for (const p of t.intermediate) if (Number.isFinite(p.value)) s = Math.max(s, p.step);
  return s;
}

/** The value a trial had at resource r: its last finite report at a step ≤ r. */
function valueAt(t: TrialState, r: number): number | undefined {
  let best: { step: number; value: number } | undefined;
  for (const p of t.intermediate) {
    if (p.step <= r && Number.isFinite(p.value) && (!best || p.step >= best.step)) best = p;
  }
  return best?.value;
}

/** Bracket of a trial, weighted like Hyperband's n_s = ⌈(s_max+1)/(s+1)·η^s⌉ (s = s_max − b). */
export function bracketOf(trialId: number, brackets: number, eta: number): number {
  const sMax = brackets - 1;
  const weights = Array.from({ length: brackets }, (_, b) => Math.ceil(((sMax + 1) / (sMax - b + 1)) * Math.pow(eta, sMax - b)));
  return new RandomSource(STREAM.bracket, trialId).choice(weights);
}

export function createHyperband(options: StrategyOptions): Strategy {
  const hb = resolveHyperband(options);
  const eta = hb.reductionFactor;
  // Stopped trials ran for less than the full resource: TPE learns from completed ones only.
  const sampler =
    options.hyperband?.sampler === 'tpe' ? createTpe(options, (t) => t.status === 'completed' && Number.isFinite(t.objective)) : createRandom(options);
  const sign = options.direction === 'maximize' ? -1 : 1;
  /** Rungs a trial has passed: once promoted, ASHA never takes the promotion back. */
  const promoted = new Set<string>();

  const maxResource = (trials: TrialState[]): number | null => {
    if (hb.maxResource !== null) return hb.maxResource;
    let m = -Infinity;
    for (const t of trials) if (t.status === 'completed') m = Math.max(m, lastStep(t));
    return Number.isFinite(m) && m > hb.minResource ? m : null;
  };

  return {
    suggest: (trials) => sampler.suggest(trials),
    shouldStop(trial: TrialState, trials: TrialState[]): boolean {
      if (trial.status !== 'running') return false;
      const step = lastStep(trial);
      if (!Number.isFinite(step)) return false;
      const rMax = maxResource(trials);
      const brackets = rMax === null ? 1 : Math.floor(Math.log(rMax / hb.minResource) / Math.log(eta) + 1e-9) + 1;
      const bracket = bracketOf(trial.id, brackets, eta);
      const start = hb.minResource * Math.pow(eta, bracket);
      if (step < start) return false;
      const rung = Math.floor(Math.log(step / start) / Math.log(eta) + 1e-9);
      const r = start * Math.pow(eta, rung);
      if (rMax !== null && r >= rMax) return false;
      const key = `${trial.id}:${brackets}:${rung}`;
      if (promoted.has(key)) return false;
      const mine = valueAt(trial, r);
      if (mine === undefined) return false;
      const values = [sign * mine];
      for (const t of trials) {
        if (t.id >= trial.id || !(lastStep(t) >= r) || bracketOf(t.id, brackets, eta) !== bracket) continue;
        const v = valueAt(t, r);
        if (v !== undefined) values.push(sign * v);
      }
      values.sort((a, b) => a - b);
      // Optuna's rule: the best ⌊n/η⌋ go on; while fewer than η have arrived, only the best.
      const cut = values[Math.max(0, Math.floor(values.length / eta) - 1)];
      if (sign * mine <= cut) {
        promoted.add(key);
        return false;
      }
      return true;
    },
  };
}
