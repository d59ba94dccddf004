import { decodeGrey, ImageDecodeError } from '../../algorithms/image-classification/image-decode.js';

/** A decoded image as grey levels in [0, 1], row-major. */
export interface GreyImage {
  width: number;
  height: number;
  grey: Float32Array;
}

/** Larger images are not decoded for features (their items go to people). */
const MAX_PIXELS = 4096 * 4096;

/**
 * Decodes a PNG or a JPEG (with the image-classification built-in's decoders) into grey
 * levels. Returns a reason instead when the file is something else or broken: such an
 * item is not labeled by the model.
 */
export function decodeGreyImage(b: Buffer): GreyImage | { problem: string } {
  try {
    const img = decodeGrey(b);
    if (img.width * img.height > MAX_PIXELS) return { problem: `an image of ${img.width}×${img.height}` };
    return img;
  } catch (err) {
    if (err instanceof ImageDecodeError) return { problem: err.message };
    throw err;
  }
}
