import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Option, type Command } from 'commander';
import type { CreateTrainingJobRequest, LogLine, TrainingJob, TrainingJobStatus } from '../../sdk/index.js';
import { client, collect, exit, parseKeyValues, positiveInt, run } from '../context.js';
import { emit, fields, table } from '../output.js';
import { parseRules, profileCommand, rulesText } from './debugger.js';

type Json = { json?: boolean };
const STATUSES: TrainingJobStatus[] = ['InProgress', 'Completed', 'Failed', 'Stopping', 'Stopped'];

interface TrainOptions extends Json {
  name: string;
  algorithm?: string;
  script?: string;
  sourceDir?: string;
  hp?: string[];
  train?: string;
  validation?: string;
  channel?: string[];
  maxRuntime?: number;
  maxRetries?: number;
  metric?: string[];
  tag?: string[];
  experiment?: string;
  cpus?: number;
  rule?: string[];
  ruleScript?: string[];
  wait?: boolean;
}

/** `orchard train`: create a training job, optionally wait for it with live progress. */
export function trainCommand(program: Command): void {
  program
    .command('train')
    .description('Start a training job with a built-in algorithm on datasets (SageMaker CreateTrainingJob)')
    .requiredOption('--name <name>', 'job name (1-63 letters, digits and hyphens)')
    .option('--algorithm <name>', 'built-in algorithm: xgboost, linear-learner, kmeans, pca')
    .option('--script <file>', 'script mode: entry point of your training code')
    .option('--source-dir <dir>', 'script mode: folder holding the entry point and its modules')
    .option('--hp <key=value>', 'hyperparameter, passed as a string (repeatable)', collect)
    .option('--train <dataset>', "dataset for the 'train' channel ('name' or 'name@3')")
    .option('--validation <dataset>', "dataset for the 'validation' channel")
    .option('--channel <name=dataset>', 'any other channel (repeatable)', collect)
    .option('--max-runtime <seconds>', 'stop the job after this long (default 86400)', positiveInt)
    .option('--max-retries <n>', 'retries after a failed or lost attempt (default 0)', positiveInt)
    .option('--metric <name=regex>', 'metric to capture from the log; the first group is the value (repeatable)', collect)
    .option('--tag <key=value>', 'tag (repeatable)', collect)
    .option('--experiment <name>', "the experiment this job is a run of (default 'Default'; created on first use)")
    .option('--cpus <n>', "cores the job asks for (default: the algorithm's default, else all of a worker's cores)", positiveInt)
    .option('--rule <name[:action][:k=v,…]>', 'Debugger rule, e.g. loss_not_decreasing:stop or overfit:notify:patience=3 (repeatable; see docs/debugger.md)', collect)
    .option('--rule-script <name[:action]=file>', 'custom Debugger rule: a .py or .js reading the metric series on stdin (repeatable)', collect)
    .option('--wait', 'follow progress and the log until the job ends; exit 1 unless it completes')
    .option('--json', 'machine output')
    .action((opts: TrainOptions) =>
      run(opts, async () => {
        const input = trainInput(opts);
        const orchard = client();
        if (opts.script) input.script = await uploadSource(orchard, opts.name, opts.script, opts.sourceDir);
        const created = await orchard.training.create(input);
        if (!opts.wait) {
          emit(opts, created, () => `Created training job ${created.name}: ${statusText(created)}`);
          return;
        }
        const job = await waitWithProgress(created);
        emit(opts, job, () => describeText(job));
        if (job.status !== 'Completed') exit.code = 1;
      }),
    );
}

/** `orchard jobs …`: list, describe, read the log of and stop training jobs. */
export function jobsCommand(program: Command): void {
  const jobs = program.command('jobs').alias('training').description('Training jobs: list, describe, logs, stop, profile');
  profileCommand(jobs);

  jobs
    .command('list')
    .description('List training jobs')
    .addOption(new Option('--status <status>', 'only jobs in this status').choices(STATUSES))
    .option('--name-contains <text>', 'only names containing this text')
    .option('--experiment <name>', 'only runs of this experiment')
    .option('--limit <n>', 'at most n', positiveInt)
    .option('--offset <n>', 'skip n', positiveInt)
    .option('--json', 'machine output')
    .action((opts: Json & { status?: TrainingJobStatus; nameContains?: string; experiment?: string; limit?: number; offset?: number }) =>
      run(opts, async () => {
        const { json: _json, ...filter } = opts;
        const res = await client().training.list(filter);
        emit(opts, res, () =>
          res.items.length === 0
            ? 'No training jobs.'
            : table(
                ['name', 'status', 'secondary', 'algorithm', 'created', 'duration'],
                res.items.map((j) => [j.name, j.status, j.secondaryStatus, j.algorithm ?? j.script?.entryPoint, j.createdAt, j.startedAt ? formatDuration(elapsedMs(j)) : '']),
              ) + `\n${res.items.length} of ${res.total}`,
        );
      }),
    );

  jobs
    .command('describe <name>')
    .description('Status, settings and final metrics of a training job')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        const job = await client().training.describe(name);
        emit(opts, job, () => describeText(job));
      }),
    );

  jobs
    .command('logs <name>')
    .description('Print the log of a training job')
    .option('--follow', 'keep printing new lines until the job ends')
    .option('--json', 'machine output (with --follow: one JSON object per line)')
    .action((name: string, opts: Json & { follow?: boolean }) =>
      run(opts, async () => {
        const training = client().training;
        if (opts.follow) {
          for await (const line of training.followLogs(name)) {
            process.stdout.write((opts.json ? JSON.stringify(line) : line.line) + '\n');
          }
          return;
        }
        const lines: LogLine[] = [];
        let after: number | undefined;
        for (;;) {
          const page = await training.logs(name, { after, limit: 1000 });
          if (opts.json) lines.push(...page.lines);
          else for (const line of page.lines) process.stdout.write(line.line + '\n');
          after = page.nextSeq;
          if (page.lines.length < 1000) break;
        }
        if (opts.json) emit(opts, { lines, nextSeq: after }, () => '');
      }),
    );

  jobs
    .command('stop <name>')
    .description('Stop a training job (a queued job stops at once, a running one when its process ends)')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        const job = await client().training.stop(name);
        emit(opts, job, () => `${job.name}: ${statusText(job)}`);
      }),
    );
}

/** Turns the command line into the create request, refusing what cannot work before calling the server. */
export function trainInput(opts: Omit<TrainOptions, 'name'> & { name: string }): CreateTrainingJobRequest {
  if (opts.algorithm && opts.script) throw new Error('Give one of --algorithm or --script, not both');
  if (opts.sourceDir && !opts.script) throw new Error('--source-dir goes with --script');
  if (!opts.algorithm && !opts.script) throw new Error('Give --algorithm (e.g. --algorithm xgboost) or --script FILE');
  const channels: Record<string, string> = {};
  const addChannel = (channel: string, dataset: string) => {
    if (channel in channels) throw new Error(`Channel '${channel}' is given twice`);
    channels[channel] = dataset;
  };
  if (opts.train) addChannel('train', opts.train);
  if (opts.validation) addChannel('validation', opts.validation);
  for (const [channel, dataset] of Object.entries(parseKeyValues(opts.channel, '--channel') ?? {})) addChannel(channel, dataset);
  if (Object.keys(channels).length === 0) throw new Error('Give at least one input channel: --train DATASET (or --channel name=DATASET)');
  const metrics = parseKeyValues(opts.metric, '--metric');
  return {
    name: opts.name,
    ...(opts.algorithm ? { algorithm: opts.algorithm } : {}),
    hyperParameters: parseKeyValues(opts.hp, '--hp'),
    channels,
    maxRuntimeSeconds: opts.maxRuntime,
    maxRetries: opts.maxRetries,
    metricDefinitions: metrics ? Object.entries(metrics).map(([name, regex]) => ({ name, regex })) : undefined,
    tags: parseKeyValues(opts.tag, '--tag'),
    ...(opts.experiment ? { experiment: opts.experiment } : {}),
    ...(opts.cpus !== undefined ? { cpus: opts.cpus } : {}),
    ...((rules) => (rules ? { rules } : {}))(parseRules(opts.rule, opts.ruleScript)),
  };
}

/**
 * Script mode: packs the source folder (default: the script's folder) as SageMaker's
 * `sourcedir.tar.gz`, stores it in the artifact store and names the entry point in it.
 */
export async function uploadSource(orchard: ReturnType<typeof client>, name: string, script: string, sourceDir?: string): Promise<{ entryPoint: string; sourceKey: string }> {
  const dir = path.resolve(sourceDir ?? path.dirname(script));
  const entryPoint = path.relative(dir, path.resolve(script));
  if (entryPoint.startsWith('..') || path.isAbsolute(entryPoint)) throw new Error(`--script ${script} is not inside --source-dir ${dir}`);
  if (!fs.statSync(path.resolve(script), { throwIfNoEntry: false })?.isFile()) throw new Error(`No file ${script}`);
  const archive = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-src-')), 'sourcedir.tar.gz');
  try {
    // tar is loaded only by the one command that packs a directory.
    const tar = await import('tar');
    await tar.c({ gzip: true, file: archive, cwd: dir, portable: true }, fs.readdirSync(dir));
    const sourceKey = `sources/${name}/sourcedir.tar.gz`;
    await orchard.artifacts.put(sourceKey, archive);
    return { entryPoint: entryPoint.split(path.sep).join('/'), sourceKey };
  } finally {
    fs.rmSync(path.dirname(archive), { recursive: true, force: true });
  }
}

/**
 * Waits for the job, streaming its log to stderr as the server's event stream delivers it. On a terminal the last stderr line is
 * a progress line redrawn in place; elsewhere (CI logs) status changes print as lines.
 * Ctrl+C stops the waiting, not the job.
 */
async function waitWithProgress(created: TrainingJob): Promise<TrainingJob> {
  const tty = Boolean(process.stderr.isTTY);
  let progress = '';
  let lastStatus = '';
  const clear = () => {
    if (tty && progress) process.stderr.write('\r\x1b[2K');
  };
  const draw = () => {
    if (tty && progress) process.stderr.write(progress);
  };
  const controller = new AbortController();
  const onSigint = () => controller.abort(new Error(`Stopped waiting; ${created.name} goes on (orchard jobs stop ${created.name} stops it)`));
  process.once('SIGINT', onSigint);
  // Events arrive only when something changes; the elapsed time still ticks.
  let latest: TrainingJob | undefined;
  const ticker = tty
    ? setInterval(() => {
        if (!latest) return;
        clear();
        progress = progressLine(latest);
        draw();
      }, 1000)
    : undefined;
  try {
    return await client().training.waitFor(created.name, {
      signal: controller.signal,
      onLog: (line) => {
        clear();
        process.stderr.write(line.line + '\n');
        draw();
      },
      onUpdate: (job) => {
        latest = job;
        const status = statusText(job);
        if (tty) {
          clear();
          progress = progressLine(job);
          draw();
        } else if (status !== lastStatus) process.stderr.write(`[${created.name}] ${status}\n`);
        lastStatus = status;
      },
    });
  } finally {
    clearInterval(ticker);
    process.off('SIGINT', onSigint);
    clear();
  }
}

function progressLine(job: TrainingJob): string {
  const latest = job.metrics.at(-1);
  const metric = latest ? `  ${latest.name}=${formatNumber(latest.value)}${latest.step !== null ? ` (step ${latest.step})` : ''}` : '';
  const line = `${job.name}  ${statusText(job)}  ${formatDuration(elapsedMs(job))}${metric}`;
  const width = process.stderr.columns || 80;
  return line.length > width - 1 ? line.slice(0, width - 2) + '…' : line;
}

function statusText(job: TrainingJob): string {
  return job.secondaryStatus && job.secondaryStatus !== job.status ? `${job.status}/${job.secondaryStatus}` : job.status;
}

function describeText(job: TrainingJob): string {
  const kv = (record: Record<string, string>) => Object.entries(record).map(([k, v]) => `${k}=${v}`).join(' ') || undefined;
  const head = fields([
    ['name', job.name],
    ['status', statusText(job)],
    ['experiment', job.experiment],
    ['failure', job.failureReason],
    [job.script ? 'script' : 'algorithm', job.script ? `${job.script.entryPoint} (${job.script.sourceKey})` : job.algorithm],
    ['hyperparameters', kv(job.hyperParameters)],
    ['channels', Object.entries(job.channels).map(([c, d]) => `${c}=${d.dataset}@${d.version}`).join(' ')],
    ['max runtime', formatDuration(job.maxRuntimeSeconds * 1000)],
    ['attempts', `${job.attempts} (max retries ${job.maxRetries})`],
    ['model', job.modelArtifact],
    ['created', `${job.createdAt} by ${job.createdBy ?? '-'}`],
    ['started', job.startedAt],
    ['ended', job.endedAt],
    ['duration', job.startedAt ? formatDuration(elapsedMs(job)) : undefined],
    ['tags', kv(job.tags)],
  ]);
  const metrics = Object.entries(job.finalMetrics);
  const rules = rulesText(job);
  const withRules = rules ? `${head}\n${rules}` : head;
  if (metrics.length === 0) return withRules;
  return `${withRules}\n${table(['metric', 'final value'], metrics.map(([name, value]) => [name, formatNumber(value)]))}`;
}

/** Time spent running so far (or in all, once ended). */
function elapsedMs(job: TrainingJob): number {
  const start = Date.parse(job.startedAt ?? job.createdAt);
  const end = job.endedAt ? Date.parse(job.endedAt) : Date.now();
  return Math.max(0, end - start);
}

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h}h ${m}m ${s % 60}s`;
  return m > 0 ? `${m}m ${s % 60}s` : `${s}s`;
}

function formatNumber(value: number): number {
  return Number.isInteger(value) ? value : Number(value.toPrecision(6));
}
