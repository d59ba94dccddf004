/**
 * What a model learns from: finished trials with a finite objective (this job's and
 * the warm-start parents'), turned into losses to minimise; running trials as pending
 * points; and every point tried so far (failed ones included) to avoid repeats.
 */
import { RandomSource, STREAM } from './random-source.js';
import type { SearchSpace } from './search-space.js';
import type { ParamValues, TrialState } from './types.js';

export interface Observation {
  params: ParamValues;
  unit: Float64Array;
  /** The objective in minimisation sense (negated when maximising). */
  loss: number;
}

export interface History {
  observed: Observation[];
  /** Unit points of running trials. */
  pending: Float64Array[];
  /** Keys of every point tried, in this job or a parent. */
  seen: Set<string>;
  /** Observations that came from warm-start parents. */
  warmObserved: number;
}

export function isObservation(t: TrialState): boolean {
  return (t.status === 'completed' || t.status === 'stopped') && typeof t.objective === 'number' && Number.isFinite(t.objective);
}

export function collectHistory(
  space: SearchSpace,
  trials: readonly TrialState[],
  warmStart: readonly TrialState[] | undefined,
  direction: 'maximize' | 'minimize',
): History {
  const sign = direction === 'maximize' ? -1 : 1;
  const observed: Observation[] = [];
  const pending: Float64Array[] = [];
  const seen = new Set<string>();
  let warmObserved = 0;
  const add = (t: TrialState, warm: boolean) => {
    seen.add(space.key(t.params));
    const unit = space.toUnit(t.params);
    if (!unit) return;
    if (isObservation(t)) {
      observed.push({ params: t.params, unit, loss: sign * (t.objective as number) });
      if (warm) warmObserved++;
    } else if (t.status === 'running' && !warm) {
      pending.push(unit);
    }
  };
  for (const t of warmStart ?? []) add(t, true);
  for (const t of trials) add(t, false);
  return { observed, pending, seen, warmObserved };
}

/**
 * Point `index` of a Kronecker (R_d) low-discrepancy sequence with a seeded shift
 * (Roberts 2018: α_j = φ_d^−j, φ_d the real root of x^{d+1} = x + 1).
 */
export function designPoint(space: SearchSpace, seed: number, index: number): Float64Array {
  const d = space.size;
  let phi = 2;
  for (let i = 0; i < 30; i++) phi = Math.pow(1 + phi, 1 / (d + 1));
  const rng = new RandomSource(seed, STREAM.design);
  const u = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    const alpha = Math.pow(1 / phi, j + 1);
    const v = rng.uniform() + (index + 1) * alpha;
    u[j] = v - Math.floor(v);
  }
  return space.snap(u);
}

/** A uniformly random point not in `seen` (a few tries), else null. */
export function randomUnseen(space: SearchSpace, rng: RandomSource, seen: Set<string>, tries = 64): ParamValues | null {
  for (let i = 0; i < tries; i++) {
    const p = space.decode(space.sampleUnit(rng));
    if (!seen.has(space.key(p))) return p;
  }
  return null;
}

/**
 * A point not in `seen`: random draws first, then (finite spaces) the first untried
 * grid point from a random offset; null when every point has been tried.
 */
export function anyUnseen(space: SearchSpace, rng: RandomSource, seen: Set<string>): ParamValues | null {
  const p = randomUnseen(space, rng, seen, 256);
  if (p) return p;
  const count = space.cardinality();
  if (!Number.isFinite(count)) return space.decode(space.sampleUnit(rng));
  const start = rng.int(count);
  for (let i = 0; i < count; i++) {
    const q = gridPoint(space, (start + i) % count);
    if (!seen.has(space.key(q))) return q;
  }
  return null;
}

/** Whether every point of a finite space has been tried. */
export function exhausted(space: SearchSpace, seen: Set<string>): boolean {
  const c = space.cardinality();
  return Number.isFinite(c) && seen.size >= c && allSeen(space, seen, c);
}

/** Checks by enumeration (only reached when seen.size ≥ the space size). */
function allSeen(space: SearchSpace, seen: Set<string>, count: number): boolean {
  for (let idx = 0; idx < count; idx++) if (!seen.has(space.key(gridPoint(space, idx)))) return false;
  return true;
}

/** The idx-th point of the grid in mixed-radix order: the first parameter varies slowest. */
export function gridPoint(space: SearchSpace, idx: number): ParamValues {
  const out: ParamValues = {};
  let rest = idx;
  for (let i = space.axes.length - 1; i >= 0; i--) {
    const a = space.axes[i];
    const k = a.kind === 'categorical' ? a.values.length : a.max - a.min + 1;
    const j = rest % k;
    rest = Math.floor(rest / k);
    out[a.name] = a.kind === 'categorical' ? a.values[j] : a.min + j;
  }
  // Keep the ranges' order in the object.
  const ordered: ParamValues = {};
  for (const a of space.axes) ordered[a.name] = out[a.name];
  return ordered;
}
