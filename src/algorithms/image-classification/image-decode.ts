/**
 * PNG and JPEG to the network's input: decoded with pngjs and jpeg-js (pure JavaScript,
 * no native build), resized bilinearly to the job's height × width, converted to its
 * channels (grey = ITU-R BT.601 luma), as float pixels 0..255 in HWC order.
 */
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { ImageShape } from './hyperparameters.js';

/** An image that does not decode; `reason` says why (the caller adds which image). */
export class ImageDecodeError extends Error {}

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

/** Decoded RGBA pixels. */
interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

/** At most this many pixels are decoded (a 64-megapixel image), against decompression bombs. */
const MAX_PIXELS = 64 * 1024 * 1024;

function decodeRgba(bytes: Buffer): Rgba {
  if (bytes.length >= 4 && bytes.subarray(0, 4).equals(PNG_MAGIC)) {
    try {
      const png = PNG.sync.read(bytes);
      return { width: png.width, height: png.height, data: png.data };
    } catch (err) {
      throw new ImageDecodeError(`not a readable PNG (${(err as Error).message})`);
    }
  }
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    try {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_PIXELS / 1024 / 1024, maxMemoryUsageInMB: 1024 });
      return { width: img.width, height: img.height, data: img.data };
    } catch (err) {
      throw new ImageDecodeError(`not a readable JPEG (${(err as Error).message})`);
    }
  }
  throw new ImageDecodeError('neither PNG nor JPEG');
}

/**
 * Decodes `bytes` into `out` (HWC, shape.height × shape.width × shape.channels floats
 * from `offset`). Transparent pixels are composed over black.
 */
export function decodeImageInto(bytes: Buffer, shape: ImageShape, out: Float32Array, offset = 0): void {
  const img = decodeRgba(bytes);
  if (img.width * img.height > MAX_PIXELS) throw new ImageDecodeError(`${img.width}×${img.height} pixels is too large`);
  const { height: H, width: W, channels: C } = shape;
  const sy = img.height / H;
  const sx = img.width / W;
  const px = (x: number, y: number, c: number) => img.data[(y * img.width + x) * 4 + c] * (img.data[(y * img.width + x) * 4 + 3] / 255);
  for (let y = 0; y < H; y++) {
    // Pixel centres map to pixel centres (as OpenCV's INTER_LINEAR).
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), img.height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, img.height - 1);
    const wy = fy - y0;
    for (let x = 0; x < W; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), img.width - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, img.width - 1);
      const wx = fx - x0;
      const rgb = [0, 0, 0];
      for (let c = 0; c < 3; c++) {
        const top = px(x0, y0, c) * (1 - wx) + px(x1, y0, c) * wx;
        const bottom = px(x0, y1, c) * (1 - wx) + px(x1, y1, c) * wx;
        rgb[c] = top * (1 - wy) + bottom * wy;
      }
      const o = offset + (y * W + x) * C;
      if (C === 3) {
        out[o] = rgb[0];
        out[o + 1] = rgb[1];
        out[o + 2] = rgb[2];
      } else out[o] = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2];
    }
  }
}

/**
 * A PNG or JPEG at its own size as grey levels in [0, 1] (ITU-R BT.601 luma, transparent
 * pixels composed over black), row-major. Throws {@link ImageDecodeError}.
 */
export function decodeGrey(bytes: Buffer): { width: number; height: number; grey: Float32Array } {
  const img = decodeRgba(bytes);
  if (img.width * img.height > MAX_PIXELS) throw new ImageDecodeError(`${img.width}×${img.height} pixels is too large`);
  const grey = new Float32Array(img.width * img.height);
  const d = img.data;
  for (let i = 0, p = 0; i < grey.length; i++, p += 4) grey[i] = ((0.299 * d[p] + 0.587 * d[p + 1] + 0.114 * d[p + 2]) * (d[p + 3] / 255)) / 255;
  return { width: img.width, height: img.height, grey };
}

/** Whether `bytes` start like a PNG or a JPEG. */
export function looksLikeImage(bytes: Buffer): boolean {
  return (bytes.length >= 4 && bytes.subarray(0, 4).equals(PNG_MAGIC)) || (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff);
}
