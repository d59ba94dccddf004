import { checkClasses, isFiniteNumber, Problems } from './problems.js';

/** An axis-aligned box in pixels: (left, top) is its top-left corner. */
export interface Box {
  label: string;
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Every box one annotator drew on one image (none is an answer too: "nothing here"). */
export interface BoxAnswer {
  worker: string;
  boxes: readonly Box[];
}

export interface ImageSize {
  width: number;
  height: number;
  /** Colour channels. @default 3 */
  depth?: number;
}

export interface ConsolidateBoxesOptions {
  classes: readonly string[];
  image: ImageSize;
  /** Boxes of different annotators with at least this IoU belong to one object. @default 0.5 */
  iouThreshold?: number;
  /** A box is kept when at least this many annotators drew it. @default ceil(annotators / 2) */
  minAnnotators?: number;
  /** Weight of each annotator's coordinates and class vote (e.g. an accuracy estimate). @default 1 each */
  workerWeights?: ReadonlyMap<string, number> | Readonly<Record<string, number>>;
}

export interface ConsolidatedBox extends Box {
  /** Weighted share of all annotators that drew this box with this class, times the members' mean IoU with it; in [0, 1]. */
  confidence: number;
  /** The annotators whose boxes formed it, and the index of each one's box. */
  members: { worker: string; index: number }[];
}

export interface ConsolidatedBoxes {
  boxes: ConsolidatedBox[];
  annotators: number;
}

interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

const rectOf = (b: Box): Rect => ({ x0: b.left, y0: b.top, x1: b.left + b.width, y1: b.top + b.height });

/** Intersection over union of two boxes (0 when they do not overlap). */
export function iou(a: Box, b: Box): number {
  return rectIou(rectOf(a), rectOf(b));
}

function rectIou(a: Rect, b: Rect): number {
  const w = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0);
  const h = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const union = (a.x1 - a.x0) * (a.y1 - a.y0) + (b.x1 - b.x0) * (b.y1 - b.y0) - inter;
  return inter / union;
}

function checkImage(image: ImageSize | undefined, problems: Problems): boolean {
  if (image === null || typeof image !== 'object') {
    problems.add('image', 'must be {width, height, depth?}');
    return false;
  }
  let ok = true;
  for (const f of ['width', 'height'] as const)
    if (!Number.isInteger(image[f]) || image[f] < 1) {
      problems.add(`image.${f}`, 'must be a positive integer');
      ok = false;
    }
  if (image.depth !== undefined && (!Number.isInteger(image.depth) || image.depth < 1)) problems.add('image.depth', 'must be a positive integer');
  return ok;
}

function weightsOf(ws: ConsolidateBoxesOptions['workerWeights'], problems: Problems): (w: string) => number {
  const entries = ws === undefined ? [] : ws instanceof Map ? [...ws.entries()] : Object.entries(ws);
  const map = new Map<string, number>();
  for (const [w, v] of entries as [string, number][]) {
    if (!isFiniteNumber(v) || v <= 0) problems.add(`workerWeights.${w}`, 'must be a number above 0');
    else map.set(w, v);
  }
  return (w) => map.get(w) ?? 1;
}

function checkBoxAnswers(answers: readonly BoxAnswer[], classes: readonly string[], image: ImageSize, imageOk: boolean, problems: Problems): void {
  if (!Array.isArray(answers) || answers.length === 0) {
    problems.add('answers', 'must be a non-empty list (one entry per annotator)');
    return;
  }
  const known = new Set(classes);
  const seen = new Set<string>();
  answers.forEach((a, i) => {
    const at = `answers[${i}]`;
    if (a === null || typeof a !== 'object') return problems.add(at, 'must be an object {worker, boxes}');
    if (typeof a.worker !== 'string' || a.worker.length === 0) problems.add(`${at}.worker`, 'must be a non-empty string');
    else if (seen.has(a.worker)) problems.add(`${at}.worker`, `"${a.worker}" answers twice`);
    else seen.add(a.worker);
    if (!Array.isArray(a.boxes as unknown)) return problems.add(`${at}.boxes`, 'must be a list (empty when nothing is drawn)');
    a.boxes.forEach((b: Box, j: number) => {
      const bt = `${at}.boxes[${j}]`;
      if (b === null || typeof b !== 'object') return problems.add(bt, 'must be an object {label, left, top, width, height}');
      if (!known.has(b.label)) problems.add(`${bt}.label`, `unknown label ${JSON.stringify(b.label)}; the classes are ${classes.join(', ')}`);
      let finite = true;
      for (const f of ['left', 'top', 'width', 'height'] as const)
        if (!isFiniteNumber(b[f])) {
          problems.add(`${bt}.${f}`, 'must be a finite number');
          finite = false;
        }
      if (!finite) return;
      if (b.width <= 0) problems.add(`${bt}.width`, 'must be above 0');
      if (b.height <= 0) problems.add(`${bt}.height`, 'must be above 0');
      if (!imageOk) return;
      if (b.left < 0 || b.left + b.width > image.width) problems.add(`${bt}.left`, `the box spans x ${b.left}..${b.left + b.width}, outside the image (0..${image.width})`);
      if (b.top < 0 || b.top + b.height > image.height) problems.add(`${bt}.top`, `the box spans y ${b.top}..${b.top + b.height}, outside the image (0..${image.height})`);
    });
  });
}

interface Cluster {
  members: { worker: number; index: number; rect: Rect; label: string }[];
  mean: Rect;
}

/**
 * Consolidates the boxes several annotators drew on one image. Boxes are clustered
 * greedily across annotators: annotators are taken by decreasing weight (then in the
 * given order), and each one's boxes are matched one-to-one to the clusters so far by
 * decreasing IoU with the cluster's weighted mean box, at least `iouThreshold`, a
 * cluster taking at most one box per annotator; a box left over starts a cluster. A
 * cluster is kept when enough annotators drew it; its box is the weighted mean of the
 * members' edges, its class the weighted vote (a tie goes to the class listed first).
 */
export function consolidateBoxes(answers: readonly BoxAnswer[], options: ConsolidateBoxesOptions): ConsolidatedBoxes {
  const problems = new Problems();
  const { classes, image } = options;
  const classesOk = checkClasses(classes, problems);
  const imageOk = checkImage(image, problems);
  const threshold = options.iouThreshold ?? 0.5;
  if (!isFiniteNumber(threshold) || threshold <= 0 || threshold > 1) problems.add('iouThreshold', 'must be a number in (0, 1]');
  const weight = weightsOf(options.workerWeights, problems);
  if (classesOk) checkBoxAnswers(answers, classes, image, imageOk, problems);
  const n = Array.isArray(answers) ? answers.length : 0;
  const minAnnotators = options.minAnnotators ?? Math.max(1, Math.ceil(n / 2));
  if (!Number.isInteger(minAnnotators) || minAnnotators < 1) problems.add('minAnnotators', 'must be an integer of at least 1');
  problems.throwIfAny();

  const order = answers.map((a, i) => ({ i, w: weight(a.worker) })).sort((a, b) => b.w - a.w || a.i - b.i);
  const clusters: Cluster[] = [];
  for (const { i } of order) {
    const rects = answers[i].boxes.map(rectOf);
    const pairs: { b: number; c: number; iou: number }[] = [];
    rects.forEach((r, b) =>
      clusters.forEach((cl, c) => {
        if (cl.members.some((m) => m.worker === i)) return;
        const v = rectIou(r, cl.mean);
        if (v >= threshold) pairs.push({ b, c, iou: v });
      }),
    );
    pairs.sort((p, q) => q.iou - p.iou || p.b - q.b || p.c - q.c);
    const boxTaken = new Set<number>();
    const clusterTaken = new Set<number>();
    for (const p of pairs) {
      if (boxTaken.has(p.b) || clusterTaken.has(p.c)) continue;
      boxTaken.add(p.b);
      clusterTaken.add(p.c);
      clusters[p.c].members.push({ worker: i, index: p.b, rect: rects[p.b], label: answers[i].boxes[p.b].label });
    }
    rects.forEach((r, b) => {
      if (!boxTaken.has(b)) clusters.push({ members: [{ worker: i, index: b, rect: r, label: answers[i].boxes[b].label }], mean: r });
    });
    for (const c of clusterTaken) clusters[c].mean = weightedMean(clusters[c], answers, weight);
  }

  const totalWeight = answers.reduce((s, a) => s + weight(a.worker), 0);
  const boxes: ConsolidatedBox[] = [];
  for (const cl of clusters) {
    if (cl.members.length < minAnnotators) continue;
    const votes = new Map<string, number>();
    for (const m of cl.members) votes.set(m.label, (votes.get(m.label) ?? 0) + weight(answers[m.worker].worker));
    let label = '';
    let best = -1;
    for (const c of classes) {
      const v = votes.get(c) ?? 0;
      if (v > best) [label, best] = [c, v];
    }
    const r = cl.mean;
    const meanIou = cl.members.reduce((s, m) => s + rectIou(m.rect, r), 0) / cl.members.length;
    boxes.push({
      label,
      left: r.x0,
      top: r.y0,
      width: r.x1 - r.x0,
      height: r.y1 - r.y0,
      confidence: (best / totalWeight) * meanIou,
      members: cl.members.map((m) => ({ worker: answers[m.worker].worker, index: m.index })),
    });
  }
  return { boxes, annotators: n };
}

function weightedMean(cl: Cluster, answers: readonly BoxAnswer[], weight: (w: string) => number): Rect {
  let s = 0;
  const r = { x0: 0, y0: 0, x1: 0, y1: 0 };
  for (const m of cl.members) {
    const w = weight(answers[m.worker].worker);
    s += w;
    r.x0 += w * m.rect.x0;
    r.y0 += w * m.rect.y0;
    r.x1 += w * m.rect.x1;
    r.y1 += w * m.rect.y1;
  }
  return { x0: r.x0 / s, y0: r.y0 / s, x1: r.x1 / s, y1: r.y1 / s };
}
