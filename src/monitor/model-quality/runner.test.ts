import { describe, expect, it } from 'vitest';
import { MemoryArtifactStore } from '../../data/test-artifact-store.js';
import { checkConstraints, constraintsFor, metricNames, suggestConstraints } from './constraints.js';
import { binaryMetrics } from './metrics.js';
import { parseGroundTruth, writeGroundTruth } from './records.js';
import { modelQualityBaseline, parseOutput, runModelQuality } from './runner.js';

function captureLine(id: string, output: string, encoding = 'CSV', time = '2026-01-01T10:00:00.000Z'): string {
  return JSON.stringify({
    captureData: { endpointInput: { data: '1,2', encoding: 'CSV', mode: 'INPUT', observedContentType: 'text/csv' }, endpointOutput: { data: output, encoding, mode: 'OUTPUT', observedContentType: 'text/csv' } },
    eventMetadata: { eventId: `e-${id}`, inferenceId: id, inferenceTime: time },
    eventVersion: '0',
  });
}

describe('reading predictions', () => {
  it('reads CSV, JSON and JSON Lines answers as their first prediction', () => {
    expect(parseOutput('0.83\n', 'CSV')).toEqual(['0.83']);
    expect(parseOutput('1,0.83\n0,0.1\n', 'CSV')).toEqual(['1', '0.83']);
    expect(parseOutput('{"predictions":[0.4,0.9]}', 'JSON')).toEqual([0.4]);
    expect(parseOutput('{"predictions":[[0.1,0.7,0.2]]}', 'JSON')).toEqual([0.1, 0.7, 0.2]);
    expect(parseOutput('{"prediction":0.2}\n{"prediction":0.3}\n', 'JSON')).toEqual([0.2]);
    expect(parseOutput('{"predicted_label":1,"score":0.7}', 'JSON')).toEqual({ predicted_label: 1, score: 0.7 });
    expect(parseOutput('AAAA', 'BASE64')).toBeNull();
  });
});

describe('ground-truth records', () => {
  it("accepts SageMaker's shape and the short one, and lists every bad line", () => {
    expect(parseGroundTruth([{ groundTruthData: { data: '1', encoding: 'CSV' }, eventMetadata: { eventId: 'a' }, eventVersion: '0' }, { inferenceId: 'b', label: 0 }])).toEqual([
      { groundTruthData: { data: '1', encoding: 'CSV' }, eventMetadata: { eventId: 'a' }, eventVersion: '0' },
      { groundTruthData: { data: '0', encoding: 'CSV' }, eventMetadata: { eventId: 'b' }, eventVersion: '0' },
    ]);
    try {
      parseGroundTruth([{ inferenceId: 'a', label: 1 }, { label: 1 }, { inferenceId: 'c' }]);
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ code: 'ORCH_MONITOR_GROUND_TRUTH_INVALID', details: { count: 2 } });
      expect((err as { details: { errors: { field: string }[] } }).details.errors.map((e) => e.field)).toEqual(['line 2', 'line 3']);
    }
  });
});

describe('constraints', () => {
  const metrics = binaryMetrics([1, 1, 0, 0], [1, 0, 0, 0], [0.9, 0.4, 0.3, 0.1]);

  it('suggests the baseline value as threshold, LessThan for scores and GreaterThan for errors', () => {
    const c = suggestConstraints('BinaryClassification', metrics);
    expect(c.binary_classification_constraints!.f1).toEqual({ threshold: metrics.f1, comparison_operator: 'LessThanThreshold' });
    expect(c.binary_classification_constraints!.false_positive_rate.comparison_operator).toBe('GreaterThanThreshold');
  });

  it('flags each metric whose comparison holds, naming it', () => {
    const c = constraintsFor('BinaryClassification', { version: 0, binary_classification_constraints: { f1: { threshold: 0.7, comparison_operator: 'LessThanThreshold' }, accuracy: { threshold: 0.75, comparison_operator: 'LessThanOrEqualToThreshold' }, auc: { threshold: 0.5, comparison_operator: 'LessThanThreshold' } } }, metricNames('BinaryClassification'));
    const v = checkConstraints({ f1: 2 / 3, accuracy: 0.75, auc: 1 }, c);
    expect(v.map((x) => x.metric_name)).toEqual(['f1', 'accuracy']);
    expect(v[0]).toMatchObject({ constraint_check_type: 'LessThanThreshold' });
    expect(v[0].description).toContain('Metric f1');
  });

  it('refuses unknown metrics and operators, listing each', () => {
    expect(() => constraintsFor('Regression', { regression_constraints: { rmse: { threshold: 1, comparison_operator: 'Bigger' }, f1: { threshold: 1, comparison_operator: 'LessThanThreshold' } } }, metricNames('Regression'))).toThrow(
      expect.objectContaining({ code: 'ORCH_MONITOR_MODEL_QUALITY_INVALID', details: expect.objectContaining({ errors: expect.arrayContaining([expect.objectContaining({ field: 'regression_constraints.rmse' })]) }) }),
    );
    expect(() => constraintsFor('Regression', { binary_classification_constraints: {} }, metricNames('Regression'))).toThrow(/no 'regression_constraints' section/);
  });
});

describe('runModelQuality', () => {
  it('merges capture with ground truth by inference id, in the window, and checks constraints', async () => {
    const store = new MemoryArtifactStore();
    const lines = [captureLine('a', '0.9'), captureLine('b', '0.2'), captureLine('c', '0.7'), captureLine('d', '0.4'), captureLine('z', '0.9'), captureLine('old', '0.9', 'CSV', '2026-01-01T08:00:00.000Z')];
    await store.put('endpoints/ep/capture/AllTraffic/2026/01/01/10/00-00-000-x.jsonl', lines.slice(0, 5).join('\n') + '\n');
    await store.put('endpoints/ep/capture/AllTraffic/2026/01/01/08/00-00-000-x.jsonl', lines[5] + '\n');
    await writeGroundTruth(store, 'ep', parseGroundTruth([{ inferenceId: 'a', label: 1 }, { inferenceId: 'b', label: 0 }, { inferenceId: 'c', label: 0 }, { inferenceId: 'd', label: 1 }, { inferenceId: 'old', label: 0 }]));
    const since = Date.parse('2026-01-01T09:00:00Z');
    const result = await runModelQuality(store, {
      endpoint: 'ep',
      problemType: 'BinaryClassification',
      since,
      constraints: { version: 0, binary_classification_constraints: { accuracy: { threshold: 0.9, comparison_operator: 'LessThanThreshold' } } },
    });
    // a: 1→1, b: 0→0, c: 0→1, d: 1→0; z has no label, old is outside the window.
    expect(result).toMatchObject({ status: 'CompletedWithViolations', captured: 5, matched: 4, skipped: 0 });
    expect(result.metrics.accuracy).toBe(0.5);
    expect(result.metrics.auc).toBe(0.75);
    expect(result.confusionMatrix).toEqual({ '0': { '0': 1, '1': 1 }, '1': { '0': 1, '1': 1 } });
    expect(result.violations).toEqual([expect.objectContaining({ metric_name: 'accuracy', constraint_check_type: 'LessThanThreshold' })]);
    expect(result.statistics).toMatchObject({ version: 0, dataset: { item_count: 4 }, binary_classification_metrics: { accuracy: { value: 0.5 } } });
  });

  it('fails with a reason when nothing has ground truth', async () => {
    const store = new MemoryArtifactStore();
    await store.put('endpoints/ep/capture/AllTraffic/2026/01/01/10/00-00-000-x.jsonl', captureLine('a', '3.5') + '\n');
    const result = await runModelQuality(store, { endpoint: 'ep', problemType: 'Regression' });
    expect(result.status).toBe('Failed');
    expect(result.failureReason).toMatch(/ground truth/);
  });
});

describe('modelQualityBaseline', () => {
  it('computes statistics and suggests constraints from prediction and label columns', () => {
    const rows = [
      { y: 3, p: 2.5 },
      { y: -0.5, p: 0 },
      { y: 2, p: 2 },
      { y: 7, p: 8 },
    ];
    const b = modelQualityBaseline(rows, { problemType: 'Regression', groundTruthAttribute: 'y', inferenceAttribute: 'p' });
    expect(b.metrics.mae).toBe(0.5);
    expect(b.constraints.regression_constraints!.rmse).toEqual({ threshold: Math.sqrt(0.375), comparison_operator: 'GreaterThanThreshold' });
    expect(b.constraints.regression_constraints!.r2.comparison_operator).toBe('LessThanThreshold');
    expect(b.statistics.regression_metrics).toMatchObject({ mse: { value: 0.375 } });
  });

  it('names a missing column and refuses an empty dataset', () => {
    expect(() => modelQualityBaseline([{ y: 1 }], { problemType: 'Regression', groundTruthAttribute: 'y', inferenceAttribute: 'p' })).toThrow(/no column 'p'/);
    expect(() => modelQualityBaseline([], { problemType: 'Regression', groundTruthAttribute: 'y', inferenceAttribute: 'p' })).toThrow(/no rows/);
  });
});
