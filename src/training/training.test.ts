import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatasetService, type DatasetService } from '../data/index.js';
import { openJobQueue, type JobQueue } from '../jobs/index.js';
import { createFileArtifactStore, openMetadataStore, type ArtifactStore, type MetadataStore } from '../storage/index.js';
import { createTrainingService, startTrainingWorkers, type TrainingService, type TrainingWorkers } from './index.js';
import type { TrainingJob } from './types.js';

let dir: string;
let metadata: MetadataStore;
let artifacts: ArtifactStore;
let datasets: DatasetService;
let queue: JobQueue;
let training: TrainingService;
let workers: TrainingWorkers;
/** Experiments the service asked for through its port. */
const ensured = new Set<string>();

/** Label first, no header: a linearly separable-ish binary problem. */
function classification(rows: number, seed: number): string {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const x = [rand() * 4 - 2, rand() * 4 - 2, rand() * 4 - 2];
    const y = x[0] + 0.5 * x[1] + (rand() - 0.5) > 0 ? 1 : 0;
    lines.push([y, ...x.map((v) => v.toFixed(4))].join(','));
  }
  return lines.join('\n') + '\n';
}

async function until(name: string, done: (j: TrainingJob) => boolean): Promise<TrainingJob> {
  for (;;) {
    const job = await training.describe(name);
    if (done(job)) return job;
    await new Promise((r) => setTimeout(r, 200));
  }
}
const ended = (j: TrainingJob) => ['Completed', 'Failed', 'Stopped'].includes(j.status);

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-training-'));
  fs.chmodSync(dir, 0o711);
  metadata = await openMetadataStore(`sqlite:${path.join(dir, 'o.db')}`);
  artifacts = await createFileArtifactStore(pathToFileURL(path.join(dir, 'artifacts')).href);
  datasets = createDatasetService({ config: { workDir: path.join(dir, 'work'), maxUploadBytes: 1 << 30 }, metadata, artifacts });
  queue = await openJobQueue('embedded', { metadata });
  training = createTrainingService({ metadata, queue, datasets, artifacts, experiments: { ensure: async (name) => void ensured.add(name) } });
  workers = await startTrainingWorkers({ metadata, queue, datasets, artifacts, attemptsDir: path.join(dir, 'attempts'), cpus: 2, pollMs: 100 }, 2);
  await datasets.create({ name: 'tr', format: 'csv', body: Readable.from([classification(2000, 1)]) });
  await datasets.create({ name: 'va', format: 'csv', body: Readable.from([classification(500, 2)]) });
});

afterAll(async () => {
  await workers?.stop();
  await queue?.close();
  await datasets?.close();
  await artifacts?.close();
  await metadata?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('training jobs with built-in algorithms', () => {
  it('trains xgboost to completion with validation metrics, logs and a model artifact', async () => {
    const created = await training.create({ name: 'gb1', algorithm: 'xgboost', hyperParameters: { objective: 'binary:logistic', num_round: '30', eval_metric: 'auc' }, channels: { train: 'tr', validation: 'va' } });
    expect(created).toMatchObject({ name: 'gb1', status: 'InProgress', hyperParameters: { num_round: '30' }, channels: { train: { dataset: 'tr', version: 1 } } });
    const job = await until('gb1', ended);
    expect(job.status, job.failureReason ?? '').toBe('Completed');
    expect(job.secondaryStatus).toBe('Completed');
    expect(job.finalMetrics['validation:auc']).toBeGreaterThan(0.9);
    expect(job.metrics.filter((m) => m.name === 'validation:auc').length).toBeGreaterThan(1);
    expect(job.attempts).toBe(1);
    expect(job.modelArtifact).toBe(`${artifacts.url}/jobs/gb1/output/model.tar.gz`);
    expect(await artifacts.head('jobs/gb1/output/model.tar.gz')).toBeTruthy();
    const logs = await training.logs('gb1');
    expect(logs.lines.length).toBeGreaterThan(0);
    expect(logs.lines.some((l) => l.line.includes('validation-auc'))).toBe(true);
  });

  it('runs linear-learner, kmeans and pca to completion', async () => {
    await training.create({ name: 'll1', algorithm: 'linear-learner', hyperParameters: { predictor_type: 'binary_classifier', epochs: '3' }, channels: { train: 'tr', validation: 'va' } });
    await training.create({ name: 'km1', algorithm: 'kmeans', hyperParameters: { k: '3', feature_dim: '4' }, channels: { train: 'tr' } });
    await training.create({ name: 'pc1', algorithm: 'pca', hyperParameters: { num_components: '2', feature_dim: '4' }, channels: { train: 'tr' } });
    for (const name of ['ll1', 'km1', 'pc1']) {
      const job = await until(name, ended);
      expect(job.status, `${name}: ${job.failureReason}`).toBe('Completed');
      expect(job.modelArtifact).toBeTruthy();
    }
    expect((await training.describe('ll1')).finalMetrics['validation:binary_classification_accuracy']).toBeGreaterThan(0.8);
  });

  it('refuses bad requests before queueing', async () => {
    await expect(training.create({ name: 'x1', algorithm: 'nope', channels: { train: 'tr' } })).rejects.toMatchObject({ code: 'ORCH_ALGORITHM_UNKNOWN' });
    await expect(training.create({ name: 'x2', algorithm: 'xgboost', hyperParameters: { num_round: '10', eta: '7' }, channels: { train: 'tr' } })).rejects.toMatchObject({ code: 'ORCH_HYPERPARAMETER_INVALID', message: expect.stringContaining('eta') });
    await expect(training.create({ name: 'x3', algorithm: 'xgboost', hyperParameters: { num_round: '10', colour: 'red' }, channels: { train: 'tr' } })).rejects.toMatchObject({ code: 'ORCH_HYPERPARAMETER_UNKNOWN' });
    await expect(training.create({ name: 'x4', algorithm: 'xgboost', hyperParameters: { num_round: '10' }, channels: { validation: 'va' } })).rejects.toMatchObject({ code: 'ORCH_TRAINING_CHANNEL_MISSING' });
    await expect(training.create({ name: 'x5', algorithm: 'xgboost', hyperParameters: { num_round: '10' }, channels: { train: 'missing' } })).rejects.toMatchObject({ code: 'ORCH_DATASET_NOT_FOUND' });
    await expect(training.create({ name: 'gb1', algorithm: 'xgboost', hyperParameters: { num_round: '10' }, channels: { train: 'tr' } })).rejects.toMatchObject({ code: 'ORCH_TRAINING_EXISTS' });
    expect((await training.list()).items.map((j) => j.name)).not.toContain('x2');
  });

  it('reports every problem of a request at once, each naming its field', async () => {
    const err = await training.create({ name: 'x6', algorithm: 'xgboost', hyperParameters: { max_depth: '-3', colour: 'red' }, channels: { validation: 'va' } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ORCH_HYPERPARAMETER_UNKNOWN', status: 400 });
    expect((err as { details: { errors: unknown[] } }).details.errors).toEqual([
      { field: 'colour', code: 'ORCH_HYPERPARAMETER_UNKNOWN', message: expect.stringContaining('colour') },
      { field: 'num_round', code: 'ORCH_HYPERPARAMETER_MISSING', message: expect.stringContaining('num_round') },
      { field: 'max_depth', code: 'ORCH_HYPERPARAMETER_INVALID', message: expect.stringContaining('max_depth') },
      { field: 'channels.train', code: 'ORCH_TRAINING_CHANNEL_MISSING', message: "xgboost needs a 'train' channel" },
    ]);
    expect((await training.list()).items.map((j) => j.name)).not.toContain('x6');
  });

  it('stores the resolved hyperparameters with the job and shows them as given', async () => {
    await training.create({ name: 'hp1', algorithm: 'xgboost', hyperParameters: { num_round: '1e1', eta: '0.5' }, channels: { train: 'tr' }, experiment: 'hp-exp' });
    expect(ensured.has('hp-exp')).toBe(true);
    await training.stop('hp1');
    const row = await metadata.db.selectFrom('training_jobs').select('spec_json').where('name', '=', 'hp1').executeTakeFirstOrThrow();
    expect(JSON.parse(row.spec_json).resolvedHyperParameters).toMatchObject({ num_round: 10, eta: 0.5, max_depth: 6, objective: 'reg:squarederror' });
    const job = await training.describe('hp1');
    expect(job.hyperParameters).toEqual({ num_round: '1e1', eta: '0.5' });
    expect(job).not.toHaveProperty('resolvedHyperParameters');
  });

  it('reports its status changes for the platform feed, in (updatedAt, name) order from a cursor', async () => {
    const rows = await training.statusChanges('1970-01-01T00:00:00.000Z', 1000);
    expect(rows.length).toBeGreaterThan(1);
    const gb1 = rows.find((r) => r.name === 'gb1')!;
    expect(gb1).toMatchObject({ status: 'Completed', secondaryStatus: 'Completed', failureReason: null });
    const keys = rows.map((r) => `${r.updatedAt} ${r.name}`);
    expect([...keys].sort()).toEqual(keys);
    const rest = await training.statusChanges('1970-01-01T00:00:00.000Z', 1000, { updatedAt: rows[0].updatedAt, name: rows[0].name });
    expect(rest.map((r) => r.name)).toEqual(rows.slice(1).map((r) => r.name));
    expect(await training.statusChanges('2999-01-01T00:00:00.000Z', 10)).toEqual([]);
  });

  it('fails a job whose data does not fit, with the reason', async () => {
    await datasets.create({ name: 'words', format: 'csv', body: Readable.from(['yes,1.5,2\nno,0.5,1\n']) });
    await training.create({ name: 'bad1', algorithm: 'xgboost', hyperParameters: { num_round: '5' }, channels: { train: 'words' } });
    const job = await until('bad1', ended);
    expect(job.status).toBe('Failed');
    expect(job.failureReason).toContain('ORCH_TRAINING_DATA_INVALID');
    expect(job.modelArtifact).toBeNull();
  });

  it('stops a running job', async () => {
    await training.create({ name: 'long1', algorithm: 'xgboost', hyperParameters: { num_round: '100000', max_depth: '10' }, channels: { train: 'tr' } });
    await until('long1', (j) => j.secondaryStatus === 'Training');
    await training.stop('long1');
    const job = await until('long1', ended);
    expect(job.status).toBe('Stopped');
  });

  // Last: it stops the workers so that the lost entries stay lost until re-enqueued.
  it('enqueues again the unfinished jobs whose queue entries were lost, and only those', async () => {
    await workers.stop();
    await training.create({ name: 'lost1', algorithm: 'kmeans', hyperParameters: { k: '2', feature_dim: '4' }, channels: { train: 'tr' } });
    await training.create({ name: 'lost2', algorithm: 'kmeans', hyperParameters: { k: '2', feature_dim: '4' }, channels: { train: 'tr' } });
    expect(await training.requeueLost()).toBe(0);
    // The queue loses both entries (as a Redis without persistence does); lost2 was stopping.
    await metadata.db.deleteFrom('queue_jobs').where('id', 'in', ['training-lost1', 'training-lost2']).execute();
    await metadata.db.updateTable('training_jobs').set({ status: 'Stopping', secondary_status: 'Stopping', stop_requested: 1 }).where('name', '=', 'lost2').execute();
    expect(await training.requeueLost()).toBe(1);
    expect(await queue.get('training-lost1')).toMatchObject({ kind: 'training', state: 'queued', payload: { name: 'lost1' }, maxAttempts: 4 });
    expect(await queue.get('training-lost2')).toBeNull();
    expect(await training.describe('lost2')).toMatchObject({ status: 'Stopped' });
    // Finished jobs are left alone, and a second pass finds nothing more to do.
    expect(await training.requeueLost()).toBe(0);
  });
});
