import fs from 'node:fs/promises';
import { Option, type Command } from 'commander';
import type { CreateLabelingJobRequest, LabelingJob, LabelingTask } from '../../sdk/index.js';
// Enum lists from the TypeBox-free module: a CLI call does not load the schemas.
import { LABELING_JOB_STATUSES, LABELING_TASK_TYPES } from '../../contracts/labeling.values.js';
import { client, positiveInt, run } from '../context.js';
import { emit, fields, table } from '../output.js';
import { labelingTeamsCommand } from './labeling-teams.js';

type Json = { json?: boolean };
type CreateOpts = Json & {
  dataset: string;
  task: CreateLabelingJobRequest['taskType'];
  labels: string;
  multiLabel?: boolean;
  annotatorsPerItem?: number;
  leaseSeconds?: number;
  instructions?: string;
  gold?: string;
  labelAttribute?: string;
  adjust?: string;
  outputDataset?: string;
  autoLabel?: boolean;
  autoLabelAccuracy?: number;
  autoLabelBatch?: number;
  team?: string;
};

/** A number given on the command line (its range is checked by the server). */
function decimal(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new Error(`Expected a number, got '${value}'`);
  return n;
}

/** `orchard labeling …`: labeling jobs (Ground Truth), and a labeler's tasks. */
export function labelingCommand(program: Command): void {
  const labeling = program.command('labeling').description('Labeling jobs: items leased to labelers, answers consolidated into a manifest dataset');
  const jobs = labeling.command('jobs').description('Create, list, describe and stop labeling jobs');
  jobs
    .command('create <name>')
    .description('Create a labeling job over a JSON Lines manifest dataset (lines with "source" text or an image "source-ref" key)')
    .requiredOption('--dataset <ref>', "the manifest dataset ('name' = latest, 'name@3')")
    .addOption(new Option('--task <type>', 'the task type').choices(LABELING_TASK_TYPES).makeOptionMandatory())
    .requiredOption('--labels <a,b,c>', 'the label categories, comma separated')
    .option('--multi-label', 'classification: an item may carry several labels')
    .option('--annotators-per-item <n>', 'distinct labelers per item (default 1)', positiveInt)
    .option('--lease-seconds <n>', 'how long a labeler holds an item before it returns to the pool (default 600)', positiveInt)
    .option('--instructions <file.md>', 'Markdown instructions shown with each task')
    .option('--gold <file.jsonl>', 'items with known answers ({"source": …, "answer": …} per line) that measure each labeler')
    .option('--label-attribute <name>', 'the output manifest’s label attribute (default: the job name); --task verification: the input’s label attribute to verify')
    .option('--adjust <attribute>', 'an adjustment job: each item is handed out with its existing label under this attribute of the manifest pre-filled, to correct')
    .option('--team <name>', 'hand the items to this labeling team’s members only (default: every labeler)')
    .option('--output-dataset <name>', 'the dataset the output manifest is written to (default: <job>-labels)')
    .option('--auto-label', 'automated labeling (classification): models trained on the human labels label the items they are sure of')
    .option('--auto-label-accuracy <x>', 'the accuracy machine labels must reach on held-out human labels (default 0.95)', decimal)
    .option('--auto-label-batch <share>', 'share of items labeled by people before each round (default 0.1, at least 10 items)', decimal)
    .option('--json', 'machine output')
    .action((name: string, opts: CreateOpts) =>
      run(opts, async () => {
        const instructions = opts.instructions ? await fs.readFile(opts.instructions, 'utf8') : undefined;
        const gold = opts.gold ? parseJsonLines(await fs.readFile(opts.gold, 'utf8'), opts.gold) : undefined;
        const job = await client().labeling.create({
          name,
          dataset: opts.dataset,
          taskType: opts.task,
          labels: opts.labels.split(',').map((l) => l.trim()).filter((l) => l.length > 0),
          ...(opts.multiLabel ? { multiLabel: true } : {}),
          ...(opts.annotatorsPerItem !== undefined ? { annotatorsPerItem: opts.annotatorsPerItem } : {}),
          ...(opts.leaseSeconds !== undefined ? { leaseSeconds: opts.leaseSeconds } : {}),
          ...(instructions !== undefined ? { instructions } : {}),
          ...(gold ? { gold: gold as CreateLabelingJobRequest['gold'] } : {}),
          ...(opts.labelAttribute ? { labelAttribute: opts.labelAttribute } : {}),
          ...(opts.outputDataset ? { outputDataset: opts.outputDataset } : {}),
          ...(opts.adjust ? { adjustAttribute: opts.adjust } : {}),
          ...(opts.team ? { team: opts.team } : {}),
          ...(opts.autoLabel ? { autoLabel: true } : {}),
          ...(opts.autoLabelAccuracy !== undefined ? { autoLabelAccuracy: opts.autoLabelAccuracy } : {}),
          ...(opts.autoLabelBatch !== undefined ? { autoLabelBatch: opts.autoLabelBatch } : {}),
        });
        emit(opts, job, () => `Created labeling job ${job.name}: ${job.counts.total} items, ${job.annotatorsPerItem} annotator(s) each\n${describeText(job)}`);
      }),
    );
  jobs
    .command('list')
    .description('List labeling jobs, newest first')
    .addOption(new Option('--status <status>', 'only jobs in this status').choices(LABELING_JOB_STATUSES))
    .option('--dataset <name>', 'jobs over this dataset')
    .option('--limit <n>', 'at most n', positiveInt)
    .option('--json', 'machine output')
    .action((opts: Json & { status?: LabelingJob['status']; dataset?: string; limit?: number }) =>
      run(opts, async () => {
        const res = await client().labeling.list({ status: opts.status, dataset: opts.dataset, limit: opts.limit });
        emit(opts, res, () =>
          res.items.length === 0
            ? 'No labeling jobs.'
            : table(
                ['name', 'task', 'dataset', 'status', 'labeled', 'output'],
                res.items.map((j) => [j.name, j.taskType, j.dataset, j.status, `${j.counts.labeled}/${j.counts.total}`, j.output ?? '-']),
              ) + `\n${res.items.length} of ${res.total}`,
        );
      }),
    );
  jobs
    .command('describe <name>')
    .description('A labeling job: status, counts, each labeler’s work, the output dataset version')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) => run(opts, async () => {
      const job = await client().labeling.describe(name);
      emit(opts, job, () => describeText(job));
    }));
  jobs
    .command('stop <name>')
    .description('Stop labeling: the answers given so far are consolidated into the output')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) => run(opts, async () => {
      const job = await client().labeling.stop(name);
      emit(opts, job, () => describeText(job));
    }));

  labelingTeamsCommand(labeling);

  const tasks = labeling.command('tasks').description("A labeler's work: take the next item, answer it");
  tasks
    .command('next <job>')
    .description('Lease the next item you have not seen (prints nothing to do when none is left for you)')
    .option('--json', 'machine output')
    .action((job: string, opts: Json) => run(opts, async () => {
      const task = await client().labeling.next(job);
      emit(opts, { task }, () =>
        task === null
          ? 'Nothing to label for you in this job now.'
          : fields([
              ['item', task.item],
              ['task', `${task.taskType}${task.multiLabel ? ' (multi-label)' : ''}`],
              ['labels', task.labels.join(', ')],
              ['source', JSON.stringify(task.source)],
              ['image', task.image ? `${task.image.width}×${task.image.height}` : '-'],
              ...(task.verify ? ([['to verify', `${task.verify.attribute}: ${verifyText(task.verify)}`]] as [string, string][]) : []),
              ...(task.adjust ? ([['to adjust', `${task.adjust.attribute}: ${JSON.stringify(task.adjust.answer)}`]] as [string, string][]) : []),
              ['lease until', task.leaseExpiresAt],
            ]) + `\nanswer it: orchard labeling tasks submit ${job} --item ${task.item} --answer '{"label": "…"}'`,
      );
    }));
  tasks
    .command('submit <job>')
    .description('Answer an item you hold a lease on')
    .requiredOption('--item <id>', 'the item (from tasks next)')
    .requiredOption('--answer <json>', 'e.g. {"label":"a"}, {"labels":["a","b"]}, {"boxes":[…]}, {"polygons":[…]}, {"entities":[…]}; a verification: {"label":"correct","comment":"…"}')
    .option('--json', 'machine output')
    .action((job: string, opts: Json & { item: string; answer: string }) => run(opts, async () => {
      let answer: unknown;
      try {
        answer = JSON.parse(opts.answer);
      } catch {
        throw new Error(`--answer must be JSON, got '${opts.answer.slice(0, 80)}'`);
      }
      const receipt = await client().labeling.submit(job, opts.item, answer);
      emit(opts, receipt, () => `${receipt.duplicate ? 'Already recorded' : 'Recorded'}: item ${receipt.item} of ${receipt.job} by ${receipt.worker}`);
    }));
}

function verifyText(v: NonNullable<LabelingTask['verify']>): string {
  if (v.kind === 'classes') return v.classes.join(', ') || '(no class)';
  if (v.kind === 'boxes') return v.boxes.map((b) => `${b.label} (${b.left}, ${b.top}, ${b.width}×${b.height})`).join('; ') || '(no box)';
  return v.entities.map((e) => `${e.label} [${e.startOffset}, ${e.endOffset})`).join('; ') || '(no entity)';
}

function parseJsonLines(text: string, file: string): unknown[] {
  return text
    .split('\n')
    .map((l, i) => [l, i] as const)
    .filter(([l]) => l.trim().length > 0)
    .map(([l, i]) => {
      try {
        return JSON.parse(l) as unknown;
      } catch {
        throw new Error(`${file}:${i + 1} is not JSON`);
      }
    });
}

function describeText(j: LabelingJob): string {
  return (
    fields([
      ['name', j.name],
      ['status', j.status + (j.failureReason ? ` (${j.failureReason})` : '')],
      ['task', `${j.taskType}${j.multiLabel ? ' (multi-label)' : ''}: ${j.labels.join(', ')}`],
      ['dataset', j.dataset + (j.verifiedAttribute ? ` (verifying ${j.verifiedAttribute})` : '') + (j.adjustAttribute ? ` (adjusting ${j.adjustAttribute})` : '')],
      ['annotators per item', j.annotatorsPerItem],
      ['team', j.team ?? '- (every labeler)'],
      ['items', `${j.counts.labeled} of ${j.counts.total} labeled${j.counts.gold ? `, ${j.counts.gold} gold` : ''}; ${j.counts.answers} answers, ${j.counts.leased} leased now`],
      ['output', j.output ?? `-  (will be the next version of ${j.outputDataset})`],
      ...(j.autoLabel
        ? ([
            ['machine labeled', `${j.counts.machineLabeled}${j.autoLabel.estimatedAccuracy !== null ? ` (estimated accuracy ${j.autoLabel.estimatedAccuracy.toFixed(3)})` : ''}`],
            ['auto-label', `${j.autoLabel.state}, ${j.autoLabel.rounds} round(s), target ${j.autoLabel.targetAccuracy}${j.autoLabel.threshold !== null ? `, threshold ${j.autoLabel.threshold.toFixed(3)}` : ''}${j.autoLabel.note ? ` — ${j.autoLabel.note}` : ''}`],
          ] as [string, string][])
        : []),
    ]) +
    (j.workers.length
      ? '\n' + table(['labeler', 'answers', 'gold accuracy', 'estimated accuracy'], j.workers.map((w) => [w.worker, w.answers, w.goldAccuracy === null ? '-' : w.goldAccuracy.toFixed(2), w.estimatedAccuracy === null ? '-' : w.estimatedAccuracy.toFixed(2)]))
      : '')
  );
}
