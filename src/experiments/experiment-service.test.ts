import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMetadataStore, type MetadataStore } from '../storage/index.js';
import type { TrainingJob } from '../training/index.js';
import { ExperimentService, type RunSource } from './experiment-service.js';
import { ExperimentStore } from './experiment-store.js';

function job(name: string, experiment: string, createdAt: string, hp: Record<string, string>): TrainingJob {
  return {
    name, status: 'Completed', secondaryStatus: 'Completed', failureReason: null, algorithm: 'xgboost', script: null, hyperParameters: hp,
    channels: {}, maxRuntimeSeconds: 60, maxRetries: 0, metricDefinitions: [], tags: {}, experiment, finalMetrics: { 'validation:auc': Number(hp.eta) },
    metrics: [], modelArtifact: null, attempts: 1, createdBy: null, createdAt, startedAt: null, endedAt: null, updatedAt: createdAt,
  };
}

/** Runs as the training capability would answer for them: experiments read nothing else. */
class FakeRuns implements RunSource {
  constructor(readonly jobs: TrainingJob[]) {}
  async list(filter: { experiment?: string; limit?: number; offset?: number }) {
    const items = this.jobs.filter((j) => !filter.experiment || j.experiment === filter.experiment).slice(filter.offset ?? 0, (filter.offset ?? 0) + (filter.limit ?? 100));
    return { items, total: items.length };
  }
  async describe(name: string) {
    return this.jobs.find((j) => j.name === name)!;
  }
  async runCounts(experiment?: string) {
    const counts = new Map<string, { experiment: string; runs: number; lastRunAt: string | null }>();
    for (const j of this.jobs.filter((x) => experiment === undefined || x.experiment === experiment)) {
      const c = counts.get(j.experiment) ?? { experiment: j.experiment, runs: 0, lastRunAt: null };
      c.runs++;
      if (!c.lastRunAt || j.createdAt > c.lastRunAt) c.lastRunAt = j.createdAt;
      counts.set(j.experiment, c);
    }
    return [...counts.values()];
  }
}

let dir: string;
let metadata: MetadataStore;
let store: ExperimentStore;
let service: ExperimentService;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-experiments-'));
  metadata = await openMetadataStore(`sqlite:${path.join(dir, 'o.db')}`);
  store = new ExperimentStore(metadata);
  const runs = new FakeRuns([job('a', 'churn', '2026-01-01T00:00:01Z', { eta: '0.9' }), job('b', 'churn', '2026-01-01T00:00:02Z', { eta: '0.8' }), job('c', 'Default', '2026-01-01T00:00:03Z', { eta: '0.7' })]);
  service = new ExperimentService({ store, runs });
});

afterAll(async () => {
  await metadata?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('experiments over their own table and the training port', () => {
  it('counts runs through the run source and creates experiments on first use only once', async () => {
    await store.ensure('churn', 'ann');
    await store.ensure('churn', 'bob');
    await service.create({ name: 'empty' });
    const list = await service.list();
    expect(list.items.find((e) => e.name === 'churn')).toMatchObject({ createdBy: 'ann', runCount: 2, lastRunAt: '2026-01-01T00:00:02Z' });
    expect(list.items.find((e) => e.name === 'empty')).toMatchObject({ runCount: 0, lastRunAt: null });
    expect(await service.describe('churn')).toMatchObject({ runCount: 2, parameterNames: ['eta'], metricNames: ['validation:auc'] });
  });

  it('refuses with the capability codes', async () => {
    await expect(service.create({ name: 'churn' })).rejects.toMatchObject({ code: 'ORCH_EXPERIMENT_EXISTS', status: 409 });
    await expect(service.create({ name: 'no spaces' })).rejects.toMatchObject({ code: 'ORCH_EXPERIMENT_INVALID', status: 400 });
    await expect(service.describe('nope')).rejects.toMatchObject({ code: 'ORCH_EXPERIMENT_NOT_FOUND' });
    await expect(service.runs({ filter: 'colour = red' })).rejects.toMatchObject({ code: 'ORCH_EXPERIMENT_INVALID_QUERY', status: 400 });
    await expect(service.compare(['a'])).rejects.toMatchObject({ code: 'ORCH_EXPERIMENT_INVALID' });
  });
});
