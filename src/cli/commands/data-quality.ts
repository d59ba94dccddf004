import fs from 'node:fs/promises';
import { Option, type Command } from 'commander';
import type { DataQualityProblemType, DataQualityReport, DataQualityStatus } from '../../sdk/index.js';
// Enum lists from the TypeBox-free modules: a CLI call does not load the schemas.
import { DATA_QUALITY_PROBLEM_TYPES } from '../../contracts/data-quality.values.js';
import { JOB_STATUSES } from '../../contracts/values.js';
import { client, exit, positiveInt, run } from '../context.js';
import { emit, fields, progressBar, table } from '../output.js';

type Json = { json?: boolean };

/**
 * `orchard datasets quality …` (create a report) and `orchard datasets quality-reports …`
 * (list, describe, latest, stop), added to the `datasets` command.
 */
export function dataQualityCommand(program: Command): void {
  const ds = program.commands.find((c) => c.name() === 'datasets');
  if (!ds) throw new Error('the datasets command must be registered first');

  ds.command('quality <ref>')
    .description("Data quality and insights report of a dataset version ('name' = latest, 'name@3'): missing values, duplicates, outliers, ID-like columns; with --target: classes, leakage, feature importance")
    .option('--target <column>', 'the column a model would predict')
    .addOption(new Option('--problem-type <type>', 'what the target is (default: auto, from the column)').choices(DATA_QUALITY_PROBLEM_TYPES))
    .option('--wait', 'show progress until the report is done, then print it; exit 1 unless it completes')
    .option('--out <file>', 'with --wait: also write the report JSON to a file')
    .option('--json', 'machine output')
    .action((ref: string, opts: Json & { target?: string; problemType?: DataQualityProblemType; wait?: boolean; out?: string }) =>
      run(opts, async () => {
        if (opts.out && !opts.wait) throw new Error('--out needs --wait (the report is written when it is done)');
        const created = await client().dataQuality.create({ dataset: ref, target: opts.target, problemType: opts.problemType });
        if (!opts.wait) {
          emit(opts, created, () => `Started data-quality report ${created.id} on ${created.dataset.name}@${created.dataset.version}${created.target ? ` (target ${created.target}, ${created.problemType})` : ''}\nfollow it: orchard datasets quality-reports describe ${created.id}`);
          return;
        }
        const done = await waitWithProgress(created);
        if (opts.out && done.report) await fs.writeFile(opts.out, JSON.stringify(done.report, null, 2) + '\n');
        emit(opts, done, () => reportText(done));
        if (done.status !== 'Completed') exit.code = 1;
      }),
    );

  const reports = ds.command('quality-reports').description('Data-quality reports: list, describe, latest, stop');
  reports
    .command('list')
    .description('List data-quality reports, newest first')
    .option('--dataset <name>', 'reports of this dataset')
    .option('--version <n>', 'and this version of it', positiveInt)
    .addOption(new Option('--status <status>', 'only reports in this status').choices(JOB_STATUSES))
    .option('--limit <n>', 'at most n', positiveInt)
    .option('--json', 'machine output')
    .action((opts: Json & { dataset?: string; version?: number; status?: DataQualityStatus; limit?: number }) =>
      run(opts, async () => {
        const res = await client().dataQuality.list({ dataset: opts.dataset, version: opts.version, status: opts.status, limit: opts.limit });
        emit(opts, res, () =>
          res.items.length === 0
            ? 'No data-quality reports.'
            : table(
                ['id', 'dataset', 'target', 'status', 'warnings (high/medium/low)', 'created'],
                res.items.map((r) => [r.id, `${r.dataset.name}@${r.dataset.version}`, r.target ? `${r.target} (${r.problemType})` : '-', r.status, r.warnings ? `${r.warnings.high}/${r.warnings.medium}/${r.warnings.low}` : '-', r.createdAt]),
              ) + `\n${res.items.length} of ${res.total}`,
        );
      }),
    );
  reports
    .command('describe <id>')
    .description('A report: its status, or its findings once done')
    .option('--out <file>', 'also write the report JSON to a file')
    .option('--json', 'machine output')
    .action((id: string, opts: Json & { out?: string }) =>
      run(opts, async () => {
        const r = await client().dataQuality.describe(id);
        if (opts.out) await writeContent(r, opts.out);
        emit(opts, r, () => reportText(r));
      }),
    );
  reports
    .command('latest <ref>')
    .description("The newest report of a dataset version ('name' = latest, 'name@3')")
    .option('--out <file>', 'also write the report JSON to a file')
    .option('--json', 'machine output')
    .action((ref: string, opts: Json & { out?: string }) =>
      run(opts, async () => {
        const r = await client().dataQuality.latest(ref);
        if (opts.out) await writeContent(r, opts.out);
        emit(opts, r, () => reportText(r));
      }),
    );
  reports
    .command('stop <id>')
    .description('Stop a running report')
    .option('--json', 'machine output')
    .action((id: string, opts: Json) =>
      run(opts, async () => {
        const r = await client().dataQuality.stop(id);
        emit(opts, r, () => `${r.id}: ${r.status}`);
      }),
    );
}

async function writeContent(r: DataQualityReport, file: string): Promise<void> {
  if (!r.report) throw new Error(`Report ${r.id} is ${r.status}: it has no content to write`);
  await fs.writeFile(file, JSON.stringify(r.report, null, 2) + '\n');
}

/** A progress bar on a terminal; stage changes as lines elsewhere. */
async function waitWithProgress(created: DataQualityReport): Promise<DataQualityReport> {
  const bar = await progressBar(`${created.id} [{bar}] {percentage}% | {stage}`);
  bar?.start(100, 0, { stage: created.progress.stage ?? '' });
  let last = '';
  try {
    return await client().dataQuality.waitFor(created.id, {
      pollMs: 500,
      onUpdate: (r) => {
        bar?.update(r.progress.percent, { stage: r.progress.stage ?? r.status });
        const line = `${r.status}${r.progress.stage ? ` ${r.progress.stage}` : ''}`;
        if (!bar && line !== last) process.stderr.write(`${r.id}: ${line}\n`);
        last = line;
      },
    });
  } finally {
    bar?.stop();
  }
}

const pct = (share: number) => `${(share * 100).toFixed(share > 0 && share < 0.01 ? 2 : 1)}%`;
const num = (v: number | string | null) => (typeof v === 'number' ? Number(v.toPrecision(6)) : v);

/** The report as text: summary, warnings, columns, target and importance. */
export function reportText(r: DataQualityReport): string {
  const head = fields([
    ['report', r.id],
    ['dataset', `${r.dataset.name}@${r.dataset.version} (${r.dataset.rows} rows)`],
    ['target', r.target ? `${r.target} (${r.problemType})` : null],
    ['status', r.status + (r.status === 'InProgress' && r.progress.stage ? `: ${r.progress.stage} (${r.progress.percent}%)` : '')],
    ['failure', r.failureReason],
    ['created', `${r.createdAt} by ${r.createdBy ?? '-'}`],
    ['ended', r.endedAt],
  ]);
  const c = r.report;
  if (!c) return head;
  const s = c.summary;
  const parts = [
    head,
    fields([
      ['rows', s.rows],
      ['columns', s.columns],
      ['duplicate rows', `${s.duplicateRows} (${pct(s.duplicateShare)})`],
      ['missing cells', `${s.missingCells} (${pct(s.missingShare)})`],
      ['sample', s.sampleRows < s.rows ? `${s.sampleRows} rows` : 'all rows'],
    ]),
    c.warnings.length === 0 ? 'No warnings.' : table(['severity', 'warning', 'column', 'detail'], c.warnings.map((w) => [w.severity, w.kind, w.column ?? '', w.message])),
    table(
      ['column', 'type', 'missing', 'distinct', 'outliers', 'flags', 'min', 'max', ...(c.target ? ['power'] : [])],
      c.columns.map((col) => [
        col.name,
        col.type,
        col.missing ? `${col.missing} (${pct(col.missingShare)})` : 0,
        col.distinct,
        col.outliers ? `${col.outliers.count}` : '',
        [col.idLike && 'id-like', col.constant && 'constant', col.highCardinality && 'high-cardinality'].filter(Boolean).join(' '),
        num(col.min),
        num(col.max),
        ...(c.target ? [col.predictivePower === null ? '' : col.predictivePower.toFixed(3)] : []),
      ]),
    ),
  ];
  if (c.target?.classes) {
    parts.push(table(['class', 'rows', 'share'], c.target.classes.slice(0, 20).map((k) => [String(k.value), k.count, pct(k.share)])));
  }
  const fi = c.featureImportance;
  if (fi) {
    parts.push(
      `quick model: xgboost ${fi.objective}, ${fi.trainRows} training rows, validation ${fi.validationMetric} ${fi.validationScore === null ? '-' : fi.validationScore.toFixed(4)} on ${fi.validationRows} rows`,
      table(['feature', 'importance'], fi.features.slice(0, 15).map((f) => [f.column, f.importance.toFixed(4)])),
    );
  }
  return parts.join('\n');
}
