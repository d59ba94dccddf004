/**
 * The search space as the models see it. Each numeric parameter maps to [0, 1] by its
 * scaling (SageMaker's Linear, Logarithmic, ReverseLogarithmic: log of 1 − x); an
 * integer owns the interval [v − ½, v + ½] so every value gets the same share of the
 * axis. A categorical parameter is one axis in the "unit point" (its choice is
 * ⌊u·k⌋) and k one-hot axes in the "encoded point" a Gaussian process sees.
 */
import type { ParameterRange, ParamValues, Scaling } from './types.js';
import type { RandomSource } from './random-source.js';

export type ResolvedScaling = Exclude<Scaling, 'Auto'>;

export interface NumericAxis {
  kind: 'numeric';
  name: string;
  integer: boolean;
  scaling: ResolvedScaling;
  min: number;
  max: number;
  /** Bounds of the warped axis (integers widened by ½ before warping). */
  lo: number;
  hi: number;
}

export interface CategoricalAxis {
  kind: 'categorical';
  name: string;
  values: readonly string[];
}

export type Axis = NumericAxis | CategoricalAxis;

/** Auto: logarithmic when the range is positive and spans at least two decades (SageMaker leaves the rule open). */
export function resolveScaling(range: ParameterRange): ResolvedScaling {
  if (range.type === 'categorical') return 'Linear';
  if (range.scaling !== 'Auto') return range.scaling;
  return range.min > 0 && range.max / range.min >= 100 ? 'Logarithmic' : 'Linear';
}

export function warp(scaling: ResolvedScaling, x: number): number {
  if (scaling === 'Logarithmic') return Math.log(x);
  if (scaling === 'ReverseLogarithmic') return -Math.log(1 - x);
  return x;
}

export function unwarp(scaling: ResolvedScaling, t: number): number {
  if (scaling === 'Logarithmic') return Math.exp(t);
  if (scaling === 'ReverseLogarithmic') return 1 - Math.exp(-t);
  return t;
}

export class SearchSpace {
  readonly axes: readonly Axis[];
  /** Axes of a unit point (one per parameter). */
  readonly size: number;
  /** Axes of an encoded point (numeric: one, categorical: one per value). */
  readonly encodedSize: number;
  /** Where each parameter's encoded axes start. */
  readonly offsets: readonly number[];

  constructor(ranges: readonly ParameterRange[]) {
    this.axes = ranges.map((r): Axis => {
      if (r.type === 'categorical') return { kind: 'categorical', name: r.name, values: [...r.values] };
      const scaling = resolveScaling(r);
      const integer = r.type === 'integer';
      const lo = warp(scaling, integer ? r.min - 0.5 : r.min);
      const hi = warp(scaling, integer ? r.max + 0.5 : r.max);
      return { kind: 'numeric', name: r.name, integer, scaling, min: r.min, max: r.max, lo, hi };
    });
    this.size = this.axes.length;
    const offsets: number[] = [];
    let d = 0;
    for (const a of this.axes) {
      offsets.push(d);
      d += a.kind === 'categorical' ? a.values.length : 1;
    }
    this.offsets = offsets;
    this.encodedSize = d;
  }

  /** Whether every parameter is integer or categorical (a finite space). */
  get discrete(): boolean {
    return this.axes.every((a) => a.kind === 'categorical' || a.integer);
  }

  /** Number of distinct points of a discrete space (Infinity otherwise or past 2^53). */
  cardinality(): number {
    let n = 1;
    for (const a of this.axes) {
      if (a.kind === 'numeric' && !a.integer) return Infinity;
      n *= a.kind === 'categorical' ? a.values.length : a.max - a.min + 1;
    }
    return Number.isSafeInteger(n) ? n : Infinity;
  }

  /** The parameter value at unit coordinate `u` of axis `i`. */
  valueAt(i: number, u: number): number | string {
    const a = this.axes[i];
    const c = Math.min(1, Math.max(0, u));
    if (a.kind === 'categorical') return a.values[Math.min(a.values.length - 1, Math.floor(c * a.values.length))];
    const x = unwarp(a.scaling, a.lo + c * (a.hi - a.lo));
    if (a.integer) return Math.min(a.max, Math.max(a.min, Math.round(x)));
    return Math.min(a.max, Math.max(a.min, x));
  }

  /** The unit coordinate of a value (integers and categoricals: the centre of their cell). NaN when unknown. */
  unitOf(i: number, v: number | string | undefined): number {
    const a = this.axes[i];
    if (a.kind === 'categorical') {
      const k = a.values.indexOf(String(v));
      return k < 0 ? NaN : (k + 0.5) / a.values.length;
    }
    const x = typeof v === 'number' ? v : Number(v);
    if (!Number.isFinite(x)) return NaN;
    const clamped = Math.min(a.max, Math.max(a.min, a.integer ? Math.round(x) : x));
    return (warp(a.scaling, clamped) - a.lo) / (a.hi - a.lo);
  }

  /** The unit interval an integer value owns on its axis. */
  cellOf(i: number, v: number): [number, number] {
    const a = this.axes[i] as NumericAxis;
    const span = a.hi - a.lo;
    return [(warp(a.scaling, v - 0.5) - a.lo) / span, (warp(a.scaling, v + 0.5) - a.lo) / span];
  }

  decode(unit: ArrayLike<number>): ParamValues {
    const out: ParamValues = {};
    for (let i = 0; i < this.size; i++) out[this.axes[i].name] = this.valueAt(i, unit[i]);
    return out;
  }

  /** Unit point of `params`, or null when a value is missing or not in the space. */
  toUnit(params: ParamValues): Float64Array | null {
    const u = new Float64Array(this.size);
    for (let i = 0; i < this.size; i++) {
      u[i] = this.unitOf(i, params[this.axes[i].name]);
      if (Number.isNaN(u[i])) return null;
    }
    return u;
  }

  /** Snaps a unit point to its cell centres (integers, categoricals), in place. */
  snap(unit: Float64Array): Float64Array {
    for (let i = 0; i < this.size; i++) {
      const a = this.axes[i];
      if (a.kind === 'numeric' && !a.integer) unit[i] = Math.min(1, Math.max(0, unit[i]));
      else unit[i] = this.unitOf(i, this.valueAt(i, unit[i]));
    }
    return unit;
  }

  /** Encoded point (numeric axes as is, categoricals one-hot) written into `out` at `at`. */
  encode(unit: ArrayLike<number>, out: Float64Array, at = 0): void {
    for (let i = 0; i < this.size; i++) {
      const a = this.axes[i];
      const o = at + this.offsets[i];
      if (a.kind === 'categorical') {
        const k = Math.min(a.values.length - 1, Math.floor(Math.min(1, Math.max(0, unit[i])) * a.values.length));
        for (let j = 0; j < a.values.length; j++) out[o + j] = j === k ? 1 : 0;
      } else {
        out[o] = unit[i];
      }
    }
  }

  sampleUnit(rng: RandomSource): Float64Array {
    const u = new Float64Array(this.size);
    for (let i = 0; i < this.size; i++) u[i] = rng.uniform();
    return this.snap(u);
  }

  /** A canonical key of a point, to recognise repeats. */
  key(params: ParamValues): string {
    return JSON.stringify(this.axes.map((a) => params[a.name] ?? null));
  }
}
