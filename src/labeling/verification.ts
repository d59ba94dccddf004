/**
 * Label verification (Ground Truth's verification jobs): the items are lines of an
 * augmented manifest that already carry a label; reviewers judge it with a verdict. This
 * reads the label to judge from a line's attribute and its `-metadata`, in the shapes
 * Ground Truth (and `consolidation/manifest.ts`) write.
 */
import { VERIFIABLE_LABEL_TYPES } from '../contracts/labeling.values.js';
import type { LabelToVerify } from '../contracts/index.js';

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The label of `attribute` on an input line, normalised; or what keeps it from being verified. */
export function labelToVerify(line: Record<string, unknown>, attribute: string): { label: LabelToVerify; image: boolean } | { problem: string } {
  const value = line[attribute];
  const meta = line[`${attribute}-metadata`];
  if (value === undefined) return { problem: `has no "${attribute}" (the label to verify)` };
  if (!isObject(meta)) return { problem: `has no "${attribute}-metadata" object` };
  const type = meta.type;
  if (typeof type !== 'string' || !(VERIFIABLE_LABEL_TYPES as readonly string[]).includes(type)) {
    return { problem: `"${attribute}-metadata".type is ${JSON.stringify(type)}; a verification job reads ${VERIFIABLE_LABEL_TYPES.join(', ')}` };
  }
  const image = type.startsWith('groundtruth/image-') || type === 'groundtruth/object-detection' || type === 'groundtruth/semantic-segmentation';
  const base = { attribute, type, classes: [] as string[], boxes: [] as LabelToVerify['boxes'], entities: [] as LabelToVerify['entities'] };
  const classMap = isObject(meta['class-map']) ? meta['class-map'] : {};
  const className = (id: unknown): string | null => {
    const name = classMap[String(id)];
    return typeof name === 'string' ? name : null;
  };
  if (type.endsWith('-multilabel')) {
    if (!Array.isArray(value)) return { problem: `"${attribute}" must be a list of class indexes` };
    const names = value.map(className);
    if (names.some((n) => n === null)) return { problem: `"${attribute}-metadata"."class-map" does not name every class of "${attribute}"` };
    return { label: { ...base, kind: 'classes', classes: names as string[] }, image };
  }
  if (type.endsWith('-classification')) {
    if (typeof meta['class-name'] !== 'string') return { problem: `"${attribute}-metadata" has no "class-name"` };
    return { label: { ...base, kind: 'classes', classes: [meta['class-name']] }, image };
  }
  if (type === 'groundtruth/semantic-segmentation') {
    const mask = segmentationMask(value, meta, attribute);
    return 'problem' in mask ? mask : { label: { ...base, kind: 'mask', classes: mask.classes.map((c) => c.name), mask }, image };
  }
  if (type === 'groundtruth/object-detection') {
    const annotations = isObject(value) ? value.annotations : undefined;
    if (!Array.isArray(annotations)) return { problem: `"${attribute}" must be {"annotations": [...], "image_size": [...]}` };
    const boxes: LabelToVerify['boxes'] = [];
    for (const a of annotations) {
      const label = isObject(a) ? className(a.class_id) : null;
      if (!isObject(a) || label === null || !num(a.left) || !num(a.top) || !num(a.width) || !num(a.height)) {
        return { problem: `"${attribute}".annotations must each be {class_id, left, top, width, height} with the class in "class-map"` };
      }
      boxes.push({ label, left: a.left, top: a.top, width: a.width, height: a.height });
    }
    return { label: { ...base, kind: 'boxes', boxes }, image };
  }
  const entities = isObject(value) && isObject(value.annotations) ? value.annotations.entities : undefined;
  if (!Array.isArray(entities)) return { problem: `"${attribute}" must be {"annotations": {"entities": [...]}}` };
  const text = typeof line.source === 'string' ? line.source : '';
  const out: LabelToVerify['entities'] = [];
  for (const e of entities) {
    if (!isObject(e) || typeof e.label !== 'string' || !Number.isInteger(e.startOffset) || !Number.isInteger(e.endOffset) || (e.startOffset as number) < 0 || (e.endOffset as number) <= (e.startOffset as number) || (e.endOffset as number) > text.length) {
      return { problem: `"${attribute}".annotations.entities must each be {label, startOffset, endOffset} within the text` };
    }
    out.push({ label: e.label, startOffset: e.startOffset as number, endOffset: e.endOffset as number });
  }
  return { label: { ...base, kind: 'entities', entities: out }, image };
}

const HEX = /^#[0-9a-f]{6}$/i;

/**
 * A semantic-segmentation label as Ground Truth writes it: `"<attr>-ref"` holds the mask
 * PNG's location, the metadata's `internal-color-map` names each pixel value (`0` is
 * BACKGROUND, left out of the legend) with its `hex-color`.
 */
function segmentationMask(value: unknown, meta: Record<string, unknown>, attribute: string): NonNullable<LabelToVerify['mask']> | { problem: string } {
  if (!attribute.endsWith('-ref')) return { problem: `a groundtruth/semantic-segmentation label attribute ends with "-ref"; "${attribute}" does not` };
  if (typeof value !== 'string' || value.length === 0) return { problem: `"${attribute}" must be the mask PNG's location` };
  const map = meta['internal-color-map'];
  if (!isObject(map)) return { problem: `"${attribute}-metadata" has no "internal-color-map"` };
  const classes: NonNullable<LabelToVerify['mask']>['classes'] = [];
  for (const [key, entry] of Object.entries(map)) {
    const v = Number(key);
    if (!Number.isInteger(v) || v < 0 || v > 255 || !isObject(entry) || typeof entry['class-name'] !== 'string' || typeof entry['hex-color'] !== 'string' || !HEX.test(entry['hex-color'])) {
      return { problem: `"${attribute}-metadata"."internal-color-map" must map pixel values 0-255 to {"class-name", "hex-color": "#rrggbb"}` };
    }
    if (v !== 0) classes.push({ value: v, name: entry['class-name'], color: entry['hex-color'].toLowerCase() });
  }
  classes.sort((a, b) => a.value - b.value);
  return { ref: value, classes };
}

/**
 * Checks every line's label to verify; answers whether the items are images (all lines
 * must hold one kind: images or text) and adds a problem per line that cannot be verified.
 */
export function checkVerificationLines(lines: readonly unknown[], attribute: string, field: string, add: (at: string, message: string) => void): { image: boolean } {
  let image: boolean | null = null;
  let listed = 0;
  lines.forEach((line, i) => {
    if (!isObject(line)) return; // reported by the item check
    const r = labelToVerify(line, attribute);
    const problem = 'problem' in r ? r.problem : image !== null && r.image !== image ? `holds ${r.image ? 'an image' : 'a text'} label where the lines before hold ${image ? 'image' : 'text'} labels` : null;
    if (problem !== null) {
      if (listed++ < 20) add(`${field}[${i}]`, problem);
    } else if (image === null && 'label' in r) image = r.image;
  });
  return { image: image ?? false };
}
