import { Option, type Command } from 'commander';
import type { MonitorBaseline, MonitorExecution, MonitorSchedule } from '../../sdk/index.js';
// Enum lists from the TypeBox-free modules: a CLI call does not load the schemas.
import { MONITOR_BASELINE_STATUSES, MONITOR_COMPARISON_METHODS, MONITOR_EXECUTION_STATUSES, MONITOR_SCHEDULE_STATUSES, MONITOR_SCHEDULE_TYPES } from '../../contracts/monitor.values.js';
import { client, exit, positiveInt, run } from '../context.js';
import { emit, fields, progressBar, table } from '../output.js';

type Json = { json?: boolean };

/** The `monitor` command (found or made: model quality adds its own subcommands to it). */
function monitorGroup(program: Command): Command {
  return program.commands.find((c) => c.name() === 'monitor') ?? program.command('monitor').description('Model Monitor: baselines, monitoring schedules over endpoints’ data capture, executions');
}

const list = (value: string, previous: string[] = []) => [...previous, ...value.split(',').map((v) => v.trim()).filter(Boolean)];
const share = (v: string) => {
  const n = Number(v);
  if (!(n > 0 && n <= 1)) throw new Error(`expected a number in (0, 1], got '${v}'`);
  return n;
};

/** `orchard monitor baselines|schedules|executions …`. */
export function monitorCommand(program: Command): void {
  const monitor = monitorGroup(program);
  baselineCommands(monitor.command('baselines').description('Baselines: statistics.json and constraints.json of a dataset'));
  scheduleCommands(monitor.command('schedules').description("Monitoring schedules over an endpoint's data capture"));
  executionCommands(monitor.command('executions').description('Monitoring executions and their violations'));
}

function baselineCommands(cmd: Command): void {
  cmd
    .command('create <name>')
    .description("Baseline a dataset version ('name' = latest, 'name@3'): per-feature statistics and suggested constraints")
    .requiredOption('--dataset <ref>', 'the dataset version whose columns are the features (in capture order)')
    .option('--target <column>', 'the label column, left out of the features')
    .option('--exclude <columns>', 'more columns to leave out (comma-separated, repeatable)', list)
    .option('--comparison-threshold <x>', 'drift threshold on the distribution distance (default 0.1)', share)
    .addOption(new Option('--comparison-method <method>', 'Robust also asks the distance to be significant for the sample sizes (default Robust)').choices(MONITOR_COMPARISON_METHODS))
    .option('--wait', 'wait until the baseline is done; exit 1 unless it completes')
    .option('--json', 'machine output')
    .action((name: string, opts: Json & { dataset: string; target?: string; exclude?: string[]; comparisonThreshold?: number; comparisonMethod?: 'Robust' | 'Simple'; wait?: boolean }) =>
      run(opts, async () => {
        const created = await client().monitor.baselines.create({ name, dataset: opts.dataset, target: opts.target, exclude: opts.exclude, comparisonThreshold: opts.comparisonThreshold, comparisonMethod: opts.comparisonMethod });
        if (!opts.wait) {
          emit(opts, created, () => `Started baseline ${name} on ${created.dataset.name}@${created.dataset.version}\nfollow it: orchard monitor baselines describe ${name}`);
          return;
        }
        let last = '';
        const done = await client().monitor.baselines.waitFor(name, {
          pollMs: 500,
          onUpdate: (b) => {
            if (!opts.json && b.status !== last) process.stderr.write(`${b.name}: ${b.status}\n`);
            last = b.status;
          },
        });
        emit(opts, done, () => baselineText(done));
        if (done.status !== 'Completed') exit.code = 1;
      }),
    );
  cmd
    .command('list')
    .description('List baselines, newest first')
    .addOption(new Option('--status <status>', 'only baselines in this status').choices(MONITOR_BASELINE_STATUSES))
    .option('--dataset <name>', 'baselines of this dataset')
    .option('--limit <n>', 'at most n', positiveInt)
    .option('--json', 'machine output')
    .action((opts: Json & { status?: MonitorBaseline['status']; dataset?: string; limit?: number }) =>
      run(opts, async () => {
        const res = await client().monitor.baselines.list({ status: opts.status, dataset: opts.dataset, limit: opts.limit });
        emit(opts, res, () =>
          res.items.length === 0
            ? 'No baselines.'
            : table(['name', 'dataset', 'status', 'features', 'created'], res.items.map((b) => [b.name, `${b.dataset.name}@${b.dataset.version}`, b.status, b.features?.length ?? '-', b.createdAt])) + `\n${res.items.length} of ${res.total}`,
        );
      }),
    );
  cmd
    .command('describe <name>')
    .description('A baseline: status, features and its files')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        const b = await client().monitor.baselines.describe(name);
        emit(opts, b, () => baselineText(b));
      }),
    );
  cmd
    .command('stop <name>')
    .description('Stop a running baseline job')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        const b = await client().monitor.baselines.stop(name);
        emit(opts, b, () => `${b.name}: ${b.status}`);
      }),
    );
  cmd
    .command('delete <name>')
    .description('Delete a baseline and its files (refused while a schedule uses it)')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        await client().monitor.baselines.delete(name);
        emit(opts, { deleted: name }, () => `Deleted baseline ${name}`);
      }),
    );
}

type ModelQualityConfig = NonNullable<MonitorSchedule['modelQuality']>;
type ScheduleOptions = Json & { endpoint: string; baseline?: string; cron?: string; type?: MonitorSchedule['type'] } & Partial<Omit<ModelQualityConfig, 'constraints'>> & { constraints?: string };

function scheduleCommands(cmd: Command): void {
  cmd
    .command('create <name>')
    .description("Monitor an endpoint's captured requests against a baseline, on a cron schedule (hourly by default)")
    .requiredOption('--endpoint <name>', 'the endpoint (its data capture must be on)')
    .option('--baseline <name>', 'the baseline (required for data-quality)')
    .option('--cron <expr>', '5-field cron in UTC (default "0 * * * *": hourly)')
    .addOption(new Option('--type <type>', 'what to monitor (default data-quality)').choices(MONITOR_SCHEDULE_TYPES))
    .addOption(new Option('--problem-type <type>', 'model-quality: the problem type').choices(['BinaryClassification', 'MulticlassClassification', 'Regression']))
    .option('--inference-attribute <attr>', 'model-quality: the prediction (a JSON key or a 0-based CSV column)')
    .option('--probability-attribute <attr>', 'model-quality: the positive class probability (binary)')
    .option('--probability-threshold <x>', 'model-quality: a probability at or above it predicts 1 (default 0.5)', share)
    .option('--constraints <key>', "model-quality: artifact key of the baseline's constraints.json")
    .option('--json', 'machine output')
    .action((name: string, opts: ScheduleOptions) =>
      run(opts, async () => {
        const modelQuality = opts.problemType
          ? { problemType: opts.problemType, inferenceAttribute: opts.inferenceAttribute, probabilityAttribute: opts.probabilityAttribute, probabilityThreshold: opts.probabilityThreshold, constraints: opts.constraints }
          : undefined;
        const s = await client().monitor.schedules.create({ name, endpoint: opts.endpoint, baseline: opts.baseline, cron: opts.cron, type: opts.type, modelQuality });
        emit(opts, s, () => `Created schedule ${s.name} on endpoint ${s.endpoint} (${s.cron}); next run ${s.nextRunAt}\nrun it now: orchard monitor schedules run ${s.name} --wait`);
      }),
    );
  cmd
    .command('run <name>')
    .description('Run an execution now over the capture so far (or --since/--until)')
    .option('--since <time>', 'ISO time: records from then on')
    .option('--until <time>', 'ISO time: records before then (default now)')
    .option('--wait', 'show progress until it ends, then print the violations; exit 1 if it failed')
    .option('--json', 'machine output')
    .action((name: string, opts: Json & { since?: string; until?: string; wait?: boolean }) =>
      run(opts, async () => {
        const started = await client().monitor.schedules.run(name, { since: opts.since, until: opts.until });
        if (!opts.wait) {
          emit(opts, started, () => `Started execution ${started.id}\nfollow it: orchard monitor executions describe ${started.id}`);
          return;
        }
        const done = await waitWithProgress(started);
        emit(opts, done, () => executionText(done));
        if (done.status === 'Failed' || done.status === 'Stopped') exit.code = 1;
      }),
    );
  cmd
    .command('list')
    .description('List schedules')
    .option('--endpoint <name>', 'schedules of this endpoint')
    .addOption(new Option('--status <status>', 'only schedules in this status').choices(MONITOR_SCHEDULE_STATUSES))
    .option('--limit <n>', 'at most n', positiveInt)
    .option('--json', 'machine output')
    .action((opts: Json & { endpoint?: string; status?: MonitorSchedule['status']; limit?: number }) =>
      run(opts, async () => {
        const res = await client().monitor.schedules.list({ endpoint: opts.endpoint, status: opts.status, limit: opts.limit });
        emit(opts, res, () =>
          res.items.length === 0
            ? 'No monitoring schedules.'
            : table(
                ['name', 'endpoint', 'type', 'baseline', 'cron', 'status', 'next run', 'last execution'],
                res.items.map((s) => [s.name, s.endpoint, s.type, s.baseline ?? '-', s.cron, s.status, s.nextRunAt ?? '-', s.lastExecution ? `${s.lastExecution.status} (${s.lastExecution.violations})` : '-']),
              ) + `\n${res.items.length} of ${res.total}`,
        );
      }),
    );
  cmd
    .command('describe <name>')
    .description('A schedule: its endpoint, baseline, next run and last execution')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        const s = await client().monitor.schedules.describe(name);
        emit(opts, s, () =>
          fields([
            ['schedule', s.name],
            ['endpoint', s.endpoint],
            ['type', s.type],
            ['baseline', s.baseline],
            ['cron', `${s.cron} (UTC)`],
            ['status', s.status],
            ['next run', s.nextRunAt],
            ['last execution', s.lastExecution ? `${s.lastExecution.id}: ${s.lastExecution.status}, ${s.lastExecution.violations} violations` : null],
            ['created', `${s.createdAt} by ${s.createdBy ?? '-'}`],
          ]),
        );
      }),
    );
  for (const [verb, description] of [
    ['stop', 'Stop scheduling executions (run still works)'],
    ['start', 'Schedule executions again, from now'],
  ] as const) {
    cmd
      .command(`${verb} <name>`)
      .description(description)
      .option('--json', 'machine output')
      .action((name: string, opts: Json) =>
        run(opts, async () => {
          const s = await client().monitor.schedules[verb](name);
          emit(opts, s, () => `${s.name}: ${s.status}${s.nextRunAt ? `, next run ${s.nextRunAt}` : ''}`);
        }),
      );
  }
  cmd
    .command('delete <name>')
    .description('Delete a schedule, its executions and their files')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        await client().monitor.schedules.delete(name);
        emit(opts, { deleted: name }, () => `Deleted schedule ${name}`);
      }),
    );
}

function executionCommands(cmd: Command): void {
  cmd
    .command('list')
    .description('List executions, newest first')
    .option('--schedule <name>', 'executions of this schedule')
    .option('--endpoint <name>', 'executions over this endpoint')
    .addOption(new Option('--status <status>', 'only executions in this status').choices(MONITOR_EXECUTION_STATUSES))
    .option('--limit <n>', 'at most n', positiveInt)
    .option('--json', 'machine output')
    .action((opts: Json & { schedule?: string; endpoint?: string; status?: MonitorExecution['status']; limit?: number }) =>
      run(opts, async () => {
        const res = await client().monitor.executions.list({ schedule: opts.schedule, endpoint: opts.endpoint, status: opts.status, limit: opts.limit });
        emit(opts, res, () =>
          res.items.length === 0
            ? 'No monitoring executions.'
            : table(['id', 'schedule', 'status', 'violations', 'items', 'window', 'created'], res.items.map((e) => [e.id, e.schedule, e.status, e.violationCount ?? '-', e.items ?? '-', `${e.window.since ?? '…'} – ${e.window.until}`, e.createdAt])) +
              `\n${res.items.length} of ${res.total}`,
        );
      }),
    );
  cmd
    .command('describe <id>')
    .description('An execution: status and violations')
    .option('--json', 'machine output')
    .action((id: string, opts: Json) =>
      run(opts, async () => {
        const e = await client().monitor.executions.describe(id);
        emit(opts, e, () => executionText(e));
      }),
    );
  cmd
    .command('stop <id>')
    .description('Stop a running execution')
    .option('--json', 'machine output')
    .action((id: string, opts: Json) =>
      run(opts, async () => {
        const e = await client().monitor.executions.stop(id);
        emit(opts, e, () => `${e.id}: ${e.status}`);
      }),
    );
}

/** A progress bar on a terminal (share of the window's capture read); status lines elsewhere. */
async function waitWithProgress(started: MonitorExecution): Promise<MonitorExecution> {
  const bar = await progressBar(`${started.id} [{bar}] {percentage}% of the capture read`);
  bar?.start(100, 0);
  let last = '';
  try {
    return await client().monitor.executions.waitFor(started.id, {
      pollMs: 500,
      onUpdate: (e) => {
        bar?.update(e.percent);
        const line = `${e.status} ${e.percent}%`;
        if (!bar && line !== last) process.stderr.write(`${e.id}: ${line}\n`);
        last = line;
      },
    });
  } finally {
    bar?.stop();
  }
}

function baselineText(b: MonitorBaseline): string {
  return fields([
    ['baseline', b.name],
    ['dataset', `${b.dataset.name}@${b.dataset.version} (${b.dataset.rows} rows)`],
    ['target', b.target],
    ['excluded', b.exclude.length ? b.exclude.join(', ') : null],
    ['status', b.status],
    ['failure', b.failureReason],
    ['drift threshold', `${b.comparisonThreshold} (${b.comparisonMethod})`],
    ['features', b.features ? b.features.map((f) => `${f.name}:${f.inferredType}`).join(', ') : null],
    ['statistics', b.statistics],
    ['constraints', b.constraints],
    ['created', `${b.createdAt} by ${b.createdBy ?? '-'}`],
  ]);
}

function executionText(e: MonitorExecution): string {
  const head = fields([
    ['execution', e.id],
    ['schedule', `${e.schedule} (${e.type}, endpoint ${e.endpoint})`],
    ['status', e.status],
    ['failure', e.failureReason],
    ['window', `${e.window.since ?? 'first record'} – ${e.window.until}`],
    ['items', e.items],
    ['statistics', e.statistics],
    ['violations file', e.constraintViolations],
  ]);
  if (e.violations.length === 0) return head;
  return head + '\n\n' + table(['feature', 'check', 'description'], e.violations.map((v) => [v.feature_name, v.constraint_check_type, v.description]));
}
