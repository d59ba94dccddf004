import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OrchardError } from '../core/index.js';
import type { DatasetService } from '../data/index.js';
import { createEmbeddedJobQueue, startWorkerLoop, type JobHandler, type JobQueue, type WorkerLoop } from '../jobs/index.js';
import { openMetadataStore, type MetadataStore } from '../storage/index.js';
import { TRAINING_KIND, type CreateTrainingJobInput, type TrainingJob, type TrainingService } from '../training/index.js';
import { TuningController } from './tuning-controller.js';
import { TuningService } from './tuning-service.js';

const until = async (check: () => boolean | Promise<boolean>, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

/**
 * Training as the controller sees it: jobs kept in memory, each queued as a `training` job
 * that the test's worker loop runs until the test lets it finish with a score.
 */
function fakeTraining(queue: JobQueue) {
  const jobs = new Map<string, TrainingJob>();
  const release = new Map<string, (score: number) => void>();
  const events: string[] = [];
  const training = {
    async create(input: CreateTrainingJobInput) {
      events.push(`created ${input.name}`);
      const job = { name: input.name, status: 'InProgress', secondaryStatus: 'Starting', failureReason: null, hyperParameters: input.hyperParameters ?? {}, finalMetrics: {}, metrics: [] } as unknown as TrainingJob;
      jobs.set(input.name, job);
      await queue.enqueue(TRAINING_KIND, { name: input.name }, { jobId: `training-${input.name}` });
      return job;
    },
    async describe(name: string) {
      const job = jobs.get(name);
      if (!job) throw new OrchardError('ORCH_JOB_NOT_FOUND', { message: `No such job: ${name}` });
      return structuredClone(job);
    },
    async stop(name: string) {
      return structuredClone(jobs.get(name)!);
    },
  } as unknown as TrainingService;
  const handler: JobHandler<{ name: string }, number> = {
    kinds: [TRAINING_KIND],
    cpus: () => 1,
    run: (job) => new Promise<number>((resolve) => release.set(job.payload.name, resolve)),
    async record(job, score) {
      Object.assign(jobs.get(job.payload.name)!, { status: 'Completed', secondaryStatus: 'Completed', finalMetrics: { score } });
      events.push(`ended ${job.payload.name}`);
      await queue.complete(job);
    },
  };
  return { training, handler, release, events };
}

describe('the tuning controller', () => {
  let metadata: MetadataStore;
  let queue: JobQueue;
  let loop: WorkerLoop | undefined;
  let controller: TuningController | undefined;

  beforeEach(async () => {
    metadata = await openMetadataStore('sqlite::memory:');
    queue = createEmbeddedJobQueue(metadata);
  });
  afterEach(async () => {
    await controller?.stop();
    controller = undefined;
    await loop?.stop();
    loop = undefined;
    await queue.close();
    await metadata.close();
  });

  it('starts the next trial as soon as a trial ends in its own process, not at its next tick', async () => {
    const { training, handler, release, events } = fakeTraining(queue);
    loop = startWorkerLoop({ queue, handlers: [handler], slots: 1, cpus: 1, pollMs: 20 });
    const tuning = new TuningService({ metadata, training, datasets: { describe: async () => ({}) } as unknown as DatasetService, workerCpus: 1 });
    await tuning.create({
      name: 't1',
      script: { entryPoint: 'score.py', sourceKey: 'sources/t1/sourcedir.tar.gz' },
      ranges: [{ name: 'x', type: 'continuous', min: 0, max: 1 }],
      objective: { metric: 'score', type: 'Maximize' },
      strategy: 'random',
      seed: 1,
      maxJobs: 2,
      maxParallel: 1,
      channels: { train: 'd' },
    });
    // An hour between ticks: only the end of a trial heard from the worker loop can start
    // the second trial, and end the tuning job, within the test's time.
    controller = new TuningController(tuning, training, { intervalMs: 3_600_000, attemptsEnded: loop.onAttemptEnded });
    controller.start();

    await until(() => release.has('t1-001'));
    expect(events).toEqual(['created t1-001']);
    release.get('t1-001')!(0.25);
    await until(() => release.has('t1-002'));
    // The first trial was recorded with its objective before the second was launched.
    expect(events).toEqual(['created t1-001', 'ended t1-001', 'created t1-002']);
    const during = await tuning.describe('t1');
    expect(during.status).toBe('InProgress');
    expect(during.trials.map((t) => [t.trainingJob, t.status, t.objective])).toEqual([
      ['t1-001', 'Completed', 0.25],
      ['t1-002', 'InProgress', null],
    ]);

    release.get('t1-002')!(0.75);
    await until(async () => (await tuning.describe('t1')).status !== 'InProgress');
    const done = await tuning.describe('t1');
    expect(done.status).toBe('Completed');
    expect(done.trainingJobCounts).toMatchObject({ completed: 2, inProgress: 0 });
    expect(done.bestTrainingJob).toMatchObject({ name: 't1-002', objective: 0.75 });
  });
});
