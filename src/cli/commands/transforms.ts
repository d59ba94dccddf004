import { Option, type Command } from 'commander';
import type { CreateTransformJobRequest, TransformJob, TransformJobStatus } from '../../sdk/index.js';
// Enum lists from the contracts' TypeBox-free module: a CLI call does not load the schemas.
import { BATCH_STRATEGIES, JOB_STATUSES, JOIN_SOURCES, SPLIT_TYPES } from '../../contracts/values.js';
import { client, collect, exit, parseKeyValues, positiveInt, run } from '../context.js';
import { emit, fields, progressBar, table } from '../output.js';

type Json = { json?: boolean };

/** The create request's fields, one option each (`--split-type` → `splitType`), and the CLI's own. */
interface TransformOptions extends Json, Omit<CreateTransformJobRequest, 'tags'> {
  tag?: string[];
  wait?: boolean;
}

/** `orchard transform`: batch predictions over a dataset (SageMaker CreateTransformJob). */
export function transformCommand(program: Command): void {
  program
    .command('transform')
    .description('Run a model over a whole dataset, in parallel shards across the workers, into a new dataset version')
    .requiredOption('--model <name>', 'the model')
    .requiredOption('--input <dataset>', "input dataset ('name' or 'name@3'); rows without the label unless --input-filter drops it")
    .requiredOption('--output <dataset>', 'output dataset name (a new version is written)')
    .option('--name <name>', 'job name (default: model name and time)')
    .addOption(new Option('--split-type <type>', 'how records are split').choices(SPLIT_TYPES))
    .addOption(new Option('--batch-strategy <strategy>', 'rows per model call: MultiRecord (up to --max-payload-mb) or SingleRecord').choices(BATCH_STRATEGIES))
    .option('--max-payload-mb <mb>', 'size of a MultiRecord mini-batch (default 6)', positiveInt)
    .addOption(new Option('--join-source <source>', 'Input: write the input columns next to the predictions').choices(JOIN_SOURCES))
    .option('--input-filter <jsonpath>', "feature columns, e.g. '$[1:]' to drop a leading label column")
    .option('--output-filter <jsonpath>', "columns the output keeps, of the input then the predictions with --join-source Input, e.g. '$[0,-1]' for an id and the prediction, '$[0,5:]' for the first column and all from the sixth")
    .option('--content-type <type>', "application/x-image: --input is 'artifacts:<prefix>' (every PNG/JPEG under it) or a manifest dataset with source-ref; one output row per image")
    .option('--shard-rows <n>', 'rows per shard, the unit of parallel work and retry (default 100000)', positiveInt)
    .option('--tag <key=value>', 'tag of the output dataset (repeatable)', collect)
    .option('--wait', 'show progress until the job ends; exit 1 unless it completes')
    .option('--json', 'machine output')
    .action((opts: TransformOptions) =>
      run(opts, async () => {
        const transforms = client().transforms;
        // Every other option is a field of the request under its own name.
        const { tag, wait: _wait, json: _json, ...request } = opts;
        const created = await transforms.create({ ...request, tags: parseKeyValues(tag, '--tag') });
        if (!opts.wait) {
          emit(opts, created, () => `Created transform job ${created.name}: ${created.shards.total} shard(s) over ${created.input.rows} rows`);
          return;
        }
        const job = await waitWithProgress(created);
        emit(opts, job, () => describeText(job));
        if (job.status !== 'Completed') exit.code = 1;
      }),
    );
}

/** `orchard transforms …`: list, describe and stop transform jobs. */
export function transformsCommand(program: Command): void {
  const transforms = program.command('transforms').description('Batch transform jobs: list, describe, stop');
  transforms
    .command('list')
    .description('List transform jobs, newest first')
    .addOption(new Option('--status <status>', 'only jobs in this status').choices(JOB_STATUSES))
    .option('--limit <n>', 'at most n', positiveInt)
    .option('--json', 'machine output')
    .action((opts: Json & { status?: TransformJobStatus; limit?: number }) =>
      run(opts, async () => {
        const res = await client().transforms.list({ status: opts.status, limit: opts.limit });
        emit(opts, res, () =>
          res.items.length === 0
            ? 'No transform jobs.'
            : table(
                ['name', 'status', 'model', 'input', 'output', 'shards', 'rows'],
                res.items.map((j) => [j.name, j.status, j.model, `${j.input.dataset}@${j.input.version}`, j.output.version ? `${j.output.dataset}@${j.output.version}` : j.output.dataset, `${j.shards.completed}/${j.shards.total}`, `${j.rowsProcessed}/${j.input.rows}`]),
              ),
        );
      }),
    );
  transforms
    .command('describe <name>')
    .description('Status, progress and output of a transform job')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        const job = await client().transforms.describe(name);
        emit(opts, job, () => describeText(job));
      }),
    );
  transforms
    .command('stop <name>')
    .description('Stop a transform job')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        const job = await client().transforms.stop(name);
        emit(opts, job, () => `${job.name}: ${job.status}`);
      }),
    );
}

/** A progress bar of rows on a terminal; status changes as lines elsewhere. */
async function waitWithProgress(created: TransformJob): Promise<TransformJob> {
  const bar = await progressBar(`${created.name} [{bar}] {percentage}% | {value}/{total} rows | shards {shards}`, { clearOnComplete: false });
  bar?.start(created.input.rows, 0, { shards: `0/${created.shards.total}` });
  let last = '';
  try {
    return await client().transforms.waitFor(created.name, {
      onUpdate: (job) => {
        bar?.update(job.rowsProcessed, { shards: `${job.shards.completed}/${job.shards.total}` });
        const line = `${job.status} shards ${job.shards.completed}/${job.shards.total}`;
        if (!bar && line !== last) process.stderr.write(`${job.name}: ${line}\n`);
        last = line;
      },
    });
  } finally {
    bar?.stop();
  }
}

function describeText(j: TransformJob): string {
  return fields([
    ['name', j.name],
    ['status', j.status],
    ['failure', j.failureReason],
    ['model', j.model],
    ['input', `${j.input.dataset}@${j.input.version} (${j.input.rows} rows)`],
    ['features', j.features.join(', ')],
    ['output', j.output.version ? `${j.output.dataset}@${j.output.version}` : j.output.dataset],
    ['join source', j.joinSource],
    ['input filter', j.inputFilter],
    ['output filter', j.outputFilter],
    ['batch', `${j.batchStrategy}, ${j.maxPayloadMb} MB`],
    ['shards', `${j.shards.completed}/${j.shards.total}`],
    ['rows', `${j.rowsProcessed}/${j.input.rows}`],
    ...(j.contentType ? ([['content type', j.contentType], ['failed records', j.failedRecords ?? null]] as [string, string | number | null][]) : []),
    ['created', `${j.createdAt} by ${j.createdBy ?? '-'}`],
    ['ended', j.endedAt],
  ]);
}
