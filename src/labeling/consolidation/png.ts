import { deflateSync } from 'node:zlib';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(data.length);
  const tail = Buffer.alloc(4);
  tail.writeUInt32BE(crc32(body));
  return Buffer.concat([head, body, tail]);
}

/** `#rrggbb` to [r, g, b]. */
export function parseHexColor(hex: string): [number, number, number] | undefined {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!m) return undefined;
  const v = parseInt(m[1], 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

/**
 * An 8-bit indexed-colour PNG (colour type 3) of a class mask: each pixel's value is its
 * palette index, so the file is both the class-index map and, through the palette, the
 * coloured mask Ground Truth writes. `palette[k]` is the colour of value k.
 */
export function encodeMaskPng(mask: Uint8Array, width: number, height: number, palette: readonly string[]): Buffer {
  if (mask.length !== width * height) throw new Error('encodeMaskPng: mask size does not match width × height');
  if (palette.length < 1 || palette.length > 256) throw new Error('encodeMaskPng: the palette holds 1 to 256 colours');
  const plte = Buffer.alloc(palette.length * 3);
  palette.forEach((hex, k) => {
    const rgb = parseHexColor(hex);
    if (!rgb) throw new Error(`encodeMaskPng: ${hex} is not #rrggbb`);
    plte.set(rgb, k * 3);
  });
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 3; // indexed colour
  // compression, filter and interlace methods: 0
  const raw = Buffer.alloc(height * (width + 1));
  for (let y = 0; y < height; y++) raw.set(mask.subarray(y * width, (y + 1) * width), y * (width + 1) + 1); // filter 0 (none) per row
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('PLTE', plte),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}
