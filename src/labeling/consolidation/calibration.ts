/** One reliability bin: predictions whose confidence falls in [lower, upper). */
export interface ReliabilityBin {
  lower: number;
  upper: number;
  count: number;
  /** Mean confidence of the bin's predictions (NaN when empty). */
  confidence: number;
  /** Share of the bin's predictions that are correct (NaN when empty). */
  accuracy: number;
}

export interface Calibration {
  /** Expected calibration error: Σ_b (n_b / N) · |accuracy_b − confidence_b| (Guo et al., 2017). */
  ece: number;
  bins: ReliabilityBin[];
}

/**
 * Calibration of confidences against correctness over `bins` equal-width bins on [0, 1]
 * (a confidence of exactly 1 falls in the last bin).
 */
export function calibration(confidence: ArrayLike<number>, correct: ArrayLike<boolean>, bins = 10): Calibration {
  if (confidence.length !== correct.length) throw new Error('calibration: confidence and correct differ in length');
  const count = new Float64Array(bins);
  const conf = new Float64Array(bins);
  const hit = new Float64Array(bins);
  for (let i = 0; i < confidence.length; i++) {
    const c = confidence[i];
    const b = Math.min(bins - 1, Math.max(0, Math.floor(c * bins)));
    count[b]++;
    conf[b] += c;
    if (correct[i]) hit[b]++;
  }
  let ece = 0;
  const out: ReliabilityBin[] = [];
  for (let b = 0; b < bins; b++) {
    const n = count[b];
    const bin = { lower: b / bins, upper: (b + 1) / bins, count: n, confidence: n ? conf[b] / n : NaN, accuracy: n ? hit[b] / n : NaN };
    if (n) ece += (n / confidence.length) * Math.abs(bin.accuracy - bin.confidence);
    out.push(bin);
  }
  return { ece, bins: out };
}
