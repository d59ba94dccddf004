import { argmax, indexAnswers, type ClassAnswer, type GoldLabels } from './answers.js';

export interface MajorityVoteOptions {
  classes: readonly string[];
  /** Items whose label is known: their label is the gold one, with confidence 1. */
  gold?: GoldLabels;
}

export interface MajorityVoteItem {
  label: string;
  /** Share of the item's answers that chose `label`. */
  confidence: number;
  /** Answers per class, in the order of `classes`. */
  votes: number[];
}

export interface MajorityVoteResult {
  items: Map<string, MajorityVoteItem>;
  /** Per worker: the share of their answers that agree with the consolidated label. */
  workers: Map<string, { agreement: number; answers: number }>;
}

/**
 * The plain vote: the most chosen class wins; a tie goes to the class listed first
 * in `classes`, so the result is deterministic.
 */
export function majorityVote(answers: readonly ClassAnswer[], options: MajorityVoteOptions): MajorityVoteResult {
  const { classes } = options;
  const { indexed, gold } = indexAnswers(answers, classes, options.gold);
  const K = classes.length;
  const N = indexed.items.length;
  const votes = new Float64Array(N * K);
  const totals = new Float64Array(N);
  for (let a = 0; a < indexed.itemOf.length; a++) {
    votes[indexed.itemOf[a] * K + indexed.labelOf[a]]++;
    totals[indexed.itemOf[a]]++;
  }
  const chosen = new Int32Array(N);
  const items = new Map<string, MajorityVoteItem>();
  indexed.items.forEach((item, i) => {
    const k = gold[i] >= 0 ? gold[i] : argmax(votes, i * K, K);
    chosen[i] = k;
    const row = Array.from(votes.subarray(i * K, (i + 1) * K));
    items.set(item, { label: classes[k], confidence: gold[i] >= 0 ? 1 : row[k] / totals[i], votes: row });
  });
  const agree = new Float64Array(indexed.workers.length);
  const count = new Float64Array(indexed.workers.length);
  for (let a = 0; a < indexed.itemOf.length; a++) {
    const w = indexed.workerOf[a];
    count[w]++;
    if (indexed.labelOf[a] === chosen[indexed.itemOf[a]]) agree[w]++;
  }
  const workers = new Map(indexed.workers.map((w, j) => [w, { agreement: agree[j] / count[j], answers: count[j] }]));
  return { items, workers };
}
