import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import type { ChartData, Dashboard, DashboardFilter, DashboardRequest, FilterSelection } from '../../sdk/index.js';
import { client, collect, positiveInt, run } from '../context.js';
import { emit, fields, table } from '../output.js';

type Json = { json?: boolean };

export function dashboardsCommand(program: Command): void {
  const db = program.command('dashboards').description('Dashboards: saved charts over SQL on datasets, with filters');

  db.command('create <name>')
    .description('Create a dashboard from a definition (filters, charts with SQL, encoding, layout)')
    .requiredOption('--file <path>', 'the definition, JSON or YAML (.yaml/.yml); its name, if given, must be <name>')
    .option('--json', 'machine output')
    .action((name: string, opts: Json & { file: string }) =>
      run(opts, async () => {
        const created = await client().dashboards.create(await readDefinition(opts.file, name));
        emit(opts, created, () => `Created dashboard ${created.name}: ${created.charts.length} charts, ${created.filters.length} filters`);
      }),
    );

  db.command('update <name>')
    .description("Replace a dashboard's definition with a JSON file")
    .requiredOption('--file <path>', 'the definition, JSON or YAML (.yaml/.yml)')
    .option('--json', 'machine output')
    .action((name: string, opts: Json & { file: string }) =>
      run(opts, async () => {
        const updated = await client().dashboards.update(name, await readDefinition(opts.file, name));
        emit(opts, updated, () => `Updated dashboard ${updated.name}: ${updated.charts.length} charts, ${updated.filters.length} filters`);
      }),
    );

  db.command('list')
    .description('List dashboards')
    .option('--prefix <prefix>', 'names starting with')
    .option('--limit <n>', 'at most n', positiveInt)
    .option('--offset <n>', 'skip n', positiveInt)
    .option('--json', 'machine output')
    .action((opts: Json & { prefix?: string; limit?: number; offset?: number }) =>
      run(opts, async () => {
        const { json: _json, ...filter } = opts;
        const res = await client().dashboards.list(filter);
        emit(opts, res, () =>
          res.items.length === 0
            ? 'No dashboards.'
            : table(['name', 'title', 'charts', 'filters', 'updated', 'by'], res.items.map((d) => [d.name, d.title, d.charts.length, d.filters.length, d.updatedAt, d.updatedBy])) + `\n${res.items.length} of ${res.total}`,
        );
      }),
    );

  db.command('describe <name>')
    .description('A dashboard: its filters and charts')
    .option('--json', 'machine output (the definition, as `create --file` takes it, plus who and when)')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        const d = await client().dashboards.describe(name);
        emit(opts, d, () => describeText(d));
      }),
    );

  db.command('delete <name>')
    .description('Delete a dashboard')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        await client().dashboards.delete(name);
        emit(opts, { deleted: name }, () => `Deleted dashboard ${name}`);
      }),
    );

  db.command('data <name>')
    .description("A chart's rows under the dashboard's filters")
    .requiredOption('--chart <id>', 'the chart')
    .option('--filter <column=selection>', 'a filter\'s selection (repeatable): dates "dt=2024-01-01..2024-01-31" (either end may be left out), values "region=eu,us"; "col=" selects all', collect)
    .option('--csv', 'every row as CSV (RFC 4180, formula-safe), streamed')
    .option('--output <file>', 'with --csv: write to a file instead of stdout')
    .option('--json', 'machine output')
    .action((name: string, opts: Json & { chart: string; filter?: string[]; csv?: boolean; output?: string }) =>
      run(opts, async () => {
        if (opts.csv && opts.json) throw new Error('Give --csv or --json, not both');
        if (opts.output && !opts.csv) throw new Error('--output goes with --csv');
        const orchard = client();
        const selection = opts.filter?.length ? parseFilters(opts.filter, (await orchard.dashboards.describe(name)).filters) : undefined;
        if (opts.csv) {
          const body = await orchard.dashboards.csv(name, opts.chart, selection);
          await pipeline(body, opts.output ? fs.createWriteStream(opts.output) : process.stdout, { end: Boolean(opts.output) });
          return;
        }
        const data = await orchard.dashboards.data(name, opts.chart, selection);
        emit(opts, data, () => dataText(data));
      }),
    );
}

/** What `describe --json` adds to a definition; dropped, so its output can be edited and sent back. */
const RECORD_FIELDS = ['createdBy', 'createdAt', 'updatedBy', 'updatedAt'];

/** Reads a definition file; the command's NAME fills in a missing name and must match a given one. */
async function readDefinition(file: string, name: string): Promise<DashboardRequest> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`Cannot read ${file}: ${(err as Error).message}`);
  }
  const yaml = /\.ya?ml$/i.test(file);
  let parsed: unknown;
  try {
    parsed = yaml ? (await import('yaml')).parse(text) : JSON.parse(text);
  } catch (err) {
    throw new Error(`${file} is not valid ${yaml ? 'YAML' : 'JSON'}: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${file} must hold an object (the dashboard definition)`);
  const given = (parsed as { name?: unknown }).name;
  if (given !== undefined && given !== name) throw new Error(`${file} names the dashboard '${String(given)}', not '${name}'`);
  const definition = Object.fromEntries(Object.entries(parsed).filter(([key]) => !RECORD_FIELDS.includes(key)));
  // The server checks the rest and lists every problem.
  return { ...definition, name } as DashboardRequest;
}

/** `--filter` values into a selection, read by each filter's type. */
export function parseFilters(pairs: string[], filters: readonly DashboardFilter[]): FilterSelection {
  const selection: FilterSelection = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new Error(`--filter must be column=selection, got '${pair}'`);
    const column = pair.slice(0, at);
    const value = pair.slice(at + 1);
    const filter = filters.find((f) => f.column === column);
    if (!filter) throw new Error(`The dashboard has no filter on '${column}' (its filters: ${filters.map((f) => f.column).join(', ') || 'none'})`);
    if (filter.type === 'date-range') {
      if (value === '') selection[column] = {};
      else {
        const dots = value.indexOf('..');
        if (dots < 0) throw new Error(`--filter ${column}: a date range is FROM..TO (either may be left out), e.g. 2024-01-01..2024-01-31`);
        const from = value.slice(0, dots);
        const to = value.slice(dots + 2);
        selection[column] = { ...(from ? { from } : {}), ...(to ? { to } : {}) };
      }
    } else {
      selection[column] = value === '' ? [] : value.split(',');
    }
  }
  return selection;
}

function describeText(d: Dashboard): string {
  const head = fields([
    ['name', d.name],
    ['title', d.title],
    ['description', d.description],
    ['created', `${d.createdAt} by ${d.createdBy ?? '-'}`],
    ['updated', `${d.updatedAt} by ${d.updatedBy ?? '-'}`],
  ]);
  const filters = d.filters.length
    ? table(['filter', 'type', 'default'], d.filters.map((f) => [f.column, f.type, f.type === 'date-range' ? `${f.from ?? ''}..${f.to ?? ''}` : (f.values ?? []).join(',') || 'all']))
    : 'No filters.';
  const encoding = (c: Dashboard['charts'][number]) => Object.entries(c.encoding).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : v}`).join(' ');
  const charts = d.charts.length
    ? table(['chart', 'type', 'title', 'encoding', 'layout'], d.charts.map((c) => [c.id, c.type, c.title, encoding(c), `${c.layout.x},${c.layout.y} ${c.layout.w}x${c.layout.h}`]))
    : 'No charts.';
  return `${head}\n${filters}\n${charts}`;
}

function dataText(data: ChartData): string {
  const names = data.columns.map((c) => c.name);
  const cell = (v: unknown) => (v !== null && typeof v === 'object' ? JSON.stringify(v) : (v as string));
  const rows = data.rows.length ? table(names, data.rows.map((r) => names.map((n) => cell(r[n])))) : '(no rows)';
  const notes = [
    `${data.rows.length}${data.truncated ? '+' : ''} rows from ${data.sources.map((s) => `${s.name}@${s.version}`).join(', ') || 'no dataset'}${data.cached ? ' (cached)' : ''}`,
    ...(data.ignored.length ? [`filters not applied (the chart does not return the column): ${data.ignored.join(', ')}`] : []),
  ];
  return `${rows}\n${notes.join('\n')}`;
}
