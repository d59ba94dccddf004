import type { LabelingTaskType } from '../contracts/labeling.values.js';
import {
  boundingBoxLine,
  consolidateBoxes,
  consolidatePolygons,
  consolidateSpans,
  dawidSkene,
  dawidSkeneMultiLabel,
  encodeMaskPng,
  imageClassificationLine,
  imageMultiLabelLine,
  namedEntityLine,
  segmentationPalette,
  semanticSegmentationLine,
  textClassificationLine,
  textMultiLabelLine,
  verificationLine,
  type ManifestLine,
} from './consolidation/index.js';
import type { Answer } from './answers.js';

/** One item with every answer it got, as consolidation reads it. */
export interface ItemAnswers {
  item: string;
  source: ManifestLine;
  image: { width: number; height: number } | null;
  /** Gold items are consolidated with the others (they anchor the labelers' estimates) but not written out. */
  gold: Answer | null;
  answers: { worker: string; answer: Answer }[];
}

export interface ConsolidationInput {
  jobName: string;
  taskType: LabelingTaskType;
  multiLabel: boolean;
  labels: readonly string[];
  attribute: string;
  items: readonly ItemAnswers[];
  /** Stores a semantic-segmentation mask PNG and answers where it is (the label attribute's value). */
  putMask: (item: string, png: Buffer) => Promise<string>;
  now?: Date;
}

export interface ConsolidationOutput {
  /** The output manifest's lines, in input order: dataset items with at least one answer. */
  lines: ManifestLine[];
  /** Classification: each labeler's estimated accuracy (Dawid–Skene). */
  estimates: Record<string, number>;
}

/**
 * Turns the answers into Ground Truth's augmented manifest: Dawid–Skene (single- or
 * multi-label) across all items for classification, so each labeler's reliability
 * weighs their votes; boxes, polygons and spans item by item with their own consolidations.
 */
export async function consolidate(input: ConsolidationInput): Promise<ConsolidationOutput> {
  const meta = { jobName: input.jobName, creationDate: input.now ?? new Date() };
  const answered = input.items.filter((i) => i.answers.length > 0);
  const out = answered.filter((i) => i.gold === null);
  const classes = input.labels;
  const attribute = input.attribute;
  const image = input.taskType === 'image-classification';
  const verification = input.taskType === 'verification';
  // A verification's verdicts are one label per item: Dawid–Skene weighs its reviewers as it does labelers.
  if (((input.taskType === 'image-classification' || input.taskType === 'text-classification') && !input.multiLabel) || verification) {
    if (answered.length === 0) return { lines: [], estimates: {} };
    const gold = Object.fromEntries(answered.filter((i) => i.gold && 'label' in i.gold).map((i) => [i.item, (i.gold as { label: string }).label]));
    const fit = dawidSkene(
      answered.flatMap((i) => i.answers.map((a) => ({ item: i.item, worker: a.worker, label: (a.answer as { label: string }).label }))),
      { classes, gold },
    );
    const line = image ? imageClassificationLine : textClassificationLine;
    return {
      lines: out.map((i) => {
        const r = fit.items.get(i.item)!;
        if (!verification) return line(i.source, { attribute, classes, label: r.label, confidence: r.confidence }, meta);
        const comments = i.answers.flatMap((a) => ('comment' in a.answer && typeof a.answer.comment === 'string' ? [a.answer.comment] : []));
        return verificationLine(i.source, { attribute, classes, label: r.label, confidence: r.confidence, comments }, meta);
      }),
      estimates: Object.fromEntries([...fit.workers].map(([w, s]) => [w, s.accuracy])),
    };
  }
  if (input.taskType === 'image-classification' || input.taskType === 'text-classification') {
    if (answered.length === 0) return { lines: [], estimates: {} };
    const gold = Object.fromEntries(answered.filter((i) => i.gold && 'labels' in i.gold).map((i) => [i.item, (i.gold as { labels: string[] }).labels]));
    const fit = dawidSkeneMultiLabel(
      answered.flatMap((i) => i.answers.map((a) => ({ item: i.item, worker: a.worker, labels: (a.answer as { labels: string[] }).labels }))),
      { classes, gold },
    );
    const line = image ? imageMultiLabelLine : textMultiLabelLine;
    return {
      lines: out.map((i) => {
        const r = fit.items.get(i.item)!;
        return line(i.source, { attribute, classes, labels: r.labels.map((l) => ({ label: l, confidence: r.confidence[l] ?? 0 })) }, meta);
      }),
      estimates: Object.fromEntries([...fit.workers].map(([w, s]) => [w, s.accuracy])),
    };
  }
  const lines: ManifestLine[] = [];
  for (const i of out) {
    if (input.taskType === 'bounding-box') {
      const img = i.image!;
      const r = consolidateBoxes(
        i.answers.map((a) => ({ worker: a.worker, boxes: (a.answer as { boxes: { label: string; left: number; top: number; width: number; height: number }[] }).boxes })),
        { classes, image: img },
      );
      lines.push(boundingBoxLine(i.source, { attribute, classes, image: img, boxes: r.boxes.map((b) => ({ label: b.label, left: b.left, top: b.top, width: b.width, height: b.height, confidence: b.confidence })) }, meta));
    } else if (input.taskType === 'polygon') {
      const img = i.image!;
      const r = consolidatePolygons(
        i.answers.map((a) => ({ worker: a.worker, polygons: (a.answer as { polygons: { label: string; vertices: { x: number; y: number }[] }[] }).polygons })),
        { classes, image: img },
      );
      const maskRef = await input.putMask(i.item, encodeMaskPng(r.mask, r.width, r.height, segmentationPalette(classes.length)));
      lines.push(semanticSegmentationLine(i.source, { attribute, classes, maskRef, confidence: r.confidence, polygons: r.polygons }, meta));
    } else {
      const r = consolidateSpans(
        i.answers.map((a) => ({ worker: a.worker, entities: (a.answer as { entities: { label: string; startOffset: number; endOffset: number }[] }).entities })),
        { classes, text: String(i.source.source) },
      );
      lines.push(namedEntityLine(i.source, { attribute, classes, entities: r.entities }, meta));
    }
  }
  return { lines, estimates: {} };
}
