import type { ImageSize } from './boxes.js';
import { checkClasses, isFiniteNumber, Problems } from './problems.js';
import { fillPolygon, traceOutlines, type Outline, type Point } from './raster.js';

export interface Polygon {
  label: string;
  /** At least 3 vertices, in pixel coordinates within the image; the polygon closes itself. */
  vertices: readonly Point[];
}

/** Every polygon one annotator drew on one image. */
export interface PolygonAnswer {
  worker: string;
  polygons: readonly Polygon[];
}

/** Images up to 64 megapixels: one byte per pixel per annotator is held at once. */
export const MAX_PIXELS = 64 * 1024 * 1024;

export interface ConsolidatePolygonsOptions {
  classes: readonly string[];
  image: ImageSize;
}

export interface ConsolidatedMask {
  width: number;
  height: number;
  /** Row-major, one byte per pixel: 0 for background, k + 1 for `classes[k]`. */
  mask: Uint8Array;
  /**
   * The outlines of each class's pixels along pixel edges; filling a class's outlines
   * with the even-odd rule gives back its pixels exactly (holes are outlines too).
   */
  polygons: { label: string; outlines: Outline[] }[];
  /** Mean share of annotators agreeing with the consolidated value, over the pixels anyone marked (1 when nobody marked any). */
  confidence: number;
  /** The same mean over each class's consolidated pixels. */
  classConfidence: Record<string, number>;
  annotators: number;
}

function checkPolygonAnswers(answers: readonly PolygonAnswer[], classes: readonly string[], image: ImageSize, problems: Problems): void {
  if (!Array.isArray(answers) || answers.length === 0) return problems.add('answers', 'must be a non-empty list (one entry per annotator)');
  const known = new Set(classes);
  const seen = new Set<string>();
  answers.forEach((a, i) => {
    const at = `answers[${i}]`;
    if (a === null || typeof a !== 'object') return problems.add(at, 'must be an object {worker, polygons}');
    if (typeof a.worker !== 'string' || a.worker.length === 0) problems.add(`${at}.worker`, 'must be a non-empty string');
    else if (seen.has(a.worker)) problems.add(`${at}.worker`, `"${a.worker}" answers twice`);
    else seen.add(a.worker);
    if (!Array.isArray(a.polygons as unknown)) return problems.add(`${at}.polygons`, 'must be a list (empty when nothing is drawn)');
    a.polygons.forEach((p: Polygon, j: number) => {
      const pt = `${at}.polygons[${j}]`;
      if (p === null || typeof p !== 'object') return problems.add(pt, 'must be an object {label, vertices}');
      if (!known.has(p.label)) problems.add(`${pt}.label`, `unknown label ${JSON.stringify(p.label)}; the classes are ${classes.join(', ')}`);
      if (!Array.isArray(p.vertices as unknown) || p.vertices.length < 3) return problems.add(`${pt}.vertices`, 'must list at least 3 points');
      p.vertices.forEach((v: Point, k: number) => {
        const vt = `${pt}.vertices[${k}]`;
        if (v === null || typeof v !== 'object' || !isFiniteNumber(v.x) || !isFiniteNumber(v.y)) return problems.add(vt, 'must be a point {x, y} of finite numbers');
        if (v.x < 0 || v.y < 0 || v.x > image.width || v.y > image.height) problems.add(vt, `(${v.x}, ${v.y}) is outside the image (0..${image.width} × 0..${image.height})`);
      });
    });
  });
}

/**
 * Consolidates the polygons several annotators drew on one image, pixel by pixel. Each
 * annotator's polygons are rasterised on the image grid by scanline fill (a pixel
 * belongs to a polygon when its centre is inside; where one annotator's polygons
 * overlap, the one drawn later wins). Each pixel then takes the value most annotators
 * gave it, background included; a tie leaves it background. The class outlines are
 * traced back from the consolidated mask.
 */
export function consolidatePolygons(answers: readonly PolygonAnswer[], options: ConsolidatePolygonsOptions): ConsolidatedMask {
  const problems = new Problems();
  const { classes, image } = options;
  const classesOk = checkClasses(classes, problems);
  if (classesOk && classes.length > 255) problems.add('classes', 'at most 255 classes fit a one-byte mask');
  let imageOk = image !== null && typeof image === 'object';
  if (!imageOk) problems.add('image', 'must be {width, height, depth?}');
  else
    for (const f of ['width', 'height'] as const)
      if (!Number.isInteger(image[f]) || image[f] < 1) {
        problems.add(`image.${f}`, 'must be a positive integer');
        imageOk = false;
      }
  if (imageOk && image.width * image.height > MAX_PIXELS) {
    problems.add('image', `${image.width} × ${image.height} is more than the ${MAX_PIXELS} pixels consolidated at once`);
    imageOk = false;
  }
  if (classesOk && imageOk) checkPolygonAnswers(answers, classes, image, problems);
  problems.throwIfAny();

  const { width, height } = image;
  const P = width * height;
  const n = answers.length;
  const classIndex = new Map(classes.map((c, k) => [c, k + 1]));
  const layers = answers.map((a) => {
    const layer = new Uint8Array(P);
    for (const p of a.polygons) fillPolygon(p.vertices, width, height, layer, classIndex.get(p.label)!);
    return layer;
  });

  const K1 = classes.length + 1;
  const mask = new Uint8Array(P);
  const counts = new Int32Array(K1);
  let agreeSum = 0;
  let marked = 0;
  const classAgree = new Float64Array(K1);
  const classPixels = new Float64Array(K1);
  for (let px = 0; px < P; px++) {
    let any = false;
    for (let a = 0; a < n && !any; a++) any = layers[a][px] !== 0;
    if (!any) continue;
    counts.fill(0);
    for (let a = 0; a < n; a++) counts[layers[a][px]]++;
    let best = 0;
    let tie = false;
    for (let v = 1; v < K1; v++) {
      if (counts[v] > counts[best]) [best, tie] = [v, false];
      else if (counts[v] === counts[best]) tie = true;
    }
    const value = tie ? 0 : best;
    mask[px] = value;
    const share = counts[value] / n;
    agreeSum += share;
    marked++;
    classAgree[value] += share;
    classPixels[value]++;
  }
  const polygons = classes
    .map((label, k) => ({ label, outlines: classPixels[k + 1] > 0 ? traceOutlines(mask, width, height, k + 1) : [] }))
    .filter((p) => p.outlines.length > 0);
  return {
    width,
    height,
    mask,
    polygons,
    confidence: marked === 0 ? 1 : agreeSum / marked,
    classConfidence: Object.fromEntries(classes.flatMap((c, k) => (classPixels[k + 1] > 0 ? [[c, classAgree[k + 1] / classPixels[k + 1]]] : []))),
    annotators: n,
  };
}
