import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { OrchardError } from '../../core/errors.js';
import { encodeMaskPng } from './png.js';
import { consolidatePolygons } from './polygons.js';
import { fillPolygon, traceOutlines } from './raster.js';
import { seededRandom } from './simulate.js';

const square = (x: number, y: number, s: number) => [
  { x, y },
  { x: x + s, y },
  { x: x + s, y: y + s },
  { x, y: y + s },
];

const rows = (mask: Uint8Array, w: number): string[] => Array.from({ length: mask.length / w }, (_, y) => Array.from(mask.subarray(y * w, (y + 1) * w)).join(''));

describe('fillPolygon', () => {
  it('fills the pixels whose centres are inside, by the even-odd rule', () => {
    const m = new Uint8Array(5 * 4);
    fillPolygon(square(1, 1, 2), 5, 4, m, 1);
    expect(rows(m, 5)).toEqual(['00000', '01100', '01100', '00000']);
    const t = new Uint8Array(5 * 5);
    fillPolygon([{ x: 0, y: 0 }, { x: 5, y: 0 }, { x: 0, y: 5 }], 5, 5, t, 2);
    expect(rows(t, 5)).toEqual(['22220', '22200', '22000', '20000', '00000']);
  });
});

describe('traceOutlines', () => {
  it('traces outer outlines and holes that fill back to the same pixels', () => {
    const w = 6;
    const mask = Uint8Array.from([...'111000' + '101000' + '111000' + '000110' + '000110'].map(Number));
    const outlines = traceOutlines(mask, w, 5, 1);
    // The ring around a hole, the hole, and the square touching it only at a corner.
    expect(outlines.filter((o) => !o.hole)).toHaveLength(2);
    expect(outlines.filter((o) => o.hole)).toHaveLength(1);
    const back = new Uint8Array(mask.length);
    const acc = new Uint8Array(mask.length);
    for (const o of outlines) {
      back.fill(0);
      fillPolygon(o.vertices, w, 5, back, 1);
      for (let i = 0; i < acc.length; i++) acc[i] ^= back[i];
    }
    expect(rows(acc, w)).toEqual(rows(mask, w));
    const corner = outlines.find((o) => o.vertices.some((v) => v.x === 5))!;
    expect(corner.vertices.map((v) => [v.x, v.y]).sort()).toEqual([[3, 3], [3, 5], [5, 3], [5, 5]].sort());
    const hole = outlines.find((o) => o.hole)!;
    expect(hole.vertices.map((v) => [v.x, v.y]).sort()).toEqual([[1, 1], [1, 2], [2, 1], [2, 2]].sort());
  });

  it('round-trips random masks exactly', () => {
    const rnd = seededRandom(7);
    for (let trial = 0; trial < 20; trial++) {
      const w = 12;
      const h = 9;
      const mask = Uint8Array.from({ length: w * h }, () => (rnd() < 0.45 ? 1 : 0));
      const acc = new Uint8Array(w * h);
      const one = new Uint8Array(w * h);
      for (const o of traceOutlines(mask, w, h, 1)) {
        one.fill(0);
        fillPolygon(o.vertices, w, h, one, 1);
        for (let i = 0; i < acc.length; i++) acc[i] ^= one[i];
      }
      expect(rows(acc, w)).toEqual(rows(mask, w));
    }
  });
});

describe('consolidatePolygons', () => {
  const classes = ['road', 'car'];
  const image = { width: 8, height: 6 };

  it('takes the pixel-wise majority, traces the result and reports agreement', () => {
    const out = consolidatePolygons(
      [
        { worker: 'x', polygons: [{ label: 'road', vertices: square(0, 0, 4) }, { label: 'car', vertices: square(5, 3, 2) }] },
        { worker: 'y', polygons: [{ label: 'road', vertices: square(1, 1, 4) }] },
        { worker: 'z', polygons: [{ label: 'car', vertices: square(1, 1, 2) }] },
      ],
      { classes, image },
    );
    expect(rows(out.mask, 8)).toEqual(['00000000', '01110000', '01110000', '01110000', '00000000', '00000000']);
    expect(out.polygons).toEqual([{ label: 'road', outlines: [{ vertices: expect.any(Array), hole: false }] }]);
    expect(out.polygons[0].outlines[0].vertices).toHaveLength(4);
    // 9 road pixels: 4 with 2 of 3 votes for road (z said car), 5 with 2 of 3; every other marked pixel has 2 of 3 for background.
    expect(out.classConfidence.road).toBeCloseTo(2 / 3, 12);
    expect(out.confidence).toBeCloseTo(2 / 3, 12);
    expect(out.annotators).toBe(3);
  });

  it('lets the later of one annotator\'s overlapping polygons win, and leaves ties as background', () => {
    const out = consolidatePolygons(
      [
        { worker: 'x', polygons: [{ label: 'road', vertices: square(0, 0, 4) }, { label: 'car', vertices: square(0, 0, 2) }] },
        { worker: 'y', polygons: [{ label: 'road', vertices: square(0, 0, 4) }] },
      ],
      { classes, image },
    );
    expect(rows(out.mask, 8).slice(0, 4)).toEqual(['00110000', '00110000', '11110000', '11110000']);
    // 12 pixels both annotators agree on; on the 4 tied ones nobody said background.
    expect(out.confidence).toBeCloseTo(12 / 16, 12);
  });

  it('refuses vertices outside the image, unknown labels and short polygons, naming each field', () => {
    try {
      consolidatePolygons(
        [{ worker: 'x', polygons: [{ label: 'sky', vertices: [{ x: 0, y: 0 }, { x: 9, y: 0 }, { x: 0, y: 2 }] }, { label: 'car', vertices: [{ x: 0, y: 0 }] }] }],
        { classes, image },
      );
      throw new Error('expected an error');
    } catch (err) {
      expect(err).toBeInstanceOf(OrchardError);
      expect((err as OrchardError).code).toBe('ORCH_LABELING_INVALID');
      expect(((err as OrchardError).details!.errors as { field: string }[]).map((e) => e.field)).toEqual([
        'answers[0].polygons[0].label',
        'answers[0].polygons[0].vertices[1]',
        'answers[0].polygons[1].vertices',
      ]);
    }
    expect(() => consolidatePolygons([], { classes, image })).toThrow(/answers/);
    expect(() => consolidatePolygons([{ worker: 'x', polygons: [] }], { classes, image: { width: 100_000, height: 100_000 } })).toThrow(/pixels/);
  });
});

describe('encodeMaskPng', () => {
  it('writes an indexed PNG whose pixels are the mask values and whose palette is the colours', () => {
    const mask = Uint8Array.from([0, 1, 2, 1, 0, 0]);
    const png = encodeMaskPng(mask, 3, 2, ['#ffffff', '#2ca02c', '#1f77b4']);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const chunks = new Map<string, Buffer>();
    for (let at = 8; at < png.length; ) {
      const len = png.readUInt32BE(at);
      chunks.set(png.toString('latin1', at + 4, at + 8), png.subarray(at + 8, at + 8 + len));
      at += 12 + len;
    }
    expect([...chunks.keys()]).toEqual(['IHDR', 'PLTE', 'IDAT', 'IEND']);
    const ihdr = chunks.get('IHDR')!;
    expect([ihdr.readUInt32BE(0), ihdr.readUInt32BE(4), ihdr[8], ihdr[9]]).toEqual([3, 2, 8, 3]);
    expect([...chunks.get('PLTE')!]).toEqual([255, 255, 255, 0x2c, 0xa0, 0x2c, 0x1f, 0x77, 0xb4]);
    expect([...inflateSync(chunks.get('IDAT')!)]).toEqual([0, 0, 1, 2, 0, 1, 0, 0]);
  });
});
