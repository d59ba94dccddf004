import { IMAGE_TASK_TYPES, LABELING_LIMITS, type LabelingTaskType } from '../contracts/labeling.values.js';
import type { CreateLabelingJobInput, LabelingAnswerReceipt, LabelingJob, LabelingJobFilter, LabelingTask, LabelingWork, Page } from '../contracts/index.js';
import { errorOfProblems, OrchardError, type RequestProblem } from '../core/index.js';
import type { DatasetService } from '../data/index.js';
import { validateDatasetName } from '../data/index.js';
import type { JobQueue } from '../jobs/index.js';
import type { ArtifactStore, MetadataStore, StatusChanges } from '../storage/index.js';
import { checkAnswer, matchesGold, type Answer } from './answers.js';
import { checkItems, keyOf, MAX_LISTED, readLines, type CheckedItem } from './manifest-items.js';
import { LabelingStore, type LabelingItemsTable, type LabelingJobsTable } from './store.js';
import { AutoLabelStore, autoLabelProblems, autoLabelRow, autoLabelView, maybeStartRound } from './auto-label/index.js';
import { TeamService } from './teams/index.js';
import { checkVerificationLines, labelToVerify } from './verification.js';
import { checkAdjustmentLines, existingLabel } from './adjustment.js';

/** The queue kind of a consolidation. */
export const LABELING_CONSOLIDATE_KIND = 'labeling-consolidate';
export const consolidationJobId = (name: string) => `labeling.${name}`;
const CONSOLIDATE_ATTEMPTS = 3;
/** At most this many problems of one manifest are listed. */

export interface LabelingDeps {
  metadata: MetadataStore;
  queue: JobQueue;
  artifacts: ArtifactStore;
  datasets: Pick<DatasetService, 'describe'>;
  /** The names of the enabled users who hold the `labeler` role (the workforce). */
  labelers: () => Promise<string[]>;
}

/**
 * Labeling jobs: created from a JSON Lines manifest (every line and image checked at
 * once), items leased to labelers one at a time, answers checked against the task and
 * kept once per (item, labeler), and consolidation queued when every item has its
 * answers or the job is stopped.
 */
export class LabelingService {
  readonly store: LabelingStore;
  /** Automated labeling's settings, rounds and machine labels (`auto-label/`). */
  private readonly auto: AutoLabelStore;
  /** Labeling teams (`teams/`): a job for a team hands its items to the team's members only. */
  readonly teams: TeamService;

  constructor(private readonly deps: LabelingDeps) {
    this.store = new LabelingStore(deps.metadata);
    this.auto = new AutoLabelStore(deps.metadata);
    this.teams = new TeamService({ metadata: deps.metadata, labelers: deps.labelers });
  }

  /** Jobs whose status changed since a time, for the platform feed. */
  readonly statusChanges: StatusChanges = (since, limit, after) => this.store.statusChanges(since, limit, after);

  async create(input: CreateLabelingJobInput): Promise<LabelingJob> {
    const problems: RequestProblem[] = [];
    const add = (field: string, message: string, code: RequestProblem['code'] = 'ORCH_LABELING_INVALID') => problems.push({ field, code, message: `${field}: ${message}` });
    const taskType = input.taskType as LabelingTaskType;
    const verification = taskType === 'verification';
    // A verification job's items are images or text as the labels it judges are (read from the manifest below).
    let image = IMAGE_TASK_TYPES.includes(taskType);
    const classification = taskType === 'image-classification' || taskType === 'text-classification';
    const multiLabel = input.multiLabel === true;
    const perItem = input.annotatorsPerItem ?? 1;
    autoLabelProblems(input, add);
    if (multiLabel && !classification) add('multiLabel', 'applies to image-classification and text-classification only');
    if (new Set(input.labels).size !== input.labels.length) add('labels', 'lists a label twice');
    // A verification job's labelAttribute names the label it judges; its verdicts go under the job's name.
    const verified = verification ? (input.labelAttribute ?? null) : null;
    if (verification && verified === null) add('labelAttribute', 'a verification job needs the input manifest’s label attribute to verify');
    if (verified !== null && verified === input.name) add('labelAttribute', 'the verdicts are written under the job’s name: it must differ from the label attribute verified');
    const attribute = verification ? input.name : (input.labelAttribute ?? (taskType === 'polygon' ? `${input.name}-ref` : input.name));
    if (attribute.includes('-metadata')) add('labelAttribute', 'may not contain "-metadata"');
    if (taskType === 'polygon' && !attribute.endsWith('-ref')) add('labelAttribute', 'a polygon (semantic segmentation) label attribute ends with "-ref"');
    if (taskType !== 'polygon' && attribute.endsWith('-ref')) add('labelAttribute', 'only a polygon label attribute ends with "-ref"');
    if (['source', 'source-ref'].includes(attribute)) add('labelAttribute', 'may not be the input key');
    // An adjustment job pre-fills each item with the label under adjustAttribute (kept in the verified_attribute column).
    const adjusted = input.adjustAttribute ?? null;
    if (adjusted !== null && (verification || input.autoLabel)) add('adjustAttribute', verification ? 'a verification job judges labels; it adjusts none' : 'an adjustment job has no automated labeling');
    if (adjusted !== null && adjusted === attribute) add('adjustAttribute', `the adjusted labels are written under "${attribute}": it must differ from the label attribute adjusted`);
    const outputDataset = input.outputDataset ?? `${input.name}-labels`;
    try {
      validateDatasetName(outputDataset);
    } catch (err) {
      add('outputDataset', (err as Error).message);
    }
    if (input.team === undefined) {
      const labelers = await this.deps.labelers();
      if (labelers.length < perItem) {
        add('annotatorsPerItem', `${perItem} annotators per item, but the workforce has ${labelers.length} labeler(s) (users with the labeler role)`, 'ORCH_LABELING_WORKFORCE');
      }
    } else {
      const members = await this.teams.workforce(input.team).catch((err: unknown) => {
        if (err instanceof OrchardError && err.code === 'ORCH_LABELING_TEAM_NOT_FOUND') add('team', `no labeling team '${input.team}'`, 'ORCH_LABELING_TEAM_NOT_FOUND');
        else throw err;
        return null;
      });
      if (members !== null && members.length < perItem) {
        add('annotatorsPerItem', `${perItem} annotators per item, but team '${input.team}' has ${members.length} enabled labeler(s)${members.length ? ` (${members.join(', ')})` : ''}`, 'ORCH_LABELING_WORKFORCE');
      }
    }
    // Not found and deleted versions keep the dataset service's own codes.
    const version = await this.deps.datasets.describe(input.dataset);
    const items: CheckedItem[] = [];
    if (version.format !== 'jsonl') add('dataset', `${version.name}@${version.version} is ${version.format}; a labeling job reads a JSON Lines manifest`);
    else {
      const lines = await readLines(await this.deps.artifacts.get(keyOf(this.deps.artifacts, version.sourceUri)));
      if (lines.length === 0) add('dataset', `${version.name}@${version.version} has no items`);
      if (lines.length > LABELING_LIMITS.items) add('dataset', `${lines.length} items; a job labels at most ${LABELING_LIMITS.items}`);
      else {
        if (verified !== null) image = checkVerificationLines(lines, verified, 'dataset', (at, message) => add(at, message)).image;
        const before = problems.length;
        await checkItems(this.deps.artifacts, lines, image, 'dataset', items, problems);
        if (adjusted !== null && !verification && problems.length === before) {
          const ctx = (i: number) => ({ taskType, multiLabel, labels: input.labels, image: items[i].width !== null ? { width: items[i].width!, height: items[i].height! } : null, text: typeof items[i].source.source === 'string' ? (items[i].source.source as string) : null });
          checkAdjustmentLines(lines, adjusted, ctx, 'dataset', (at, message) => add(at, message, 'ORCH_LABELING_ADJUST_INVALID'));
        }
      }
    }
    const gold: { item: CheckedItem; answer: Answer }[] = [];
    if (input.gold?.length) {
      const checked: CheckedItem[] = [];
      const before = problems.length;
      if (verified !== null) checkVerificationLines(input.gold, verified, 'gold', (at, message) => add(at, message));
      await checkItems(this.deps.artifacts, input.gold.map((g) => { const { answer: _a, ...line } = g; return line; }), image, 'gold', checked, problems);
      if (problems.length === before) {
        input.gold.forEach((g, i) => {
          const r = checkAnswer(g.answer, { taskType, multiLabel, labels: input.labels, image: checked[i].width !== null ? { width: checked[i].width!, height: checked[i].height! } : null, text: typeof checked[i].source.source === 'string' ? (checked[i].source.source as string) : null }, `gold[${i}].answer`);
          if ('problems' in r) problems.push(...r.problems);
          else gold.push({ item: checked[i], answer: r.answer });
        });
      }
    }
    if (problems.length > 0) throw errorOfProblems(problems.slice(0, MAX_LISTED * 2));
    const now = new Date().toISOString();
    const rows: LabelingItemsTable[] = [
      ...items.map((it, i) => ({ job: input.name, item: String(i), seq: i, source_json: JSON.stringify(it.source), width: it.width, height: it.height, gold_json: null })),
      ...gold.map((g, i) => ({ job: input.name, item: `gold-${i}`, seq: items.length + i, source_json: JSON.stringify(g.item.source), width: g.item.width, height: g.item.height, gold_json: JSON.stringify(g.answer) })),
    ];
    await this.store.insert(
      {
        name: input.name,
        dataset: version.name,
        dataset_version: version.version,
        task_type: taskType,
        multi_label: multiLabel ? 1 : 0,
        labels_json: JSON.stringify(input.labels),
        annotators_per_item: perItem,
        lease_seconds: input.leaseSeconds ?? LABELING_LIMITS.defaultLeaseSeconds,
        instructions: input.instructions ?? null,
        label_attribute: attribute,
        output_dataset: outputDataset,
        total_items: items.length,
        gold_items: gold.length,
        labeled_items: 0,
        status: 'InProgress',
        failure_reason: null,
        output: null,
        estimates_json: null,
        created_by: input.createdBy ?? null,
        created_at: now,
        updated_at: now,
        ended_at: null,
        team: input.team ?? null,
        verified_attribute: verified ?? adjusted,
      },
      rows,
    );
    if (input.autoLabel) await this.auto.insert(autoLabelRow(input, items.length, now));
    return this.describe(input.name);
  }

  async describe(name: string): Promise<LabelingJob> {
    return this.toJob(await this.store.get(name));
  }

  async list(filter: LabelingJobFilter = {}): Promise<Page<LabelingJob>> {
    const { rows, total } = await this.store.list(filter, filter.limit ?? 50, filter.offset ?? 0);
    return { items: await Promise.all(rows.map((r) => this.toJob(r))), total };
  }

  /** Leases the next item the worker has not seen; null when none is left for them now (or the job has all its answers). */
  async next(name: string, worker: string): Promise<LabelingTask | null> {
    const job = await this.store.get(name);
    // Every item answered: nothing left, as for a labeler who has seen them all. A stopped or failed job says so.
    if (job.status === 'Consolidating' || job.status === 'Completed') return null;
    if (job.status !== 'InProgress') throw notRunning(job);
    if (job.team !== null && !(await this.teams.store.isMember(job.team, worker))) {
      throw new OrchardError('ORCH_LABELING_NOT_TEAM_MEMBER', { message: `Labeling job '${name}' is for team '${job.team}', which ${worker} is not a member of`, details: { name, team: job.team, worker } });
    }
    const auto = await this.auto.get(name);
    for (let round = 0; round < 5; round++) {
      const now = new Date();
      // With automated labeling, items a model labeled are not handed to people.
      const candidates = await this.store.candidates(name, worker, job.annotators_per_item, now.toISOString(), 10, { skipMachineLabeled: auto !== undefined });
      if (candidates.length === 0) return null;
      for (const item of candidates) {
        const expires = new Date(now.getTime() + job.lease_seconds * 1000).toISOString();
        const row = { job: name, item: item.item, worker, leased_at: now.toISOString(), lease_expires_at: expires, answer_json: null, answered_at: null };
        if (await this.store.lease(row, job.annotators_per_item)) {
          const source = JSON.parse(item.source_json) as Record<string, unknown>;
          const verify = job.verified_attribute !== null && job.task_type === 'verification' ? labelToVerify(source, job.verified_attribute) : null;
          const image = item.width !== null && item.height !== null ? { width: item.width, height: item.height } : null;
          const labels = JSON.parse(job.labels_json) as string[];
          const adjust = job.verified_attribute !== null && job.task_type !== 'verification'
            ? existingLabel(source, job.verified_attribute, { taskType: job.task_type as LabelingTaskType, multiLabel: job.multi_label === 1, labels, image, text: typeof source.source === 'string' ? source.source : null })
            : null;
          return {
            job: name,
            item: item.item,
            taskType: job.task_type as LabelingTaskType,
            multiLabel: job.multi_label === 1,
            labels: JSON.parse(job.labels_json) as string[],
            instructions: job.instructions,
            source,
            image: item.width !== null && item.height !== null ? { width: item.width, height: item.height } : null,
            ...(verify && 'label' in verify ? { verify: verify.label } : {}),
            ...(adjust && 'answer' in adjust ? { adjust: { attribute: job.verified_attribute!, answer: adjust.answer } } : {}),
            leaseExpiresAt: expires,
          };
        }
      }
    }
    return null;
  }

  /**
   * Records the worker's answer on their live lease. The same answer sent again (a retry)
   * is acknowledged as a duplicate and counted once; an answer without a lease, or after
   * the lease ran out, is refused with `ORCH_LABELING_LEASE`.
   */
  async submit(name: string, item: string, worker: string, raw: unknown): Promise<LabelingAnswerReceipt> {
    const job = await this.store.get(name);
    const it = await this.store.item(name, item);
    if (!it) throw new OrchardError('ORCH_LABELING_ITEM_NOT_FOUND', { message: `Labeling job '${name}' has no item '${item}'`, details: { name, item } });
    const lease = await this.store.row(name, item, worker);
    if (!lease) throw new OrchardError('ORCH_LABELING_LEASE', { message: `${worker} holds no lease on item '${item}' of labeling job '${name}'`, details: { name, item, worker } });
    if (lease.answered_at) return { job: name, item, worker, duplicate: true, answeredAt: lease.answered_at };
    if (job.status !== 'InProgress') throw notRunning(job);
    const now = new Date().toISOString();
    if (lease.lease_expires_at <= now) {
      throw new OrchardError('ORCH_LABELING_LEASE', { message: `${worker}'s lease on item '${item}' ran out at ${lease.lease_expires_at}; the item went back to the pool`, details: { name, item, worker, expiredAt: lease.lease_expires_at } });
    }
    const source = JSON.parse(it.source_json) as Record<string, unknown>;
    const checked = checkAnswer(raw, {
      taskType: job.task_type as LabelingTaskType,
      multiLabel: job.multi_label === 1,
      labels: JSON.parse(job.labels_json) as string[],
      image: it.width !== null && it.height !== null ? { width: it.width, height: it.height } : null,
      text: typeof source.source === 'string' ? source.source : null,
    });
    if ('problems' in checked) throw errorOfProblems(checked.problems);
    if (!(await this.store.answer(name, item, worker, JSON.stringify(checked.answer), now))) {
      // Answered meanwhile by a retry of this same request, or the lease ran out just now.
      const again = await this.store.row(name, item, worker);
      if (again?.answered_at) return { job: name, item, worker, duplicate: true, answeredAt: again.answered_at };
      throw new OrchardError('ORCH_LABELING_LEASE', { message: `${worker}'s lease on item '${item}' ran out`, details: { name, item, worker } });
    }
    // With automated labeling, items a model labeled need no answers; enough new human labels start its next round.
    const auto = await this.auto.get(name);
    const done = auto ? (await this.auto.progress(name, job.annotators_per_item)).waiting === 0 : (await this.store.counts(name, job.annotators_per_item, now)).incomplete === 0;
    if (done && (await this.store.transition(name, ['InProgress'], { status: 'Consolidating' }))) await this.enqueue(name);
    else if (auto) await maybeStartRound(this.deps, name);
    return { job: name, item, worker, duplicate: false, answeredAt: now };
  }

  /**
   * An item's image for a labeler it was handed to (labelers hold no `artifacts:read`):
   * refused with `ORCH_LABELING_LEASE` to anyone else.
   */
  async image(name: string, item: string, worker: string, layer: 'image' | 'mask' = 'image'): Promise<{ body: Buffer; contentType: string }> {
    const job = await this.store.get(name);
    const it = await this.store.item(name, item);
    // `mask`: the segmentation mask a verification job shows over the image (its verified attribute ends with -ref).
    const key = layer === 'mask' ? (job.task_type === 'verification' && job.verified_attribute?.endsWith('-ref') ? job.verified_attribute : null) : 'source-ref';
    const ref = it && key !== null ? (JSON.parse(it.source_json) as Record<string, unknown>)[key] : undefined;
    if (!it || typeof ref !== 'string') throw new OrchardError('ORCH_LABELING_ITEM_NOT_FOUND', { message: `Labeling job '${name}' has no ${layer} item '${item}'`, details: { name, item } });
    if (!(await this.store.row(name, item, worker))) throw new OrchardError('ORCH_LABELING_LEASE', { message: `Item '${item}' of labeling job '${name}' was not handed to ${worker}`, details: { name, item, worker } });
    const chunks: Buffer[] = [];
    for await (const chunk of await this.deps.artifacts.get(keyOf(this.deps.artifacts, ref))) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    return { body, contentType: body[0] === 0x89 ? 'image/png' : 'image/jpeg' };
  }

  /** The running jobs a labeler can work on (those for a team only when they are a member), with how many items they answered. */
  async work(worker: string): Promise<LabelingWork[]> {
    const { items } = await this.list({ status: 'InProgress', limit: 200 });
    const teams = await this.teams.store.teamsOf(worker);
    return items
      .filter((j) => j.team === null || teams.has(j.team))
      .map((j) => ({ job: j.name, taskType: j.taskType, multiLabel: j.multiLabel, labels: j.labels, items: j.counts.total + j.counts.gold, answered: j.workers.find((w) => w.worker === worker)?.answers ?? 0, team: j.team, createdAt: j.createdAt }));
  }

  /** Stops labeling: the answers given so far are consolidated (the job ends Stopped, with its output). */
  async stop(name: string): Promise<LabelingJob> {
    if (await this.store.transition(name, ['InProgress'], { status: 'Stopping' })) await this.enqueue(name);
    return this.describe(name);
  }

  private async enqueue(name: string): Promise<void> {
    await this.deps.queue.enqueue(LABELING_CONSOLIDATE_KIND, { name }, { jobId: consolidationJobId(name), maxAttempts: CONSOLIDATE_ATTEMPTS, backoffMs: 1000 });
  }

  /** Enqueues again the consolidations whose queue entries were lost (idempotent by id). */
  async requeueLost(): Promise<number> {
    let n = 0;
    for (const name of await this.store.consolidating()) {
      if (await this.deps.queue.get(consolidationJobId(name))) continue;
      await this.enqueue(name);
      n++;
    }
    return n;
  }

  private async toJob(row: LabelingJobsTable): Promise<LabelingJob> {
    const now = new Date().toISOString();
    const counts = await this.store.counts(row.name, row.annotators_per_item, now);
    const workers = await this.workerStats(row, counts.perWorker);
    const ended = ['Completed', 'Stopped'].includes(row.status);
    const auto = await this.auto.get(row.name);
    const machineLabeled = auto ? await this.auto.machineLabeled(row.name) : 0;
    return {
      name: row.name,
      dataset: `${row.dataset}@${row.dataset_version}`,
      taskType: row.task_type as LabelingTaskType,
      multiLabel: row.multi_label === 1,
      labels: JSON.parse(row.labels_json) as string[],
      annotatorsPerItem: row.annotators_per_item,
      leaseSeconds: row.lease_seconds,
      instructions: row.instructions,
      labelAttribute: row.label_attribute,
      verifiedAttribute: row.task_type === 'verification' ? row.verified_attribute : null,
      adjustAttribute: row.task_type !== 'verification' ? row.verified_attribute : null,
      team: row.team,
      outputDataset: row.output_dataset,
      status: row.status as LabelingJob['status'],
      failureReason: row.failure_reason,
      counts: {
        total: row.total_items,
        // Before consolidation: dataset items with all their answers (gold items have theirs counted apart).
        labeled: ended ? row.labeled_items : Math.max(0, counts.complete - (row.gold_items > 0 ? await this.completeGold(row) : 0)),
        machineLabeled,
        gold: row.gold_items,
        answers: counts.answers,
        leased: counts.leased,
      },
      output: row.output,
      ...(auto ? { autoLabel: autoLabelView(auto, machineLabeled) } : {}),
      workers,
      createdBy: row.created_by,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      endedAt: row.ended_at,
    };
  }

  private async completeGold(row: LabelingJobsTable): Promise<number> {
    const answers = await this.store.answers(row.name);
    const per = new Map<string, number>();
    for (const a of answers) if (a.answered_at && a.item.startsWith('gold-')) per.set(a.item, (per.get(a.item) ?? 0) + 1);
    return [...per.values()].filter((n) => n >= row.annotators_per_item).length;
  }

  private async workerStats(row: LabelingJobsTable, perWorker: { worker: string; n: number }[]): Promise<LabelingJob['workers']> {
    const estimates = row.estimates_json ? (JSON.parse(row.estimates_json) as Record<string, number>) : {};
    const gold = new Map<string, { answered: number; correct: number }>();
    if (row.gold_items > 0) {
      const items = new Map((await this.store.items(row.name)).filter((i) => i.gold_json).map((i) => [i.item, JSON.parse(i.gold_json!) as Answer]));
      for (const a of await this.store.answers(row.name)) {
        const g = items.get(a.item);
        if (!g || !a.answer_json) continue;
        const match = matchesGold(JSON.parse(a.answer_json) as Answer, g);
        if (match === null) continue;
        const s = gold.get(a.worker) ?? { answered: 0, correct: 0 };
        s.answered++;
        if (match) s.correct++;
        gold.set(a.worker, s);
      }
    }
    return perWorker.map(({ worker, n }) => {
      const g = gold.get(worker);
      return {
        worker,
        answers: n,
        goldAnswered: g?.answered ?? 0,
        goldCorrect: g?.correct ?? 0,
        goldAccuracy: g && g.answered > 0 ? g.correct / g.answered : null,
        estimatedAccuracy: estimates[worker] ?? null,
      };
    });
  }
}

function notRunning(job: LabelingJobsTable): OrchardError {
  return new OrchardError('ORCH_LABELING_NOT_RUNNING', { message: `Labeling job '${job.name}' is ${job.status}: it no longer hands out items or takes answers`, details: { name: job.name, status: job.status } });
}
