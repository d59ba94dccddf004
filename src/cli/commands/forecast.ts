import fs from 'node:fs/promises';
import { Option, type Command } from 'commander';
import type { Forecast, ForecastMetrics, ForecastPredictor } from '../../sdk/index.js';
// Enum lists from the TypeBox-free module: a CLI call does not load the schemas.
import { FORECAST_DOMAINS, FORECAST_EXPORT_FORMATS, FORECAST_FREQUENCIES, FORECAST_PREDICTOR_ALGORITHMS, FORECAST_STATUSES } from '../../contracts/forecast.values.js';
import { client, exit, positiveInt, run } from '../context.js';
import { emit, fields, table } from '../output.js';

type Json = { json?: boolean };

/** `a=b,c=d` (also repeated) into an object. */
function pairs(text: string | undefined, what: string, allowed: readonly string[]): Record<string, string> | undefined {
  if (!text) return undefined;
  const out: Record<string, string> = {};
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const at = part.indexOf('=');
    if (at <= 0) throw new Error(`${what} takes key=value pairs separated by commas, got '${part}'`);
    const key = part.slice(0, at).trim();
    if (!allowed.includes(key)) throw new Error(`${what}: unknown key '${key}' (known: ${allowed.join(', ')})`);
    out[key] = part.slice(at + 1).trim();
  }
  return out;
}

function numberList(text: string): number[] {
  return text.split(',').map((s) => {
    const n = Number(s.trim());
    if (!s.trim() || !Number.isFinite(n)) throw new Error(`Expected numbers separated by commas, got '${text}'`);
    return n;
  });
}

const num = (v: number | null | undefined, digits = 4) => (v === null || v === undefined ? '-' : Number(v.toPrecision(digits)).toString());

function metricsLine(m: ForecastMetrics | null): string {
  if (!m) return '-';
  return `averageWQL ${num(m.averageWQL)}  ${Object.entries(m.wQL).map(([q, v]) => `wQL[${q}] ${num(v)}`).join('  ')}  WAPE ${num(m.WAPE)}  RMSE ${num(m.RMSE)}  MAPE ${num(m.MAPE)}  MASE ${num(m.MASE)}`;
}

function predictorText(p: ForecastPredictor): string {
  const lines = [
    fields([
      ['name', p.name],
      ['group', p.group],
      ['status', p.status],
      ['import', `${p.import.id} (target ${p.import.target}${p.import.related ? `, related ${p.import.related}` : ''}${p.import.metadata ? `, metadata ${p.import.metadata}` : ''})`],
      ['algorithm', p.algorithm === 'auto' ? `auto (${p.algorithms.join(', ')})` : p.algorithm],
      ['horizon', p.horizon],
      ['backtest', `${p.backtestWindows} window(s), offset ${p.backtestOffset}`],
      ['quantiles', p.quantiles.join(', ')],
      ['progress', `${p.progress.percent}% ${p.progress.stage ?? ''} (shards ${p.progress.shards.done}/${p.progress.shards.total}, items ${p.progress.items.done}/${p.progress.items.total})`],
      ['failure', p.failureReason],
      ['metrics', metricsLine(p.metrics)],
    ]),
  ];
  if (p.algorithmMetrics && Object.keys(p.algorithmMetrics).length > 1) {
    lines.push('', table(['algorithm', 'averageWQL', 'WAPE', 'RMSE', 'MAPE', 'MASE', 'items chosen'], Object.entries(p.algorithmMetrics).map(([a, m]) => [a, num(m.averageWQL), num(m.WAPE), num(m.RMSE), num(m.MAPE), num(m.MASE), p.choices?.[a] ?? 0])));
    if (p.choices?.ensemble) lines.push(`ensembles chosen for ${p.choices.ensemble} item(s)`);
  }
  if (p.windowMetrics && p.windowMetrics.length > 1) lines.push('', ...p.windowMetrics.map((m, w) => `window ${w + 1}: ${metricsLine(m)}`));
  return lines.join('\n');
}

const forecastProgress = (f: Forecast) => `${f.progress.percent}%${f.progress.stage ? ` ${f.progress.stage}` : ''} (shards ${f.progress.shards.done}/${f.progress.shards.total}, items ${f.progress.items.done}/${f.progress.items.total})`;

function forecastText(f: Forecast): string {
  return fields([
    ['name', f.name],
    ['predictor', f.predictor],
    ['status', f.status],
    ['dataset', f.dataset],
    ['forecast types', f.forecastTypes.join(', ')],
    ['horizon', f.horizon],
    ['items', f.items],
    ['progress', forecastProgress(f)],
    ['failure', f.failureReason],
  ]);
}

/** Polls until terminal, writing each new progress line to stderr. */
async function follow<T extends { status: string }>(wait: (onUpdate: (s: T) => void) => Promise<T>, line: (s: T) => string): Promise<T> {
  let last = '';
  return wait((s) => {
    const l = line(s);
    if (l !== last) process.stderr.write(`${l}\n`);
    last = l;
  });
}

const predictorLine = (p: ForecastPredictor) =>
  `${p.name}: ${p.status}${p.progress.stage ? ` ${p.progress.stage}` : ''} ${p.progress.percent}% (shards ${p.progress.shards.done}/${p.progress.shards.total}, items ${p.progress.items.done}/${p.progress.items.total})${p.progress.detail.length ? ` ${p.progress.detail.join('; ')}` : ''}`;

/** `orchard forecast …`: Amazon Forecast's dataset groups, imports, predictors and forecasts. */
export function forecastCommand(program: Command): void {
  const fc = program.command('forecast').description('Forecasting (Amazon Forecast): dataset groups, imports, predictors with backtests, forecasts as datasets');

  // ---- groups
  const groups = fc.command('groups').description('Dataset groups: create, list, describe, delete');
  groups
    .command('create <name>')
    .description('Create a dataset group')
    .addOption(new Option('--frequency <f>', 'the data frequency').choices(FORECAST_FREQUENCIES).makeOptionMandatory())
    .addOption(new Option('--domain <domain>', 'the dataset domain (default CUSTOM)').choices(FORECAST_DOMAINS))
    .option('--json', 'machine output')
    .action((name: string, opts: Json & { frequency: (typeof FORECAST_FREQUENCIES)[number]; domain?: (typeof FORECAST_DOMAINS)[number] }) =>
      run(opts, async () => {
        const g = await client().forecast.groups.create({ name, frequency: opts.frequency, domain: opts.domain });
        emit(opts, g, () => `Created dataset group ${g.name} (${g.frequency}, ${g.domain}; seasons ${g.seasons.join(', ')})`);
      }),
    );
  groups
    .command('list')
    .option('--json', 'machine output')
    .action((opts: Json) =>
      run(opts, async () => {
        const res = await client().forecast.groups.list();
        emit(opts, res, () => (res.items.length === 0 ? 'No dataset groups.' : table(['name', 'frequency', 'domain', 'latest import', 'created'], res.items.map((g) => [g.name, g.frequency, g.domain, g.latestImport ?? '-', g.createdAt]))));
      }),
    );
  groups
    .command('describe <name>')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        const g = await client().forecast.groups.describe(name);
        emit(opts, g, () => fields([['name', g.name], ['frequency', g.frequency], ['domain', g.domain], ['seasons', g.seasons.join(', ')], ['latest import', g.latestImport], ['created', g.createdAt]]));
      }),
    );
  groups
    .command('delete <name>')
    .description('Delete a group and its imports (refused while predictors use it)')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        await client().forecast.groups.delete(name);
        emit(opts, { deleted: name }, () => `Deleted dataset group ${name}`);
      }),
    );

  // ---- imports
  fc.command('import <group>')
    .description('Import dataset versions into a group: a job validates and stores them; a refused import ends CreateFailed, naming rows and items, and stores nothing')
    .requiredOption('--target <dataset>', "target time series ('name' = latest, 'name@3'): item_id, timestamp, target_value")
    .option('--related <dataset>', 'related time series: item_id, timestamp and numeric columns, reaching over the horizon')
    .option('--metadata <dataset>', 'item metadata: item_id and categorical columns')
    .option('--map <pairs>', 'column names: item_id=COL,timestamp=COL,target_value=COL')
    .option('--filling <pairs>', 'missing values: target=zero|nan|value:N, frontfill|middlefill|backfill=zero|median|mean|min|max|value:N|none')
    .option('--wait', 'answer once the import is Active, or with its refusal (the default)')
    .option('--no-wait', 'answer at once with the pending import (follow it with imports describe)')
    .option('--json', 'machine output')
    .action((group: string, opts: Json & { target: string; related?: string; metadata?: string; map?: string; filling?: string; wait?: boolean }) =>
      run(opts, async () => {
        const imp = await client().forecast.imports.create(
          {
            group,
            target: opts.target,
            related: opts.related,
            metadata: opts.metadata,
            map: pairs(opts.map, '--map', ['item_id', 'timestamp', 'target_value']),
            filling: pairs(opts.filling, '--filling', ['target', 'frontfill', 'middlefill', 'backfill']),
          },
          // The job validates and stores the data; waiting is the default, as imports always answered when Active.
          { wait: opts.wait !== false },
        );
        const s = imp.summary;
        emit(opts, imp, () =>
          [
            imp.status === 'Active' ? `Imported ${imp.id} into ${imp.group}: ${imp.status}` : `Importing ${imp.id} into ${imp.group}: ${imp.status}\nfollow it: orchard forecast imports describe ${imp.id}`,
            fields([
              ['target', imp.target.dataset],
              ['related', imp.related?.dataset],
              ['metadata', imp.metadata?.dataset],
              ['items', s?.items],
              ['rows', s?.rows],
              ['span', s ? `${s.start} .. ${s.end} (${s.minLength}-${s.maxLength} points an item, ${s.filled} filled)` : null],
              ['seconds', imp.seconds],
            ]),
          ].join('\n'),
        );
      }),
    );
  const imports = fc.command('imports').description('Imports: list, describe');
  imports
    .command('list')
    .option('--group <group>', 'imports of this group')
    .option('--json', 'machine output')
    .action((opts: Json & { group?: string }) =>
      run(opts, async () => {
        const res = await client().forecast.imports.list({ group: opts.group });
        emit(opts, res, () => (res.items.length === 0 ? 'No imports.' : table(['id', 'group', 'target', 'related', 'items', 'created'], res.items.map((i) => [i.id, i.group, i.target.dataset, i.related?.dataset ?? '-', i.summary?.items, i.createdAt]))));
      }),
    );
  imports
    .command('describe <id>')
    .option('--json', 'machine output')
    .action((id: string, opts: Json) =>
      run(opts, async () => {
        const imp = await client().forecast.imports.describe(id);
        emit(opts, imp, () => JSON.stringify(imp, null, 2));
      }),
    );

  // ---- predictors
  const predictors = fc.command('predictors').description('Predictors: create, list, describe, metrics, stop, delete');
  predictors
    .command('create <name>')
    .description("Train a predictor on the group's latest import, with backtests")
    .requiredOption('--group <group>', 'the dataset group')
    .addOption(new Option('--algorithm <a>', 'the algorithm; auto = the AutoPredictor').choices(FORECAST_PREDICTOR_ALGORITHMS).makeOptionMandatory())
    .requiredOption('--horizon <n>', 'grid steps to forecast', positiveInt)
    .option('--backtest-windows <n>', 'backtest windows, 1-5 (default 1)', positiveInt)
    .option('--backtest-offset <n>', 'steps between window cutoffs (default: the horizon)', positiveInt)
    .option('--quantiles <list>', 'quantile levels in 0.01-0.99 (default 0.1,0.5,0.9)', numberList)
    .option('--candidates <list>', 'auto only: the algorithms to choose from (default: every available one)')
    .addOption(new Option('--optimization-metric <m>', 'what auto chooses by (default averageWQL)').choices(['averageWQL', 'WAPE', 'RMSE', 'MAPE', 'MASE']))
    .addOption(new Option('--likelihood <l>', 'negative-binomial refuses negative targets').choices(['student-t', 'gaussian', 'negative-binomial']))
    .option('--shards <n>', 'shard jobs the items are split into', positiveInt)
    .option('--wait', 'show progress until it is Active (or fails); exit 1 unless Active')
    .option('--json', 'machine output')
    .action(
      (
        name: string,
        opts: Json & { group: string; algorithm: (typeof FORECAST_PREDICTOR_ALGORITHMS)[number]; horizon: number; backtestWindows?: number; backtestOffset?: number; quantiles?: number[]; candidates?: string; optimizationMetric?: 'averageWQL'; likelihood?: 'student-t'; shards?: number; wait?: boolean },
      ) =>
        run(opts, async () => {
          const api = client().forecast.predictors;
          const created = await api.create({
            name,
            group: opts.group,
            algorithm: opts.algorithm,
            horizon: opts.horizon,
            backtestWindows: opts.backtestWindows,
            backtestOffset: opts.backtestOffset,
            quantiles: opts.quantiles,
            candidates: opts.candidates?.split(',').map((s) => s.trim()) as ForecastPredictor['algorithm'][] | undefined,
            optimizationMetric: opts.optimizationMetric,
            likelihood: opts.likelihood,
            shards: opts.shards,
          });
          if (!opts.wait) {
            emit(opts, created, () => `Creating predictor ${created.name} (${created.shards} shard job(s))\nfollow it: orchard forecast predictors describe ${created.name}`);
            return;
          }
          const done = await follow<ForecastPredictor>((onUpdate) => api.waitFor(name, { pollMs: 500, onUpdate }), predictorLine);
          emit(opts, done, () => predictorText(done));
          if (done.status !== 'Active') exit.code = 1;
        }),
    );
  predictors
    .command('list')
    .option('--group <group>', 'predictors of this group')
    .addOption(new Option('--status <s>', 'only this status').choices(FORECAST_STATUSES))
    .option('--json', 'machine output')
    .action((opts: Json & { group?: string; status?: ForecastPredictor['status'] }) =>
      run(opts, async () => {
        const res = await client().forecast.predictors.list({ group: opts.group, status: opts.status });
        emit(opts, res, () =>
          res.items.length === 0 ? 'No predictors.' : table(['name', 'group', 'algorithm', 'horizon', 'status', 'averageWQL', 'WAPE', 'created'], res.items.map((p) => [p.name, p.group, p.algorithm, p.horizon, p.status, num(p.metrics?.averageWQL), num(p.metrics?.WAPE), p.createdAt])),
        );
      }),
    );
  predictors
    .command('describe <name>')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        const p = await client().forecast.predictors.describe(name);
        emit(opts, p, () => predictorText(p));
      }),
    );
  predictors
    .command('metrics <name>')
    .description("A predictor's backtest metrics; --per-item: each item's metrics and chosen model as CSV (to stdout, --out FILE or --to KEY)")
    .option('--per-item', 'per-item metrics (CSV)')
    .option('--to <key>', 'with --per-item: write the CSV to this artifact key')
    .option('--out <file>', 'with --per-item: write the CSV to a local file')
    .option('--json', 'machine output')
    .action((name: string, opts: Json & { perItem?: boolean; to?: string; out?: string }) =>
      run(opts, async () => {
        const api = client().forecast.predictors;
        if (!opts.perItem) {
          if (opts.to || opts.out) throw new Error('--to and --out need --per-item');
          const p = await api.describe(name);
          emit(opts, { metrics: p.metrics, windowMetrics: p.windowMetrics, algorithmMetrics: p.algorithmMetrics, choices: p.choices }, () => predictorText(p));
          return;
        }
        if (opts.to) {
          const res = await api.exportItemMetrics(name, opts.to);
          emit(opts, res, () => `Wrote the metrics of ${res.items} item(s) to ${res.key}`);
          return;
        }
        const csv = await api.itemMetrics(name);
        if (opts.out) {
          await fs.writeFile(opts.out, csv);
          emit(opts, { file: opts.out, items: csv.trim().split('\n').length - 1 }, () => `Wrote ${opts.out}`);
        } else process.stdout.write(csv);
      }),
    );
  predictors
    .command('stop <name>')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        const p = await client().forecast.predictors.stop(name);
        emit(opts, p, () => `${p.name}: ${p.status}`);
      }),
    );
  predictors
    .command('delete <name>')
    .description('Delete a predictor (refused while forecasts use it)')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        await client().forecast.predictors.delete(name);
        emit(opts, { deleted: name }, () => `Deleted predictor ${name}`);
      }),
    );

  // ---- forecasts
  fc.command('create <name>')
    .description("Forecast every item with a predictor, written as a dataset version (item_id, timestamp, p10, p50, p90, mean)")
    .requiredOption('--predictor <name>', 'an Active predictor')
    .option('--dataset <name>', 'the dataset written (default: the forecast name)')
    .option('--wait', 'show progress until it is Active (or fails); exit 1 unless Active')
    .option('--json', 'machine output')
    .action((name: string, opts: Json & { predictor: string; dataset?: string; wait?: boolean }) =>
      run(opts, async () => {
        const api = client().forecast.forecasts;
        const created = await api.create({ name, predictor: opts.predictor, dataset: opts.dataset });
        if (!opts.wait) {
          emit(opts, created, () => `Creating forecast ${created.name}\nfollow it: orchard forecast describe ${created.name}`);
          return;
        }
        const done = await follow<Forecast>((onUpdate) => api.waitFor(name, { pollMs: 500, onUpdate }), (f) => `${f.name}: ${f.status} ${forecastProgress(f)}`);
        emit(opts, done, () => forecastText(done));
        if (done.status !== 'Active') exit.code = 1;
      }),
    );
  fc.command('list')
    .description('List forecasts')
    .option('--predictor <name>', 'forecasts of this predictor')
    .option('--json', 'machine output')
    .action((opts: Json & { predictor?: string }) =>
      run(opts, async () => {
        const res = await client().forecast.forecasts.list({ predictor: opts.predictor });
        emit(opts, res, () => (res.items.length === 0 ? 'No forecasts.' : table(['name', 'predictor', 'status', 'dataset', 'items', 'created'], res.items.map((f) => [f.name, f.predictor, f.status, f.dataset ?? '-', f.items, f.createdAt]))));
      }),
    );
  fc.command('describe <name>')
    .description('Describe a forecast')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        const f = await client().forecast.forecasts.describe(name);
        emit(opts, f, () => forecastText(f));
      }),
    );
  fc.command('stop <name>')
    .description('Stop a forecast being created')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        const f = await client().forecast.forecasts.stop(name);
        emit(opts, f, () => `${f.name}: ${f.status}`);
      }),
    );
  fc.command('delete <name>')
    .description('Delete a forecast (its dataset version stays)')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        await client().forecast.forecasts.delete(name);
        emit(opts, { deleted: name }, () => `Deleted forecast ${name}`);
      }),
    );
  fc.command('query [name]')
    .description("QueryForecast: one item's forecast")
    .option('--forecast <name>', 'the forecast (instead of the argument)')
    .requiredOption('--item <item>', 'the item id')
    .option('--json', 'machine output')
    .action((name: string | undefined, opts: Json & { forecast?: string; item: string }) =>
      run(opts, async () => {
        const forecast = name ?? opts.forecast;
        if (!forecast) throw new Error('name the forecast: orchard forecast query F --item X');
        const r = await client().forecast.forecasts.query(forecast, opts.item);
        const types = Object.keys(r).filter((k) => k !== 'item' && k !== 'timestamps');
        emit(opts, r, () => table(['timestamp', ...types], r.timestamps.map((t, i) => [t, ...types.map((k) => num((r[k] as number[])[i], 6))])));
      }),
    );
  fc.command('export <name>')
    .description('Export a forecast to CSV or Parquet in the artifact store')
    .addOption(new Option('--format <f>', 'file format').choices(FORECAST_EXPORT_FORMATS).makeOptionMandatory())
    .requiredOption('--to <key>', 'the artifact key written')
    .option('--json', 'machine output')
    .action((name: string, opts: Json & { format: (typeof FORECAST_EXPORT_FORMATS)[number]; to: string }) =>
      run(opts, async () => {
        const res = await client().forecast.forecasts.export(name, { format: opts.format, to: opts.to });
        emit(opts, res, () => `Wrote ${res.rows} row(s) of ${name} as ${res.format} to ${res.key} (${res.bytes} bytes)`);
      }),
    );
}
