/**
 * Area under the ROC curve of binary labels (above 0.5 = positive) against scores, from the
 * average ranks of the scores (ties share their mean rank): the Mann–Whitney U statistic
 * over positives × negatives, which equals the trapezoidal area scikit-learn computes.
 * NaN when either class is absent. The one implementation AutoML's scoring, model-quality
 * monitoring and data-quality reports share.
 */
export function rankAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  const n = labels.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[order[k]] > 0.5) {
        positives++;
        rankSum += rank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
