/**
 * The confidence threshold of a round, chosen on held-out human labels as Ground Truth's
 * automated labeling does: items are sorted by the model's confidence, and the threshold is
 * the lowest confidence whose items at or above it reach the target accuracy. The estimate
 * counts one imagined mistake (correct / (n + 1)), so a handful of lucky held-out items
 * cannot open the gate: at 95 % it takes at least 19 held-out items above the threshold.
 */
export interface ThresholdChoice {
  /** null when no threshold reaches the target: the round labels nothing. */
  threshold: number | null;
  /** Held-out items at or above the threshold, and the share of them the model got right. */
  covered: number;
  accuracy: number | null;
}

export function chooseThreshold(heldOut: readonly { confidence: number; correct: boolean }[], target: number): ThresholdChoice {
  const sorted = [...heldOut].sort((a, b) => b.confidence - a.confidence);
  let best: ThresholdChoice = { threshold: null, covered: 0, accuracy: null };
  let right = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (sorted[i].correct) right++;
    // Ties share a fate: a threshold cannot split items of the same confidence.
    if (i + 1 < sorted.length && sorted[i + 1].confidence === sorted[i].confidence) continue;
    const n = i + 1;
    if (right / (n + 1) >= target) best = { threshold: sorted[i].confidence, covered: n, accuracy: right / n };
  }
  return best;
}
