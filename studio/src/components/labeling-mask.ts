/**
 * A segmentation mask shown over its image: each pixel whose colour is a class's
 * `hex-color` (Ground Truth's `internal-color-map`) is drawn in that colour, half
 * transparent; every other pixel (BACKGROUND, or a colour no class has) is left clear.
 */
export function overlayPixels(rgba: Uint8ClampedArray, classes: readonly { color: string }[], alpha = 128): Uint8ClampedArray {
  const known = new Set(classes.map((c) => parseInt(c.color.slice(1), 16)));
  const out = new Uint8ClampedArray(rgba.length);
  for (let i = 0; i < rgba.length; i += 4) {
    const rgb = (rgba[i] << 16) | (rgba[i + 1] << 8) | rgba[i + 2];
    if (rgba[i + 3] === 0 || !known.has(rgb)) continue;
    out[i] = rgba[i];
    out[i + 1] = rgba[i + 1];
    out[i + 2] = rgba[i + 2];
    out[i + 3] = alpha;
  }
  return out;
}
