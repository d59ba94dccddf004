/**
 * Bayesian optimisation: a Gaussian process (Matérn 5/2, ARD, MAP hyperparameters)
 * over the encoded space and expected improvement, maximised in log space (LogEI,
 * Ament et al. 2023) by random and local candidates refined with a (1+1) evolution
 * strategy. Running trials enter as "kriging believer" fantasies (their posterior mean
 * is taken as observed, Ginsbourger et al. 2010), so parallel trials spread out. The
 * first points come from a seeded low-discrepancy design.
 */
import { fitHyperparameters, GaussianProcess } from './gaussian-process.js';
import type { GpHyperparameters } from './gaussian-process.js';
import { logH } from './normal.js';
import { anyUnseen, collectHistory, designPoint, exhausted } from './observations.js';
import type { History } from './observations.js';
import { RandomSource, STREAM } from './random-source.js';
import { SearchSpace } from './search-space.js';
import type { ParamValues, Strategy, StrategyOptions, TrialState } from './types.js';

/** Above this many observations the hyperparameters are fitted on a subset (the posterior still uses all). */
const MAX_FIT_POINTS = 64;
const RANDOM_CANDIDATES = 256;
const LOCAL_PER_INCUMBENT = 32;
const INCUMBENTS = 5;
const REFINED = 6;
const REFINE_STEPS = 20;

/** Initial design size: a few more points than parameters, between 5 and 10, at most half the budget. */
export function initialDesignSize(parameters: number, maxTrials: number): number {
  return Math.max(1, Math.min(Math.min(10, Math.max(5, parameters + 3)), Math.floor(maxTrials / 2)));
}

export function createBayesian(options: StrategyOptions): Strategy {
  const space = new SearchSpace(options.ranges);
  const nInit = initialDesignSize(space.size, options.maxTrials);
  return {
    suggest(trials: TrialState[]): ParamValues | null {
      const h = collectHistory(space, trials, options.warmStart, options.direction);
      if (exhausted(space, h.seen)) return null;
      const own = trials.length;
      if (own < nInit - h.warmObserved || h.observed.length < 2) {
        for (let i = 0; i < 100; i++) {
          const p = space.decode(designPoint(space, options.seed, own + i));
          if (!h.seen.has(space.key(p))) return p;
        }
        return anyUnseen(space, new RandomSource(options.seed, STREAM.random, own), h.seen);
      }
      const rng = new RandomSource(options.seed, STREAM.acquisition, own);
      return proposeByExpectedImprovement(space, h, rng) ?? anyUnseen(space, rng, h.seen);
    },
  };
}

/** Standardised losses (mean 0, sd 1). */
function standardise(losses: number[]): Float64Array {
  const n = losses.length;
  const mean = losses.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(losses.reduce((a, b) => a + (b - mean) * (b - mean), 0) / n);
  return Float64Array.from(losses, (v) => (v - mean) / (sd > 0 ? sd : 1));
}

function fitSubset(x: Float64Array, y: Float64Array, n: number, d: number): GpHyperparameters {
  if (n <= MAX_FIT_POINTS) return fitHyperparameters(x, n, d, y);
  // The best third and an even stride through the rest: the region that matters plus the overall shape.
  const order = Array.from(y.keys()).sort((a, b) => y[a] - y[b]);
  const keep = new Set(order.slice(0, Math.floor(MAX_FIT_POINTS / 3)));
  const rest = order.slice(Math.floor(MAX_FIT_POINTS / 3));
  const stride = rest.length / (MAX_FIT_POINTS - keep.size);
  for (let i = 0; keep.size < MAX_FIT_POINTS; i++) keep.add(rest[Math.floor(i * stride)]);
  const idx = [...keep].sort((a, b) => a - b);
  const xs = new Float64Array(idx.length * d);
  const ys = new Float64Array(idx.length);
  idx.forEach((j, r) => {
    xs.set(x.subarray(j * d, (j + 1) * d), r * d);
    ys[r] = y[j];
  });
  return fitHyperparameters(xs, idx.length, d, ys);
}

function proposeByExpectedImprovement(space: SearchSpace, h: History, rng: RandomSource): ParamValues | null {
  const d = space.encodedSize;
  const n = h.observed.length;
  const x = new Float64Array(n * d);
  h.observed.forEach((o, i) => space.encode(o.unit, x, i * d));
  const y = standardise(h.observed.map((o) => o.loss));
  const hyper = fitSubset(x, y, n, d);
  let gp = new GaussianProcess(x, n, d, y, hyper);
  if (h.pending.length > 0) {
    const m = h.pending.length;
    const xa = new Float64Array((n + m) * d);
    xa.set(x);
    const ya = new Float64Array(n + m);
    ya.set(y);
    const enc = new Float64Array(d);
    h.pending.forEach((u, i) => {
      space.encode(u, xa, (n + i) * d);
      space.encode(u, enc);
      ya[n + i] = gp.predict(enc).mean;
    });
    gp = new GaussianProcess(xa, n + m, d, ya, hyper);
  }
  let best = Infinity;
  for (let i = 0; i < n; i++) best = Math.min(best, y[i]);
  const enc = new Float64Array(d);
  const acquisition = (u: Float64Array): number => {
    space.encode(u, enc);
    const { mean, variance } = gp.predict(enc);
    const s = Math.sqrt(variance);
    return Math.log(s) + logH((best - mean) / s);
  };

  const pool: Array<{ u: Float64Array; score: number }> = [];
  const push = (u: Float64Array) => pool.push({ u, score: acquisition(u) });
  for (let i = 0; i < RANDOM_CANDIDATES; i++) push(space.sampleUnit(rng));
  const incumbents = h.observed
    .map((o, i) => ({ u: o.unit, loss: y[i] }))
    .sort((a, b) => a.loss - b.loss)
    .slice(0, INCUMBENTS);
  for (const inc of incumbents) {
    for (let k = 0; k < LOCAL_PER_INCUMBENT; k++) push(perturb(space, inc.u, k % 2 === 0 ? 0.02 : 0.1, rng));
  }
  pool.sort((a, b) => b.score - a.score);

  // Refine the best distinct candidates with a (1+1)-ES (step ×1.5 on success, ×0.8 otherwise).
  const starts: typeof pool = [];
  const startKeys = new Set<string>();
  for (const c of pool) {
    const key = space.key(space.decode(c.u));
    if (startKeys.has(key)) continue;
    startKeys.add(key);
    starts.push(c);
    if (starts.length === REFINED) break;
  }
  for (const s of starts) {
    let cur = s;
    let sigma = 0.05;
    for (let step = 0; step < REFINE_STEPS; step++) {
      const u = perturb(space, cur.u, sigma, rng);
      const score = acquisition(u);
      if (score > cur.score) {
        cur = { u, score };
        pool.push(cur);
        sigma = Math.min(0.3, sigma * 1.5);
      } else {
        sigma = Math.max(1e-4, sigma * 0.8);
      }
    }
  }
  pool.sort((a, b) => b.score - a.score);
  for (const c of pool) {
    const p = space.decode(c.u);
    if (!h.seen.has(space.key(p))) return p;
  }
  return null;
}

/** A Gaussian step on every axis (categoricals occasionally jump to a random value), snapped to the space. */
function perturb(space: SearchSpace, u: Float64Array, sigma: number, rng: RandomSource): Float64Array {
  const out = new Float64Array(space.size);
  const jump = 1 / Math.max(2, space.size);
  for (let i = 0; i < space.size; i++) {
    if (space.axes[i].kind === 'categorical') out[i] = rng.uniform() < jump ? rng.uniform() : u[i];
    else out[i] = Math.min(1, Math.max(0, u[i] + sigma * rng.normal()));
  }
  return space.snap(out);
}
