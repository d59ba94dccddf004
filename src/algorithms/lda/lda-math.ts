/**
 * The special functions variational LDA needs: digamma (ψ) and log Γ for positive
 * arguments, by recurrence up to x ≥ 6 (ψ) or 7 (log Γ) and the asymptotic series
 * (Abramowitz & Stegun 6.3.18 and 6.1.41), accurate to ~1e-12 there.
 */

/**
 * ψ and log Γ as JavaScript source, so the E-step's kernels (`lda-kernels.ts`), which every
 * thread of a kernel pool evaluates from source text, and the main thread run one copy.
 */
export const LDA_MATH_SOURCE = `
function digamma(x) {
  let r = 0;
  while (x < 6) {
    r -= 1 / x;
    x += 1;
  }
  const f = 1 / (x * x);
  return r + Math.log(x) - 0.5 / x - f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f / 132))));
}

function lgamma(x) {
  let r = 0;
  while (x < 7) {
    r -= Math.log(x);
    x += 1;
  }
  const f = 1 / (x * x);
  return r + (x - 0.5) * Math.log(x) - x + 0.9189385332046728 + (1 / x) * (1 / 12 - f * (1 / 360 - f * (1 / 1260 - f / 1680)));
}
`;

const math = new Function(`${LDA_MATH_SOURCE}\nreturn { digamma, lgamma };`)() as { digamma(x: number): number; lgamma(x: number): number };

/** ψ(x) for x > 0. */
export const digamma: (x: number) => number = math.digamma;

/** log Γ(x) for x > 0. */
export const lgamma: (x: number) => number = math.lgamma;

/**
 * A Gamma(shape, scale) draw (Marsaglia & Tsang 2000, for shape ≥ 1), from a uniform and
 * a normal source: the random start of the topics, Gamma(100, 1/100) as scikit-learn's.
 */
export function gammaDraw(shape: number, scale: number, next: () => number, normal: () => number): number {
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = normal();
    let v = 1 + c * x;
    if (v <= 0) continue;
    v = v * v * v;
    const u = next();
    if (Math.log(u || 1e-300) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v * scale;
  }
}
