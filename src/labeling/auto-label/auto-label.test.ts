import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeMaskPng } from '../consolidation/index.js';
import { fitTextFeaturizer, imageRow, textRow } from './features.js';
import { withMachineLines } from './machine-lines.js';
import jpeg from 'jpeg-js';
import { decodeGreyImage } from './grey-image.js';
import { chooseThreshold } from './threshold.js';

function crc32(b: Buffer): number {
  let c = 0xffffffff;
  for (const x of b) {
    c ^= x;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
/** An 8-bit RGB PNG whose rows use the given filter type (the filtered bytes computed here). */
function rgbPng(w: number, h: number, px: (x: number, y: number) => [number, number, number], filter: number): Buffer {
  const rows: Buffer[] = [];
  let prev = Buffer.alloc(w * 3);
  for (let y = 0; y < h; y++) {
    const line = Buffer.alloc(w * 3);
    for (let x = 0; x < w; x++) line.set(px(x, y), x * 3);
    const out = Buffer.alloc(w * 3 + 1);
    out[0] = filter;
    for (let i = 0; i < line.length; i++) {
      const a = i >= 3 ? line[i - 3] : 0, b = prev[i], c = i >= 3 ? prev[i - 3] : 0;
      const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
      const pred = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][filter];
      out[i + 1] = (line[i] - pred) & 255;
    }
    rows.push(out);
    prev = line;
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}

describe('chooseThreshold', () => {
  it('picks the lowest confidence whose items reach the target, counting one imagined mistake', () => {
    // 20 sure and right, then 10 unsure of which half are wrong.
    const held = [
      ...Array.from({ length: 20 }, (_, i) => ({ confidence: 0.99 - i * 0.001, correct: true })),
      ...Array.from({ length: 10 }, (_, i) => ({ confidence: 0.6 - i * 0.01, correct: i % 2 === 0 })),
    ];
    const c = chooseThreshold(held, 0.95);
    // 20/21 = 0.952 passes; adding the next item (right: 21/22 = 0.9545) passes too; then a wrong one breaks it.
    expect(c.covered).toBe(21);
    expect(c.threshold).toBeCloseTo(0.6);
    expect(c.accuracy).toBe(1);
  });
  it('labels nothing when too few held-out items back the target', () => {
    expect(chooseThreshold(Array.from({ length: 10 }, () => ({ confidence: 0.99, correct: true })), 0.95).threshold).toBeNull();
    expect(chooseThreshold([], 0.95)).toEqual({ threshold: null, covered: 0, accuracy: null });
  });
  it('never splits items of the same confidence', () => {
    const held = [...Array.from({ length: 30 }, () => ({ confidence: 0.9, correct: true })), ...Array.from({ length: 10 }, () => ({ confidence: 0.9, correct: false }))];
    expect(chooseThreshold(held, 0.95).threshold).toBeNull();
  });
});

describe('decodeGreyImage', () => {
  it('reads every scanline filter of an RGB PNG', () => {
    const px = (x: number, y: number): [number, number, number] => [(x * 37 + y * 11) & 255, (x * 5 + y * 90) & 255, (x * y * 3) & 255];
    for (const filter of [0, 1, 2, 3, 4]) {
      const img = decodeGreyImage(rgbPng(7, 5, px, filter));
      if ('problem' in img) throw new Error(img.problem);
      expect([img.width, img.height]).toEqual([7, 5]);
      for (const [x, y] of [[0, 0], [6, 4], [3, 2]]) {
        const [r, g, b] = px(x, y);
        expect(img.grey[y * 7 + x]).toBeCloseTo((0.299 * r + 0.587 * g + 0.114 * b) / 255, 5);
      }
    }
  });
  it('reads an indexed PNG through its palette', () => {
    const mask = Uint8Array.from([0, 1, 1, 0, 1, 0]);
    const img = decodeGreyImage(encodeMaskPng(mask, 3, 2, ['#000000', '#ffffff']));
    if ('problem' in img) throw new Error(img.problem);
    expect(Array.from(img.grey)).toEqual([0, 1, 1, 0, 1, 0]);
  });
  it('reads a JPEG', () => {
    // Left half dark grey, right half light: JPEG is lossy, so the levels are read to a tolerance.
    const width = 16;
    const height = 8;
    const data = Buffer.alloc(width * height * 4);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.fill(x < 8 ? 60 : 200, (y * width + x) * 4, (y * width + x) * 4 + 3).writeUInt8(255, (y * width + x) * 4 + 3);
    const img = decodeGreyImage(jpeg.encode({ data, width, height }, 95).data);
    if ('problem' in img) throw new Error(img.problem);
    expect([img.width, img.height]).toEqual([width, height]);
    expect(img.grey[3 * width + 2]).toBeCloseTo(60 / 255, 1);
    expect(img.grey[3 * width + 13]).toBeCloseTo(200 / 255, 1);
  });
  it('names what it cannot read', () => {
    expect(decodeGreyImage(Buffer.from('GIF89a and the rest'))).toEqual({ problem: 'neither PNG nor JPEG' });
    expect(decodeGreyImage(Buffer.from([0xff, 0xd8, 0xff, 0xe0, ...Buffer.alloc(40)]))).toMatchObject({ problem: expect.stringMatching(/^not a readable JPEG/) });
    const png = rgbPng(4, 4, () => [1, 2, 3], 0);
    expect('problem' in decodeGreyImage(png.subarray(0, png.length - 30))).toBe(true);
  });
});

describe('features', () => {
  it('image rows average areas: a 4×4 image to 2×2', () => {
    const grey = Float32Array.from([1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0.5, 0.5, 0, 0, 0.5, 0.5]);
    const out = new Float32Array(4);
    imageRow(2, { width: 4, height: 4, grey }, out);
    expect(Array.from(out)).toEqual([1, 0, 0, 0.5]);
  });
  it('text rows are unit-length tf-idf; a word in every text weighs less than a rare one', () => {
    const texts = ['the film was great', 'the film was dull', 'the plot'];
    const f = fitTextFeaturizer(texts, texts);
    if (f.kind !== 'text') throw new Error('text');
    // The vocabulary: terms of the training texts, most frequent first.
    expect(f.vocabulary.slice(0, 2)).toEqual(['the', 'film']);
    expect(f.vocabulary).not.toContain('the great');
    const row = new Float32Array(f.vocabulary.length);
    textRow(f, 'the great unseen', row);
    const nz = Array.from(row).filter((v) => v !== 0);
    expect(nz.length).toBe(2); // "the", "great"; "unseen" and the pairs are not in the vocabulary
    expect(nz.reduce((s, v) => s + v * v, 0)).toBeCloseTo(1, 5);
    expect(Math.min(...nz)).toBeLessThan(Math.max(...nz));
  });
});

describe('withMachineLines', () => {
  it('keeps human lines, adds machine lines with human-annotated "no", in input order, gold left out', () => {
    const items = [
      { item: '0', source: { source: 'a' }, answered: true, gold: false },
      { item: '1', source: { source: 'b' }, answered: false, gold: false },
      { item: '2', source: { source: 'c' }, answered: false, gold: false },
      { item: 'gold-0', source: { source: 'g' }, answered: true, gold: true },
    ];
    const human = [{ source: 'a', j: 0, 'j-metadata': { 'human-annotated': 'yes' } }];
    const { lines, machineLines } = withMachineLines(items, human, [{ job: 'j', item: '1', label: 'neg', confidence: 0.97, round: 1, created_at: '2026-01-01T00:00:00Z' }], { jobName: 'j', attribute: 'j', classes: ['pos', 'neg'], image: false, multiLabel: false });
    expect(machineLines).toBe(1);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(human[0]);
    expect(lines[1]).toMatchObject({ source: 'b', j: 1, 'j-metadata': { 'human-annotated': 'no', confidence: 0.97, 'class-name': 'neg' } });
  });
});
