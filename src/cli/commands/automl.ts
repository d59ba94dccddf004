import { Option, type Command } from 'commander';
import type { AutomlJob, AutomlJobStatus, AutomlReportName } from '../../sdk/index.js';
// Enum lists from the contracts' TypeBox-free module: a CLI call does not load the schemas.
import { AUTOML_MODES, AUTOML_OBJECTIVES, AUTOML_PROBLEM_TYPES, AUTOML_REPORTS, AUTOML_VALIDATIONS } from '../../contracts/automl.values.js';
import { JOB_STATUSES } from '../../contracts/values.js';
import { client, collect, exit, parseKeyValues, positiveInt, run } from '../context.js';
import { emit, table } from '../output.js';
import { countsText, describeText, formatValue, leaderboardTable } from './automl-text.js';

type Json = { json?: boolean };

interface CreateOptions extends Json {
  dataset: string;
  target: string;
  problemType?: (typeof AUTOML_PROBLEM_TYPES)[number];
  objective?: (typeof AUTOML_OBJECTIVES)[number];
  maxCandidates?: number;
  maxRuntime?: number;
  mode?: (typeof AUTOML_MODES)[number];
  validation?: (typeof AUTOML_VALIDATIONS)[number];
  timeColumn?: string;
  maxParallel?: number;
  cpus?: number;
  seed?: number;
  tag?: string[];
  wait?: boolean;
}

/** `orchard automl …`: AutoML jobs (SageMaker Autopilot). */
export function automlCommand(program: Command): void {
  const automl = program.command('automl').description('AutoML jobs: a table and a target in, a leaderboard and a deployable best model out');
  automl
    .command('create <name>')
    .description('Analyse a dataset, train and tune candidates (recipe × algorithm), ensemble them and register the best')
    .requiredOption('--dataset <dataset>', 'the table: D (its latest version) or D@N')
    .requiredOption('--target <column>', 'the column to predict')
    .addOption(new Option('--problem-type <type>', 'default auto: inferred from the target').choices(AUTOML_PROBLEM_TYPES))
    .addOption(new Option('--objective <metric>', 'default auc (binary), accuracy (multiclass), mse (regression)').choices(AUTOML_OBJECTIVES))
    .option('--max-candidates <n>', 'candidates trained in all (default 50)', positiveInt)
    .option('--max-runtime <seconds>', 'the whole job\'s budget (default 3600)', positiveInt)
    .addOption(new Option('--mode <mode>', 'ensembling (default): a weighted ensemble of the best; hpo: candidates only').choices(AUTOML_MODES))
    .addOption(new Option('--validation <method>', 'how candidates are scored: cv (5-fold), holdout (the held-out split), auto (default: cv below 20,000 rows)').choices(AUTOML_VALIDATIONS))
    .option('--time-column <column>', 'split by time on this column (the latest rows validate)')
    .option('--max-parallel <n>', 'candidates trained at once (default 1)', positiveInt)
    .option('--cpus <n>', "cores each candidate asks for (default: a worker's cores shared by --max-parallel)", positiveInt)
    .option('--seed <n>', 'random seed (recorded; default random)', positiveInt)
    .option('--tag <key=value>', 'tag (repeatable)', collect)
    .option('--wait', 'follow the job until it ends; exit 1 unless it completes')
    .option('--json', 'machine output (with --wait: the final describe object)')
    .action((name: string, opts: CreateOptions) =>
      run(opts, async () => {
        const orchard = client();
        const created = await orchard.automl.create({
          name,
          dataset: opts.dataset,
          target: opts.target,
          ...(opts.problemType ? { problemType: opts.problemType } : {}),
          ...(opts.objective ? { objective: opts.objective } : {}),
          ...(opts.maxCandidates !== undefined ? { maxCandidates: opts.maxCandidates } : {}),
          ...(opts.maxRuntime !== undefined ? { maxRuntimeSeconds: opts.maxRuntime } : {}),
          ...(opts.mode ? { mode: opts.mode } : {}),
          ...(opts.validation ? { validation: opts.validation } : {}),
          ...(opts.timeColumn ? { timeColumn: opts.timeColumn } : {}),
          ...(opts.maxParallel !== undefined ? { maxParallel: opts.maxParallel } : {}),
          ...(opts.cpus !== undefined ? { cpus: opts.cpus } : {}),
          ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
          ...(opts.tag ? { tags: parseKeyValues(opts.tag, '--tag') } : {}),
        });
        if (!opts.wait) {
          emit(opts, created, () => `Created AutoML job ${created.name}: ${created.problemType} on ${created.dataset}, target ${created.target}, ${created.objective.metric}, up to ${created.maxCandidates} candidates in ${created.maxRuntimeSeconds} s`);
          return;
        }
        const job = await waitWithProgress(created.name);
        emit(opts, job, () => describeText(job));
        if (job.status !== 'Completed') exit.code = 1;
      }),
    );
  automl
    .command('list')
    .description('List AutoML jobs, newest first')
    .addOption(new Option('--status <status>', 'only jobs in this status').choices(JOB_STATUSES))
    .option('--limit <n>', 'at most n', positiveInt)
    .option('--json', 'machine output')
    .action((opts: Json & { status?: AutomlJobStatus; limit?: number }) =>
      run(opts, async () => {
        const res = await client().automl.list({ status: opts.status, limit: opts.limit });
        emit(opts, res, () =>
          res.items.length === 0
            ? 'No AutoML jobs.'
            : table(
                ['name', 'status', 'phase', 'problem', 'objective', 'candidates', 'best'],
                res.items.map((j) => [j.name, j.status, j.secondaryStatus, j.problemType, j.objective.metric, countsText(j), j.bestCandidate ? `${j.bestCandidate.name} ${formatValue(j.bestCandidate.objective.value)}` : '']),
              ),
        );
      }),
    );
  automl
    .command('describe <name>')
    .description('Status, analysis, best candidate and leaderboard')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        const job = await client().automl.describe(name);
        emit(opts, job, () => describeText(job));
      }),
    );
  automl
    .command('stop <name>')
    .description('Stop an AutoML job: running candidates stop; the best completed one is still registered')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        const job = await client().automl.stop(name);
        emit(opts, job, () => `${job.name}: ${job.status}`);
      }),
    );
  automl
    .command('leaderboard <name>')
    .description('The candidates, best first (not yet scored ones last)')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        const items = await client().automl.leaderboard(name);
        emit(opts, items, () => (items.length === 0 ? 'No candidates yet.' : leaderboardTable(items)));
      }),
    );
  automl
    .command('report <name> <report>')
    .description(`A report: ${AUTOML_REPORTS.join(' or ')} (Markdown, or JSON with --json)`)
    .option('--json', 'the report as JSON')
    .action((name: string, report: string, opts: Json) =>
      run(opts, async () => {
        if (!AUTOML_REPORTS.includes(report as AutomlReportName)) throw new Error(`Unknown report '${report}': use ${AUTOML_REPORTS.join(' or ')}`);
        const orchard = client();
        if (opts.json) process.stdout.write(JSON.stringify(await orchard.automl.report(name, report as AutomlReportName, 'json'), null, 2) + '\n');
        else process.stdout.write(await orchard.automl.report(name, report as AutomlReportName, 'md'));
      }),
    );
}

/** Follows a job: a line whenever its phase, counts or best objective so far change. */
async function waitWithProgress(name: string): Promise<AutomlJob> {
  let last = '';
  const job = await client().automl.waitFor(name, {
    onUpdate: (j) => {
      const best = bestSoFar(j);
      const line = `${j.name}  ${j.status}  ${j.secondaryStatus}  ${countsText(j)}${best ? `  best ${best}` : ''}`;
      if (line !== last) process.stderr.write(line + '\n');
      last = line;
    },
  });
  return job;
}

/** The best objective so far: AutoML's once scored, else the best candidate's training metric. */
function bestSoFar(j: AutomlJob): string | null {
  if (j.bestCandidate) return `${j.objective.metric}=${formatValue(j.bestCandidate.objective.value)} (${j.bestCandidate.name})`;
  const metric = `validation:${j.objective.metric === 'mse' || j.objective.metric === 'r2' ? 'rmse' : j.objective.metric === 'accuracy' || j.objective.metric === 'f1' ? (j.problemType === 'multiclass' ? 'merror' : 'error') : j.objective.metric === 'logloss' && j.problemType === 'multiclass' ? 'mlogloss' : j.objective.metric}`;
  const higher = metric.endsWith(':auc');
  let best: { name: string; value: number } | null = null;
  for (const c of j.leaderboard) {
    const v = c.metrics[metric];
    if (c.status !== 'Completed' || v === undefined || c.algorithm !== 'xgboost') continue;
    if (!best || (higher ? v > best.value : v < best.value)) best = { name: c.name, value: v };
  }
  return best ? `${metric}=${formatValue(best.value)} (${best.name})` : null;
}
