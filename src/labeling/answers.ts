import { LABELING_LIMITS, type LabelingTaskType } from '../contracts/labeling.values.js';
import type { RequestProblem } from '../core/index.js';

/** What an item's answer is checked against: the job's task and labels, the image's size. */
export interface AnswerContext {
  taskType: LabelingTaskType;
  multiLabel: boolean;
  labels: readonly string[];
  image: { width: number; height: number } | null;
  /** The text of a `ner` item. */
  text: string | null;
}

/** An answer as stored: the normalised shape of its task type. */
export type Answer =
  /** A verification's verdict may come with the reviewer's comment. */
  | { label: string; comment?: string }
  | { labels: string[] }
  | { boxes: { label: string; left: number; top: number; width: number; height: number }[] }
  | { polygons: { label: string; vertices: { x: number; y: number }[] }[] }
  | { entities: { label: string; startOffset: number; endOffset: number }[] };

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const MAX_SHAPES = 1000;

/**
 * Checks an answer against the task and returns it normalised (a bare label string is
 * `{label}`, a bare list `{labels}`), or every problem found, each coded
 * `ORCH_LABELING_ANSWER_INVALID`.
 */
export function checkAnswer(raw: unknown, ctx: AnswerContext, at = 'answer'): { answer: Answer } | { problems: RequestProblem[] } {
  const problems: RequestProblem[] = [];
  const add = (field: string, message: string) => problems.push({ field, code: 'ORCH_LABELING_ANSWER_INVALID', message: `${field}: ${message}` });
  const known = new Set(ctx.labels);
  const label = (v: unknown, field: string): v is string => {
    if (typeof v === 'string' && known.has(v)) return true;
    add(field, `unknown label ${JSON.stringify(v)}; the labels are ${ctx.labels.join(', ')}`);
    return false;
  };
  const list = (v: unknown, key: string): unknown[] | null => {
    if (!isObject(v) || !Array.isArray(v[key])) {
      add(at, `must be {"${key}": [...]}`);
      return null;
    }
    if ((v[key] as unknown[]).length > MAX_SHAPES) {
      add(`${at}.${key}`, `at most ${MAX_SHAPES} entries`);
      return null;
    }
    return v[key] as unknown[];
  };
  let answer: Answer | null = null;
  const classification = ctx.taskType === 'image-classification' || ctx.taskType === 'text-classification';
  const verification = ctx.taskType === 'verification';
  if ((classification && !ctx.multiLabel) || verification) {
    const v = typeof raw === 'string' ? raw : isObject(raw) ? raw.label : undefined;
    if (v === undefined) add(at, verification ? 'must be {"label": "<one of the verdicts>", "comment"?: "…"}' : 'must be {"label": "<one of the labels>"}');
    else if (label(v, `${at}.label`)) answer = { label: v };
    const comment = verification && isObject(raw) ? raw.comment : undefined;
    if (comment !== undefined && (typeof comment !== 'string' || comment.length > LABELING_LIMITS.commentChars)) add(`${at}.comment`, `must be a string of at most ${LABELING_LIMITS.commentChars} characters`);
    else if (answer && typeof comment === 'string' && comment.trim().length > 0) answer = { label: v as string, comment: comment.trim() };
  } else if (classification) {
    const v = Array.isArray(raw) ? raw : isObject(raw) ? raw.labels : undefined;
    if (!Array.isArray(v)) add(at, 'must be {"labels": [...]} (an empty list is an answer: none applies)');
    else {
      const ok = v.every((x, i) => label(x, `${at}.labels[${i}]`));
      if (ok && new Set(v).size !== v.length) add(`${at}.labels`, 'lists a label twice');
      if (ok) answer = { labels: [...(v as string[])] };
    }
  } else if (ctx.taskType === 'bounding-box') {
    const boxes = list(raw, 'boxes');
    if (boxes) {
      const out: { label: string; left: number; top: number; width: number; height: number }[] = [];
      boxes.forEach((b, i) => {
        const f = `${at}.boxes[${i}]`;
        if (!isObject(b)) return add(f, 'must be {label, left, top, width, height}');
        label(b.label, `${f}.label`);
        const { left, top, width, height } = b;
        if (!num(left) || !num(top) || !num(width) || !num(height)) return add(f, 'left, top, width and height must be numbers');
        if (width <= 0 || height <= 0) return add(f, 'width and height must be positive');
        const img = ctx.image;
        if (img && (left < 0 || top < 0 || left + width > img.width || top + height > img.height)) {
          return add(f, `the box (${left}, ${top}, ${width}×${height}) lies outside the ${img.width}×${img.height} image`);
        }
        out.push({ label: b.label as string, left, top, width, height });
      });
      answer = { boxes: out };
    }
  } else if (ctx.taskType === 'polygon') {
    const polygons = list(raw, 'polygons');
    if (polygons) {
      const out: { label: string; vertices: { x: number; y: number }[] }[] = [];
      polygons.forEach((p, i) => {
        const f = `${at}.polygons[${i}]`;
        if (!isObject(p) || !Array.isArray(p.vertices)) return add(f, 'must be {label, vertices: [{x, y}, ...]}');
        label(p.label, `${f}.label`);
        const vs = p.vertices as unknown[];
        if (vs.length < 3 || vs.length > 10_000) return add(`${f}.vertices`, 'must hold 3 to 10000 points');
        const img = ctx.image;
        const bad = vs.findIndex((v) => !isObject(v) || !num(v.x) || !num(v.y) || (img !== null && (v.x < 0 || v.y < 0 || v.x > img.width || v.y > img.height)));
        if (bad >= 0) return add(`${f}.vertices[${bad}]`, img ? `must be {x, y} within the ${img.width}×${img.height} image` : 'must be {x, y}');
        out.push({ label: p.label as string, vertices: vs.map((v) => ({ x: (v as { x: number }).x, y: (v as { y: number }).y })) });
      });
      answer = { polygons: out };
    }
  } else {
    const entities = list(raw, 'entities');
    if (entities) {
      const out: { label: string; startOffset: number; endOffset: number }[] = [];
      const length = ctx.text?.length ?? 0;
      entities.forEach((e, i) => {
        const f = `${at}.entities[${i}]`;
        if (!isObject(e)) return add(f, 'must be {label, startOffset, endOffset}');
        label(e.label, `${f}.label`);
        const { startOffset: s, endOffset: t } = e;
        if (!Number.isInteger(s) || !Number.isInteger(t) || (s as number) < 0 || (t as number) <= (s as number) || (t as number) > length) {
          return add(f, `startOffset and endOffset must be integers with 0 <= start < end <= ${length} (the text's length)`);
        }
        out.push({ label: e.label as string, startOffset: s as number, endOffset: t as number });
      });
      answer = { entities: out };
    }
  }
  if (problems.length > 0 || answer === null) return { problems };
  return { answer };
}

/** Whether a labeler's answer matches a gold answer (classification: the same label or label set). */
export function matchesGold(answer: Answer, gold: Answer): boolean | null {
  if ('label' in answer && 'label' in gold) return answer.label === gold.label;
  if ('labels' in answer && 'labels' in gold) return answer.labels.length === gold.labels.length && answer.labels.every((l) => gold.labels.includes(l));
  return null;
}
