/**
 * Label adjustment (Ground Truth's adjustment jobs): the items are lines of an augmented
 * manifest that already carry a label under an attribute; each labeler is handed that
 * label pre-filled as an answer of the job's task type, edits it and submits. The output
 * line's `-metadata` says whether the label was changed: `adjustment-status` is
 * `adjusted` or `unadjusted`, as Ground Truth writes it.
 */
import type { LabelingTaskType } from '../contracts/labeling.values.js';
import { checkAnswer, type Answer, type AnswerContext } from './answers.js';
import type { ManifestLine } from './consolidation/index.js';
import { labelToVerify } from './verification.js';

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The Ground Truth label types an adjustment job of each task type reads. */
const TYPES: Record<Exclude<LabelingTaskType, 'verification'>, { single: string; multi?: string }> = {
  'image-classification': { single: 'groundtruth/image-classification', multi: 'groundtruth/image-classification-multilabel' },
  'text-classification': { single: 'groundtruth/text-classification', multi: 'groundtruth/text-classification-multilabel' },
  'bounding-box': { single: 'groundtruth/object-detection' },
  polygon: { single: 'groundtruth/semantic-segmentation' },
  ner: { single: 'groundtruth/text-span' },
};

/**
 * The label of `attribute` on an input line as an answer of the job's task (what the
 * labeler sees pre-filled), checked like an answer against the job's labels and the
 * image's size; or why it cannot be adjusted. Semantic segmentation is pre-filled from the
 * traced outlines Orchard keeps beside the mask (`polygons` in the metadata): a mask with
 * none is refused, and hole outlines are left out (an answer's polygons have no holes).
 */
export function existingLabel(line: Record<string, unknown>, attribute: string, ctx: AnswerContext): { answer: Answer } | { problem: string } {
  if (ctx.taskType === 'verification') return { problem: 'a verification job adjusts no label' };
  const want = TYPES[ctx.taskType];
  const type = want.multi !== undefined && ctx.multiLabel ? want.multi : want.single;
  const meta = line[`${attribute}-metadata`];
  if (line[attribute] === undefined) return { problem: `has no "${attribute}" (the label to adjust)` };
  if (!isObject(meta)) return { problem: `has no "${attribute}-metadata" object` };
  if (meta.type !== type) return { problem: `"${attribute}-metadata".type is ${JSON.stringify(meta.type)}; a ${ctx.taskType}${ctx.multiLabel ? ' (multi-label)' : ''} adjustment reads ${type}` };
  let raw: unknown;
  if (ctx.taskType === 'polygon') {
    const r = segmentationPolygons(meta, attribute);
    if ('problem' in r) return r;
    raw = { polygons: r.polygons };
  } else {
    const r = labelToVerify(line, attribute);
    if ('problem' in r) return r;
    const l = r.label;
    if (l.kind === 'boxes') raw = { boxes: l.boxes };
    else if (l.kind === 'entities') raw = { entities: l.entities };
    else if (ctx.multiLabel) raw = { labels: l.classes };
    else raw = { label: l.classes[0] };
  }
  const checked = checkAnswer(raw, ctx, attribute);
  if ('problems' in checked) return { problem: `the label does not fit the job: ${checked.problems.map((p) => p.message).join('; ')}` };
  return { answer: checked.answer };
}

/** `polygons: [{class_id, vertices, hole}]` of a segmentation's metadata, named through `internal-color-map`. */
function segmentationPolygons(meta: Record<string, unknown>, attribute: string): { polygons: { label: string; vertices: { x: number; y: number }[] }[] } | { problem: string } {
  const colors = isObject(meta['internal-color-map']) ? meta['internal-color-map'] : {};
  if (!Array.isArray(meta.polygons)) {
    return { problem: `"${attribute}-metadata" has no "polygons" (the outlines Orchard writes beside a mask), so the mask cannot be pre-filled as polygons` };
  }
  const polygons: { label: string; vertices: { x: number; y: number }[] }[] = [];
  for (const p of meta.polygons as unknown[]) {
    const entry = isObject(p) ? colors[String(p.class_id)] : undefined;
    const name = isObject(entry) ? entry['class-name'] : undefined;
    if (!isObject(p) || typeof name !== 'string' || !Array.isArray(p.vertices) || !p.vertices.every((v) => isObject(v) && num(v.x) && num(v.y))) {
      return { problem: `"${attribute}-metadata".polygons must each be {class_id, vertices: [{x, y}], hole} with the class in "internal-color-map"` };
    }
    if (p.hole === true) continue;
    polygons.push({ label: name, vertices: (p.vertices as { x: number; y: number }[]).map((v) => ({ x: v.x, y: v.y })) });
  }
  return { polygons };
}

/**
 * Checks every line's label to adjust, adding a problem per line that cannot be adjusted
 * (at most 20 listed). `context` gives each line's image size or text.
 */
export function checkAdjustmentLines(
  lines: readonly unknown[],
  attribute: string,
  context: (i: number) => AnswerContext,
  field: string,
  add: (at: string, message: string) => void,
): void {
  let listed = 0;
  lines.forEach((line, i) => {
    if (!isObject(line)) return; // reported by the item check
    const r = existingLabel(line, attribute, context(i));
    if ('problem' in r && listed++ < 20) add(`${field}[${i}]`, r.problem);
  });
}

/** Box and vertex coordinates within this many pixels are the same (a labeler's click is not a move). */
const TOLERANCE = 0.5;
const near = (a: number, b: number) => Math.abs(a - b) <= TOLERANCE;

/** Whether an answer leaves the pre-filled label as it was (order of shapes aside). */
export function sameAnswer(a: Answer, b: Answer): boolean {
  if ('label' in a && 'label' in b) return a.label === b.label;
  if ('labels' in a && 'labels' in b) return a.labels.length === b.labels.length && a.labels.every((l) => b.labels.includes(l));
  const matchAll = <T>(xs: readonly T[], ys: readonly T[], eq: (x: T, y: T) => boolean): boolean => {
    if (xs.length !== ys.length) return false;
    const left = [...ys];
    return xs.every((x) => {
      const k = left.findIndex((y) => eq(x, y));
      if (k < 0) return false;
      left.splice(k, 1);
      return true;
    });
  };
  if ('boxes' in a && 'boxes' in b) return matchAll(a.boxes, b.boxes, (x, y) => x.label === y.label && near(x.left, y.left) && near(x.top, y.top) && near(x.width, y.width) && near(x.height, y.height));
  if ('polygons' in a && 'polygons' in b) {
    return matchAll(a.polygons, b.polygons, (x, y) => x.label === y.label && x.vertices.length === y.vertices.length && x.vertices.every((v, i) => near(v.x, y.vertices[i].x) && near(v.y, y.vertices[i].y)));
  }
  if ('entities' in a && 'entities' in b) return matchAll(a.entities, b.entities, (x, y) => x.label === y.label && x.startOffset === y.startOffset && x.endOffset === y.endOffset);
  return false;
}

/** `adjusted` when any labeler changed the pre-filled label, else `unadjusted` (Ground Truth's values). */
export function adjustmentStatus(prefilled: Answer, answers: readonly Answer[]): 'adjusted' | 'unadjusted' {
  return answers.some((a) => !sameAnswer(a, prefilled)) ? 'adjusted' : 'unadjusted';
}

/** What {@link withAdjustmentStatus} needs of the job. */
export interface AdjustmentOutput {
  /** The output label attribute (its `-metadata` gets the status). */
  attribute: string;
  /** The input's attribute whose label was adjusted. */
  adjusted: string;
  taskType: LabelingTaskType;
  multiLabel: boolean;
  labels: readonly string[];
}

/**
 * Adds `adjustment-status` to each output line's `-metadata`. `items` are the items the
 * lines were written for, in the same order (answered dataset items, gold ones left out).
 */
export function withAdjustmentStatus(
  lines: readonly ManifestLine[],
  items: readonly { source: Record<string, unknown>; image: { width: number; height: number } | null; answers: readonly { answer: Answer }[] }[],
  job: AdjustmentOutput,
): ManifestLine[] {
  return lines.map((line, i) => {
    const item = items[i];
    const key = `${job.attribute}-metadata`;
    const meta = line[key];
    if (!item || !isObject(meta)) return line;
    const text = typeof item.source.source === 'string' ? item.source.source : null;
    const before = existingLabel(item.source, job.adjusted, { taskType: job.taskType, multiLabel: job.multiLabel, labels: job.labels, image: item.image, text });
    // A label checked at create always reads back; should it not, the change cannot be told, and is said to be one.
    const status = 'answer' in before ? adjustmentStatus(before.answer, item.answers.map((a) => a.answer)) : 'adjusted';
    return { ...line, [key]: { ...meta, 'adjustment-status': status } };
  });
}
