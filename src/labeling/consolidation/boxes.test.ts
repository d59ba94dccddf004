import { describe, expect, it } from 'vitest';
import { OrchardError } from '../../core/errors.js';
import { consolidateBoxes, iou, type Box } from './boxes.js';

const classes = ['dog', 'cat'];
const image = { width: 200, height: 100 };
const box = (label: string, left: number, top: number, width: number, height: number): Box => ({ label, left, top, width, height });

function fields(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(OrchardError);
    expect((err as OrchardError).code).toBe('ORCH_LABELING_INVALID');
    return ((err as OrchardError).details!.errors as { field: string }[]).map((e) => e.field);
  }
  throw new Error('expected an error');
}

describe('iou', () => {
  it('is overlap over union, 0 for boxes apart', () => {
    expect(iou(box('dog', 0, 0, 10, 10), box('dog', 5, 0, 10, 10))).toBeCloseTo(50 / 150, 12);
    expect(iou(box('dog', 0, 0, 10, 10), box('dog', 10, 0, 10, 10))).toBe(0);
    expect(iou(box('dog', 0, 0, 10, 10), box('dog', 0, 0, 10, 10))).toBe(1);
  });
});

describe('consolidateBoxes', () => {
  it('averages the boxes of one object, keeps it when enough annotators drew it, and drops a lone box', () => {
    const out = consolidateBoxes(
      [
        { worker: 'x', boxes: [box('dog', 10, 10, 40, 20), box('cat', 150, 50, 20, 20)] },
        { worker: 'y', boxes: [box('dog', 12, 10, 40, 20)] },
        { worker: 'z', boxes: [box('cat', 14, 13, 40, 20)] },
      ],
      { classes, image },
    );
    expect(out.annotators).toBe(3);
    expect(out.boxes).toHaveLength(1);
    const [b] = out.boxes;
    expect(b.label).toBe('dog');
    expect(b.left).toBeCloseTo(12, 12);
    expect(b.top).toBeCloseTo(11, 12);
    expect(b.width).toBeCloseTo(40, 12);
    expect(b.height).toBeCloseTo(20, 12);
    expect(b.members.map((m) => m.worker).sort()).toEqual(['x', 'y', 'z']);
    // Two of three annotators chose "dog"; the members overlap the mean box well but not perfectly.
    expect(b.confidence).toBeGreaterThan(0.5);
    expect(b.confidence).toBeLessThan(2 / 3);
  });

  it('weights coordinates and the class vote by annotator weight', () => {
    const out = consolidateBoxes(
      [
        { worker: 'x', boxes: [box('dog', 10, 10, 40, 20)] },
        { worker: 'y', boxes: [box('cat', 14, 10, 40, 20)] },
      ],
      { classes, image, workerWeights: { x: 1, y: 3 } },
    );
    expect(out.boxes).toHaveLength(1);
    expect(out.boxes[0].label).toBe('cat');
    expect(out.boxes[0].left).toBeCloseTo(13, 12);
  });

  it('matches each annotator\'s boxes one-to-one and keeps two nearby objects apart', () => {
    const out = consolidateBoxes(
      [
        { worker: 'x', boxes: [box('dog', 0, 0, 20, 20), box('dog', 30, 0, 20, 20)] },
        { worker: 'y', boxes: [box('dog', 31, 1, 20, 20), box('dog', 1, 0, 20, 20)] },
      ],
      { classes, image },
    );
    expect(out.boxes.map((b) => Math.round(b.left)).sort((a, b) => a - b)).toEqual([1, 31]);
    for (const b of out.boxes) expect(new Set(b.members.map((m) => m.worker)).size).toBe(2);
  });

  it('does not cluster boxes below the IoU threshold, and honours a custom one', () => {
    const answers = [
      { worker: 'x', boxes: [box('dog', 0, 0, 20, 20)] },
      { worker: 'y', boxes: [box('dog', 8, 0, 20, 20)] },
    ];
    // IoU = 240 / 560 ≈ 0.43.
    expect(consolidateBoxes(answers, { classes, image }).boxes).toHaveLength(2);
    expect(consolidateBoxes(answers, { classes, image, minAnnotators: 2 }).boxes).toHaveLength(0);
    expect(consolidateBoxes(answers, { classes, image, iouThreshold: 0.4, minAnnotators: 2 }).boxes).toHaveLength(1);
  });

  it('answers nothing when most annotators drew nothing', () => {
    const out = consolidateBoxes(
      [
        { worker: 'x', boxes: [box('dog', 0, 0, 20, 20)] },
        { worker: 'y', boxes: [] },
        { worker: 'z', boxes: [] },
      ],
      { classes, image },
    );
    expect(out.boxes).toEqual([]);
  });

  it('refuses boxes outside the image, unknown labels, repeated workers and empty answers, naming each field', () => {
    expect(fields(() => consolidateBoxes([], { classes, image }))).toEqual(['answers']);
    expect(
      fields(() =>
        consolidateBoxes(
          [
            { worker: 'x', boxes: [box('dog', 190, 0, 20, 10), box('bird', 0, 0, 5, 5), box('cat', 0, -1, 5, 5)] },
            { worker: 'x', boxes: [box('cat', 0, 0, 0, 5)] },
          ],
          { classes, image },
        ),
      ),
    ).toEqual(['answers[0].boxes[0].left', 'answers[0].boxes[1].label', 'answers[0].boxes[2].top', 'answers[1].worker', 'answers[1].boxes[0].width']);
    expect(fields(() => consolidateBoxes([{ worker: 'x', boxes: [] }], { classes, image: { width: 0, height: 10 }, iouThreshold: 2 }))).toEqual([
      'image.width',
      'iouThreshold',
    ]);
  });
});
