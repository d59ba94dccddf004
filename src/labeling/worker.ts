import { Readable } from 'node:stream';
import type { LabelingTaskType } from '../contracts/labeling.values.js';
import type { DatasetService } from '../data/index.js';
import type { ClaimedJob, JobHandler, JobQueue } from '../jobs/index.js';
import type { ArtifactStore, MetadataStore } from '../storage/index.js';
import type { Answer } from './answers.js';
import { consolidate, type ItemAnswers } from './consolidate.js';
import { withAdjustmentStatus } from './adjustment.js';
import { LABELING_CONSOLIDATE_KIND } from './service.js';
import { LabelingStore } from './store.js';
import { AutoLabelStore, LABELING_AUTO_KIND, runAutoLabelStep, withMachineLines, type AutoLabelDeps, type AutoLabelPayload } from './auto-label/index.js';

export interface LabelingWorkerDeps {
  metadata: MetadataStore;
  queue: JobQueue;
  artifacts: ArtifactStore;
  datasets: Pick<DatasetService, 'create' | 'versions'>;
  /** Automated labeling trains each round's model as an ordinary training job. */
  training: AutoLabelDeps['training'];
}

type Payload = { name: string };
type Outcome = { kind: 'done'; name: string; status: 'Completed' | 'Stopped'; output: string; labeled: number; estimates: Record<string, number>; completed?: boolean } | { kind: 'settled' };

/** The tag that marks a dataset version as a labeling job's output (a retried consolidation finds and keeps it). */
const OUTPUT_TAG = 'labeling-job';

/**
 * The consolidation job kind: reads every answer of a job, consolidates them for its task
 * type and writes the augmented manifest as the next version of the output dataset.
 */
export function labelingJobHandler(deps: LabelingWorkerDeps): JobHandler<Payload | AutoLabelPayload, Outcome> {
  const store = new LabelingStore(deps.metadata);
  return {
    kinds: [LABELING_CONSOLIDATE_KIND, LABELING_AUTO_KIND],
    cpus: () => 1,
    async run(claimed, ctx) {
      if (claimed.kind === LABELING_AUTO_KIND) {
        await runAutoLabelStep(deps, claimed as ClaimedJob<AutoLabelPayload>, ctx.signal);
        return { kind: 'settled' };
      }
      const job = claimed as ClaimedJob<Payload>;
      const { name } = job.payload;
      const row = await store.get(name).catch(() => null);
      if (!row || !['Consolidating', 'Stopping'].includes(row.status) || ctx.signal.aborted) {
        await deps.queue.fail(job, { message: 'the labeling job is not consolidating', retryable: false });
        return { kind: 'settled' };
      }
      const status = row.status === 'Stopping' ? 'Stopped' : 'Completed';
      try {
        // A retried attempt keeps the version an earlier one wrote.
        const earlier = (await deps.datasets.versions(row.output_dataset).catch(() => [])).find((v) => v.tags[OUTPUT_TAG] === name);
        const items = await itemAnswers(store, name);
        const result = await consolidate({
          jobName: name,
          taskType: row.task_type as LabelingTaskType,
          multiLabel: row.multi_label === 1,
          labels: JSON.parse(row.labels_json) as string[],
          attribute: row.label_attribute,
          items,
          putMask: async (item, png) => {
            const key = `labeling/${name}/masks/${item}.png`;
            await deps.artifacts.put(key, png);
            return key;
          },
        });
        // An adjustment job (its adjusted attribute kept in verified_attribute): whether the labelers changed each label.
        if (row.verified_attribute !== null && row.task_type !== 'verification') {
          const written = items.filter((i) => i.answers.length > 0 && i.gold === null);
          const job = { attribute: row.label_attribute, adjusted: row.verified_attribute, taskType: row.task_type as LabelingTaskType, multiLabel: row.multi_label === 1, labels: JSON.parse(row.labels_json) as string[] };
          result.lines = withAdjustmentStatus(result.lines, written, job);
        }
        // Automated labeling: the items only a model labeled join the people's, in input order.
        const machine = await new AutoLabelStore(deps.metadata).labels(name);
        const humanLines = result.lines.length;
        if (machine.length > 0) {
          const merged = withMachineLines(
            items.map((i) => ({ item: i.item, source: i.source, answered: i.answers.length > 0, gold: i.gold !== null })),
            result.lines,
            machine,
            { jobName: name, attribute: row.label_attribute, classes: JSON.parse(row.labels_json) as string[], image: row.task_type === 'image-classification', multiLabel: row.multi_label === 1 },
          );
          result.lines = merged.lines;
        }
        if (earlier) return { kind: 'done', name, status, output: `${earlier.name}@${earlier.version}`, labeled: humanLines, estimates: result.estimates };
        if (result.lines.length === 0) return await failed(deps, store, job, 'No item was answered: there is nothing to write');
        const body = Readable.from([result.lines.map((l) => JSON.stringify(l)).join('\n') + '\n']);
        const version = await deps.datasets.create({
          name: row.output_dataset,
          format: 'jsonl',
          body,
          description: `Labels of labeling job ${name} (${row.task_type})`,
          tags: { [OUTPUT_TAG]: name },
          ...(row.created_by ? { createdBy: row.created_by } : {}),
        });
        return { kind: 'done', name, status, output: `${version.name}@${version.version}`, labeled: humanLines, estimates: result.estimates };
      } catch (err) {
        const final = (err as { status?: number })?.status !== undefined && (err as { status: number }).status < 500;
        const message = (err as Error)?.message ?? String(err);
        if (final) return await failed(deps, store, job, message);
        const outcome = await deps.queue.fail(job, { message });
        if (!outcome.willRetry) await store.transition(name, ['Consolidating', 'Stopping'], { status: 'Failed', failure_reason: message, ended_at: new Date().toISOString() });
        return { kind: 'settled' };
      }
    },
    async record(claimed, outcome) {
      const job = claimed as ClaimedJob<Payload>;
      if (outcome.kind !== 'done') return;
      await store.transition(outcome.name, ['Consolidating', 'Stopping'], {
        status: outcome.status,
        output: outcome.output,
        labeled_items: outcome.labeled,
        estimates_json: JSON.stringify(outcome.estimates),
        ended_at: new Date().toISOString(),
      });
      if (!outcome.completed) {
        await deps.queue.complete(job);
        outcome.completed = true;
      }
    },
  };
}

async function failed(deps: LabelingWorkerDeps, store: LabelingStore, job: ClaimedJob<Payload>, message: string): Promise<Outcome> {
  await store.transition(job.payload.name, ['Consolidating', 'Stopping'], { status: 'Failed', failure_reason: message, ended_at: new Date().toISOString() });
  await deps.queue.fail(job, { message, retryable: false });
  return { kind: 'settled' };
}

async function itemAnswers(store: LabelingStore, name: string): Promise<ItemAnswers[]> {
  const answers = new Map<string, { worker: string; answer: Answer }[]>();
  for (const a of await store.answers(name)) {
    if (!a.answer_json) continue;
    const list = answers.get(a.item) ?? [];
    list.push({ worker: a.worker, answer: JSON.parse(a.answer_json) as Answer });
    answers.set(a.item, list);
  }
  return (await store.items(name)).map((i) => ({
    item: i.item,
    source: JSON.parse(i.source_json) as Record<string, unknown>,
    image: i.width !== null && i.height !== null ? { width: i.width, height: i.height } : null,
    gold: i.gold_json ? (JSON.parse(i.gold_json) as Answer) : null,
    answers: answers.get(i.item) ?? [],
  }));
}

