/**
 * Zoom and pan of an image labeling view, as pure functions. The stage (the image with
 * its SVG drawn over it) is shown at `scale`, moved by (`x`, `y`) viewport pixels from
 * the viewport's top left corner: a stage point p is shown at `x + p * scale`. Drawing
 * stays in image pixels: {@link toImage} undoes the view and the image's display size.
 */
export interface View {
  scale: number;
  x: number;
  y: number;
}

/** The view nothing is zoomed or moved in. */
export const IDENTITY: View = { scale: 1, x: 0, y: 0 };
/** Zoom limits: from the whole image to 32 times its displayed size. */
export const MIN_SCALE = 1;
export const MAX_SCALE = 32;
/** One +/- key press or one wheel notch zooms by this factor. */
export const STEP = 1.25;

/**
 * Zooms by `factor` about a point of the viewport (the pointer), which keeps showing the
 * same stage point; the scale is kept within [MIN_SCALE, MAX_SCALE] and the stage within
 * the viewport.
 */
export function zoomAbout(view: View, factor: number, px: number, py: number, viewport: { width: number; height: number }): View {
  const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, view.scale * factor));
  const k = scale / view.scale;
  return clampView({ scale, x: px - (px - view.x) * k, y: py - (py - view.y) * k }, viewport);
}

/** Moves the stage by (dx, dy) viewport pixels, kept within the viewport. */
export function panBy(view: View, dx: number, dy: number, viewport: { width: number; height: number }): View {
  return clampView({ scale: view.scale, x: view.x + dx, y: view.y + dy }, viewport);
}

/**
 * Keeps a zoomed stage covering the viewport: no gap shows on either side (the stage,
 * unzoomed, is the viewport's size).
 */
export function clampView(view: View, viewport: { width: number; height: number }): View {
  const minX = viewport.width - viewport.width * view.scale;
  const minY = viewport.height - viewport.height * view.scale;
  return { scale: view.scale, x: Math.min(0, Math.max(minX, view.x)), y: Math.min(0, Math.max(minY, view.y)) };
}

/**
 * A viewport point (pixels from its top left corner) in image pixels, clamped to the
 * image: the view undone, then the stage's display size (`viewport`) scaled to the
 * image's own size.
 */
export function toImage(view: View, px: number, py: number, viewport: { width: number; height: number }, image: { width: number; height: number }): { x: number; y: number } {
  const sx = (px - view.x) / view.scale;
  const sy = (py - view.y) / view.scale;
  const x = (sx / viewport.width) * image.width;
  const y = (sy / viewport.height) * image.height;
  return { x: Math.min(image.width, Math.max(0, x)), y: Math.min(image.height, Math.max(0, y)) };
}

/** Where an image point shows in the viewport (the inverse of {@link toImage}, unclamped). */
export function toViewport(view: View, x: number, y: number, viewport: { width: number; height: number }, image: { width: number; height: number }): { x: number; y: number } {
  return { x: view.x + (x / image.width) * viewport.width * view.scale, y: view.y + (y / image.height) * viewport.height * view.scale };
}

/** The CSS transform that shows the stage in `view` (origin at its top left corner). */
export function cssTransform(view: View): string {
  return `translate(${view.x}px, ${view.y}px) scale(${view.scale})`;
}

/** The zoom factor of a wheel event: one notch (about 100 px of delta) is one {@link STEP}, out for positive deltas. */
export function wheelFactor(deltaY: number, deltaMode: number): number {
  const pixels = deltaMode === 1 ? deltaY * 33 : deltaMode === 2 ? deltaY * 400 : deltaY;
  return Math.pow(STEP, -Math.max(-5, Math.min(5, pixels / 100)));
}
