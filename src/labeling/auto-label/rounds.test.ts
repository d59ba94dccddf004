import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClaimedJob, JobQueue } from '../../jobs/index.js';
import { openMetadataStore, type ArtifactStore, type MetadataStore } from '../../storage/index.js';
import { TRAINING_KIND, type CreateTrainingJobInput, type TrainingJob } from '../../training/index.js';
import { LabelingStore } from '../store.js';
import { AutoLabelStore } from './auto-label-store.js';
import { autoLabelWake, runAutoLabelStep, type AutoLabelDeps, type AutoLabelPayload } from './rounds.js';

const NOW = '2026-01-01T00:00:00.000Z';
const ITEMS = 20;
/** The round's six models (five folds and the round's own), as roundTrainingJob names them. */
const ROUND_JOBS = ['lab-auto-r1', ...[0, 1, 2, 3, 4].map((f) => `lab-auto-r1-f${f}`)];

/** A text job of 20 items, each answered by its one labeler, in round 1 of automated labeling. */
async function seed(metadata: MetadataStore): Promise<void> {
  const items = Array.from({ length: ITEMS }, (_, i) => ({ job: 'lab', item: String(i), seq: i, source_json: JSON.stringify({ source: i % 2 ? 'bad awful film' : 'great superb film' }), width: null, height: null, gold_json: null }));
  await new LabelingStore(metadata).insert(
    {
      name: 'lab', dataset: 'd', dataset_version: 1, task_type: 'text-classification', multi_label: 0, labels_json: JSON.stringify(['pos', 'neg']), annotators_per_item: 1,
      lease_seconds: 600, instructions: null, label_attribute: 'lab', output_dataset: 'lab-out', total_items: ITEMS, gold_items: 0, labeled_items: 0, status: 'InProgress',
      failure_reason: null, output: null, estimates_json: null, created_by: null, created_at: NOW, updated_at: NOW, ended_at: null, team: null, verified_attribute: null,
    },
    items,
  );
  const db = metadata.db as unknown as { insertInto(t: string): { values(v: unknown): { execute(): Promise<unknown> } } };
  await db.insertInto('labeling_answers').values(items.map((i, n) => ({ job: 'lab', item: i.item, worker: 'ann', leased_at: NOW, lease_expires_at: NOW, answer_json: JSON.stringify({ label: n % 2 ? 'neg' : 'pos' }), answered_at: NOW }))).execute();
  await new AutoLabelStore(metadata).insert({ job: 'lab', target_accuracy: 0.8, batch_share: 0.1, holdout_share: 0.2, state: 'Training', round: 1, next_round_at: 40, training_job: null, threshold: null, expected_correct: 0, last_error: null, updated_at: NOW });
}

/** Datasets, training and the queue as the round sees them, counting what it does. */
function fakes(metadata: MetadataStore) {
  const versions: { name: string; version: number; tags: Record<string, string> }[] = [];
  const jobs = new Map<string, TrainingJob>();
  const enqueued: { id: string; payload: AutoLabelPayload; runAfter?: Date }[] = [];
  const seen = { creating: 0, mostAtOnce: 0, describes: 0 };
  const deps: AutoLabelDeps = {
    metadata,
    artifacts: { url: 'file:///artifacts', put: async () => undefined } as unknown as ArtifactStore,
    queue: {
      async enqueue(_kind: string, payload: AutoLabelPayload, opts: { jobId: string; runAfter?: Date }) {
        enqueued.push({ id: opts.jobId, payload, ...(opts.runAfter ? { runAfter: opts.runAfter } : {}) });
        return { id: opts.jobId };
      },
      complete: async () => undefined,
      fail: async () => ({ willRetry: true }),
    } as unknown as JobQueue,
    datasets: {
      async create(input) {
        seen.creating++;
        seen.mostAtOnce = Math.max(seen.mostAtOnce, seen.creating);
        for await (const chunk of input.body as AsyncIterable<unknown>) void chunk;
        await new Promise((r) => setTimeout(r, 5));
        seen.creating--;
        const v = { name: input.name, version: versions.filter((x) => x.name === input.name).length + 1, tags: input.tags ?? {} };
        versions.push(v);
        return v as never;
      },
      async versions(name) {
        const of = versions.filter((v) => v.name === name);
        if (of.length === 0) throw Object.assign(new Error(`No dataset '${name}'`), { code: 'ORCH_DATASET_NOT_FOUND' });
        return of as never;
      },
    },
    training: {
      async create(input: CreateTrainingJobInput) {
        if (jobs.has(input.name)) throw Object.assign(new Error('exists'), { code: 'ORCH_TRAINING_EXISTS' });
        const job = { name: input.name, status: 'InProgress', tags: input.tags ?? {}, channels: input.channels, failureReason: null } as unknown as TrainingJob;
        jobs.set(input.name, job);
        return job;
      },
      async describe(name: string) {
        seen.describes++;
        const job = jobs.get(name);
        if (!job) throw Object.assign(new Error(`No training job ${name}`), { code: 'ORCH_TRAINING_NOT_FOUND' });
        return structuredClone(job);
      },
    },
  };
  return { deps, versions, jobs, enqueued, seen };
}

const claimed = (payload: AutoLabelPayload, attempt = 1): ClaimedJob<AutoLabelPayload> => ({ id: `step-${payload.step}`, kind: 'labeling-auto-label', payload, attempt, leaseToken: 't', leaseExpiresAt: new Date(Date.now() + 60_000) });
const step = (deps: AutoLabelDeps, payload: AutoLabelPayload, attempt = 1) => runAutoLabelStep(deps, claimed(payload, attempt), new AbortController().signal);

describe('an automated-labeling round', () => {
  let metadata: MetadataStore;
  beforeEach(async () => {
    metadata = await openMetadataStore('sqlite::memory:');
    await seed(metadata);
  });
  afterEach(async () => {
    await metadata.close();
  });

  it("creates its models' datasets and training jobs side by side; a retried train step creates none again", async () => {
    const f = fakes(metadata);
    await step(f.deps, { name: 'lab', round: 1, step: 'train' });
    expect([...f.jobs.keys()].sort()).toEqual([...ROUND_JOBS].sort());
    expect(f.seen.mostAtOnce).toBeGreaterThan(1);
    // One version each, numbered apart, each the train channel of its own model's job.
    expect(f.versions.map((v) => v.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    const channels = ROUND_JOBS.map((j) => (f.jobs.get(j) as unknown as { channels: { train: string } }).channels.train);
    expect(new Set(channels).size).toBe(6);
    for (const j of ROUND_JOBS) {
      const v = f.versions.find((x) => `${x.name}@${x.version}` === (f.jobs.get(j) as unknown as { channels: { train: string } }).channels.train)!;
      expect(v.tags['auto-label-model']).toBe(j === 'lab-auto-r1' ? 'all' : `fold-${j.slice(-1)}`);
    }
    expect(f.enqueued.map((e) => e.id)).toEqual(['labeling-auto.lab.r1.wait.1']);
    expect((await new AutoLabelStore(metadata).get('lab'))!.training_job).toBe('lab-auto-r1');

    // The step again (an attempt whose end was lost): the same versions and jobs are found.
    await step(f.deps, { name: 'lab', round: 1, step: 'train' }, 2);
    expect(f.versions).toHaveLength(6);
    expect(f.jobs.size).toBe(6);
    expect((await new AutoLabelStore(metadata).get('lab'))!.state).toBe('Training');
  });

  it('queues the label step when the last training job ends: at once from a wake, else at the next look', async () => {
    const f = fakes(metadata);
    await step(f.deps, { name: 'lab', round: 1, step: 'train' });
    f.enqueued.length = 0;
    const errors: unknown[] = [];
    const wake = autoLabelWake(f.deps, (err) => errors.push(err));
    const end = (name: string) => Object.assign(f.jobs.get(name)!, { status: 'Completed' });

    // Jobs still train: a look queues the next look, a wake queues nothing.
    end('lab-auto-r1-f0');
    await wake({ id: 'training-lab-auto-r1-f0', kind: TRAINING_KIND });
    await step(f.deps, { name: 'lab', round: 1, step: 'wait', poll: 1 });
    // A label step queued by an earlier version (it waited itself) waits too.
    await step(f.deps, { name: 'lab', round: 1, step: 'label', poll: 3 });
    expect(f.enqueued.map((e) => e.id)).toEqual(['labeling-auto.lab.r1.wait.2', 'labeling-auto.lab.r1.wait.4']);
    expect(f.enqueued.every((e) => e.runAfter && e.runAfter.getTime() > Date.now() - 1000)).toBe(true);

    // Other jobs' ends wake nothing, and cost no look.
    const describes = f.seen.describes;
    await wake({ id: 'training-other', kind: TRAINING_KIND });
    await wake({ id: 'labeling-auto.lab.r1.train', kind: 'labeling-auto-label' });
    expect(f.seen.describes).toBe(describes);

    // The last to end: its wake queues the label step, now; the wait step's look queues the same entry.
    f.enqueued.length = 0;
    for (const j of ROUND_JOBS) end(j);
    await wake({ id: 'training-lab-auto-r1-f3', kind: TRAINING_KIND });
    expect(f.enqueued).toEqual([{ id: 'labeling-auto.lab.r1.label', payload: { name: 'lab', round: 1, step: 'label' } }]);
    await step(f.deps, { name: 'lab', round: 1, step: 'wait', poll: 2 });
    expect(f.enqueued.map((e) => e.id)).toEqual(['labeling-auto.lab.r1.label', 'labeling-auto.lab.r1.label']);

    // A round that is over is not woken; a training job that vanished is reported, not thrown.
    f.enqueued.length = 0;
    await new AutoLabelStore(metadata).transition('lab', { state: 'Training', round: 1 }, { state: 'Idle' });
    await wake({ id: 'training-lab-auto-r1', kind: TRAINING_KIND });
    await wake({ id: 'training-lab-auto-r7-f1', kind: TRAINING_KIND });
    expect(f.enqueued).toEqual([]);
    expect(errors).toHaveLength(1);
  });
});
