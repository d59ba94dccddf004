import { Option, type Command } from 'commander';
import type { RangeInput, StrategyName, TuningJob, TuningJobStatus } from '../../sdk/index.js';
// Enum lists from the contracts' TypeBox-free module: a CLI call does not load the schemas.
import { EARLY_STOPPING_MODES, JOB_STATUSES, STRATEGY_NAMES } from '../../contracts/values.js';
import { client, collect, exit, parseKeyValues, positiveInt, run } from '../context.js';
import { emit, fields, table } from '../output.js';
import { trainInput, uploadSource } from './training.js';

type Json = { json?: boolean };
const SCALINGS: Record<string, RangeInput['scaling']> = { log: 'Logarithmic', 'reverse-log': 'ReverseLogarithmic', linear: 'Linear', auto: 'Auto' };

interface TuneOptions extends Json {
  name: string;
  algorithm?: string;
  script?: string;
  sourceDir?: string;
  hp?: string[];
  range?: string[];
  train?: string;
  validation?: string;
  channel?: string[];
  objective: string;
  maximize?: boolean;
  minimize?: boolean;
  strategy?: StrategyName;
  maxJobs: number;
  maxParallel?: number;
  cpus?: number;
  earlyStopping?: 'auto' | 'off';
  warmStart?: string[];
  maxFailedJobs?: number;
  seed?: number;
  minResource?: number;
  maxResource?: number;
  maxRuntime?: number;
  maxRetries?: number;
  metric?: string[];
  tag?: string[];
  wait?: boolean;
}

/**
 * `--range` forms: `eta=0.01:0.5:log`, `max_depth=2:10:int`, `momentum=0.5:0.99:reverse-log`,
 * `booster=gbtree,dart` (categorical), or a bare `eta` (the algorithm's tuning range).
 */
export function parseRange(text: string): RangeInput {
  const eq = text.indexOf('=');
  const name = eq < 0 ? text : text.slice(0, eq);
  if (!name) throw new Error(`--range ${text}: name the hyperparameter`);
  if (eq < 0) return { name };
  const spec = text.slice(eq + 1);
  if (!spec.includes(':')) {
    const values = spec.split(',').map((v) => v.trim()).filter(Boolean);
    if (values.length === 0) throw new Error(`--range ${text}: give min:max or values a,b,c`);
    return { name, type: 'categorical', values };
  }
  const [min, max, ...flags] = spec.split(':');
  const range: RangeInput = { name, type: 'continuous', min: Number(min), max: Number(max) };
  if (min === '' || max === '' || !Number.isFinite(range.min) || !Number.isFinite(range.max)) throw new Error(`--range ${text}: min and max must be numbers`);
  for (const flag of flags) {
    if (flag === 'int' || flag === 'integer') range.type = 'integer';
    else if (flag in SCALINGS) range.scaling = SCALINGS[flag];
    else throw new Error(`--range ${text}: unknown flag '${flag}' (int, log, reverse-log, linear, auto)`);
  }
  return range;
}

/** `orchard tune`: a hyperparameter tuning job (SageMaker CreateHyperParameterTuningJob). */
export function tuneCommand(program: Command): void {
  program
    .command('tune')
    .description('Tune hyperparameters: many training jobs chosen by a search strategy, best one reported')
    .requiredOption('--name <name>', 'tuning job name (1-32 letters, digits and hyphens); trials are <name>-001, …')
    .option('--algorithm <name>', 'built-in algorithm')
    .option('--script <file>', 'script mode: entry point of your training code')
    .option('--source-dir <dir>', 'script mode: folder holding the entry point')
    .option('--hp <key=value>', 'static hyperparameter for every trial (repeatable)', collect)
    .option('--range <spec>', "tuned hyperparameter: name=min:max[:int][:log|:reverse-log], name=a,b,c, or a built-in's name alone (repeatable)", collect)
    .option('--train <dataset>', "dataset for the 'train' channel")
    .option('--validation <dataset>', "dataset for the 'validation' channel")
    .option('--channel <name=dataset>', 'any other channel (repeatable)', collect)
    .requiredOption('--objective <metric>', 'metric to optimise, e.g. validation:auc')
    .option('--maximize', 'the objective is better higher (default from the algorithm)')
    .option('--minimize', 'the objective is better lower')
    .addOption(new Option('--strategy <name>', 'search strategy (default bayesian)').choices(STRATEGY_NAMES))
    .requiredOption('--max-jobs <n>', 'training jobs in all', positiveInt)
    .option('--max-parallel <n>', 'training jobs at once (default 1)', positiveInt)
    .option('--cpus <n>', "cores each trial asks for (default: a worker's cores shared by --max-parallel)", positiveInt)
    .addOption(new Option('--early-stopping <mode>', 'auto: stop trials worse than the median at the same step').choices(EARLY_STOPPING_MODES.map((m) => m.toLowerCase())))
    .option('--warm-start <tuning-job>', 'seed the search with the trials of a finished tuning job (repeatable)', collect)
    .option('--max-failed-jobs <n>', 'failed trials tolerated before the tuning job fails', positiveInt)
    .option('--seed <n>', 'random seed (recorded; default random)', positiveInt)
    .option('--min-resource <steps>', 'hyperband: steps a trial runs before it can be stopped (default 1)', positiveInt)
    .option('--max-resource <steps>', 'hyperband: the step at which a trial is complete (default: from finished trials)', positiveInt)
    .option('--max-runtime <seconds>', 'time limit of each trial', positiveInt)
    .option('--max-retries <n>', 'retries of each trial', positiveInt)
    .option('--metric <name=regex>', 'script mode: metric to capture from the log (repeatable)', collect)
    .option('--tag <key=value>', 'tag (repeatable)', collect)
    .option('--wait', 'follow the trials until the tuning job ends; exit 1 unless it completes')
    .option('--json', 'machine output (with --wait: the final describe object)')
    .action((opts: TuneOptions) =>
      run(opts, async () => {
        if (opts.maximize && opts.minimize) throw new Error('Give one of --maximize or --minimize');
        if (!opts.range?.length) throw new Error('Give at least one --range');
        const base = trainInput({ ...opts, metric: opts.metric });
        const orchard = client();
        const script = opts.script ? await uploadSource(orchard, opts.name, opts.script, opts.sourceDir) : undefined;
        const created = await orchard.tuning.create({
          name: opts.name,
          ...(base.algorithm ? { algorithm: base.algorithm } : {}),
          ...(script ? { script } : {}),
          staticHyperParameters: base.hyperParameters,
          ranges: opts.range.map(parseRange),
          objective: { metric: opts.objective, ...(opts.maximize ? { type: 'Maximize' as const } : opts.minimize ? { type: 'Minimize' as const } : {}) },
          strategy: opts.strategy,
          maxJobs: opts.maxJobs,
          maxParallel: opts.maxParallel,
          ...(opts.cpus !== undefined ? { cpus: opts.cpus } : {}),
          earlyStopping: opts.earlyStopping === 'auto' ? 'Auto' : opts.earlyStopping === 'off' ? 'Off' : undefined,
          warmStart: opts.warmStart,
          maxFailedJobs: opts.maxFailedJobs,
          seed: opts.seed,
          ...(opts.minResource !== undefined || opts.maxResource !== undefined ? { hyperband: { minResource: opts.minResource, maxResource: opts.maxResource } } : {}),
          channels: base.channels,
          maxRuntimeSeconds: base.maxRuntimeSeconds,
          maxRetries: base.maxRetries,
          metricDefinitions: base.metricDefinitions,
          tags: base.tags,
        });
        if (!opts.wait) {
          emit(opts, created, () => `Created tuning job ${created.name}: ${created.strategy}, ${created.maxJobs} jobs, ${created.maxParallel} at a time, ${created.objective.type.toLowerCase()} ${created.objective.metric}`);
          return;
        }
        const job = await waitWithProgress(created);
        emit(opts, job, () => describeText(job));
        if (job.status !== 'Completed') exit.code = 1;
      }),
    );
}

/** `orchard tunes …`: list, describe and stop tuning jobs. */
export function tunesCommand(program: Command): void {
  const tunes = program.command('tunes').description('Tuning jobs: list, describe, stop');
  tunes
    .command('list')
    .description('List tuning jobs, newest first')
    .addOption(new Option('--status <status>', 'only jobs in this status').choices(JOB_STATUSES))
    .option('--limit <n>', 'at most n', positiveInt)
    .option('--json', 'machine output')
    .action((opts: Json & { status?: TuningJobStatus; limit?: number }) =>
      run(opts, async () => {
        const res = await client().tuning.list({ status: opts.status, limit: opts.limit });
        emit(opts, res, () =>
          res.items.length === 0
            ? 'No tuning jobs.'
            : table(
                ['name', 'status', 'strategy', 'objective', 'jobs', 'best'],
                res.items.map((t) => [t.name, t.status, t.strategy, `${t.objective.type === 'Maximize' ? 'max' : 'min'} ${t.objective.metric}`, countsText(t), t.bestTrainingJob ? `${t.bestTrainingJob.name} ${formatValue(t.bestTrainingJob.objective)}` : '']),
              ),
        );
      }),
    );
  tunes
    .command('describe <name>')
    .description('Status, counts, best training job and every trial')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        const job = await client().tuning.describe(name);
        emit(opts, job, () => describeText(job));
      }),
    );
  tunes
    .command('stop <name>')
    .description('Stop a tuning job and its running trials')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        const job = await client().tuning.stop(name);
        emit(opts, job, () => `${job.name}: ${job.status}`);
      }),
    );
}

async function waitWithProgress(created: TuningJob): Promise<TuningJob> {
  const tty = Boolean(process.stderr.isTTY);
  let last = '';
  let seen = 0;
  const job = await client().tuning.waitFor(created.name, {
    onUpdate: (t) => {
      // Each trial that ends prints a line; the status line is redrawn on a terminal.
      const ended = t.trials.filter((x) => x.endedAt).sort((a, b) => (a.endedAt! < b.endedAt! ? -1 : 1));
      for (const trial of ended.slice(seen)) {
        if (tty) process.stderr.write('\r\x1b[2K');
        const hp = Object.entries(trial.hyperParameters).map(([k, v]) => `${k}=${v}`).join(' ');
        process.stderr.write(`${trial.trainingJob}  ${trial.status}${trial.earlyStopped ? ' (early stop)' : ''}  ${t.objective.metric}=${trial.objective === null ? '-' : formatValue(trial.objective)}  ${hp}\n`);
      }
      seen = Math.max(seen, ended.length);
      const line = `${t.name}  ${t.status}  ${countsText(t)}${t.bestTrainingJob ? `  best ${t.objective.metric}=${formatValue(t.bestTrainingJob.objective)} (${t.bestTrainingJob.name})` : ''}`;
      if (tty) process.stderr.write('\r\x1b[2K' + line.slice(0, (process.stderr.columns || 80) - 1));
      else if (line !== last) process.stderr.write(line + '\n');
      last = line;
    },
  });
  if (tty) process.stderr.write('\r\x1b[2K');
  return job;
}

function countsText(t: TuningJob): string {
  const c = t.trainingJobCounts;
  const done = c.completed + c.failed + c.stopped;
  return `${done}/${t.maxJobs} done (${c.inProgress} running, ${c.failed} failed${c.earlyStopped ? `, ${c.earlyStopped} stopped early` : ''})`;
}

function describeText(t: TuningJob): string {
  const head = fields([
    ['name', t.name],
    ['status', t.status],
    ['failure', t.failureReason],
    [t.script ? 'script' : 'algorithm', t.script ? t.script.entryPoint : t.algorithm],
    ['objective', `${t.objective.type} ${t.objective.metric}`],
    ['strategy', `${t.strategy} (seed ${t.seed})${t.earlyStopping === 'Auto' ? ', early stopping auto' : ''}`],
    ['ranges', t.ranges.map((r) => (r.type === 'categorical' ? `${r.name}={${r.values.join(',')}}` : `${r.name}=[${r.min}, ${r.max}]${r.type === 'integer' ? ' int' : ''} ${r.scaling}`)).join('  ')],
    ['static', Object.entries(t.staticHyperParameters).map(([k, v]) => `${k}=${v}`).join(' ') || undefined],
    ['jobs', countsText(t)],
    ['best', t.bestTrainingJob ? `${t.bestTrainingJob.name}: ${t.objective.metric}=${formatValue(t.bestTrainingJob.objective)}` : undefined],
    ['created', `${t.createdAt} by ${t.createdBy ?? '-'}`],
    ['ended', t.endedAt],
  ]);
  if (t.trials.length === 0) return head;
  const names = t.ranges.map((r) => r.name);
  return (
    head +
    '\n\n' +
    table(
      ['trial', 'status', t.objective.metric, ...names],
      t.trials.map((x) => [x.trainingJob, `${x.status}${x.earlyStopped ? ' (early)' : ''}`, x.objective === null ? '' : formatValue(x.objective) + (t.bestTrainingJob?.name === x.trainingJob ? ' *' : ''), ...names.map((n) => x.hyperParameters[n])]),
    )
  );
}

function formatValue(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toPrecision(6).replace(/\.?0+$/, '');
}
