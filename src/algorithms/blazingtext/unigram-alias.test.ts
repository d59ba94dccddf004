import { describe, expect, it } from 'vitest';
import { instantiateKernels } from '../parallel/kernel-pool.js';
import { BT_KERNELS } from './bt-kernels.js';
import { unigramAlias } from './unigram-alias.js';

const shares = (counts: number[], power = 0.75): number[] => {
  const w = counts.map((c) => c ** power);
  const total = w.reduce((a, b) => a + b, 0);
  return w.map((x) => x / total);
};

/** The probability of each word implied by the table: column j kept with prob[j]/2³², else its alias, each column 1/V. */
function implied(prob: Uint32Array, alias: Int32Array): number[] {
  const V = prob.length;
  const p = new Array<number>(V).fill(0);
  for (let j = 0; j < V; j++) {
    const keep = alias[j] === j ? 1 : prob[j] / 2 ** 32;
    p[j] += keep / V;
    p[alias[j]] += (1 - keep) / V;
  }
  return p;
}

describe('blazingtext negative sampling (alias table)', () => {
  const counts = [1000, 300, 100, 30, 10, 3, 1, 0, 7];

  it('implies count^0.75 shares exactly (to rounding), and never a word of count 0', () => {
    const { prob, alias } = unigramAlias(counts);
    const p = implied(prob, alias);
    shares(counts).forEach((s, w) => expect(Math.abs(p[w] - s)).toBeLessThan(1e-9));
    expect(p[7]).toBe(0);
    // A Zipf vocabulary of 50,000 words too.
    const zipf = Array.from({ length: 50_000 }, (_, i) => Math.ceil(1e6 / (i + 1)));
    const z = unigramAlias(zipf);
    const pz = implied(z.prob, z.alias);
    const sz = shares(zipf);
    let worst = 0;
    for (let w = 0; w < zipf.length; w++) worst = Math.max(worst, Math.abs(pz[w] - sz[w]) / sz[w]);
    expect(worst).toBeLessThan(1e-6);
  });

  it('the kernels draw words at their count^0.75 shares (seeded chi-square and max relative error)', () => {
    const ops = instantiateKernels(BT_KERNELS);
    const state = unigramAlias(counts);
    const n = 1_000_000;
    const drawn = ops.negatives({ ...state }, { seed: 12345, n }) as Float64Array;
    const expected = shares(counts).map((s) => s * n);
    expect(drawn[7]).toBe(0);
    let chi2 = 0;
    let worst = 0;
    expected.forEach((e, w) => {
      if (e === 0) return;
      chi2 += (drawn[w] - e) ** 2 / e;
      worst = Math.max(worst, Math.abs(drawn[w] - e) / e);
    });
    // 7 degrees of freedom: P(χ² > 24.3) = 0.001 for a correct sampler.
    expect(chi2).toBeLessThan(24.3);
    expect(worst).toBeLessThan(0.06);
    // Plain count shares (power 1) are far from these draws: the test tells the two apart.
    const linear = shares(counts, 1).map((s) => s * n);
    let chi2Linear = 0;
    linear.forEach((e, w) => e > 0 && (chi2Linear += (drawn[w] - e) ** 2 / e));
    expect(chi2Linear).toBeGreaterThan(1000);
  });

  it('draws every column of a large vocabulary (the column is the high word of u·V, not u mod V)', () => {
    const ops = instantiateKernels(BT_KERNELS);
    const V = 3_000_001;
    const state = unigramAlias(new Array<number>(V).fill(1));
    const drawn = ops.negatives({ ...state }, { seed: 7, n: V }) as Float64Array;
    // Uniform counts: the top and bottom deciles of the vocabulary get their 10 % of the draws.
    const tenth = Math.floor(V / 10);
    const sum = (a: number, b: number) => drawn.subarray(a, b).reduce((s, x) => s + x, 0);
    expect(Math.abs(sum(0, tenth) / V - 0.1)).toBeLessThan(0.002);
    expect(Math.abs(sum(V - tenth, V) / V - 0.1)).toBeLessThan(0.002);
    expect(drawn[V - 1] + drawn[V - 2] + drawn[V - 3]).toBeGreaterThan(0);
  });
});
