import { describe, expect, it } from 'vitest';
import { checkAnswer, matchesGold } from './answers.js';
import { consolidate } from './consolidate.js';
import { readImageHeader } from './image-header.js';

function png(w: number, h: number): Buffer {
  const b = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(b);
  b.writeUInt32BE(13, 8);
  b.write('IHDR', 12, 'latin1');
  b.writeUInt32BE(w, 16);
  b.writeUInt32BE(h, 20);
  return b;
}

/** SOI, an APP0 segment, then SOF0 with the size (height first, as JPEG stores it). */
function jpeg(w: number, h: number): Buffer {
  const app0 = Buffer.from([0xff, 0xe0, 0x00, 0x10, ...Buffer.from('JFIF\0'), 1, 1, 0, 0, 1, 0, 1, 0, 0]);
  const sof = Buffer.from([0xff, 0xc0, 0x00, 0x11, 8, h >> 8, h & 255, w >> 8, w & 255, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, sof, Buffer.from([0xff, 0xd9])]);
}

describe('image headers', () => {
  it('reads the size of PNG and JPEG images', () => {
    expect(readImageHeader(png(640, 480))).toEqual({ format: 'png', width: 640, height: 480 });
    expect(readImageHeader(jpeg(300, 200))).toEqual({ format: 'jpeg', width: 300, height: 200 });
  });

  it('names what is wrong with anything else', () => {
    expect(readImageHeader(Buffer.from('GIF89a and more bytes here....'))).toMatchObject({ problem: expect.stringContaining('neither PNG nor JPEG') });
    expect(readImageHeader(png(0, 10))).toMatchObject({ problem: expect.stringContaining('0×10') });
    expect(readImageHeader(jpeg(300, 200).subarray(0, 22))).toMatchObject({ problem: expect.stringContaining('JPEG') });
    expect(readImageHeader(Buffer.alloc(0))).toMatchObject({ problem: expect.any(String) });
  });
});

describe('answers', () => {
  const image = { width: 40, height: 30 };
  it('normalises a classification answer and refuses unknown labels', () => {
    const ctx = { taskType: 'text-classification' as const, multiLabel: false, labels: ['a', 'b'], image: null, text: 'x' };
    expect(checkAnswer('a', ctx)).toEqual({ answer: { label: 'a' } });
    expect(checkAnswer({ label: 'b' }, ctx)).toEqual({ answer: { label: 'b' } });
    expect(checkAnswer({ label: 'c' }, ctx)).toMatchObject({ problems: [{ code: 'ORCH_LABELING_ANSWER_INVALID' }] });
    const multi = { ...ctx, multiLabel: true };
    expect(checkAnswer(['a', 'b'], multi)).toEqual({ answer: { labels: ['a', 'b'] } });
    expect(checkAnswer({ labels: ['a', 'a'] }, multi)).toMatchObject({ problems: [{ message: expect.stringContaining('twice') }] });
  });

  it('lists every box outside the image', () => {
    const ctx = { taskType: 'bounding-box' as const, multiLabel: false, labels: ['cat'], image, text: null };
    const r = checkAnswer({ boxes: [{ label: 'cat', left: 35, top: 0, width: 10, height: 5 }, { label: 'cat', left: 0, top: 0, width: 5, height: 5 }, { label: 'dog', left: 0, top: 25, width: 5, height: 10 }] }, ctx);
    expect('problems' in r && r.problems.map((p) => p.field)).toEqual(['answer.boxes[0]', 'answer.boxes[2].label', 'answer.boxes[2]']);
  });

  it('checks spans against the text and polygons against the image', () => {
    const ner = { taskType: 'ner' as const, multiLabel: false, labels: ['PER'], image: null, text: 'Ada wrote' };
    expect(checkAnswer({ entities: [{ label: 'PER', startOffset: 0, endOffset: 3 }] }, ner)).toMatchObject({ answer: { entities: [{ label: 'PER' }] } });
    expect(checkAnswer({ entities: [{ label: 'PER', startOffset: 4, endOffset: 40 }] }, ner)).toHaveProperty('problems');
    const poly = { taskType: 'polygon' as const, multiLabel: false, labels: ['sky'], image, text: null };
    expect(checkAnswer({ polygons: [{ label: 'sky', vertices: [{ x: 0, y: 0 }, { x: 40, y: 0 }, { x: 40, y: 10 }] }] }, poly)).toHaveProperty('answer');
    expect(checkAnswer({ polygons: [{ label: 'sky', vertices: [{ x: 0, y: 0 }, { x: 41, y: 0 }, { x: 40, y: 10 }] }] }, poly)).toHaveProperty('problems');
  });

  it('compares with gold answers', () => {
    expect(matchesGold({ label: 'a' }, { label: 'a' })).toBe(true);
    expect(matchesGold({ labels: ['b', 'a'] }, { labels: ['a', 'b'] })).toBe(true);
    expect(matchesGold({ labels: ['a'] }, { labels: ['a', 'b'] })).toBe(false);
  });
});

describe('consolidate', () => {
  const putMask = async (item: string) => `masks/${item}.png`;
  it('writes Dawid–Skene labels for dataset items only, gold items anchoring the estimates', async () => {
    // Truth alternates a, b; w1 and w2 answer it, w3 is wrong on item 0 and on the gold item.
    const truth = (i: number) => (i % 2 === 0 ? 'a' : 'b');
    const flip = (l: string) => (l === 'a' ? 'b' : 'a');
    const items = ['x', 'y', 'z', 'u', 'v', 'w'].map((t, i) => ({
      item: String(i),
      source: { source: t },
      image: null,
      gold: null,
      answers: [
        { worker: 'w1', answer: { label: truth(i) } },
        { worker: 'w2', answer: { label: truth(i) } },
        { worker: 'w3', answer: { label: i === 0 ? flip(truth(i)) : truth(i) } },
      ],
    }));
    const gold = { item: 'gold-0', source: { source: 'g' }, image: null, gold: { label: 'b' }, answers: [{ worker: 'w1', answer: { label: 'b' } }, { worker: 'w2', answer: { label: 'b' } }, { worker: 'w3', answer: { label: 'a' } }] };
    const r = await consolidate({ jobName: 'j', taskType: 'text-classification', multiLabel: false, labels: ['a', 'b'], attribute: 'j', items: [...items, gold], putMask });
    expect(r.lines).toHaveLength(6);
    expect(r.lines[0]).toMatchObject({ source: 'x', j: 0, 'j-metadata': { 'class-name': 'a', type: 'groundtruth/text-classification', 'job-name': 'labeling-job/j' } });
    expect(r.estimates.w3).toBeLessThan(r.estimates.w1);
  });

  it('consolidates boxes, spans and polygons item by item', async () => {
    const box = { label: 'cat', left: 1, top: 1, width: 10, height: 10 };
    const boxes = await consolidate({ jobName: 'b', taskType: 'bounding-box', multiLabel: false, labels: ['cat'], attribute: 'b', putMask, items: [{ item: '0', source: { 'source-ref': 'i.png' }, image: { width: 40, height: 30 }, gold: null, answers: [{ worker: 'w1', answer: { boxes: [box] } }, { worker: 'w2', answer: { boxes: [{ ...box, left: 2 }] } }] }] });
    expect((boxes.lines[0].b as { annotations: unknown[] }).annotations).toHaveLength(1);
    const spans = await consolidate({ jobName: 'n', taskType: 'ner', multiLabel: false, labels: ['PER'], attribute: 'n', putMask, items: [{ item: '0', source: { source: 'Ada wrote' }, image: null, gold: null, answers: [{ worker: 'w1', answer: { entities: [{ label: 'PER', startOffset: 0, endOffset: 3 }] } }] }] });
    expect(JSON.stringify(spans.lines[0])).toContain('PER');
    const masks = await consolidate({ jobName: 'p', taskType: 'polygon', multiLabel: false, labels: ['sky'], attribute: 'p-ref', putMask, items: [{ item: '0', source: { 'source-ref': 'i.png' }, image: { width: 8, height: 8 }, gold: null, answers: [{ worker: 'w1', answer: { polygons: [{ label: 'sky', vertices: [{ x: 0, y: 0 }, { x: 8, y: 0 }, { x: 8, y: 4 }] }] } }] }] });
    expect(masks.lines[0]['p-ref']).toBe('masks/0.png');
  });
});
