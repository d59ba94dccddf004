/**
 * One line of Ground Truth's output (augmented) manifest per task type: the input line's
 * keys unchanged, plus the label attribute and its `<attribute>-metadata` object, in the
 * shapes SageMaker Ground Truth writes (its "Output Data" guide), so training jobs and
 * tools that read Ground Truth output read these. Confidences are rounded to 4 decimals.
 */
import type { ImageSize } from './boxes.js';
import type { Outline } from './raster.js';
import { parseHexColor } from './png.js';
import { checkClasses, invalid, isFiniteNumber, Problems } from './problems.js';

export type ManifestLine = Record<string, unknown>;

export interface LineMeta {
  /** Written as `labeling-job/<jobName>` (kept as given when it already starts so). */
  jobName: string;
  /** @default now */
  creationDate?: Date | string;
  /** False for labels from a model (automated labeling). @default true */
  humanAnnotated?: boolean;
}

const round = (x: number): number => Math.round(x * 1e4) / 1e4;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The label argument must be an object before any of its fields is read. */
function checkLabel(l: unknown): void {
  if (!isObject(l)) invalid('label', 'must be an object describing the consolidated label');
}

/** The entries of a list argument that are objects; the others are reported. */
function objects<T>(list: readonly T[], field: string, problems: Problems): T[] {
  return list.filter((x, i) => {
    if (isObject(x)) return true;
    problems.add(`${field}[${i}]`, 'must be an object');
    return false;
  });
}

function commonMetadata(meta: LineMeta, type: string): Record<string, unknown> {
  const date = meta.creationDate ?? new Date();
  return {
    'job-name': meta.jobName.startsWith('labeling-job/') ? meta.jobName : `labeling-job/${meta.jobName}`,
    'human-annotated': meta.humanAnnotated === false ? 'no' : 'yes',
    // Ground Truth writes local ISO time without a zone, e.g. 2018-10-18T22:18:13.527256.
    'creation-date': typeof date === 'string' ? date : date.toISOString().replace(/Z$/, ''),
    type,
  };
}

function checkCommon(source: ManifestLine, attribute: string, meta: LineMeta, problems: Problems, segmentation = false): void {
  if (source === null || typeof source !== 'object' || Array.isArray(source)) problems.add('source', 'must be the input manifest line as an object');
  if (typeof attribute !== 'string' || attribute.length === 0) problems.add('attribute', 'must be a non-empty string');
  else {
    if (attribute.includes('-metadata')) problems.add('attribute', 'may not contain "-metadata"');
    if (segmentation && !attribute.endsWith('-ref')) problems.add('attribute', 'a semantic-segmentation label attribute ends with "-ref"');
    if (!segmentation && attribute.endsWith('-ref')) problems.add('attribute', 'only a semantic-segmentation label attribute ends with "-ref"');
  }
  if (meta === null || typeof meta !== 'object' || typeof meta.jobName !== 'string' || meta.jobName.length === 0) problems.add('jobName', 'must be a non-empty string');
  else if (meta.creationDate instanceof Date && Number.isNaN(meta.creationDate.getTime())) problems.add('creationDate', 'must be a valid date');
}

function checkConfidence(c: unknown, field: string, problems: Problems): void {
  if (!isFiniteNumber(c) || c < 0 || c > 1) problems.add(field, 'must be a number in [0, 1]');
}

function classId(classes: readonly string[], label: string, field: string, problems: Problems): number {
  const k = classes.indexOf(label);
  if (k < 0) problems.add(field, `unknown label ${JSON.stringify(label)}; the classes are ${classes.join(', ')}`);
  return k;
}

export interface ClassificationLabel {
  attribute: string;
  classes: readonly string[];
  label: string;
  confidence: number;
}

function classificationLine(type: string, source: ManifestLine, l: ClassificationLabel, meta: LineMeta): ManifestLine {
  checkLabel(l);
  const problems = new Problems();
  checkCommon(source, l.attribute, meta, problems);
  const ok = checkClasses(l.classes, problems);
  const k = ok ? classId(l.classes, l.label, 'label', problems) : -1;
  checkConfidence(l.confidence, 'confidence', problems);
  problems.throwIfAny();
  return {
    ...source,
    [l.attribute]: k,
    [`${l.attribute}-metadata`]: { 'class-name': l.label, confidence: round(l.confidence), ...commonMetadata(meta, type) },
  };
}

/** `"<attr>": <class index>` with `class-name` and `confidence`; type `groundtruth/image-classification`. */
export const imageClassificationLine = (source: ManifestLine, l: ClassificationLabel, meta: LineMeta): ManifestLine =>
  classificationLine('groundtruth/image-classification', source, l, meta);

/** As {@link imageClassificationLine}, type `groundtruth/text-classification`. */
export const textClassificationLine = (source: ManifestLine, l: ClassificationLabel, meta: LineMeta): ManifestLine =>
  classificationLine('groundtruth/text-classification', source, l, meta);

export interface VerificationLabel extends ClassificationLabel {
  /** The reviewers' comments on the item, written as `worker-feedback` when there are any. */
  comments?: readonly string[];
}

/**
 * A label verification's verdict, as Ground Truth's verification jobs write it:
 * `"<attr>": "<verdict index>"` (a string, as in its guide's example) with `class-name`
 * (the verdict), `confidence` and, when reviewers commented, `worker-feedback:
 * [{comment}]`; type `groundtruth/label-verification`. The verified label stays as it was.
 */
export function verificationLine(source: ManifestLine, l: VerificationLabel, meta: LineMeta): ManifestLine {
  checkLabel(l);
  const problems = new Problems();
  checkCommon(source, l.attribute, meta, problems);
  const ok = checkClasses(l.classes, problems);
  const k = ok ? classId(l.classes, l.label, 'label', problems) : -1;
  checkConfidence(l.confidence, 'confidence', problems);
  const comments = l.comments ?? [];
  if (!Array.isArray(comments) || !comments.every((c) => typeof c === 'string')) problems.add('comments', 'must be a list of strings');
  problems.throwIfAny();
  return {
    ...source,
    [l.attribute]: String(k),
    [`${l.attribute}-metadata`]: {
      'class-name': l.label,
      confidence: round(l.confidence),
      ...commonMetadata(meta, 'groundtruth/label-verification'),
      ...(comments.length > 0 ? { 'worker-feedback': comments.map((comment) => ({ comment })) } : {}),
    },
  };
}

export interface MultiLabelLabel {
  attribute: string;
  classes: readonly string[];
  /** The classes judged present, each with its confidence. */
  labels: readonly { label: string; confidence: number }[];
}

function multiLabelLine(type: string, source: ManifestLine, l: MultiLabelLabel, meta: LineMeta): ManifestLine {
  checkLabel(l);
  const problems = new Problems();
  checkCommon(source, l.attribute, meta, problems);
  const ok = checkClasses(l.classes, problems);
  if (!Array.isArray(l.labels)) problems.add('labels', 'must be a list');
  const labels = Array.isArray(l.labels) ? objects(l.labels, 'labels', problems) : [];
  const ids = labels.map((x, i) => (ok ? classId(l.classes, x.label, `labels[${i}].label`, problems) : -1));
  labels.forEach((x, i) => checkConfidence(x.confidence, `labels[${i}].confidence`, problems));
  problems.throwIfAny();
  return {
    ...source,
    [l.attribute]: ids,
    [`${l.attribute}-metadata`]: {
      ...commonMetadata(meta, type),
      'class-map': Object.fromEntries(ids.map((k) => [String(k), l.classes[k]])),
      'confidence-map': Object.fromEntries(ids.map((k, i) => [String(k), round(labels[i].confidence)])),
    },
  };
}

/** `"<attr>": [class indexes]` with `class-map` and `confidence-map`; type `groundtruth/image-classification-multilabel`. */
export const imageMultiLabelLine = (source: ManifestLine, l: MultiLabelLabel, meta: LineMeta): ManifestLine =>
  multiLabelLine('groundtruth/image-classification-multilabel', source, l, meta);

/** As {@link imageMultiLabelLine}, type `groundtruth/text-classification-multilabel`. */
export const textMultiLabelLine = (source: ManifestLine, l: MultiLabelLabel, meta: LineMeta): ManifestLine =>
  multiLabelLine('groundtruth/text-classification-multilabel', source, l, meta);

export interface BoundingBoxLabel {
  attribute: string;
  classes: readonly string[];
  image: ImageSize;
  boxes: readonly { label: string; left: number; top: number; width: number; height: number; confidence: number }[];
}

/**
 * `"<attr>": {"annotations": [{class_id, left, top, width, height}], "image_size": [{width,
 * height, depth}]}` with `objects: [{confidence}]` (one per box, in order) and the
 * `class-map` of the classes present; type `groundtruth/object-detection`. Coordinates are
 * whole pixels: the box's edges are rounded, so it stays inside the image.
 */
export function boundingBoxLine(source: ManifestLine, l: BoundingBoxLabel, meta: LineMeta): ManifestLine {
  checkLabel(l);
  const problems = new Problems();
  checkCommon(source, l.attribute, meta, problems);
  const ok = checkClasses(l.classes, problems);
  const img = l.image;
  if (img === null || typeof img !== 'object' || !Number.isInteger(img.width) || img.width < 1 || !Number.isInteger(img.height) || img.height < 1)
    problems.add('image', 'must be {width, height, depth?} of positive integers');
  if (!Array.isArray(l.boxes)) problems.add('boxes', 'must be a list');
  const boxes = Array.isArray(l.boxes) ? objects(l.boxes, 'boxes', problems) : [];
  const ids = boxes.map((b, i) => {
    checkConfidence(b.confidence, `boxes[${i}].confidence`, problems);
    if (![b.left, b.top, b.width, b.height].every(isFiniteNumber)) problems.add(`boxes[${i}]`, 'left, top, width and height must be finite numbers');
    return ok ? classId(l.classes, b.label, `boxes[${i}].label`, problems) : -1;
  });
  problems.throwIfAny();
  const annotations = boxes.map((b, i) => {
    const left = Math.round(b.left);
    const top = Math.round(b.top);
    return { class_id: ids[i], left, top, width: Math.round(b.left + b.width) - left, height: Math.round(b.top + b.height) - top };
  });
  const present = [...new Set(ids)].sort((a, b) => a - b);
  return {
    ...source,
    [l.attribute]: { annotations, image_size: [{ width: img.width, height: img.height, depth: img.depth ?? 3 }] },
    [`${l.attribute}-metadata`]: {
      objects: boxes.map((b) => ({ confidence: round(b.confidence) })),
      'class-map': Object.fromEntries(present.map((k) => [String(k), l.classes[k]])),
      ...commonMetadata(meta, 'groundtruth/object-detection'),
    },
  };
}

/** Default class colours (a 20-colour qualitative palette); the background is white, as in Ground Truth's examples. */
export const SEGMENTATION_COLORS = [
  '#2ca02c', '#1f77b4', '#ff7f0e', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf',
  '#aec7e8', '#ffbb78', '#98df8a', '#ff9896', '#c5b0d5', '#c49c94', '#f7b6d2', '#c7c7c7', '#dbdb8d', '#9edae5',
];

/** The colour of mask value v (0 = background), as `#rrggbb`. */
export function segmentationPalette(classes: number, colors?: readonly string[]): string[] {
  return ['#ffffff', ...Array.from({ length: classes }, (_, k) => colors?.[k] ?? SEGMENTATION_COLORS[k % SEGMENTATION_COLORS.length])];
}

export interface SegmentationLabel {
  /** Ends with `-ref`, as Ground Truth requires for semantic segmentation. */
  attribute: string;
  classes: readonly string[];
  /** Where the mask PNG is stored (e.g. an `s3://` or artifact key); the label attribute's value. */
  maskRef: string;
  /** Per-image confidence, written for every class as Ground Truth does. */
  confidence: number;
  /** Colour per class (`#rrggbb`); defaults to {@link SEGMENTATION_COLORS}. */
  colors?: readonly string[];
  /** Traced class outlines to keep beside the mask (an Orchard addition: `polygons` in the metadata). */
  polygons?: readonly { label: string; outlines: readonly Outline[] }[];
}

/**
 * `"<attr>-ref": "<mask PNG location>"` with the `internal-color-map` (key 0 is
 * BACKGROUND, key k + 1 is `classes[k]`, the PNG's pixel values); type
 * `groundtruth/semantic-segmentation`. With `polygons`, the metadata also holds
 * `polygons: [{class_id, vertices: [{x, y}], hole}]` (pixel-edge outlines, even-odd).
 */
export function semanticSegmentationLine(source: ManifestLine, l: SegmentationLabel, meta: LineMeta): ManifestLine {
  checkLabel(l);
  const problems = new Problems();
  checkCommon(source, l.attribute, meta, problems, true);
  const ok = checkClasses(l.classes, problems);
  if (ok && l.classes.length > 255) problems.add('classes', 'at most 255 classes fit a one-byte mask');
  if (typeof l.maskRef !== 'string' || l.maskRef.length === 0) problems.add('maskRef', 'must be a non-empty string');
  checkConfidence(l.confidence, 'confidence', problems);
  if (l.colors !== undefined && !Array.isArray(l.colors)) problems.add('colors', 'must be a list of #rrggbb');
  else
    l.colors?.forEach((c, k) => {
      if (typeof c !== 'string' || !parseHexColor(c)) problems.add(`colors[${k}]`, 'must be #rrggbb');
    });
  if (l.polygons !== undefined && !Array.isArray(l.polygons)) problems.add('polygons', 'must be a list');
  const polygons = (Array.isArray(l.polygons) ? objects(l.polygons, 'polygons', problems) : []).flatMap((p, i) => {
    const id = ok ? classId(l.classes, p.label, `polygons[${i}].label`, problems) : -1;
    const given = p.outlines as unknown;
    if (!Array.isArray(given)) problems.add(`polygons[${i}].outlines`, 'must be a list');
    const outlines = Array.isArray(given) ? objects(given as Outline[], `polygons[${i}].outlines`, problems) : [];
    return outlines.map((o, j) => {
      const vertices: { x: number; y: number }[] = Array.isArray(o.vertices as unknown) ? o.vertices : [];
      if (!vertices.every((v) => isObject(v) && isFiniteNumber(v.x) && isFiniteNumber(v.y))) problems.add(`polygons[${i}].outlines[${j}].vertices`, 'must be a list of points {x, y}');
      return { class_id: id + 1, vertices: vertices.map((v) => ({ x: v?.x, y: v?.y })), hole: o.hole === true };
    });
  });
  problems.throwIfAny();
  const palette = segmentationPalette(l.classes.length, l.colors);
  const confidence = round(l.confidence);
  const colorMap = Object.fromEntries(
    ['BACKGROUND', ...l.classes].map((name, v) => [String(v), { 'class-name': name, confidence, 'hex-color': palette[v] }]),
  );
  return {
    ...source,
    [l.attribute]: l.maskRef,
    [`${l.attribute}-metadata`]: {
      'internal-color-map': colorMap,
      ...commonMetadata(meta, 'groundtruth/semantic-segmentation'),
      ...(l.polygons ? { polygons } : {}),
    },
  };
}

export interface NamedEntityLabel {
  attribute: string;
  /** The job's entity labels, all listed in `labels` as Ground Truth does. */
  classes: readonly string[];
  entities: readonly { label: string; startOffset: number; endOffset: number; confidence: number }[];
}

/**
 * `"<attr>": {"annotations": {"entities": [{label, startOffset, endOffset}], "labels":
 * [{label}]}}` with `entities: [{confidence}]` (one per entity, in order); type
 * `groundtruth/text-span`. Offsets are character offsets, the end exclusive.
 */
export function namedEntityLine(source: ManifestLine, l: NamedEntityLabel, meta: LineMeta): ManifestLine {
  checkLabel(l);
  const problems = new Problems();
  checkCommon(source, l.attribute, meta, problems);
  const ok = checkClasses(l.classes, problems);
  if (!Array.isArray(l.entities)) problems.add('entities', 'must be a list');
  const entities = Array.isArray(l.entities) ? objects(l.entities, 'entities', problems) : [];
  entities.forEach((e, i) => {
    if (ok) classId(l.classes, e.label, `entities[${i}].label`, problems);
    checkConfidence(e.confidence, `entities[${i}].confidence`, problems);
    if (!Number.isInteger(e.startOffset) || !Number.isInteger(e.endOffset) || e.startOffset < 0 || e.endOffset <= e.startOffset)
      problems.add(`entities[${i}]`, 'startOffset and endOffset must be integers with 0 <= startOffset < endOffset');
  });
  problems.throwIfAny();
  return {
    ...source,
    [l.attribute]: {
      annotations: {
        entities: entities.map((e) => ({ label: e.label, startOffset: e.startOffset, endOffset: e.endOffset })),
        labels: l.classes.map((label) => ({ label })),
      },
    },
    [`${l.attribute}-metadata`]: {
      entities: entities.map((e) => ({ confidence: round(e.confidence) })),
      ...commonMetadata(meta, 'groundtruth/text-span'),
    },
  };
}

/** The line as written to the output manifest: one JSON object, no newline inside. */
export const manifestLine = (line: ManifestLine): string => JSON.stringify(line);
