import { inflateSync } from 'node:zlib';

/** A decoded image as grey levels in [0, 1], row-major. */
export interface GreyImage {
  width: number;
  height: number;
  grey: Float32Array;
}

const MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Larger images are not decoded for features (their items go to people). */
const MAX_PIXELS = 4096 * 4096;

/**
 * Decodes a non-interlaced PNG (PNG spec §11: colour types 0, 2, 3, 4, 6; bit depths 1 to
 * 16; the five scanline filters of §9.2) into grey levels, transparency ignored. Returns a
 * reason instead when the file is something else (a JPEG, an interlaced PNG, a broken one):
 * such an item is not labeled by the model.
 */
export function decodePngGrey(b: Buffer): GreyImage | { problem: string } {
  if (b.length < 33 || !b.subarray(0, 8).equals(MAGIC)) return { problem: 'not a PNG' };
  let pos = 8;
  let width = 0, height = 0, depth = 0, colour = 0, interlace = 0;
  let palette: Buffer | null = null;
  const idat: Buffer[] = [];
  while (pos + 8 <= b.length) {
    const len = b.readUInt32BE(pos);
    const type = b.toString('latin1', pos + 4, pos + 8);
    const data = b.subarray(pos + 8, pos + 8 + len);
    if (data.length < len) return { problem: 'a PNG that ends early' };
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      depth = data[8];
      colour = data[9];
      interlace = data[12];
    } else if (type === 'PLTE') palette = data;
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    pos += 12 + len;
  }
  if (width === 0 || height === 0 || width * height > MAX_PIXELS) return { problem: `a PNG of ${width}×${height}` };
  if (interlace !== 0) return { problem: 'an interlaced PNG' };
  const channels = ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[colour];
  if (!channels || ![1, 2, 4, 8, 16].includes(depth) || (colour === 3 && !palette)) return { problem: `a PNG of colour type ${colour}, depth ${depth}` };
  let raw: Buffer;
  try {
    raw = inflateSync(Buffer.concat(idat));
  } catch {
    return { problem: 'a PNG whose image data does not inflate' };
  }
  const bitsPerPixel = channels * depth;
  const stride = Math.ceil((width * bitsPerPixel) / 8);
  const bpp = Math.max(1, bitsPerPixel >> 3);
  if (raw.length < height * (stride + 1)) return { problem: 'a PNG with too little image data' };
  const prev = Buffer.alloc(stride);
  const line = Buffer.alloc(stride);
  const grey = new Float32Array(width * height);
  const max = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? line[i - bpp] : 0;
      const up = prev[i];
      const c = i >= bpp ? prev[i - bpp] : 0;
      let v = src[i];
      if (f === 1) v += a;
      else if (f === 2) v += up;
      else if (f === 3) v += (a + up) >> 1;
      else if (f === 4) {
        // Paeth predictor (§9.4).
        const p = a + up - c, pa = Math.abs(p - a), pb = Math.abs(p - up), pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? up : c;
      } else if (f !== 0) return { problem: `a PNG with scanline filter ${f}` };
      line[i] = v & 255;
    }
    const sample = (k: number): number => {
      if (depth === 8) return line[k];
      if (depth === 16) return line.readUInt16BE(k * 2);
      const bit = k * depth;
      return (line[bit >> 3] >> (8 - depth - (bit & 7))) & max;
    };
    for (let x = 0; x < width; x++) {
      let g: number;
      if (colour === 3) {
        const k = sample(x) * 3;
        g = palette!.length >= k + 3 ? (0.299 * palette![k] + 0.587 * palette![k + 1] + 0.114 * palette![k + 2]) / 255 : 0;
      } else if (colour === 0 || colour === 4) g = sample(x * channels) / max;
      else g = (0.299 * sample(x * channels) + 0.587 * sample(x * channels + 1) + 0.114 * sample(x * channels + 2)) / max;
      grey[y * width + x] = g;
    }
    prev.set(line);
  }
  return { width, height, grey };
}
