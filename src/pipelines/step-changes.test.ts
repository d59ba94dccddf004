import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metadataTargets } from '../../test/support/metadata.js';
import type { MetadataStore } from '../storage/index.js';
import { PipelineStore, type StepsTable } from './pipeline-store.js';

/** The platform feed's `pipeline-step` source: step rows changed since a time, page by page. */
describe.each(metadataTargets)('pipeline step changes on $name', (target) => {
  let metadata: MetadataStore;
  let cleanup: () => Promise<void>;
  let store: PipelineStore;
  const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

  const step = (execution: string, name: string, status: string, at: string, extra: Partial<StepsTable> = {}): StepsTable => ({
    execution, step: name, type: 'sql', status, attempts: 1, runs: 1, resource: `${execution}-${name}`, inputs_json: null, outputs_json: null,
    failure_code: null, failure_reason: null, caught: 0, cache_hit: 0, next_at: null, started_at: at, ended_at: null, updated_at: at, ...extra,
  });

  async function execution(name: string, status: string, updatedAt: string): Promise<void> {
    await store.insertExecution({ name, pipeline: 'p', version: 1, status, parameters_json: '{}', trigger_json: '{}', failure_reason: null, stop_requested: 0, created_by: null, created_at: t(0), started_at: t(0), ended_at: null, updated_at: updatedAt });
  }

  beforeAll(async () => {
    ({ store: metadata, cleanup } = await target.open());
    store = new PipelineStore(metadata);
    await store.insertPipeline({ name: 'p', description: null, latest_version: 1, overlap: 'allow', created_by: null, created_at: t(0), updated_at: t(0) }, JSON.stringify({ parameters: {}, steps: [] }));
    await execution('pe-a', 'Executing', t(1));
    await execution('pe-b', 'Executing', t(1));
    // Ended long ago: its steps are not read, however they are stamped.
    await execution('pe-old', 'Succeeded', t(1));
    await store.putStep(step('pe-a', 'prep', 'Succeeded', t(10)), null);
    await store.putStep(step('pe-a', 'train', 'Executing', t(12)), null);
    await store.putStep(step('pe-b', 'prep', 'Executing', t(12)), null);
    await store.putStep(step('pe-b', 'loop[0].fit', 'Failed', t(12), { failure_code: 'ORCH_PIPELINE_STEP_FAILED', failure_reason: 'boom', attempts: 2, resource: 'pe-b-loop-0-fit-a2' }), null);
    await store.putStep(step('pe-old', 'prep', 'Succeeded', t(12)), null);
    await store.putStep(step('pe-a', 'early', 'Succeeded', t(5)), null);
  });
  afterAll(async () => cleanup());

  it('names each row <execution>/<step>, in (updatedAt, execution, step) order, with what a step event carries', async () => {
    const rows = await store.stepChanges(t(10), 100);
    expect(rows.map((r) => r.name)).toEqual(['pe-a/prep', 'pe-a/train', 'pe-b/loop[0].fit', 'pe-b/prep']);
    expect(rows[2]).toEqual({
      name: 'pe-b/loop[0].fit',
      status: 'Failed',
      failureReason: 'boom',
      updatedAt: t(12),
      fields: { execution: 'pe-b', pipeline: 'p', step: 'loop[0].fit', stepType: 'sql', attempt: 2, resource: 'pe-b-loop-0-fit-a2', failureCode: 'ORCH_PIPELINE_STEP_FAILED' },
    });
  });

  it('pages after a row without skipping or repeating one', async () => {
    const seen: string[] = [];
    let after: { updatedAt: string; name: string } | undefined;
    for (;;) {
      const page = await store.stepChanges(t(2), 1, after);
      if (page.length === 0) break;
      seen.push(page[0].name);
      after = { updatedAt: page[0].updatedAt, name: page[0].name };
    }
    expect(seen).toEqual(['pe-a/early', 'pe-a/prep', 'pe-a/train', 'pe-b/loop[0].fit', 'pe-b/prep']);
  });
});
