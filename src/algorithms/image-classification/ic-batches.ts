/**
 * Minibatches of normalised images, augmented as SageMaker's `augmentation_type` says:
 * `crop` is a random crop of the image padded by 4 pixels and a horizontal flip half the
 * time (the CIFAR recipe of He et al. 2016, §4.2); `crop_color` adds brightness, contrast
 * and saturation jitter (±20 %); `crop_color_transform` adds a rotation of up to ±10° and
 * a scale of 0.9–1.1. Each batch's draws come from the job's seed and the step, so a run
 * (and a resumed run) is reproducible.
 */
import { createRandom, type Random } from '../parallel/random.js';
import type { Augmentation } from './hyperparameters.js';
import type { ImageSet } from './image-data.js';

/** Per-channel mean and standard deviation of the training pixels (0..255). */
export interface Normalisation {
  mean: number[];
  std: number[];
}

export function measureNormalisation(set: ImageSet): Normalisation {
  const C = set.shape.channels;
  const sum = new Float64Array(C);
  const sq = new Float64Array(C);
  for (let i = 0; i < set.pixels.length; i++) {
    const v = set.pixels[i];
    sum[i % C] += v;
    sq[i % C] += v * v;
  }
  const n = set.pixels.length / C;
  const mean = Array.from(sum, (s) => s / n);
  const std = Array.from(sq, (s, c) => Math.max(1, Math.sqrt(Math.max(0, s / n - mean[c] ** 2))));
  return { mean, std };
}

/** Normalises pixels [0..255] in place. */
export function normalise(pixels: Float32Array, channels: number, norm: Normalisation): Float32Array {
  for (let i = 0; i < pixels.length; i++) pixels[i] = (pixels[i] - norm.mean[i % channels]) / norm.std[i % channels];
  return pixels;
}

/** One image, augmented, into `out` (HWC floats, 0..255). */
function augmentInto(src: Float32Array, from: number, H: number, W: number, C: number, kind: Augmentation, rng: Random, fill: number[], out: Float32Array, to: number): void {
  const flip = rng.next() < 0.5;
  const dx = Math.floor(rng.next() * 9) - 4;
  const dy = Math.floor(rng.next() * 9) - 4;
  let cos = 1;
  let sin = 0;
  let scale = 1;
  if (kind === 'crop_color_transform') {
    const angle = ((rng.next() * 2 - 1) * 10 * Math.PI) / 180;
    cos = Math.cos(angle);
    sin = Math.sin(angle);
    scale = 0.9 + rng.next() * 0.2;
  }
  const cx = (W - 1) / 2;
  const cy = (H - 1) / 2;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      // Inverse map: output pixel -> source pixel (nearest).
      const ox = (flip ? W - 1 - x : x) - cx - dx;
      const oy = y - cy - dy;
      const sx = Math.round(cx + (cos * ox + sin * oy) / scale);
      const sy = Math.round(cy + (-sin * ox + cos * oy) / scale);
      const o = to + (y * W + x) * C;
      if (sx < 0 || sy < 0 || sx >= W || sy >= H) for (let c = 0; c < C; c++) out[o + c] = fill[c];
      else for (let c = 0; c < C; c++) out[o + c] = src[from + (sy * W + sx) * C + c];
    }
  }
  if (kind === 'crop_color' || kind === 'crop_color_transform') {
    const brightness = 0.8 + rng.next() * 0.4;
    const contrast = 0.8 + rng.next() * 0.4;
    const saturation = 0.8 + rng.next() * 0.4;
    const n = H * W;
    let mean = 0;
    for (let i = 0; i < n * C; i++) mean += out[to + i];
    mean /= n * C;
    for (let p = 0; p < n; p++) {
      const o = to + p * C;
      const grey = C === 3 ? 0.299 * out[o] + 0.587 * out[o + 1] + 0.114 * out[o + 2] : out[o];
      for (let c = 0; c < C; c++) {
        let v = C === 3 ? grey + (out[o + c] - grey) * saturation : out[o + c];
        v = mean + (v - mean) * contrast;
        out[o + c] = Math.min(255, Math.max(0, v * brightness));
      }
    }
  }
}

/** The normalised (and, when training, augmented) images of `rows` as [rows, H, W, C]. */
export function imageBatch(set: ImageSet, rows: ArrayLike<number>, norm: Normalisation, augmentation: Augmentation, seed: number): Float32Array {
  const { height: H, width: W, channels: C } = set.shape;
  const size = H * W * C;
  const out = new Float32Array(rows.length * size);
  const rng = createRandom(seed);
  for (let i = 0; i < rows.length; i++) {
    const from = rows[i] * size;
    if (augmentation === 'none') out.set(set.pixels.subarray(from, from + size), i * size);
    else augmentInto(set.pixels, from, H, W, C, augmentation, rng, norm.mean, out, i * size);
  }
  return normalise(out, C, norm);
}
