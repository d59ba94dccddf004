import { describe, expect, it } from 'vitest';
import { decide, readPredictions, verdictOf } from './prediction.js';

const json = (v: unknown) => Buffer.from(JSON.stringify(v));

describe('reading predictions', () => {
  it('reads binary probabilities, class probabilities and classifier objects in each content type', () => {
    expect(readPredictions('application/json', json({ predictions: [0.9, 0.2] }))).toEqual([
      { index: 1, confidence: 0.9 },
      { index: 0, confidence: expect.closeTo(0.8, 9) },
    ]);
    expect(readPredictions('application/json; charset=utf-8', json({ predictions: [[0.1, 0.7, 0.2]] }))).toEqual([{ index: 1, confidence: 0.7 }]);
    expect(readPredictions('text/csv', Buffer.from('0.1,0.3,0.6\n0.55\n'))).toEqual([{ index: 2, confidence: 0.6 }, { index: 1, confidence: 0.55 }]);
    expect(readPredictions('application/jsonlines', Buffer.from('{"prediction":0.4}\n\n{"prediction":[0.5,0.5]}\n'))).toEqual([
      { index: 0, confidence: expect.closeTo(0.6, 9) },
      { index: 0, confidence: 0.5 },
    ]);
    expect(verdictOf({ score: 0.3, predicted_label: 0 })).toEqual({ index: 0, confidence: expect.closeTo(0.7, 9) });
    expect(verdictOf({ predicted_label: 2, probabilities: [0.1, 0.2, 0.7] })).toEqual({ index: 2, confidence: 0.7 });
  });

  it('says nothing about regressions, bad bodies and unknown types', () => {
    expect(readPredictions('application/json', json({ predictions: [3.7] }))).toEqual([{ index: null, confidence: null }]);
    expect(readPredictions('application/json', Buffer.from('{not json'))).toEqual([]);
    expect(readPredictions('application/octet-stream', Buffer.from('0.5'))).toEqual([]);
    expect(readPredictions('text/csv', Buffer.from('1.5,-2\n'))).toEqual([{ index: null, confidence: null }]);
  });
});

describe('activation', () => {
  const labels = ['cat', 'dog'];
  it('starts a loop for the least confident record below the threshold, naming its class', () => {
    const d = decide({ confidenceBelow: 0.8 }, labels, [{ index: 1, confidence: 0.95 }, { index: 0, confidence: 0.6 }], 0.99);
    expect(d).toEqual({ source: 'confidence', confidence: 0.6, predictedLabel: 'cat', records: 2 });
    expect(decide({ confidenceBelow: 0.8 }, labels, [{ index: 1, confidence: 0.95 }], 0)).toBeNull();
    // A prediction without a confidence never meets a confidence condition.
    expect(decide({ confidenceBelow: 0.8 }, labels, [{ index: null, confidence: null }], 0)).toBeNull();
  });
  it('starts a loop for a listed class and for the sampled share', () => {
    expect(decide({ labels: ['dog'] }, labels, [{ index: 1, confidence: 0.99 }], 0.5)).toMatchObject({ source: 'label', predictedLabel: 'dog' });
    expect(decide({ labels: ['dog'] }, labels, [{ index: 0, confidence: 0.99 }], 0.5)).toBeNull();
    expect(decide({ samplePercent: 10 }, labels, [{ index: 0, confidence: 0.99 }], 0.05)).toMatchObject({ source: 'sample', confidence: 0.99 });
    expect(decide({ samplePercent: 10 }, labels, [{ index: 0, confidence: 0.99 }], 0.1)).toBeNull();
  });
});
