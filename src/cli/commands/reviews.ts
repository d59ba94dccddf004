import fs from 'node:fs/promises';
import { Option, type Command } from 'commander';
import type { CreateReviewFlowRequest, HumanLoop, ReviewFlow } from '../../sdk/index.js';
// Enum lists from the TypeBox-free module: a CLI call does not load the schemas.
import { HUMAN_LOOP_STATUSES } from '../../contracts/reviews.values.js';
import { client, positiveInt, run } from '../context.js';
import { emit, fields, table } from '../output.js';

type Json = { json?: boolean };
type FlowOpts = Json & {
  endpoint?: string;
  labels: string;
  instructions?: string;
  workers?: string;
  reviewersPerLoop?: number;
  leaseSeconds?: number;
  confidenceBelow?: number;
  activationLabels?: string;
  samplePercent?: number;
  exportDataset?: string;
  exportEvery?: number;
};

const list = (s: string) => s.split(',').map((x) => x.trim()).filter((x) => x.length > 0);
function number(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new Error(`Expected a number, got '${value}'`);
  return n;
}
function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${what} must be JSON, got '${text.slice(0, 80)}'`);
  }
}

/** `orchard reviews …`: human review of predictions (A2I): loops, flow definitions, a reviewer's tasks. */
export function reviewsCommand(program: Command): void {
  const reviews = program.command('reviews').description('Human review (A2I): human loops over an endpoint’s uncertain predictions, flow definitions, reviewers’ tasks');
  reviews
    .command('list')
    .description('List human loops, newest first')
    .option('--flow <name>', 'loops of this flow definition')
    .addOption(new Option('--status <status>', 'only loops in this status').choices(HUMAN_LOOP_STATUSES))
    .option('--endpoint <name>', 'loops started by this endpoint')
    .option('--limit <n>', 'at most n', positiveInt)
    .option('--json', 'machine output')
    .action((opts: Json & { flow?: string; status?: HumanLoop['status']; endpoint?: string; limit?: number }) =>
      run(opts, async () => {
        const res = await client().reviews.list({ flow: opts.flow, status: opts.status, endpoint: opts.endpoint, limit: opts.limit });
        emit(opts, res, () =>
          res.items.length === 0
            ? 'No human loops.'
            : table(
                ['name', 'flow', 'status', 'source', 'confidence', 'predicted', 'answers', 'created'],
                res.items.map((l) => [l.name, l.flow, l.status, l.source, l.confidence === null ? '-' : l.confidence.toFixed(3), l.predictedLabel ?? '-', `${l.humanAnswers.length}/${l.reviewersPerLoop}`, l.createdAt]),
              ) + `\n${res.items.length} of ${res.total}`,
        );
      }),
    );
  reviews
    .command('describe <loop>')
    .description('A human loop: status, the request and prediction, the answers, the output object')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) => run(opts, async () => {
      const loop = await client().reviews.describe(name);
      emit(opts, loop, () => loopText(loop));
    }));
  reviews
    .command('stop <loop>')
    .description('Stop a human loop that waits for reviewers')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) => run(opts, async () => {
      const loop = await client().reviews.stop(name);
      emit(opts, loop, () => loopText(loop));
    }));
  reviews
    .command('start <loop>')
    .description('Start a human loop with any JSON input (StartHumanLoop)')
    .requiredOption('--flow <name>', 'the flow definition')
    .requiredOption('--input <json>', 'the input content: a JSON object (or @file.json)')
    .option('--json', 'machine output')
    .action((name: string, opts: Json & { flow: string; input: string }) => run(opts, async () => {
      const text = opts.input.startsWith('@') ? await fs.readFile(opts.input.slice(1), 'utf8') : opts.input;
      const loop = await client().reviews.create({ name, flow: opts.flow, inputContent: parseJson(text, '--input') as Record<string, unknown> });
      emit(opts, loop, () => loopText(loop));
    }));

  reviews
    .command('export <flow>')
    .description('Write the flow’s completed loops as a new version of a dataset, for retraining (only those completed since the last export to it)')
    .requiredOption('--dataset <name>', 'the dataset to write a version of')
    .option('--since <iso>', 'only loops completed at or after this time')
    .option('--all', 'every completed loop, also those exported before')
    .option('--json', 'machine output')
    .action((flow: string, opts: Json & { dataset: string; since?: string; all?: boolean }) =>
      run(opts, async () => {
        const res = await client().reviews.flows.export(flow, { dataset: opts.dataset, ...(opts.since !== undefined ? { since: opts.since } : {}), ...(opts.all ? { all: true } : {}) });
        emit(opts, res, () =>
          (res.dataset === null
            ? `No completed loop of ${flow} left to export to ${opts.dataset}.`
            : `Wrote ${res.dataset} (${res.format}): ${res.rows} rows from ${res.loops} loops, through ${res.through}` + (res.provenance ? `\nrow provenance: ${res.provenance}` : '')) +
          res.skipped.map((s) => `\nskipped ${s.loop}: ${s.reason}`).join(''),
        );
      }),
    );

  const flows = reviews.command('flows').description('Flow definitions: who reviews, what they pick from, and which predictions go to them');
  flows
    .command('create <name>')
    .description('Create a flow definition; with --endpoint, that endpoint’s predictions meeting a condition start human loops')
    .option('--endpoint <name>', 'the endpoint to review')
    .requiredOption('--labels <a,b>', 'the classes reviewers pick from, in the model’s output order')
    .option('--instructions <file.md>', 'Markdown instructions shown with each task')
    .option('--workers <a,b>', 'only these users review (default: every user whose role takes labeling work)')
    .option('--reviewers-per-loop <n>', 'distinct reviewers per loop (default 1)', positiveInt)
    .option('--lease-seconds <n>', 'how long a reviewer holds a loop before it returns to the pool (default 600)', positiveInt)
    .option('--confidence-below <p>', 'review when a record’s top-class confidence is below p (0–1)', number)
    .option('--activation-labels <a,b>', 'review when a record is predicted as one of these classes')
    .option('--sample-percent <n>', 'review a random share of the answers (0–100)', number)
    .option('--export-dataset <name>', 'export the completed loops to this dataset on their own (with --export-every)')
    .option('--export-every <n>', 'each time n more loops have completed', positiveInt)
    .option('--json', 'machine output')
    .action((name: string, opts: FlowOpts) =>
      run(opts, async () => {
        const instructions = opts.instructions ? await fs.readFile(opts.instructions, 'utf8') : undefined;
        const activation: NonNullable<CreateReviewFlowRequest['activation']> = {
          ...(opts.confidenceBelow !== undefined ? { confidenceBelow: opts.confidenceBelow } : {}),
          ...(opts.activationLabels !== undefined ? { labels: list(opts.activationLabels) } : {}),
          ...(opts.samplePercent !== undefined ? { samplePercent: opts.samplePercent } : {}),
        };
        const flow = await client().reviews.flows.create({
          name,
          labels: list(opts.labels),
          ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
          ...(instructions !== undefined ? { instructions } : {}),
          ...(opts.workers ? { workers: list(opts.workers) } : {}),
          ...(opts.reviewersPerLoop !== undefined ? { reviewersPerLoop: opts.reviewersPerLoop } : {}),
          ...(opts.leaseSeconds !== undefined ? { leaseSeconds: opts.leaseSeconds } : {}),
          ...(Object.keys(activation).length > 0 ? { activation } : {}),
          ...(opts.exportDataset !== undefined || opts.exportEvery !== undefined ? { autoExport: { dataset: opts.exportDataset ?? '', everyLoops: opts.exportEvery ?? 0 } } : {}),
        });
        emit(opts, flow, () => `Created flow definition ${flow.name}\n${flowText(flow)}`);
      }),
    );
  flows
    .command('list')
    .description('List flow definitions')
    .option('--endpoint <name>', 'the flow of this endpoint')
    .option('--json', 'machine output')
    .action((opts: Json & { endpoint?: string }) =>
      run(opts, async () => {
        const res = await client().reviews.flows.list({ endpoint: opts.endpoint });
        emit(opts, res, () =>
          res.items.length === 0
            ? 'No flow definitions.'
            : table(['name', 'endpoint', 'labels', 'in progress', 'completed'], res.items.map((f) => [f.name, f.endpoint ?? '-', f.labels.join(','), f.counts.inProgress, f.counts.completed])),
        );
      }),
    );
  flows
    .command('describe <name>')
    .description('A flow definition')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) => run(opts, async () => {
      const flow = await client().reviews.flows.describe(name);
      emit(opts, flow, () => flowText(flow));
    }));
  flows
    .command('delete <name>')
    .description('Delete a flow definition: its endpoint is no longer reviewed, its waiting loops stop')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) => run(opts, async () => {
      await client().reviews.flows.delete(name);
      emit(opts, { deleted: name }, () => `Deleted flow definition ${name}`);
    }));

  const tasks = reviews.command('tasks').description('A reviewer’s work: take the next loop, answer it');
  tasks
    .command('next')
    .description('Lease the next human loop waiting for you')
    .option('--flow <name>', 'only this flow definition’s loops')
    .option('--json', 'machine output')
    .action((opts: Json & { flow?: string }) => run(opts, async () => {
      const task = await client().reviews.next(opts.flow);
      emit(opts, { task }, () =>
        task === null
          ? 'Nothing to review for you now.'
          : fields([
              ['loop', task.loop],
              ['flow', task.flow],
              ['labels', task.labels.join(', ')],
              ['predicted', task.predictedLabel ?? '-'],
              ['confidence', task.confidence ?? '-'],
              ['input', JSON.stringify(task.inputContent)],
              ['lease until', task.leaseExpiresAt],
            ]) + `\nanswer it: orchard reviews tasks answer ${task.loop} --answer '{"label": "…"}'`,
      );
    }));
  tasks
    .command('answer <loop>')
    .description('Answer a human loop you hold a lease on')
    .requiredOption('--answer <json>', 'e.g. {"label":"a"}, or {"labels":["a","b"]} one per record; other keys are kept')
    .option('--json', 'machine output')
    .action((loop: string, opts: Json & { answer: string }) => run(opts, async () => {
      const receipt = await client().reviews.answer(loop, parseJson(opts.answer, '--answer') as Record<string, unknown>);
      emit(opts, receipt, () => `${receipt.duplicate ? 'Already recorded' : 'Recorded'}: ${receipt.loop} by ${receipt.worker}; the loop is ${receipt.status}`);
    }));
}

function flowText(f: ReviewFlow): string {
  const a = f.activation;
  const conditions = a ? [a.confidenceBelow !== undefined ? `confidence < ${a.confidenceBelow}` : null, a.labels ? `predicted ${a.labels.join('|')}` : null, a.samplePercent !== undefined ? `${a.samplePercent}% sample` : null].filter(Boolean).join(' or ') : '-';
  return fields([
    ['name', f.name],
    ['arn', f.arn],
    ['endpoint', f.endpoint ?? '-'],
    ['labels', f.labels.join(', ')],
    ['activation', conditions],
    ['workforce', f.workers ? f.workers.join(', ') : 'every labeler'],
    ['reviewers per loop', f.reviewersPerLoop],
    ['loops', `${f.counts.inProgress} in progress, ${f.counts.completed} completed, ${f.counts.stopped} stopped`],
    ['output', f.outputPrefix],
    ['auto export', f.autoExport ? `to ${f.autoExport.dataset} every ${f.autoExport.everyLoops} loops` : '-'],
  ]);
}

function loopText(l: HumanLoop): string {
  return fields([
    ['name', l.name],
    ['flow', l.flow],
    ['status', l.status],
    ['source', l.source],
    ['endpoint', l.endpoint ? `${l.endpoint} (${l.variant})` : '-'],
    ['inference id', l.inferenceId ?? '-'],
    ['confidence', l.confidence ?? '-'],
    ['predicted', l.predictedLabel ?? '-'],
    ['answers', l.humanAnswers.map((a) => `${a.workerId}: ${JSON.stringify(a.answerContent)}`).join('; ') || '-'],
    ['output', l.output ?? '-'],
  ]);
}
