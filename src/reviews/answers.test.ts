import { describe, expect, it } from 'vitest';
import { checkReviewAnswer } from './answers.js';

const fields = (answer: Record<string, unknown>, records: number | null) => checkReviewAnswer(answer, ['neg', 'pos'], records).map((p) => p.field);

describe('a reviewer’s answer', () => {
  it('takes one label for one record, one per record otherwise, and keeps other keys', () => {
    expect(fields({ label: 'pos', comment: 'sure' }, 1)).toEqual([]);
    expect(fields({ labels: ['pos', 'neg'] }, 2)).toEqual([]);
    // A loop started by the API has no record count: any number of labels.
    expect(fields({ labels: ['pos', 'neg', 'pos'] }, null)).toEqual([]);
  });
  it('lists every problem with its field', () => {
    expect(fields({}, 1)).toEqual(['answer']);
    expect(fields({ label: 'pos', labels: ['pos'] }, 1)).toEqual(['answer']);
    expect(fields({ label: 'maybe' }, 1)).toEqual(['answer.label']);
    expect(fields({ label: 'pos' }, 2)).toEqual(['answer.label']);
    expect(fields({ labels: ['pos', 'x', 3] }, 2)).toEqual(['answer.labels', 'answer.labels[1]', 'answer.labels[2]']);
    expect(fields({ labels: [] }, null)).toEqual(['answer.labels']);
    expect(checkReviewAnswer({ label: 1 }, ['neg', 'pos'], 1)[0].code).toBe('ORCH_REVIEW_ANSWER_INVALID');
  });
});
