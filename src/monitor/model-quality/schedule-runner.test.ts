import { describe, expect, it } from 'vitest';
import { MemoryArtifactStore } from '../../data/test-artifact-store.js';
import type { MetricSample } from '../../metrics/types.js';
import { parseGroundTruth, writeGroundTruth } from './records.js';
import { modelQualityScheduleRunner } from './schedule-runner.js';

const line = (id: string, value: string, time: string) =>
  JSON.stringify({ captureData: { endpointOutput: { data: value, encoding: 'CSV' } }, eventMetadata: { eventId: `e-${id}`, inferenceId: id, inferenceTime: time }, eventVersion: '0' });

describe('the model-quality runner of monitoring schedules', () => {
  it("evaluates the execution's window against the schedule's constraints, writes its files and records metrics", async () => {
    const artifacts = new MemoryArtifactStore();
    await artifacts.put('endpoints/ep/capture/AllTraffic/2026/01/01/10/x.jsonl', [line('a', '2', '2026-01-01T10:01:00Z'), line('b', '4', '2026-01-01T10:02:00Z'), line('c', '9', '2026-01-01T11:30:00Z')].join('\n') + '\n');
    await writeGroundTruth(artifacts, 'ep', parseGroundTruth([{ inferenceId: 'a', label: 3 }, { inferenceId: 'b', label: 4 }, { inferenceId: 'c', label: 0 }]));
    await artifacts.put('constraints.json', JSON.stringify({ version: 0, regression_constraints: { mae: { threshold: 0.4, comparison_operator: 'GreaterThanThreshold' } } }));
    const samples: MetricSample[] = [];
    const runner = modelQualityScheduleRunner({ artifacts, metrics: { put: async (s) => void samples.push(...s) } });
    const r = await runner.run({
      execution: 'x1',
      schedule: 's1',
      endpoint: 'ep',
      config: { problemType: 'Regression', constraints: 'constraints.json' },
      since: '2026-01-01T10:00:00Z',
      until: '2026-01-01T11:00:00Z',
      outputPrefix: 'monitor/x1/',
      signal: new AbortController().signal,
    });
    // a: |3-2| = 1, b: 0 (c is outside the window): MAE 0.5 > 0.4.
    expect(r.metrics).toMatchObject({ mae: 0.5, mse: 0.5 });
    expect(r.items).toBe(2);
    expect(r.violations).toEqual([expect.objectContaining({ feature_name: 'mae', constraint_check_type: 'GreaterThanThreshold' })]);
    expect(await artifacts.head('monitor/x1/statistics.json')).toBeDefined();
    expect(samples.find((s) => s.metric === 'mae')).toMatchObject({ namespace: 'monitor', dimensions: { schedule: 's1', endpoint: 'ep' }, sum: 0.5 });
  });

  it('fails a window without ground truth with the reason', async () => {
    const artifacts = new MemoryArtifactStore();
    await artifacts.put('endpoints/ep/capture/AllTraffic/2026/01/01/10/x.jsonl', line('a', '2', '2026-01-01T10:01:00Z') + '\n');
    const runner = modelQualityScheduleRunner({ artifacts });
    await expect(
      runner.run({ execution: 'x', schedule: 's', endpoint: 'ep', config: { problemType: 'Regression' }, since: null, until: '2026-01-02T00:00:00Z', outputPrefix: 'p/', signal: new AbortController().signal }),
    ).rejects.toThrow(/ground truth/);
  });
});
