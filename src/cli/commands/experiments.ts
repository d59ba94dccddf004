import type { Command } from 'commander';
import type { Run } from '../../sdk/index.js';
import { client, positiveInt, run } from '../context.js';
import { emit, fields, table } from '../output.js';

type Json = { json?: boolean };

/** `orchard experiments …`: experiments group runs (training jobs). */
export function experimentsCommand(program: Command): void {
  const experiments = program.command('experiments').description('Experiments: groups of runs (every training job is a run)');
  experiments
    .command('create <name>')
    .description('Create an experiment (training jobs naming a new experiment also create it)')
    .option('--description <text>', 'what the experiment is about')
    .option('--json', 'machine output')
    .action((name: string, opts: Json & { description?: string }) =>
      run(opts, async () => {
        const created = await client().experiments.create({ name, description: opts.description });
        emit(opts, created, () => `Created experiment ${created.name}`);
      }),
    );
  experiments
    .command('list')
    .description('List experiments with their run counts')
    .option('--json', 'machine output')
    .action((opts: Json) =>
      run(opts, async () => {
        const res = await client().experiments.list();
        emit(opts, res, () =>
          res.items.length === 0 ? 'No experiments.' : table(['name', 'runs', 'last run', 'description'], res.items.map((e) => [e.name, e.runCount, e.lastRunAt ?? '', e.description ?? ''])),
        );
      }),
    );
  experiments
    .command('describe <name>')
    .description('Runs by status, and the parameter and metric names the runs have')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        const e = await client().experiments.describe(name);
        emit(opts, e, () =>
          fields([
            ['name', e.name],
            ['description', e.description],
            ['runs', `${e.runCount} (${Object.entries(e.statusCounts).map(([s, n]) => `${s} ${n}`).join(', ') || 'none'})`],
            ['parameters', e.parameterNames.join(', ') || undefined],
            ['metrics', e.metricNames.join(', ') || undefined],
            ['created', `${e.createdAt} by ${e.createdBy ?? '-'}`],
            ['last run', e.lastRunAt],
          ]),
        );
      }),
    );
}

/** `orchard runs …`: list (filter, sort), describe and compare runs. */
export function runsCommand(program: Command): void {
  const runs = program.command('runs').description('Runs (training jobs seen as experiment records): list, describe, compare');
  runs
    .command('list')
    .description('List runs, newest first unless sorted')
    .option('--experiment <name>', 'runs of this experiment only')
    .option('--filter <expr>', "e.g. 'metrics.validation:auc > 0.9 and params.max_depth <= 6 and status = Completed'")
    .option('--sort <keys>', "e.g. 'metrics.validation:auc desc' (comma-separated keys, asc by default)")
    .option('--limit <n>', 'at most n (default 100)', positiveInt)
    .option('--json', 'machine output')
    .action((opts: Json & { experiment?: string; filter?: string; sort?: string; limit?: number }) =>
      run(opts, async () => {
        const res = await client().runs.list({ experiment: opts.experiment, filter: opts.filter, sort: opts.sort, limit: opts.limit });
        emit(opts, res, () => {
          if (res.items.length === 0) return 'No runs.';
          const metricNames = [...new Set(res.items.flatMap((r) => Object.keys(r.metrics)))].sort().slice(0, 4);
          return (
            table(
              ['name', 'experiment', 'status', ...metricNames],
              res.items.map((r) => [r.name, r.experiment, r.status, ...metricNames.map((m) => formatValue(r.metrics[m]))]),
            ) + `\n${res.items.length} of ${res.total}`
          );
        });
      }),
    );
  runs
    .command('describe <name>')
    .description('A run: parameters, final metrics, inputs, model and metric series')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        const r = await client().runs.describe(name);
        emit(opts, r, () =>
          fields([
            ['name', r.name],
            ['experiment', r.experiment],
            ['status', r.status],
            ['failure', r.failureReason],
            ['source', sourceText(r)],
            ['parameters', Object.entries(r.parameters).map(([k, v]) => `${k}=${v}`).join(' ') || undefined],
            ['metrics', Object.entries(r.metrics).map(([k, v]) => `${k}=${formatValue(v)}`).join(' ') || undefined],
            ['series', Object.entries(r.series).map(([k, v]) => `${k} (${v.length} points)`).join(', ') || undefined],
            ['inputs', Object.entries(r.inputs).map(([c, d]) => `${c}=${d.dataset}@${d.version}`).join(' ') || undefined],
            ['model', r.modelArtifact],
            ['duration', r.durationSeconds === null ? undefined : `${r.durationSeconds} s`],
          ]),
        );
      }),
    );
  runs
    .command('compare <names...>')
    .description('Parameters and final metrics of runs side by side (* marks differing parameters and the best metric)')
    .option('--json', 'machine output')
    .action((names: string[], opts: Json) =>
      run(opts, async () => {
        const c = await client().runs.compare(names);
        emit(opts, c, () =>
          table(
            ['', ...c.runs.map((r) => r.name)],
            [
              ['status', ...c.runs.map((r) => r.status)],
              ...c.parameters.map((p) => [`${p.differs ? '* ' : ''}${p.name}`, ...p.values.map((v) => v ?? '')]),
              ...c.metrics.map((m) => [m.name, ...m.values.map((v) => (v === null ? '' : `${formatValue(v)}${v === m.best && c.runs.length > 1 ? ' *' : ''}`))]),
            ],
          ),
        );
      }),
    );
}

function sourceText(r: Run): string {
  return 'algorithm' in r.source ? `algorithm ${r.source.algorithm}` : `script ${r.source.script}`;
}

function formatValue(v: number | undefined): string {
  if (v === undefined) return '';
  return Number.isInteger(v) ? String(v) : v.toPrecision(6).replace(/\.?0+$/, '');
}
