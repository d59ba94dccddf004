import { describe, expect, it } from 'vitest';
import { OrchardError } from '../../core/errors.js';
import { consolidateSpans, tokenize } from './spans.js';

const classes = ['PER', 'LOC'];

describe('tokenize', () => {
  it('splits on whitespace and makes each punctuation mark a token', () => {
    const text = 'Hi, Zoë  (NYC)!';
    expect(tokenize(text).map((t) => text.slice(t.start, t.end))).toEqual(['Hi', ',', 'Zoë', '(', 'NYC', ')', '!']);
  });
});

describe('consolidateSpans', () => {
  const text = 'Diego Ramirez lives in Paris, France.';
  //            0     6       14    20 23   28 30    36

  it('labels tokens by majority and joins runs into entities with Ground Truth offsets', () => {
    const out = consolidateSpans(
      [
        { worker: 'x', entities: [{ label: 'PER', startOffset: 0, endOffset: 13 }, { label: 'LOC', startOffset: 23, endOffset: 28 }] },
        // A sloppy span (one character short) still covers the token.
        { worker: 'y', entities: [{ label: 'PER', startOffset: 0, endOffset: 12 }, { label: 'LOC', startOffset: 30, endOffset: 36 }] },
        { worker: 'z', entities: [{ label: 'PER', startOffset: 6, endOffset: 13 }, { label: 'LOC', startOffset: 23, endOffset: 28 }] },
      ],
      { classes, text },
    );
    expect(out.entities.map(({ label, startOffset, endOffset }) => ({ label, text: text.slice(startOffset, endOffset) }))).toEqual([
      { label: 'PER', text: 'Diego Ramirez' },
      { label: 'LOC', text: 'Paris' },
    ]);
    expect(out.entities[0].startOffset).toBe(0);
    expect(out.entities[0].endOffset).toBe(13);
    // "Diego": 2 of 3, "Ramirez": 3 of 3.
    expect(out.entities[0].confidence).toBeCloseTo((2 / 3 + 1) / 2, 12);
    expect(out.entities[1].confidence).toBeCloseTo(2 / 3, 12);
  });

  it('keeps adjacent entities of one label apart when most annotators did', () => {
    const t = 'Paris London Rome';
    const two = [
      { label: 'LOC', startOffset: 0, endOffset: 5 },
      { label: 'LOC', startOffset: 6, endOffset: 12 },
    ];
    const out = consolidateSpans(
      [
        { worker: 'x', entities: two },
        { worker: 'y', entities: two },
        { worker: 'z', entities: [{ label: 'LOC', startOffset: 0, endOffset: 12 }] },
      ],
      { classes, text: t },
    );
    expect(out.entities.map((e) => t.slice(e.startOffset, e.endOffset))).toEqual(['Paris', 'London']);
  });

  it('leaves a token unlabelled on a tie', () => {
    const out = consolidateSpans(
      [
        { worker: 'x', entities: [{ label: 'PER', startOffset: 0, endOffset: 5 }] },
        { worker: 'y', entities: [{ label: 'LOC', startOffset: 0, endOffset: 5 }] },
      ],
      { classes, text: 'Paris' },
    );
    expect(out.entities).toEqual([]);
  });

  it('refuses offsets outside the text, unknown labels and an empty text, naming each field', () => {
    try {
      consolidateSpans(
        [{ worker: 'x', entities: [{ label: 'ORG', startOffset: 3, endOffset: 2 }, { label: 'PER', startOffset: 0, endOffset: 99 }] }],
        { classes, text: 'abcd' },
      );
      throw new Error('expected an error');
    } catch (err) {
      expect(err).toBeInstanceOf(OrchardError);
      expect((err as OrchardError).code).toBe('ORCH_LABELING_INVALID');
      expect(((err as OrchardError).details!.errors as { field: string }[]).map((e) => e.field)).toEqual([
        'answers[0].entities[0].label',
        'answers[0].entities[0].endOffset',
        'answers[0].entities[1].endOffset',
      ]);
    }
    expect(() => consolidateSpans([{ worker: 'x', entities: [] }], { classes, text: '' })).toThrow(/text/);
    expect(() => consolidateSpans([], { classes, text: 'abc' })).toThrow(/answers/);
  });
});
