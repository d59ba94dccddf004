/**
 * Ensemble selection (Caruana, Niculescu-Mizil, Crew & Ksikes 2004, "Ensemble Selection
 * from Libraries of Models"), as AutoGluon's WeightedEnsemble runs it: greedy forward
 * selection with replacement over the candidates' held-out predictions; each round adds
 * the candidate whose inclusion makes the averaged prediction score best; the ensemble is
 * cut back to the round that scored best, and a candidate's weight is the share of rounds
 * that picked it.
 */
export interface EnsembleSelectionInput {
  /** Per candidate: its predictions on the same rows, all of one length (probabilities row-major, or values). */
  predictions: ReadonlyArray<ArrayLike<number>>;
  /** Score of an averaged prediction; larger is better unless `maximize` is false. */
  score(prediction: Float64Array): number;
  maximize: boolean;
  /** Selection rounds. @default 25 */
  rounds?: number;
}

export interface EnsembleSelection {
  /** One weight per candidate (0 for those never picked), summing to 1. */
  weights: number[];
  /** The score of the weighted prediction. */
  score: number;
  /** Score after each round, before the cut. */
  trajectory: number[];
}

export function ensembleSelection(input: EnsembleSelectionInput): EnsembleSelection {
  const { predictions, maximize } = input;
  const M = predictions.length;
  if (M === 0) throw new RangeError('ensemble selection needs at least one candidate');
  const n = predictions[0].length;
  if (predictions.some((p) => p.length !== n)) throw new RangeError('every candidate must predict the same number of values');
  const rounds = Math.max(1, Math.floor(input.rounds ?? 25));
  const better = (a: number, b: number) => (maximize ? a > b : a < b);
  const sum = new Float64Array(n);
  const trial = new Float64Array(n);
  const picks: number[] = [];
  const trajectory: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const size = round + 1;
    let best = -1;
    let bestScore = NaN;
    for (let m = 0; m < M; m++) {
      const p = predictions[m];
      for (let i = 0; i < n; i++) trial[i] = (sum[i] + p[i]) / size;
      const s = input.score(trial);
      // NaN never wins; on a tie the earlier candidate stays (deterministic).
      if (best < 0 ? !Number.isNaN(s) : better(s, bestScore)) {
        best = m;
        bestScore = s;
      }
    }
    if (best < 0) best = 0;
    const p = predictions[best];
    for (let i = 0; i < n; i++) sum[i] += p[i];
    picks.push(best);
    trajectory.push(bestScore);
  }
  let cut = 0;
  for (let r = 1; r < trajectory.length; r++) if (better(trajectory[r], trajectory[cut])) cut = r;
  const kept = picks.slice(0, cut + 1);
  const weights = new Array<number>(M).fill(0);
  for (const m of kept) weights[m] += 1 / kept.length;
  return { weights, score: trajectory[cut], trajectory };
}
