import type { ClassAnswer } from './answers.js';

/** mulberry32: a small seeded generator, so a simulated crowd is a function of its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface CrowdOptions {
  items: number;
  classes: readonly string[];
  /** One accuracy per annotator: P(answer = true class). */
  accuracies: readonly number[];
  /** Distinct annotators per item. */
  perItem: number;
  seed: number;
  /**
   * How a wrong answer is drawn: `uniform` over the other classes, or `adjacent`
   * (the next class, cyclically, with probability `bias`; else uniform over the others).
   * @default 'uniform'
   */
  errors?: 'uniform' | 'adjacent';
  /** @default 0.7 */
  bias?: number;
}

export interface Crowd {
  answers: ClassAnswer[];
  /** item -> true class. */
  truth: Map<string, string>;
  workers: string[];
}

/** A simulated crowd: true classes uniform, each item answered by `perItem` distinct annotators. */
export function simulateCrowd(o: CrowdOptions): Crowd {
  const rnd = seededRandom(o.seed);
  const K = o.classes.length;
  const M = o.accuracies.length;
  const workers = o.accuracies.map((_, j) => `w${j}`);
  const answers: ClassAnswer[] = [];
  const truth = new Map<string, string>();
  const pool = Array.from({ length: M }, (_, j) => j);
  for (let i = 0; i < o.items; i++) {
    const item = `i${i}`;
    const t = Math.floor(rnd() * K);
    truth.set(item, o.classes[t]);
    // Partial Fisher–Yates: the first perItem entries of pool are a uniform sample.
    for (let s = 0; s < o.perItem; s++) {
      const r = s + Math.floor(rnd() * (M - s));
      [pool[s], pool[r]] = [pool[r], pool[s]];
      const j = pool[s];
      let label = t;
      if (rnd() >= o.accuracies[j]) {
        if (o.errors === 'adjacent' && rnd() < (o.bias ?? 0.7)) label = (t + 1) % K;
        else label = (t + 1 + Math.floor(rnd() * (K - 1))) % K;
      }
      answers.push({ item, worker: workers[j], label: o.classes[label] });
    }
  }
  return { answers, truth, workers };
}

/** The confusion matrix {@link simulateCrowd} draws an annotator of accuracy `a` from: row = true class, column = answer. */
export function crowdConfusion(a: number, K: number, errors: 'uniform' | 'adjacent' = 'uniform', bias = 0.7): number[][] {
  const other = errors === 'adjacent' ? ((1 - a) * (1 - bias)) / (K - 1) : (1 - a) / (K - 1);
  const next = errors === 'adjacent' ? (1 - a) * bias + other : other;
  return Array.from({ length: K }, (_, k) => Array.from({ length: K }, (_, l) => (l === k ? a : l === (k + 1) % K ? next : other)));
}

/** n evenly spaced values from lo to hi. */
export const spread = (lo: number, hi: number, n: number): number[] => Array.from({ length: n }, (_, j) => (n === 1 ? lo : lo + ((hi - lo) * j) / (n - 1)));
