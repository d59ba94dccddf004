import fs from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import type { ModelQualityExecution, ModelQualityRunRequest } from '../../sdk/index.js';
import { client, exit, run } from '../context.js';
import { emit, fields, table } from '../output.js';

type Json = { json?: boolean };

const PROBLEM_TYPES = ['BinaryClassification', 'MulticlassClassification', 'Regression'] as const;
type ProblemType = (typeof PROBLEM_TYPES)[number];
/** Records per request (the route's limit). */
const BATCH = 100_000;

/** The `monitor` command (found or made: data quality adds its own subcommands to it). */
function monitorGroup(program: Command): Command {
  return program.commands.find((c) => c.name() === 'monitor') ?? program.command('monitor').description('Model Monitor');
}

/** `15m`, `1h`, `2d` back from now, or an ISO time, as ISO. */
export function whenOf(value: string): string {
  const m = /^(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(value.trim());
  if (m) return new Date(Date.now() - Number(m[1]) * { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 }[m[2] as 's' | 'm' | 'h' | 'd']).toISOString();
  const t = Date.parse(value);
  if (!Number.isFinite(t)) throw new Error(`Expected a duration back from now (15m, 1h, 2d) or an ISO time, got '${value}'`);
  return new Date(t).toISOString();
}

const probability = (v: string) => {
  const n = Number(v);
  if (!(n >= 0 && n <= 1)) throw new Error(`Expected a number in [0, 1], got '${v}'`);
  return n;
};

/** JSON Lines from a file (`-` for stdin); every unreadable line is named. */
function readJsonLines(file: string): unknown[] {
  const text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  const records: unknown[] = [];
  const bad: number[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      records.push(JSON.parse(line));
    } catch {
      bad.push(i + 1);
    }
  });
  if (bad.length > 0) throw new Error(`${file}: ${bad.length} line(s) are not JSON (line ${bad.slice(0, 10).join(', ')}${bad.length > 10 ? ', …' : ''})`);
  if (records.length === 0) throw new Error(`${file}: no records`);
  return records;
}

/** `orchard monitor ground-truth put` and `orchard monitor model-quality run|baseline|executions`. */
export function monitorGroundTruthCommand(program: Command): void {
  const monitor = monitorGroup(program);
  const gt = monitor.command('ground-truth').description("Ground-truth labels for an endpoint's captured predictions, by inference id");
  gt.command('put')
    .description('Upload labels: JSON Lines, each {"groundTruthData":{"data":"1","encoding":"CSV"},"eventMetadata":{"eventId":"<inference id>"},"eventVersion":"0"} or {"inferenceId":…,"label":…}')
    .requiredOption('--endpoint <name>', 'the endpoint whose predictions these label')
    .requiredOption('--file <path>', 'the JSON Lines file (- for stdin)')
    .option('--strict', 'refuse the upload if any inference id is not in the capture (default: only if none is)')
    .option('--json', 'machine output')
    .action((opts: Json & { endpoint: string; file: string; strict?: boolean }) =>
      run(opts, async () => {
        const records = readJsonLines(opts.file);
        const totals = { endpoint: opts.endpoint, keys: [] as string[], stored: 0, matched: 0, unmatched: 0, unmatchedIds: [] as string[] };
        for (let i = 0; i < records.length; i += BATCH) {
          const res = await client().modelQuality.putGroundTruth(opts.endpoint, { records: records.slice(i, i + BATCH), strict: opts.strict });
          totals.keys.push(res.key);
          totals.stored += res.stored;
          totals.matched += res.matched;
          totals.unmatched += res.unmatched;
          totals.unmatchedIds.push(...res.unmatchedIds.slice(0, 10 - totals.unmatchedIds.length));
          if (!opts.json && records.length > BATCH) process.stderr.write(`${Math.min(i + BATCH, records.length)} of ${records.length} records\n`);
        }
        emit(opts, totals, () =>
          `Stored ${totals.stored} labels for ${opts.endpoint}: ${totals.matched} match captured predictions` + (totals.unmatched ? `, ${totals.unmatched} do not (yet), e.g. ${totals.unmatchedIds.join(', ')}` : ''),
        );
      }),
    );

  const mq = monitor.command('model-quality').description("Model quality: an endpoint's predictions against ground truth and a baseline's constraints");
  mq.command('run')
    .description('Evaluate now: merge captured predictions with ground truth, compute metrics, check constraints; exit 1 if Failed')
    .requiredOption('--endpoint <name>', 'the endpoint')
    .addOption(new Option('--problem-type <type>', 'what the model predicts').choices(PROBLEM_TYPES).makeOptionMandatory())
    .option('--since <when>', 'inferences from (15m, 1h, 2d back, or an ISO time); default all capture')
    .option('--until <when>', 'inferences before (default now)')
    .option('--inference-attribute <attr>', 'the predicted label/value: JSON key or 0-based CSV column (default the first value)')
    .option('--probability-attribute <attr>', 'the positive class probability (binary)')
    .option('--probability-threshold <p>', 'probability at or above which 1 is predicted (default 0.5)', probability)
    .option('--constraints <file>', "SageMaker's model-quality constraints.json")
    .option('--baseline-dataset <ref>', 'or: suggest constraints from this dataset now (with --ground-truth-attribute and a prediction column)')
    .option('--ground-truth-attribute <column>', "the baseline dataset's label column")
    .option('--baseline-inference-attribute <column>', "the baseline dataset's predicted label/value column")
    .option('--baseline-probability-attribute <column>', "the baseline dataset's probability column (binary)")
    .option('--json', 'machine output')
    .action(
      (
        opts: Json & {
          endpoint: string;
          problemType: ProblemType;
          since?: string;
          until?: string;
          inferenceAttribute?: string;
          probabilityAttribute?: string;
          probabilityThreshold?: number;
          constraints?: string;
          baselineDataset?: string;
          groundTruthAttribute?: string;
          baselineInferenceAttribute?: string;
          baselineProbabilityAttribute?: string;
        },
      ) =>
        run(opts, async () => {
          if (opts.baselineDataset && !opts.groundTruthAttribute) throw new Error('--baseline-dataset needs --ground-truth-attribute (its label column)');
          const request: ModelQualityRunRequest = {
            problemType: opts.problemType,
            since: opts.since === undefined ? undefined : whenOf(opts.since),
            until: opts.until === undefined ? undefined : whenOf(opts.until),
            inferenceAttribute: opts.inferenceAttribute,
            probabilityAttribute: opts.probabilityAttribute,
            probabilityThreshold: opts.probabilityThreshold,
            constraints: opts.constraints === undefined ? undefined : readJson(opts.constraints),
            baseline: opts.baselineDataset
              ? {
                  dataset: opts.baselineDataset,
                  groundTruthAttribute: opts.groundTruthAttribute!,
                  inferenceAttribute: opts.baselineInferenceAttribute ?? (opts.baselineProbabilityAttribute ? undefined : opts.inferenceAttribute),
                  probabilityAttribute: opts.baselineProbabilityAttribute,
                  probabilityThreshold: opts.probabilityThreshold,
                }
              : undefined,
          };
          if (!opts.json) process.stderr.write(`Evaluating ${opts.endpoint}…\n`);
          const execution = await client().modelQuality.run(opts.endpoint, request);
          emit(opts, execution, () => executionText(execution));
          if (execution.status === 'Failed') exit.code = 1;
        }),
    );
  mq.command('baseline')
    .description("Statistics and suggested constraints from a dataset's prediction and label columns")
    .requiredOption('--dataset <ref>', "dataset version ('name' = latest, 'name@3')")
    .addOption(new Option('--problem-type <type>', 'what the model predicts').choices(PROBLEM_TYPES).makeOptionMandatory())
    .requiredOption('--ground-truth-attribute <column>', 'the label column')
    .option('--inference-attribute <column>', 'the predicted label/value column')
    .option('--probability-attribute <column>', 'the positive class probability column (binary)')
    .option('--probability-threshold <p>', 'probability at or above which 1 is predicted (default 0.5)', probability)
    .option('--out <dir>', 'write statistics.json and constraints.json here')
    .option('--json', 'machine output')
    .action((opts: Json & { dataset: string; problemType: ProblemType; groundTruthAttribute: string; inferenceAttribute?: string; probabilityAttribute?: string; probabilityThreshold?: number; out?: string }) =>
      run(opts, async () => {
        const res = await client().modelQuality.baseline({
          dataset: opts.dataset,
          problemType: opts.problemType,
          groundTruthAttribute: opts.groundTruthAttribute,
          inferenceAttribute: opts.inferenceAttribute,
          probabilityAttribute: opts.probabilityAttribute,
          probabilityThreshold: opts.probabilityThreshold,
        });
        if (opts.out) {
          fs.mkdirSync(opts.out, { recursive: true });
          fs.writeFileSync(path.join(opts.out, 'statistics.json'), JSON.stringify(res.statistics, null, 2) + '\n');
          fs.writeFileSync(path.join(opts.out, 'constraints.json'), JSON.stringify(res.constraints, null, 2) + '\n');
        }
        emit(opts, res, () => fields([['dataset', res.dataset], ['rows', res.rows], ['skipped', res.skipped], ...Object.entries(res.metrics).map(([k, v]) => [k, round(v)] as [string, unknown]), ...(opts.out ? [['written', `${opts.out}/statistics.json, constraints.json`] as [string, unknown]] : [])]));
      }),
    );
  mq.command('executions')
    .description("An endpoint's model-quality executions, newest first")
    .requiredOption('--endpoint <name>', 'the endpoint')
    .option('--json', 'machine output')
    .action((opts: Json & { endpoint: string }) =>
      run(opts, async () => {
        const items = await client().modelQuality.executions(opts.endpoint);
        emit(opts, { items }, () =>
          items.length === 0 ? 'No model-quality executions.' : table(['id', 'status', 'matched', 'violations', 'created'], items.map((e) => [e.id, e.status, e.matched, e.violations.length, e.createdAt])),
        );
      }),
    );
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: not readable JSON (${(err as Error).message})`);
  }
}

const round = (v: number) => Math.round(v * 1e4) / 1e4;

function executionText(e: ModelQualityExecution): string {
  const head = fields([
    ['execution', e.id],
    ['status', e.status],
    ['matched', `${e.matched} of ${e.captured} captured`],
    ...(e.failureReason ? [['reason', e.failureReason] as [string, unknown]] : []),
    ...Object.entries(e.metrics).map(([k, v]) => [k, round(v)] as [string, unknown]),
  ]);
  const violations = e.violations.length ? '\n' + table(['metric', 'check', 'description'], e.violations.map((v) => [v.metric_name, v.constraint_check_type, v.description])) : '';
  return head + violations;
}
