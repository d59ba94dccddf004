import { describe, expect, it } from 'vitest';
import { consensus, exportRows, type ExportLoop } from './export.js';

const csvLoop = (name: string, data: string, predictions: number[], answers: Record<string, unknown>[]): ExportLoop => ({
  name,
  endedAt: `2026-12-03T10:00:0${name.length % 10}.000Z`,
  inferenceId: `inf-${name}`,
  input: {
    endpoint: 'ep',
    request: { contentType: 'text/csv', encoding: 'CSV', data },
    response: { contentType: 'application/json', encoding: 'JSON', data: JSON.stringify({ predictions }) },
  },
  answers: answers.map((answer, i) => ({ worker: `w${i}`, answer, answeredAt: `2026-12-03T10:00:0${i}.000Z` })),
});

describe('reviewed loops as training rows', () => {
  it('writes CSV requests as SageMaker training CSV: the class index first, the features as received', () => {
    const out = exportRows(
      [csvLoop('a', '0.1,2,3\n', [0.55], [{ label: 'pos' }]), csvLoop('bb', '1,1,1\n-1,0,2\n', [0.4, 0.7], [{ labels: ['neg', 'neg'], comment: 'x' }])],
      ['neg', 'pos'],
    );
    expect(out.format).toBe('csv');
    expect(out.body).toBe('1,0.1,2,3\n0,1,1,1\n0,-1,0,2\n');
    expect(out.skipped).toEqual([]);
    expect(out.provenance.map((p) => [p.loop, p.record, p.inferenceId, p.label, p.prediction.label])).toEqual([
      ['a', 0, 'inf-a', 'pos', 'pos'],
      ['bb', 0, 'inf-bb', 'neg', 'neg'],
      ['bb', 1, 'inf-bb', 'neg', 'pos'],
    ]);
    expect(out.provenance[0].prediction.confidence).toBeCloseTo(0.55, 10);
  });

  it('writes JSON requests as an augmented manifest with the prediction, inference id and review time', () => {
    const loop: ExportLoop = {
      name: 'j',
      endedAt: '2026-12-03T11:00:00.000Z',
      inferenceId: null,
      input: {
        request: { contentType: 'application/json', encoding: 'JSON', data: JSON.stringify({ instances: [{ features: [1, 2] }] }) },
        response: { contentType: 'application/json', encoding: 'JSON', data: JSON.stringify({ predictions: [{ score: 0.3, predicted_label: 0 }] }) },
      },
      answers: [{ worker: 'ann', answer: { label: 'pos' }, answeredAt: '2026-12-03T10:59:00.000Z' }],
    };
    const out = exportRows([loop, csvLoop('c', '1,2\n', [0.9], [{ label: 'neg' }])], ['neg', 'pos']);
    expect(out.format).toBe('jsonl');
    const lines = out.body.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(Object.keys(lines[0])[0]).toBe('label');
    expect(lines[0]).toMatchObject({
      label: 1,
      'label-metadata': { 'class-name': 'pos', 'human-annotated': 'yes', 'creation-date': '2026-12-03T11:00:00.000Z', 'human-loop-name': 'j', prediction: { 'class-name': 'neg', confidence: 0.7 }, workers: ['ann'] },
      source: { features: [1, 2] },
    });
    expect(lines[1]).toMatchObject({ label: 0, source: '1,2', 'label-metadata': { 'inference-id': 'inf-c' } });
  });

  it('skips loops whose request is binary or whose answers do not cover the records, saying why', () => {
    const binary: ExportLoop = { ...csvLoop('b', '', [], [{ label: 'pos' }]), input: { request: { contentType: 'image/png', encoding: 'BASE64', data: 'AAAA' } } };
    const out = exportRows([binary, csvLoop('two', '1\n2\n', [0.5, 0.5], [{ label: 'pos' }]), csvLoop('odd', '1\n', [0.5], [{ label: 'maybe' }])], ['neg', 'pos']);
    expect(out.provenance).toEqual([]);
    expect(out.skipped.map((s) => s.loop)).toEqual(['b', 'two', 'odd']);
    expect(out.skipped[1].reason).toMatch(/2 records/);
  });

  it('takes the reviewers’ majority per record, the earliest answer on a tie', () => {
    expect(consensus([{ label: 'a' }, { label: 'b' }, { label: 'b' }], 1)).toEqual(['b']);
    expect(consensus([{ label: 'a' }, { label: 'b' }], 1)).toEqual(['a']);
    expect(consensus([{ labels: ['a', 'b'] }, { labels: ['b', 'b'] }], 2)).toEqual(['a', 'b']);
    expect(consensus([{ labels: ['a'] }], 2)).toBeNull();
    expect(consensus([], 1)).toBeNull();
  });
});
