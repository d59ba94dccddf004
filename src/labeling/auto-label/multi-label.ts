/**
 * Multi-label automated labeling, as Ground Truth does it: one binary model per class
 * (one-vs-rest), and an item labeled by machine only when every class's decision is sure.
 *
 * The item's confidence is the minimum over classes of max(p, 1 − p): the confidence of
 * its least certain class decision. (The product of the per-class confidences would sink
 * with the number of classes even when each decision is sure; the minimum keeps one scale
 * for any number of classes and says which decision holds the item back.) An item's label
 * set is right only when it is exactly the held-out set, so the threshold chosen on these
 * confidences bounds the share of machine-labeled items whose whole label set is right.
 */

/** A multi-label decision: the classes judged present (each with P(present)), and the item's confidence. */
export interface MultiLabelDecision {
  labels: { label: string; confidence: number }[];
  confidence: number;
}

/** The decision for one item from each class's probability of being present (in class order). */
export function multiLabelDecision(probs: ArrayLike<number>, classes: readonly string[]): MultiLabelDecision {
  const labels: { label: string; confidence: number }[] = [];
  let confidence = 1;
  for (let c = 0; c < classes.length; c++) {
    const p = Math.min(1, Math.max(0, Number(probs[c])));
    if (!Number.isFinite(p)) return { labels: [], confidence: 0 };
    if (p >= 0.5) labels.push({ label: classes[c], confidence: p });
    confidence = Math.min(confidence, Math.max(p, 1 - p));
  }
  return { labels, confidence };
}

/** A label set as one comparable string: its class names in class order (order and repeats do not matter). */
export function labelSetKey(labels: readonly string[], classes: readonly string[]): string {
  const present = new Set(labels);
  return JSON.stringify(classes.filter((c) => present.has(c)));
}

/** The classes of a {@link labelSetKey}. */
export const labelSetOf = (key: string): string[] => JSON.parse(key) as string[];

/** Held-out items scored against their human label sets: right only when the whole set matches. */
export function heldOutMultiLabel(rows: readonly { truth: readonly string[]; probs: ArrayLike<number> }[], classes: readonly string[]): { confidence: number; correct: boolean }[] {
  return rows.map((r) => {
    const d = multiLabelDecision(r.probs, classes);
    return { confidence: d.confidence, correct: labelSetKey(d.labels.map((l) => l.label), classes) === labelSetKey(r.truth, classes) };
  });
}

/**
 * How a multi-label machine label is kept in `labeling_machine_labels.label`: the present
 * classes with their probabilities, as JSON (the item's confidence has its own column).
 */
export const encodeMachineLabels = (d: Pick<MultiLabelDecision, 'labels'>): string => JSON.stringify(d.labels.map((l) => ({ label: l.label, confidence: l.confidence })));

/**
 * The present classes of a stored machine label, or null when the label is a single class
 * (a single-label job's label is always one of the job's classes).
 */
export function decodeMachineLabels(label: string): { label: string; confidence: number }[] | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(label);
  } catch {
    return null;
  }
  if (!Array.isArray(parsed)) return null;
  return parsed.filter((x): x is { label: string; confidence: number } => !!x && typeof x.label === 'string' && typeof x.confidence === 'number');
}
