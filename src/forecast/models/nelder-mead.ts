/**
 * Nelder–Mead on a box, for the forecasting models' likelihoods. Written here rather than
 * taken from a package because a likelihood is evaluated thousands of times per series:
 * the simplex lives in preallocated Float64Arrays and points are projected onto the box,
 * so nothing is allocated per step.
 */

export interface NelderMeadOptions {
  maxEvals: number;
  /** Stop when the simplex's function values agree to this relative tolerance. */
  fTol: number;
}

export interface NelderMeadResult {
  x: Float64Array;
  f: number;
  evals: number;
}

/**
 * Minimises `f` from `x0` with initial steps `step`, keeping every point in [lower, upper]
 * (projection). Standard coefficients (reflection 1, expansion 2, contraction ½, shrink ½).
 */
export function nelderMead(f: (x: Float64Array) => number, x0: Float64Array, step: Float64Array, lower: Float64Array, upper: Float64Array, opts: NelderMeadOptions): NelderMeadResult {
  const d = x0.length;
  const pts = new Float64Array((d + 1) * d);
  const fv = new Float64Array(d + 1);
  const centroid = new Float64Array(d);
  const xr = new Float64Array(d);
  const xe = new Float64Array(d);
  const xc = new Float64Array(d);
  const clamp = (x: Float64Array): void => {
    for (let i = 0; i < d; i++) x[i] = x[i] < lower[i] ? lower[i] : x[i] > upper[i] ? upper[i] : x[i];
  };
  const row = (k: number): Float64Array => pts.subarray(k * d, (k + 1) * d);
  let evals = 0;
  const evalAt = (x: Float64Array): number => {
    evals++;
    const v = f(x);
    return Number.isNaN(v) ? Number.POSITIVE_INFINITY : v;
  };
  for (let k = 0; k <= d; k++) {
    const p = row(k);
    p.set(x0);
    if (k > 0) {
      const i = k - 1;
      p[i] += step[i];
      // Step inwards when the box is in the way.
      if (p[i] > upper[i]) p[i] = x0[i] - step[i];
    }
    clamp(p);
    fv[k] = evalAt(p);
  }
  const order = new Int32Array(d + 1);
  while (evals < opts.maxEvals) {
    for (let k = 0; k <= d; k++) order[k] = k;
    order.sort((a, b) => fv[a] - fv[b]);
    const best = order[0];
    const worst = order[d];
    const second = order[d - 1];
    const fb = fv[best];
    const fw = fv[worst];
    if (Number.isFinite(fw) && Math.abs(fw - fb) <= opts.fTol * (Math.abs(fb) + 1e-12)) break;
    centroid.fill(0);
    for (let k = 0; k <= d; k++) {
      if (k === worst) continue;
      const p = row(k);
      for (let i = 0; i < d; i++) centroid[i] += p[i] / d;
    }
    const pw = row(worst);
    for (let i = 0; i < d; i++) xr[i] = centroid[i] + (centroid[i] - pw[i]);
    clamp(xr);
    const fr = evalAt(xr);
    if (fr < fb) {
      for (let i = 0; i < d; i++) xe[i] = centroid[i] + 2 * (centroid[i] - pw[i]);
      clamp(xe);
      const fe = evalAt(xe);
      if (fe < fr) {
        pw.set(xe);
        fv[worst] = fe;
      } else {
        pw.set(xr);
        fv[worst] = fr;
      }
      continue;
    }
    if (fr < fv[second]) {
      pw.set(xr);
      fv[worst] = fr;
      continue;
    }
    // Contraction, outside when the reflection improved on the worst, else inside.
    const outside = fr < fw;
    for (let i = 0; i < d; i++) xc[i] = outside ? centroid[i] + 0.5 * (xr[i] - centroid[i]) : centroid[i] + 0.5 * (pw[i] - centroid[i]);
    const fc = evalAt(xc);
    if (fc < (outside ? fr : fw)) {
      pw.set(xc);
      fv[worst] = fc;
      continue;
    }
    const pb = row(best);
    for (let k = 0; k <= d; k++) {
      if (k === best) continue;
      const p = row(k);
      for (let i = 0; i < d; i++) p[i] = pb[i] + 0.5 * (p[i] - pb[i]);
      fv[k] = evalAt(p);
    }
  }
  let bi = 0;
  for (let k = 1; k <= d; k++) if (fv[k] < fv[bi]) bi = k;
  return { x: Float64Array.from(row(bi)), f: fv[bi], evals };
}
