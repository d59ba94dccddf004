/**
 * The size of a PNG or JPEG image from its first bytes, without decoding it: PNG's IHDR
 * (PNG spec §11.2.2) and JPEG's start-of-frame marker (ITU T.81 §B.2.2). Anything else,
 * or a header that ends early or names a zero size, is not an image this reads.
 */
export interface ImageHeader {
  format: 'png' | 'jpeg';
  width: number;
  height: number;
}

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Bytes read from an object to find its size (a JPEG's frame header may follow EXIF data). */
export const HEADER_BYTES = 256 * 1024;

export function readImageHeader(b: Buffer): ImageHeader | { problem: string } {
  if (b.length >= 24 && b.subarray(0, 8).equals(PNG_MAGIC)) {
    if (b.toString('latin1', 12, 16) !== 'IHDR') return { problem: 'a PNG whose first chunk is not IHDR' };
    const width = b.readUInt32BE(16);
    const height = b.readUInt32BE(20);
    if (width === 0 || height === 0) return { problem: `a PNG of ${width}×${height} pixels` };
    return { format: 'png', width, height };
  }
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return jpegSize(b);
  return { problem: 'neither PNG nor JPEG (its first bytes are not either signature)' };
}

function jpegSize(b: Buffer): ImageHeader | { problem: string } {
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return { problem: 'a JPEG whose markers are broken' };
    const marker = b[i + 1];
    // Fill bytes, and markers without a length (TEM, RSTn).
    if (marker === 0xff) {
      i += 1;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return { problem: 'a JPEG with no frame header before its data' };
    const length = b.readUInt16BE(i + 2);
    if (length < 2) return { problem: 'a JPEG whose markers are broken' };
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (i + 9 > b.length) break;
      const height = b.readUInt16BE(i + 5);
      const width = b.readUInt16BE(i + 7);
      if (width === 0 || height === 0) return { problem: `a JPEG of ${width}×${height} pixels` };
      return { format: 'jpeg', width, height };
    }
    i += 2 + length;
  }
  return { problem: 'a JPEG whose frame header was not found in its first bytes' };
}
