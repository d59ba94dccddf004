import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryArtifactStore } from '../data/test-artifact-store.js';
import { createMemoryJobQueue } from '../jobs/queue/memory-job-queue.js';
import type { JobQueue } from '../jobs/index.js';
import { openMetadataStore, type MetadataStore } from '../storage/index.js';
import { parseRecipeRef, RecipeService } from './recipe-service.js';
import { RecipeStore, type RecipeJobsTable } from './recipe-store.js';
import { FIT_KIND, queueJobId } from './types.js';

let dir: string;
let metadata: MetadataStore;
let queue: JobQueue;
let service: RecipeService;
let store: RecipeStore;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-recipes-'));
  metadata = await openMetadataStore(`sqlite:${path.join(dir, 'o.db')}`);
  queue = createMemoryJobQueue();
  // The dataset service is not reached by these cases (they are settled before any dataset is read).
  service = new RecipeService({ metadata, queue, artifacts: new MemoryArtifactStore(), datasets: {} as never });
  store = new RecipeStore(metadata);
});
afterAll(async () => {
  await queue?.close();
  await metadata?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const YAML = 'target: y\nsteps:\n  - one_hot:\n      columns: [color]\n  - scale:\n      columns: [x]\n';

function jobRow(name: string, extra: Partial<RecipeJobsTable> = {}): Omit<RecipeJobsTable, 'stop_requested'> {
  const now = new Date().toISOString();
  return {
    name,
    kind: 'fit',
    status: 'InProgress',
    recipe: 'r1',
    fit_version: null,
    dataset_name: 'd',
    dataset_version: 1,
    dataset_rows: 10,
    output_name: null,
    output_format: null,
    outputs_json: '[]',
    spec_json: '{"steps":[]}',
    tags_json: '{}',
    failure_reason: null,
    created_by: 'alice',
    created_at: now,
    started_at: null,
    ended_at: null,
    updated_at: now,
    ...extra,
  };
}

describe('RecipeService', () => {
  it('creates a recipe from YAML, keeps the text and the parsed steps, and refuses a second of the name', async () => {
    const r = await service.create({ name: 'r1', definition: YAML, createdBy: 'alice', tags: { team: 'a' } });
    expect(r).toMatchObject({ name: 'r1', target: 'y', definition: YAML, fitCount: 0, latestFit: null, tags: { team: 'a' }, createdBy: 'alice' });
    expect(r.steps).toEqual([{ one_hot: { columns: ['color'] } }, { scale: { columns: ['x'] } }]);
    await expect(service.create({ name: 'r1', definition: YAML })).rejects.toMatchObject({ code: 'ORCH_RECIPE_EXISTS' });
    await expect(service.create({ name: 'bad name', definition: YAML })).rejects.toMatchObject({ code: 'ORCH_RECIPE_INVALID' });
    await expect(service.create({ name: 'r2', definition: 'steps: [' })).rejects.toMatchObject({ code: 'ORCH_RECIPE_INVALID' });
    await expect(service.describe('nope')).rejects.toMatchObject({ code: 'ORCH_RECIPE_NOT_FOUND' });
    expect((await service.list()).items.map((x) => x.name)).toEqual(['r1']);
  });

  it('reports every problem of a job request at once', async () => {
    const err = await service.createJob({ kind: 'fit', recipe: 'r1@2', dataset: 'd', output: 'o', name: '-bad' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ORCH_RECIPE_JOB_INVALID' });
    const fields = (err as { details: { errors: Array<{ field: string }> } }).details.errors.map((e) => e.field);
    expect(fields).toEqual(['recipe', 'output', 'name']);
    await expect(service.createJob({ kind: 'apply', recipe: 'r1', dataset: 'd' })).rejects.toMatchObject({ code: 'ORCH_RECIPE_JOB_INVALID', message: expect.stringMatching(/output dataset name/) });
    await expect(service.createJob({ kind: 'apply', recipe: 'r1', dataset: 'd', output: 'x'.repeat(120) })).rejects.toMatchObject({ code: 'ORCH_RECIPE_JOB_INVALID' });
  });

  it('numbers fits 1, 2, … per recipe, once per job however often the outcome is recorded', async () => {
    const fit = (job: string) => ({ recipe: 'r1', job_name: job, dataset_name: 'd', dataset_version: 1, artifact_key: `recipes/r1/fits/${job}/fitted.json`, sha256: 'x', columns_json: JSON.stringify({ target: 'y', inputColumns: [], outputColumns: [], numFeatures: 3 }), created_by: null, created_at: new Date().toISOString() });
    expect(await store.insertNextFit(fit('j1'))).toBe(1);
    expect(await store.insertNextFit(fit('j1'))).toBe(1);
    expect(await store.insertNextFit(fit('j2'))).toBe(2);
    expect((await service.fit('r1')).ref).toBe('r1@2');
    expect((await service.fit('r1@1')).job).toBe('j1');
    await expect(service.fit('r1@7')).rejects.toMatchObject({ code: 'ORCH_RECIPE_FIT_NOT_FOUND' });
    expect(await service.describe('r1')).toMatchObject({ fitCount: 2, latestFit: 2 });
  });

  it('enqueues again the running jobs the queue lost, stops jobs, and refuses to delete a recipe while one runs', async () => {
    await store.insertJob(jobRow('fit-a'));
    await store.insertJob(jobRow('fit-b'));
    await queue.enqueue(FIT_KIND, { name: 'fit-a' }, { jobId: queueJobId('fit-a') });
    expect(await service.requeueLost()).toBe(1);
    expect(await queue.get(queueJobId('fit-b'))).toMatchObject({ kind: FIT_KIND, state: 'queued', payload: { name: 'fit-b' } });
    expect(await service.requeueLost()).toBe(0);
    await expect(service.delete('r1')).rejects.toMatchObject({ code: 'ORCH_RECIPE_IN_USE' });
    expect(await service.stopJob('fit-a')).toMatchObject({ status: 'Stopped' });
    expect(await service.stopJob('fit-b')).toMatchObject({ status: 'Stopped' });
    expect((await queue.get(queueJobId('fit-b')))?.state).toBe('cancelled');
    expect((await service.listJobs({ recipe: 'r1', status: 'Stopped' })).total).toBe(2);
    const changes = await service.statusChanges(new Date(Date.now() - 60_000).toISOString(), 10);
    expect(changes.map((c) => [c.name, c.status])).toEqual(expect.arrayContaining([['fit-a', 'Stopped']]));
    await service.delete('r1');
    await expect(service.describe('r1')).rejects.toMatchObject({ code: 'ORCH_RECIPE_NOT_FOUND' });
    await expect(service.describeJob('fit-a')).rejects.toMatchObject({ code: 'ORCH_RECIPE_JOB_NOT_FOUND' });
  });

  it('reads recipe references', () => {
    expect(parseRecipeRef('r1', 'ORCH_RECIPE_JOB_INVALID')).toEqual({ recipe: 'r1', version: null });
    expect(parseRecipeRef('r-1@12', 'ORCH_RECIPE_JOB_INVALID')).toEqual({ recipe: 'r-1', version: 12 });
    for (const bad of ['r1@', 'r1@0', 'r1@x', '@1', 'a b']) expect(() => parseRecipeRef(bad, 'ORCH_RECIPE_JOB_INVALID'), bad).toThrow(/Invalid recipe reference/);
  });
});
