/**
 * Standard test functions for global optimisation with known minima (Surjanovic &
 * Bingham, Virtual Library of Simulation Experiments), used by the strategies' tests
 * and the hpo benchmark, with the constants the peers' harness uses.
 */
import type { ParameterRange, ParamValues } from './types.js';

export interface BenchmarkFunction {
  name: string;
  ranges: ParameterRange[];
  minimum: number;
  evaluate(p: ParamValues): number;
}

export const BRANIN: BenchmarkFunction = {
  name: 'branin',
  ranges: [
    { name: 'x1', type: 'continuous', min: -5, max: 10, scaling: 'Linear' },
    { name: 'x2', type: 'continuous', min: 0, max: 15, scaling: 'Linear' },
  ],
  // At (−π, 12.275), (π, 2.275) and (9.42478, 2.475).
  minimum: 0.397887357729738,
  evaluate(p) {
    const x1 = p.x1 as number;
    const x2 = p.x2 as number;
    const b = 5.1 / (4 * Math.PI * Math.PI);
    const c = 5 / Math.PI;
    const t = 1 / (8 * Math.PI);
    return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10;
  },
};

const H6_ALPHA = [1.0, 1.2, 3.0, 3.2];
const H6_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const H6_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
].map((row) => row.map((v) => v * 1e-4));

export const HARTMANN6: BenchmarkFunction = {
  name: 'hartmann6',
  ranges: Array.from({ length: 6 }, (_, i): ParameterRange => ({ name: `x${i}`, type: 'continuous', min: 0, max: 1, scaling: 'Linear' })),
  // At (0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573).
  minimum: -3.32236801141551,
  evaluate(p) {
    let total = 0;
    for (let i = 0; i < 4; i++) {
      let s = 0;
      for (let j = 0; j < 6; j++) {
        const diff = (p[`x${j}`] as number) - H6_P[i][j];
        s += H6_A[i][j] * diff * diff;
      }
      total -= H6_ALPHA[i] * Math.exp(-s);
    }
    return total;
  },
};
