import { Option, type Command } from 'commander';
import type { Crawler, CrawlerFormat, CrawlerRun } from '../../sdk/index.js';
// Enum lists from the contracts' TypeBox-free module: a CLI call does not load the schemas.
import { CRAWLER_FORMATS } from '../../contracts/crawler-values.js';
import { client, collect, exit, parseKeyValues, positiveInt, run } from '../context.js';
import { emit, fields, table } from '../output.js';

type Json = { json?: boolean };

interface CreateOptions extends Json {
  from: string;
  format?: CrawlerFormat;
  dataset?: string;
  header?: boolean;
  description?: string;
  tag?: string[];
}

/** `orchard crawlers …`: Glue-style crawlers that turn a folder or S3 prefix of files into dataset versions. */
export function crawlersCommand(program: Command): void {
  const crawlers = program.command('crawlers').description('Crawlers: a folder or S3 prefix of CSV, Parquet and JSON Lines files (Hive partitions too) into versions of a dataset');
  crawlers
    .command('create <name>')
    .description('Create a crawler (run it with `orchard crawlers run`)')
    .requiredOption('--from <url>', 's3://bucket/prefix (the artifact bucket or one in ORCHARD_CRAWLER_BUCKETS) or file:///folder (under ORCHARD_CRAWLER_ROOTS)')
    .addOption(new Option('--format <format>', 'read every file as this format (default: by each file extension)').choices(CRAWLER_FORMATS))
    .option('--dataset <name>', 'the dataset each run writes a version of (default: the crawler name)')
    .option('--header', 'CSV files start with a header (default: detected per file)')
    .option('--no-header', 'CSV files have no header: columns are _c0, _c1, …')
    .option('--description <text>', 'what the crawler reads')
    .option('--tag <key=value>', 'tag of the dataset versions it writes (repeatable)', collect)
    .option('--json', 'machine output')
    .action((name: string, opts: CreateOptions) =>
      run(opts, async () => {
        const created = await client().crawlers.create({ name, source: opts.from, format: opts.format, dataset: opts.dataset, header: opts.header, description: opts.description, tags: parseKeyValues(opts.tag, '--tag') });
        emit(opts, created, () => `Created crawler ${created.name} over ${created.source} into dataset ${created.dataset}`);
      }),
    );
  crawlers
    .command('run <name>')
    .description('Start a run: new and changed files become the next version of the dataset')
    .option('--wait', 'wait for the run to end; exit 1 unless it completes')
    .option('--json', 'machine output')
    .action((name: string, opts: Json & { wait?: boolean }) =>
      run(opts, async () => {
        const sdk = client().crawlers;
        const started = await sdk.startRun(name);
        if (!opts.wait) {
          emit(opts, started, () => `Started run ${started.run} of crawler ${name}`);
          return;
        }
        let last = '';
        const ended = await sdk.waitForRun(name, started.run, {
          pollMs: 500,
          onUpdate: (r) => {
            if (r.status !== last && !opts.json) process.stderr.write(`${r.name}: ${r.status}\n`);
            last = r.status;
          },
        });
        emit(opts, ended, () => runText(ended));
        if (ended.status !== 'Completed') exit.code = 1;
      }),
    );
  crawlers
    .command('list')
    .description('List crawlers')
    .option('--limit <n>', 'at most n', positiveInt)
    .option('--json', 'machine output')
    .action((opts: Json & { limit?: number }) =>
      run(opts, async () => {
        const res = await client().crawlers.list({ limit: opts.limit });
        emit(opts, res, () =>
          res.items.length === 0
            ? 'No crawlers.'
            : table(
                ['name', 'state', 'source', 'dataset', 'files', 'last run'],
                res.items.map((c) => [c.name, c.state, c.source, c.currentVersion ? `${c.dataset}@${c.currentVersion}` : c.dataset, c.files.included, c.lastRun ? `${c.lastRun.run} ${c.lastRun.status}` : '-']),
              ),
        );
      }),
    );
  crawlers
    .command('describe <name>')
    .description('Source, dataset, columns, files and last run of a crawler')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        const c = await client().crawlers.describe(name);
        emit(opts, c, () => describeText(c));
      }),
    );
  crawlers
    .command('runs <name> [run]')
    .description("A crawler's run history, newest first; with a run number, that run")
    .option('--limit <n>', 'at most n', positiveInt)
    .option('--json', 'machine output')
    .action((name: string, runNumber: string | undefined, opts: Json & { limit?: number }) =>
      run(opts, async () => {
        const sdk = client().crawlers;
        if (runNumber !== undefined) {
          const r = await sdk.describeRun(name, positiveInt(runNumber));
          emit(opts, r, () => runText(r));
          return;
        }
        const res = await sdk.runs(name, { limit: opts.limit });
        emit(opts, res, () =>
          res.items.length === 0
            ? 'No runs.'
            : table(
                ['run', 'status', 'dataset', 'new files', 'schema changes', 'rejected', 'started', 'ended'],
                res.items.map((r) => [r.run, r.status, r.dataset ?? '-', r.newFiles, r.schemaChanges.length, r.rejectedTotal, r.startedAt, r.endedAt]),
              ),
        );
      }),
    );
  crawlers
    .command('stop <name>')
    .description('Stop the run in progress (nothing of it is registered)')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        const c = await client().crawlers.stop(name);
        emit(opts, c, () => `${c.name}: ${c.state}`);
      }),
    );
  crawlers
    .command('delete <name>')
    .description('Delete a crawler and its history; the dataset it wrote stays')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        await client().crawlers.delete(name);
        emit(opts, { deleted: name }, () => `Deleted crawler ${name}`);
      }),
    );
}

function describeText(c: Crawler): string {
  return [
    fields([
      ['name', c.name],
      ['state', c.state],
      ['source', c.source],
      ['format', c.format ?? 'by extension'],
      ['header', c.header === null ? 'detected' : c.header],
      ['dataset', c.currentVersion ? `${c.dataset}@${c.currentVersion}` : `${c.dataset} (no version yet)`],
      ['files', `${c.files.included} in the table, ${c.files.rejected} rejected`],
      ['columns', c.columns.map((col) => `${col.name} ${col.type}`).join(', ') || '-'],
      ['last run', c.lastRun ? `${c.lastRun.run} ${c.lastRun.status}` : '-'],
      ['created', `${c.createdAt} by ${c.createdBy ?? '-'}`],
    ]),
  ].join('\n');
}

function runText(r: CrawlerRun): string {
  const lines = [
    fields([
      ['run', `${r.crawler} #${r.run}`],
      ['status', r.status],
      ['failure', r.failureReason],
      ['dataset', r.dataset ? `${r.dataset}${r.newVersion ? ' (new version)' : ' (unchanged)'}` : null],
      ['files seen', r.filesSeen],
      ['new files', r.newFiles],
      ['rejected', r.rejectedTotal],
    ]),
  ];
  if (r.schemaChanges.length) lines.push('schema changes:', ...r.schemaChanges.map((s) => `  ${s.change} ${s.column}${s.change === 'retyped' ? ` ${s.from} -> ${s.to}` : ` ${s.to ?? s.from}`}`));
  if (r.rejectedFiles.length) lines.push('rejected files:', ...r.rejectedFiles.map((f) => `  ${f.path}: ${f.reason}`));
  return lines.join('\n');
}
