import { Option, type Command } from 'commander';
import type { DatasetFormat, DatasetVersion, QueryResult } from '../../sdk/index.js';
import { client, collect, parseKeyValues, positiveInt, run } from '../context.js';
import { emit, fields, formatBytes, progressBar, table } from '../output.js';

type Json = { json?: boolean };
const FORMATS = ['csv', 'jsonl', 'parquet', 'text'];

export function datasetsCommand(program: Command): void {
  const ds = program.command('datasets').description('Datasets: versioned tables with schema, statistics and SQL');

  ds.command('create <name>')
    .description('Create a dataset (or its next version) from a local file, an artifact-store object or a SELECT over datasets')
    .option('--file <path>', 'local file to upload (streamed)')
    .option('--from-artifact <key>', 'key of an object already in the artifact store')
    .option('--from-query <sql>', "a read-only SELECT over datasets by name; its whole result becomes the version (CTAS)")
    .addOption(new Option('--format <format>', 'file format (default: from the extension)').choices(FORMATS))
    .option('--header', 'CSV has a header row')
    .option('--no-header', 'CSV has no header row (SageMaker convention, the default)')
    .option('--description <text>', 'description')
    .option('--tag <key=value>', 'tag (repeatable)', collect)
    .option('--json', 'machine output')
    .action((name: string, opts: Json & { file?: string; fromArtifact?: string; fromQuery?: string; format?: DatasetFormat; header?: boolean; description?: string; tag?: string[] }) =>
      run(opts, async () => {
        if ([opts.file, opts.fromArtifact, opts.fromQuery].filter(Boolean).length !== 1) throw new Error('Give exactly one of --file, --from-artifact or --from-query');
        const tags = parseKeyValues(opts.tag, '--tag');
        const common = { name, format: opts.format, header: opts.header, description: opts.description, tags };
        let created: DatasetVersion;
        if (opts.fromQuery) {
          if (opts.format) throw new Error('--format does not apply to --from-query (the result is stored as Parquet)');
          created = await client().datasets.createFromQuery({ name, sql: opts.fromQuery, description: opts.description, tags });
        } else if (opts.fromArtifact) {
          if (!opts.format) throw new Error('--format is required with --from-artifact');
          created = await client().datasets.createFromArtifact({ ...common, format: opts.format, sourceKey: opts.fromArtifact });
        } else {
          created = await uploadWithProgress({ ...common, file: opts.file! });
        }
        emit(opts, created, () => `Created ${created.name}@${created.version}: ${created.rowCount} rows, ${created.columns.length} columns, ${formatBytes(created.sizeBytes)}`);
      }),
    );

  ds.command('list')
    .description('List datasets (latest version of each)')
    .option('--prefix <prefix>', 'names starting with')
    .addOption(new Option('--format <format>', 'only this format').choices(FORMATS))
    .option('--created-by <user>', 'only those created by a user')
    .option('--include-deleted', 'include soft-deleted versions')
    .option('--all-versions', 'every version, not only the latest')
    .option('--limit <n>', 'at most n', positiveInt)
    .option('--offset <n>', 'skip n', positiveInt)
    .option('--json', 'machine output')
    .action((opts: Json & { prefix?: string; format?: DatasetFormat; createdBy?: string; includeDeleted?: boolean; allVersions?: boolean; limit?: number; offset?: number }) =>
      run(opts, async () => {
        const { json: _json, ...filter } = opts;
        const res = await client().datasets.list(filter);
        emit(opts, res, () =>
          res.items.length === 0
            ? 'No datasets.'
            : table(
                ['name', 'version', 'format', 'rows', 'columns', 'size', 'status', 'created'],
                res.items.map((d) => [d.name, d.version, d.format, d.rowCount, d.columns.length, formatBytes(d.sizeBytes), d.status, d.createdAt]),
              ) + `\n${res.items.length} of ${res.total}`,
        );
      }),
    );

  ds.command('describe <ref>')
    .description("Schema and per-column statistics ('name' = latest, 'name@3')")
    .option('--json', 'machine output')
    .action((ref: string, opts: Json) =>
      run(opts, async () => {
        const d = await client().datasets.describe(ref);
        emit(opts, d, () => describeText(d));
      }),
    );

  ds.command('versions <name>')
    .description('All versions of a dataset')
    .option('--include-deleted', 'include soft-deleted versions')
    .option('--json', 'machine output')
    .action((name: string, opts: Json & { includeDeleted?: boolean }) =>
      run(opts, async () => {
        const items = await client().datasets.versions(name, { includeDeleted: opts.includeDeleted });
        emit(opts, { items }, () => table(['version', 'rows', 'size', 'status', 'created', 'by'], items.map((d) => [d.version, d.rowCount, formatBytes(d.sizeBytes), d.status, d.createdAt, d.createdBy])));
      }),
    );

  ds.command('preview <ref>')
    .description('First rows')
    .option('--limit <n>', 'rows (default 20, max 1000)', positiveInt)
    .option('--json', 'machine output')
    .action((ref: string, opts: Json & { limit?: number }) =>
      run(opts, async () => {
        const res = await client().datasets.preview(ref, { limit: opts.limit });
        emit(opts, res, () => resultTable(res));
      }),
    );

  ds.command('query <sql>')
    .description('Read-only SQL over datasets by name, e.g. "select count(*) from cls"')
    .option('--page-size <n>', 'rows per page (default 100, max 10000)', positiveInt)
    .option('--page-token <token>', 'continue from a previous page')
    .option('--json', 'machine output')
    .action((sql: string, opts: Json & { pageSize?: number; pageToken?: string }) =>
      run(opts, async () => {
        const res = await client().datasets.query(sql, { pageSize: opts.pageSize, pageToken: opts.pageToken });
        emit(opts, res, () => resultTable(res) + (res.nextPageToken ? `\nmore rows: --page-token ${res.nextPageToken}` : ''));
      }),
    );

  ds.command('delete <ref>')
    .description("Delete softly ('name' = every version); --purge also removes the files")
    .option('--purge', 'remove metadata and files for good')
    .option('--json', 'machine output')
    .action((ref: string, opts: Json & { purge?: boolean }) =>
      run(opts, async () => {
        const res = await client().datasets.delete(ref, { purge: opts.purge });
        emit(opts, res, () => `${res.purged ? 'Purged' : 'Deleted'} ${res.deleted.map((d) => `${d.name}@${d.version}`).join(', ') || 'nothing'}`);
      }),
    );

  ds.command('restore <ref>')
    .description('Undo a soft delete')
    .option('--json', 'machine output')
    .action((ref: string, opts: Json) =>
      run(opts, async () => {
        const items = await client().datasets.restore(ref);
        emit(opts, { items }, () => `Restored ${items.map((d) => `${d.name}@${d.version}`).join(', ')}`);
      }),
    );
}

async function uploadWithProgress(input: { name: string; file: string; format?: DatasetFormat; header?: boolean; description?: string; tags?: Record<string, string> }): Promise<DatasetVersion> {
  const bar = await progressBar('uploading [{bar}] {percentage}% | {sent}/{size} | {speed}');
  const started = Date.now();
  let began = false;
  try {
    return await client().datasets.create({
      ...input,
      onProgress: (sent, total) => {
        if (!bar) return;
        const payload = { sent: formatBytes(sent), size: formatBytes(total), speed: `${formatBytes(sent / Math.max(0.001, (Date.now() - started) / 1000))}/s` };
        if (!began) {
          bar.start(total, 0, payload);
          began = true;
        }
        bar.update(sent, payload);
        if (sent === total) process.stderr.write('\nprofiling (schema, statistics)…\n');
      },
    });
  } finally {
    bar?.stop();
  }
}

function describeText(d: DatasetVersion): string {
  const head = fields([
    ['name', `${d.name}@${d.version}`],
    ['status', d.status],
    ['format', d.format + (d.format === 'csv' ? (d.header ? ' (header)' : ' (no header)') : '')],
    ['rows', d.rowCount],
    ['size', formatBytes(d.sizeBytes)],
    ['sha256', d.sha256],
    ['created', `${d.createdAt} by ${d.createdBy ?? '-'}`],
    ['description', d.description],
  ]);
  const num = (v: number | string | null) => (typeof v === 'number' ? Number(v.toPrecision(6)) : v);
  const cols = table(
    ['column', 'type', 'nulls', 'distinct', 'min', 'max', 'mean', 'stddev', 'top'],
    d.columns.map((c) => [c.name, c.type, c.stats.nulls, c.stats.distinct, num(c.stats.min), num(c.stats.max), num(c.stats.mean), num(c.stats.stddev), c.stats.topValues.slice(0, 3).map((t) => `${t.value}(${t.count})`).join(' ')]),
  );
  return `${head}\n${cols}`;
}

function resultTable(res: QueryResult): string {
  if (res.rows.length === 0) return '(no rows)';
  const names = res.columns.map((c) => c.name);
  const cell = (v: unknown) => (v !== null && typeof v === 'object' ? JSON.stringify(v) : (v as string));
  return table(names, res.rows.map((r) => names.map((n) => cell(r[n])))) + `\n${res.rows.length} rows`;
}
