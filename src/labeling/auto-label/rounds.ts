import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import * as tar from 'tar';
import { getAlgorithm, registerBuiltins, type Predictor } from '../../algorithms/index.js';
import type { DatasetService } from '../../data/index.js';
import type { ClaimedJob, JobQueue } from '../../jobs/index.js';
import type { ArtifactStore, MetadataStore } from '../../storage/index.js';
import { TRAINING_KIND, type TrainingJob, type TrainingService } from '../../training/index.js';
import { dawidSkene, dawidSkeneMultiLabel } from '../consolidation/index.js';
import { consolidationJobId, LABELING_CONSOLIDATE_KIND } from '../service.js';
import { LabelingStore, type LabelingItemsTable, type LabelingJobsTable } from '../store.js';
import { AutoLabelStore, type AutoLabelTable } from './auto-label-store.js';
import { featureCount, fitTextFeaturizer, IMAGE_SIDE, imageRow, textRow, type Featurizer } from './features.js';
import { decodeGreyImage } from './grey-image.js';
import { chooseThreshold } from './threshold.js';
import { encodeMachineLabels, labelSetKey, labelSetOf, multiLabelDecision } from './multi-label.js';

/** The queue kind of an automated-labeling round (both its steps: train, then label). */
export const LABELING_AUTO_KIND = 'labeling-auto-label';
/** A round needs at least this many human-labeled items (and starts again after as many more). */
export const MIN_ROUND_ITEMS = 10;
const ALGORITHM = 'linear-learner';
/**
 * Between the wait step's looks at the round's training jobs (a look is one describe per
 * job). A job that ends in this process's worker loop queues the label step at once
 * ({@link autoLabelWake}); the look finds those that end in other workers of the fleet.
 */
const POLL_MS = 1000;
const PREDICT_BATCH = 512;
/** A round's models whose datasets and training jobs are created at once (a single-label round's six). */
const CREATES_AT_ONCE = 6;
const ENDED = new Set(['Completed', 'Failed', 'Stopped']);

/**
 * A round's steps: `train` creates its training jobs, `wait` looks at them every
 * {@link POLL_MS} (`poll` counts the looks), `label` (one queue entry per round, so the
 * wait step and a wake both queuing it run it once) scores and stores machine labels.
 * A `label` payload with `poll` was queued by an earlier version, whose label step waited
 * itself: it waits.
 */
export type AutoLabelPayload = { name: string; round: number; step: 'train' | 'wait' | 'label'; poll?: number };

export interface AutoLabelDeps {
  metadata: MetadataStore;
  queue: JobQueue;
  artifacts: ArtifactStore;
  datasets: Pick<DatasetService, 'create' | 'versions'>;
  training: Pick<TrainingService, 'create' | 'describe'>;
}

/** What a round saves between its steps: how items become features, and the held-out labels. */
interface RoundPlan {
  featurizer: Featurizer;
  classes: string[];
  /** Multi-label: one binary model per class (one-vs-rest); labels are {@link labelSetKey}s. */
  multiLabel?: boolean;
  /** The human labels by fold: fold f is held out of model f and scored by it. */
  folds: { item: string; label: string }[][];
  trainRows: number;
}

/** Human-labeled items needed between rounds: the batch share of the items, at least {@link MIN_ROUND_ITEMS}. */
export function roundSize(auto: Pick<AutoLabelTable, 'batch_share'>, total: number): number {
  return Math.max(MIN_ROUND_ITEMS, Math.ceil(auto.batch_share * total));
}

const enqueueStep = (queue: JobQueue, p: AutoLabelPayload, runAfter?: Date) =>
  queue.enqueue(LABELING_AUTO_KIND, p, { jobId: `labeling-auto.${p.name}.r${p.round}.${p.step}${p.poll ? `.${p.poll}` : ''}`, maxAttempts: 3, backoffMs: 1000, ...(runAfter ? { runAfter } : {}) });

/**
 * Starts the next round when enough items have all their human answers and some wait for
 * people: Idle -> Training (one winner among racing callers), and the train step queued.
 */
export async function maybeStartRound(deps: Pick<AutoLabelDeps, 'metadata' | 'queue'>, name: string): Promise<boolean> {
  const auto = new AutoLabelStore(deps.metadata);
  const row = await auto.get(name);
  if (!row || row.state !== 'Idle') return false;
  const job = await new LabelingStore(deps.metadata).get(name);
  if (job.status !== 'InProgress') return false;
  const { humanComplete, waiting } = await auto.progress(name, job.annotators_per_item);
  if (humanComplete < row.next_round_at || waiting === 0) return false;
  const round = row.round + 1;
  const next = humanComplete + roundSize(row, job.total_items);
  if (!(await auto.transition(name, { state: 'Idle', round: row.round }, { state: 'Training', round, next_round_at: next, training_job: null, last_error: null }))) return false;
  await enqueueStep(deps.queue, { name, round, step: 'train' });
  return true;
}

/** Runs one step of a round; every way out settles its queue entry. */
export async function runAutoLabelStep(deps: AutoLabelDeps, job: ClaimedJob<AutoLabelPayload>, signal: AbortSignal): Promise<void> {
  const { name, round } = job.payload;
  const auto = new AutoLabelStore(deps.metadata);
  const row = await auto.get(name);
  const labeling = await new LabelingStore(deps.metadata).get(name).catch(() => null);
  if (!row || row.state !== 'Training' || row.round !== round || labeling?.status !== 'InProgress' || signal.aborted) {
    // The round was ended (or the job left InProgress): nothing to do. A stopped job ends its round.
    if (row && row.state === 'Training' && row.round === round && labeling && labeling.status !== 'InProgress') {
      await auto.transition(name, { state: 'Training', round }, { state: 'Idle', last_error: `the labeling job is ${labeling.status}` });
    }
    await deps.queue.complete(job);
    return;
  }
  try {
    const { step, poll } = job.payload;
    if (step === 'train') await trainStep(deps, job.payload, row);
    else if (step === 'wait' || poll !== undefined) await waitStep(deps, job.payload, row);
    else await labelStep(deps, job.payload, row);
    await deps.queue.complete(job);
  } catch (err) {
    const message = (err as Error)?.message ?? String(err);
    const outcome = await deps.queue.fail(job, { message });
    if (!outcome.willRetry) await endRound(deps, name, round, { last_error: message });
  }
}

/** The round is over: back to Idle (a later batch of human labels starts the next one). */
async function endRound(deps: Pick<AutoLabelDeps, 'metadata' | 'queue'>, name: string, round: number, set: Partial<AutoLabelTable>): Promise<void> {
  const auto = new AutoLabelStore(deps.metadata);
  if (!(await auto.transition(name, { state: 'Training', round }, { ...set, state: 'Idle' }))) return;
  await maybeStartRound(deps, name);
}

/**
 * The human labels so far: Dawid–Skene over items with all their answers, gold items with
 * their known answer. A multi-label job's label is its set's {@link labelSetKey}.
 */
async function humanLabels(store: LabelingStore, name: string, perItem: number, classes: string[], multiLabel: boolean): Promise<{ item: LabelingItemsTable; label: string }[]> {
  const items = await store.items(name);
  const answers = (await store.answers(name)).filter((a) => a.answer_json);
  const perItemCount = new Map<string, number>();
  for (const a of answers) perItemCount.set(a.item, (perItemCount.get(a.item) ?? 0) + 1);
  if (multiLabel) return humanLabelSets(items, answers, perItem, perItemCount, classes);
  const gold = Object.fromEntries(items.filter((i) => i.gold_json).map((i) => [i.item, (JSON.parse(i.gold_json!) as { label: string }).label]));
  // Dawid–Skene needs several labelers per item to weigh them; one answer per item is taken as given.
  const fit = answers.length && perItem > 1
    ? dawidSkene(
        answers.map((a) => ({ item: a.item, worker: a.worker, label: (JSON.parse(a.answer_json!) as { label: string }).label })),
        { classes, gold },
      )
    : null;
  const out: { item: LabelingItemsTable; label: string }[] = [];
  for (const i of items) {
    if (i.gold_json) out.push({ item: i, label: gold[i.item] });
    else if ((perItemCount.get(i.item) ?? 0) < perItem) continue;
    else if (fit) out.push({ item: i, label: fit.items.get(i.item)!.label });
    else out.push({ item: i, label: (JSON.parse(answers.find((a) => a.item === i.item)!.answer_json!) as { label: string }).label });
  }
  return out;
}

function humanLabelSets(
  items: LabelingItemsTable[],
  answers: { item: string; worker: string; answer_json: string | null }[],
  perItem: number,
  perItemCount: Map<string, number>,
  classes: string[],
): { item: LabelingItemsTable; label: string }[] {
  const setOf = (json: string) => (JSON.parse(json) as { labels: string[] }).labels;
  const gold = Object.fromEntries(items.filter((i) => i.gold_json).map((i) => [i.item, setOf(i.gold_json!)]));
  const fit = answers.length && perItem > 1 ? dawidSkeneMultiLabel(answers.map((a) => ({ item: a.item, worker: a.worker, labels: setOf(a.answer_json!) })), { classes, gold }) : null;
  const out: { item: LabelingItemsTable; label: string }[] = [];
  for (const i of items) {
    if (i.gold_json) out.push({ item: i, label: labelSetKey(gold[i.item], classes) });
    else if ((perItemCount.get(i.item) ?? 0) < perItem) continue;
    else if (fit) out.push({ item: i, label: labelSetKey(fit.items.get(i.item)!.labels, classes) });
    else out.push({ item: i, label: labelSetKey(setOf(answers.find((a) => a.item === i.item)!.answer_json!), classes) });
  }
  return out;
}

/** A deterministic shuffle (the round's seed): which human labels train and which are held out. */
function seededOrder<T>(xs: T[], seed: string): T[] {
  const key = (i: number) => createHash('sha256').update(`${seed}:${i}`).digest().readUInt32BE(0);
  return xs.map((x, i) => ({ x, k: key(i) })).sort((a, b) => a.k - b.k).map((e) => e.x);
}

/** An item's features, or null when it cannot be read (not a PNG or JPEG, or broken: people label it). */
async function featuresOf(deps: Pick<AutoLabelDeps, 'artifacts'>, f: Featurizer, item: LabelingItemsTable, out: Float32Array): Promise<boolean> {
  const source = JSON.parse(item.source_json) as Record<string, unknown>;
  if (f.kind === 'text') {
    textRow(f, String(source.source ?? ''), out);
    return true;
  }
  const ref = String(source['source-ref'] ?? '');
  const key = ref.startsWith(`${deps.artifacts.url}/`) ? ref.slice(deps.artifacts.url.length + 1) : ref.replace(/^\/+/, '');
  let bytes: Buffer;
  try {
    const chunks: Buffer[] = [];
    for await (const c of await deps.artifacts.get(key)) chunks.push(c as Buffer);
    bytes = Buffer.concat(chunks);
  } catch {
    return false;
  }
  const img = decodeGreyImage(bytes);
  if ('problem' in img) return false;
  imageRow(f.side, img, out);
  return true;
}

const roundKey = (name: string, round: number) => `labeling/${name}/auto-label/round-${round}.json`;

/** A training job name within 63 characters, unique per (labeling job, round, class of a multi-label job, fold). */
export function roundTrainingJob(name: string, round: number, fold?: number, cls?: number): string {
  const suffix = `-auto-r${round}${cls === undefined ? '' : `-c${cls}`}${fold === undefined ? '' : `-f${fold}`}`;
  if (name.length + suffix.length <= 63) return `${name}${suffix}`;
  const h = createHash('sha256').update(name).digest('hex').slice(0, 6);
  return `${name.slice(0, 63 - suffix.length - 7)}-${h}${suffix}`;
}

async function trainStep(deps: AutoLabelDeps, p: AutoLabelPayload, auto: AutoLabelTable): Promise<void> {
  const store = new LabelingStore(deps.metadata);
  const job = await store.get(p.name);
  const classes = JSON.parse(job.labels_json) as string[];
  const image = job.task_type === 'image-classification';
  const multiLabel = job.multi_label === 1;
  const items = await store.items(p.name);
  const human = await humanLabels(store, p.name, job.annotators_per_item, classes, multiLabel);
  const textOf = (i: LabelingItemsTable) => String((JSON.parse(i.source_json) as Record<string, unknown>).source ?? '');
  // The vocabulary comes from the human-labeled texts (their words, not their labels).
  const featurizer: Featurizer = image ? { kind: 'image', side: IMAGE_SIDE } : fitTextFeaturizer(items.map(textOf), human.map((h) => textOf(h.item)));
  const labeled: { item: string; label: string; row: Float32Array }[] = [];
  for (const h of seededOrder(human, `${p.name}:${p.round}`)) {
    const row = new Float32Array(featureCount(featurizer));
    if (await featuresOf(deps, featurizer, h.item, row)) labeled.push({ item: h.item.item, label: h.label, row });
  }
  // K-fold cross-validation: each human label is held out once, scored by a model that did not see it,
  // so the threshold rests on every human label rather than on a fifth of them.
  const k = foldsOf(auto);
  const folds = Array.from({ length: k }, (_, f) => labeled.filter((_, i) => i % k === f));
  const trainOf = (m: number) => (m === k ? labeled : labeled.filter((_, i) => i % k !== m));
  if (folds.some((f) => f.length === 0) || Array.from({ length: k + 1 }, (_, m) => new Set(trainOf(m).map((t) => t.label)).size).some((n) => n < 2)) {
    await endRound(deps, p.name, p.round, { last_error: `round ${p.round}: ${labeled.length} human-labeled items readable as features, too few (or one class) to train and hold out` });
    return;
  }
  // Multi-label: every class's binary model needs items with and without the class in each training set.
  const targets = (c: number, rows: { label: string }[]) => rows.map((t) => (labelSetOf(t.label).includes(classes[c]) ? 1 : 0));
  const oneSided = multiLabel ? classes.findIndex((_, c) => Array.from({ length: k + 1 }, (_, m) => new Set(targets(c, trainOf(m))).size).some((n) => n < 2)) : -1;
  if (oneSided >= 0) {
    await endRound(deps, p.name, p.round, { last_error: `round ${p.round}: class ${classes[oneSided]} is present in all or none of the ${labeled.length} human-labeled items of a training set; its model cannot learn it` });
    return;
  }
  const plan: RoundPlan = { featurizer, classes, ...(multiLabel ? { multiLabel } : {}), folds: folds.map((f) => f.map((h) => ({ item: h.item, label: h.label }))), trainRows: labeled.length };
  await deps.artifacts.put(roundKey(p.name, p.round), Buffer.from(JSON.stringify(plan)));
  // A training job per fold, and the round's model on every human label (m = k); per class for a multi-label job.
  const models: { fold: number | undefined; cls?: number; train: () => { target: number; row: Float32Array }[] }[] = [];
  for (let m = 0; m <= k; m++) {
    const fold = m === k ? undefined : m;
    if (!multiLabel) models.push({ fold, train: () => trainOf(m).map((t) => ({ target: classes.indexOf(t.label), row: t.row })) });
    else for (let c = 0; c < classes.length; c++) models.push({ fold, cls: c, train: () => trainOf(m).map((t) => ({ target: targets(c, [t])[0], row: t.row })) });
  }
  // Side by side: each model's dataset version and training job. Versions of one dataset name
  // created at once get distinct numbers (datasets reserve a number under a unique constraint,
  // the loser taking the next); a retried step finds its earlier versions by their tags.
  const earlier = await deps.datasets.versions(trainDataset(p.name)).catch(() => []);
  await eachAtOnce(models, CREATES_AT_ONCE, (md) => trainModel(deps, p, job, plan, md.train(), md.fold, md.cls, earlier));
  await new AutoLabelStore(deps.metadata).transition(p.name, { state: 'Training', round: p.round }, { training_job: roundTrainingJob(p.name, p.round, undefined, multiLabel ? 0 : undefined) });
  await enqueueStep(deps.queue, { name: p.name, round: p.round, step: 'wait', poll: 1 }, new Date(Date.now() + POLL_MS / 2));
}

/**
 * Runs `fn` on every element, at most `limit` at a time. After a failure no further element
 * starts; the first error is thrown once those running have settled (a retried step must not
 * race its own earlier attempt's creates).
 */
async function eachAtOnce<T>(xs: T[], limit: number, fn: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const lane = async () => {
    while (next < xs.length && errors.length === 0) {
      const x = xs[next++];
      try {
        await fn(x);
      } catch (err) {
        errors.push(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, xs.length) }, lane));
  if (errors.length > 0) throw errors[0];
}

/** The dataset whose versions are the train channels of a labeling job's round models. */
const trainDataset = (name: string) => `${name}-auto-train`;

/** Folds of the cross-validation: 1 / holdout share (5 for 20 %). */
const foldsOf = (auto: Pick<AutoLabelTable, 'holdout_share'>) => Math.max(2, Math.round(1 / auto.holdout_share));

/** One model of a round: on every class (single-label), or class `cls` present (1) or not (0) for a multi-label job. */
async function trainModel(
  deps: AutoLabelDeps,
  p: AutoLabelPayload,
  job: LabelingJobsTable,
  plan: RoundPlan,
  train: { target: number; row: Float32Array }[],
  fold: number | undefined,
  cls: number | undefined,
  versions: Awaited<ReturnType<AutoLabelDeps['datasets']['versions']>>,
): Promise<void> {
  // The train channel: a CSV in SageMaker's layout, the class index (or 0/1) first, then the features.
  const fmt = (v: number) => (v === 0 ? '0' : String(Math.round(v * 1e6) / 1e6));
  const csv = train.map((t) => `${t.target},${Array.from(t.row, fmt).join(',')}`).join('\n') + '\n';
  const dataset = trainDataset(p.name);
  const model = `${cls === undefined ? '' : `class-${cls}-`}${fold === undefined ? 'all' : `fold-${fold}`}`;
  const tags = { 'labeling-job': p.name, 'auto-label-round': String(p.round), 'auto-label-model': model };
  const earlier = versions.find((v) => v.tags['labeling-job'] === p.name && v.tags['auto-label-round'] === String(p.round) && v.tags['auto-label-model'] === model);
  const version =
    earlier ??
    (await deps.datasets.create({ name: dataset, format: 'csv', body: Readable.from([csv]), description: `Human labels of labeling job ${p.name}, automated-labeling round ${p.round} (${model})`, tags, ...(job.created_by ? { createdBy: job.created_by } : {}) }));
  const trainingJob = roundTrainingJob(p.name, p.round, fold, cls);
  const binary = cls !== undefined || plan.classes.length === 2;
  try {
    await deps.training.create({
      name: trainingJob,
      algorithm: ALGORITHM,
      hyperParameters: {
        predictor_type: binary ? 'binary_classifier' : 'multiclass_classifier',
        ...(binary ? {} : { num_classes: String(plan.classes.length) }),
        feature_dim: String(featureCount(plan.featurizer)),
        // Small batches: the first rounds train on a few hundred rows.
        mini_batch_size: String(Math.max(8, Math.min(256, Math.ceil(train.length / 10)))),
        epochs: '40',
        // Text rows are already unit-length tf-idf; pixels are standardised.
        normalize_data: plan.featurizer.kind === 'image' ? 'true' : 'false',
      },
      channels: { train: `${version.name}@${version.version}` },
      // A few hundred rows: one core each, so the fold models train side by side.
      cpus: 1,
      tags,
      ...(job.created_by ? { createdBy: job.created_by } : {}),
    });
  } catch (err) {
    // A retried step finds the job an earlier attempt created.
    if ((err as { code?: string }).code !== 'ORCH_TRAINING_EXISTS' || (await deps.training.describe(trainingJob)).tags['labeling-job'] !== p.name) throw err;
  }
}

async function loadModel(deps: Pick<AutoLabelDeps, 'artifacts'>, trainingJob: string, dir: string): Promise<Predictor> {
  await fs.mkdir(dir, { recursive: true });
  const archive = path.join(dir, 'model.tar.gz');
  await pipeline(await deps.artifacts.get(`jobs/${trainingJob}/output/model.tar.gz`), createWriteStream(archive));
  const modelDir = path.join(dir, 'model');
  await fs.mkdir(modelDir);
  await tar.x({ file: archive, cwd: modelDir, strict: true });
  registerBuiltins();
  return getAlgorithm(ALGORITHM).load(modelDir);
}

/** Class probabilities per row: the binary model gives P(second class). */
function predictRows(model: Predictor, rows: Float32Array, n: number, k: number): { label: number; confidence: number }[] {
  const { values, outputsPerRow } = model.predict(rows, n);
  const out: { label: number; confidence: number }[] = [];
  for (let r = 0; r < n; r++) {
    if (outputsPerRow === 1) {
      const p1 = values[r];
      out.push(p1 >= 0.5 ? { label: 1, confidence: p1 } : { label: 0, confidence: 1 - p1 });
    } else {
      let best = 0;
      for (let c = 1; c < k; c++) if (values[r * outputsPerRow + c] > values[r * outputsPerRow + best]) best = c;
      out.push({ label: best, confidence: values[r * outputsPerRow + best] });
    }
  }
  return out;
}

/**
 * The models' label and confidence per readable item: one model's class (single-label), or
 * one binary model per class and the multi-label decision (its label a {@link labelSetKey},
 * its present classes with their probabilities in `labels`).
 */
async function scoreItems(deps: AutoLabelDeps, models: Predictor[], plan: RoundPlan, items: LabelingItemsTable[]): Promise<Map<string, Scored>> {
  const d = featureCount(plan.featurizer);
  const out = new Map<string, Scored>();
  for (let s = 0; s < items.length; s += PREDICT_BATCH) {
    const batch = items.slice(s, s + PREDICT_BATCH);
    const rows = new Float32Array(batch.length * d);
    const kept: string[] = [];
    for (const it of batch) {
      const row = rows.subarray(kept.length * d, (kept.length + 1) * d);
      if (await featuresOf(deps, plan.featurizer, it, row)) kept.push(it.item);
    }
    if (kept.length === 0) continue;
    const x = rows.subarray(0, kept.length * d);
    if (!plan.multiLabel) {
      predictRows(models[0], x, kept.length, plan.classes.length).forEach((p, i) => out.set(kept[i], { label: plan.classes[p.label], confidence: p.confidence }));
      continue;
    }
    // P(class present) from each class's binary model.
    const probs = models.map((m) => m.predict(x, kept.length).values);
    kept.forEach((item, i) => {
      const dec = multiLabelDecision(probs.map((v) => v[i]), plan.classes);
      out.set(item, { label: labelSetKey(dec.labels.map((l) => l.label), plan.classes), confidence: dec.confidence, labels: dec.labels });
    });
  }
  return out;
}

type Scored = { label: string; confidence: number; labels?: { label: string; confidence: number }[] };

/**
 * A round's training jobs, `jobs[m][c]`: model m (fold m, or all labels for m = k) of class c
 * (the one model of a single-label job), each described; `ended` when none is still running.
 */
async function roundJobs(deps: Pick<AutoLabelDeps, 'metadata' | 'training'>, name: string, round: number, auto: AutoLabelTable): Promise<{ jobs: string[][]; described: TrainingJob[]; ended: boolean }> {
  const k = foldsOf(auto);
  const labelingJob = await new LabelingStore(deps.metadata).get(name);
  const multiLabel = labelingJob.multi_label === 1;
  const classCount = multiLabel ? (JSON.parse(labelingJob.labels_json) as string[]).length : 1;
  const jobs = Array.from({ length: k + 1 }, (_, m) => Array.from({ length: classCount }, (_, c) => roundTrainingJob(name, round, m === k ? undefined : m, multiLabel ? c : undefined)));
  const described = await Promise.all(jobs.flat().map((j) => deps.training.describe(j)));
  return { jobs, described, ended: described.every((t) => ENDED.has(t.status)) };
}

/** Looks at the round's training jobs: the label step once they have all ended, else another look later. */
async function waitStep(deps: AutoLabelDeps, p: AutoLabelPayload, auto: AutoLabelTable): Promise<void> {
  if (!auto.training_job) throw new Error(`round ${p.round} has no training job`);
  if ((await roundJobs(deps, p.name, p.round, auto)).ended) await enqueueStep(deps.queue, { name: p.name, round: p.round, step: 'label' });
  else await enqueueStep(deps.queue, { name: p.name, round: p.round, step: 'wait', poll: (p.poll ?? 1) + 1 }, new Date(Date.now() + POLL_MS));
}

/**
 * The worker loop's `onAttemptEnded` listener: when a round's training job ends in this
 * process and it was the round's last, the label step is queued at once rather than at the
 * wait step's next look (which still finds jobs that end in other workers). Failures go to
 * `onError` (the returned promise never rejects); the wait step covers them.
 */
export function autoLabelWake(deps: Pick<AutoLabelDeps, 'metadata' | 'queue' | 'training'>, onError?: (err: unknown) => void): (job: { id: string; kind: string }) => Promise<void> {
  return async (job) => {
    // The training queue's job id is `training-<name>`; a round's names end as roundTrainingJob's do.
    const name = job.kind === TRAINING_KIND ? /^training-(.+-auto-r\d+(?:-c\d+)?(?:-f\d+)?)$/.exec(job.id)?.[1] : undefined;
    if (name) await wakeRound(deps, name).catch((err) => onError?.(err));
  };
}

async function wakeRound(deps: Pick<AutoLabelDeps, 'metadata' | 'queue' | 'training'>, trainingJob: string): Promise<void> {
  const t = await deps.training.describe(trainingJob);
  const name = t.tags['labeling-job'];
  const round = Number(t.tags['auto-label-round']);
  if (!name || !Number.isInteger(round) || !ENDED.has(t.status)) return;
  // training_job is set once the round's every training job exists.
  const auto = await new AutoLabelStore(deps.metadata).get(name);
  if (!auto || auto.state !== 'Training' || auto.round !== round || !auto.training_job) return;
  if ((await roundJobs(deps, name, round, auto)).ended) await enqueueStep(deps.queue, { name, round, step: 'label' });
}

async function labelStep(deps: AutoLabelDeps, p: AutoLabelPayload, auto: AutoLabelTable): Promise<void> {
  if (!auto.training_job) throw new Error(`round ${p.round} has no training job`);
  const k = foldsOf(auto);
  const store = new LabelingStore(deps.metadata);
  const { jobs, described, ended } = await roundJobs(deps, p.name, p.round, auto);
  // Queued only once they have all ended (by the wait step or a wake).
  if (!ended) throw new Error(`round ${p.round}: the label step ran before its training jobs ended`);
  const bad = described.find((t) => t.status !== 'Completed');
  if (bad) {
    await endRound(deps, p.name, p.round, { last_error: `training job ${bad.name} ended ${bad.status}${bad.failureReason ? `: ${bad.failureReason}` : ''}` });
    return;
  }
  const autoStore = new AutoLabelStore(deps.metadata);
  const chunks: Buffer[] = [];
  for await (const c of await deps.artifacts.get(roundKey(p.name, p.round))) chunks.push(c as Buffer);
  const plan = JSON.parse(Buffer.concat(chunks).toString('utf8')) as RoundPlan;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'orchard-auto-label-'));
  try {
    const byItem = new Map((await store.items(p.name)).map((i) => [i.item, i]));
    const held: { confidence: number; correct: boolean }[] = [];
    for (let f = 0; f < plan.folds.length; f++) {
      const foldModels = await Promise.all(jobs[f].map((j, c) => loadModel(deps, j, path.join(dir, `f${f}-c${c}`))));
      const truth = new Map(plan.folds[f].map((h) => [h.item, h.label]));
      // Multi-label: right only when the whole label set is.
      const scores = await scoreItems(deps, foldModels, plan, plan.folds[f].map((h) => byItem.get(h.item)).filter((i): i is LabelingItemsTable => !!i));
      for (const [item, sc] of scores) held.push({ confidence: sc.confidence, correct: sc.label === truth.get(item) });
    }
    const choice = chooseThreshold(held, auto.target_accuracy);
    const models = await Promise.all(jobs[k].map((j, c) => loadModel(deps, j, path.join(dir, `all-c${c}`))));
    let labeled = 0;
    if (choice.threshold !== null) {
      const now = new Date().toISOString();
      const scores = await scoreItems(deps, models, plan, await autoStore.unlabeled(p.name, now));
      const rows = [...scores]
        .filter(([, s]) => s.confidence >= choice.threshold!)
        .map(([item, s]) => ({ job: p.name, item, label: s.labels ? encodeMachineLabels({ labels: s.labels }) : s.label, confidence: s.confidence, round: p.round, created_at: now }));
      await autoStore.addLabels(rows);
      labeled = rows.length;
    }
    const note = choice.threshold === null ? `round ${p.round}: no confidence threshold reaches ${auto.target_accuracy} on ${held.length} held-out labels` : null;
    if (!(await autoStore.transition(p.name, { state: 'Training', round: p.round }, { state: 'Idle', threshold: choice.threshold, expected_correct: auto.expected_correct + labeled * (choice.accuracy ?? 0), last_error: note }))) return;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
  // Every item labeled by people or the model: consolidate now; else the next batch of human labels starts another round.
  const job = await store.get(p.name);
  const { waiting } = await autoStore.progress(p.name, job.annotators_per_item);
  if (waiting === 0) await finishLabeling(deps, p.name);
  else await maybeStartRound(deps, p.name);
}

/** Every item has its label: the job moves to Consolidating and its consolidation is queued (as the last human answer does). */
export async function finishLabeling(deps: Pick<AutoLabelDeps, 'metadata' | 'queue'>, name: string): Promise<void> {
  if (await new LabelingStore(deps.metadata).transition(name, ['InProgress'], { status: 'Consolidating' })) {
    await deps.queue.enqueue(LABELING_CONSOLIDATE_KIND, { name }, { jobId: consolidationJobId(name), maxAttempts: 3, backoffMs: 1000 });
  }
}
