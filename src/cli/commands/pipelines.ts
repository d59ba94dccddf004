import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import type { Execution, Pipeline } from '../../contracts/index.js';
// Enum lists from the contracts' TypeBox-free module: a CLI call does not load the schemas.
import { EXECUTION_STATUSES, OVERLAP_POLICIES } from '../../contracts/pipeline.values.js';
import { client, collect, exit, parseKeyValues, positiveInt, run } from '../context.js';
import { emit, fields, table } from '../output.js';

type Json = { json?: boolean };
type Overlap = (typeof OVERLAP_POLICIES)[number];

/** A definition file's text: the server parses JSON or YAML and names the line of a syntax error. */
async function definitionText(file: string): Promise<string> {
  return readFile(file, 'utf8');
}

/** `orchard pipelines …`: versioned workflow definitions and their durable executions. */
export function pipelinesCommand(program: Command): void {
  const pipelines = program.command('pipelines').description('Pipelines: durable ML workflows (SageMaker Pipelines / Step Functions) of SQL, training, registry, forecast, condition, wait and other steps');
  pipelines
    .command('create <name>')
    .description('Create a pipeline from a JSON or YAML definition (checked before it is stored)')
    .requiredOption('--file <path>', 'the definition (def.json or def.yaml)')
    .option('--description <text>', 'what the pipeline does')
    .addOption(new Option('--overlap <policy>', 'when an execution starts while another runs').choices(OVERLAP_POLICIES))
    .option('--json', 'machine output')
    .action((name: string, opts: Json & { file: string; description?: string; overlap?: Overlap }) =>
      run(opts, async () => {
        const created = await client().pipelines.create({ name, definition: await definitionText(opts.file), description: opts.description, overlap: opts.overlap });
        emit(opts, created, () => `Created pipeline ${created.name} (version ${created.latestVersion})`);
      }),
    );
  pipelines
    .command('update <name>')
    .description('Store a new version of the definition (and/or new settings)')
    .option('--file <path>', 'the new definition')
    .option('--description <text>', 'what the pipeline does')
    .addOption(new Option('--overlap <policy>', 'when an execution starts while another runs').choices(OVERLAP_POLICIES))
    .option('--json', 'machine output')
    .action((name: string, opts: Json & { file?: string; description?: string; overlap?: Overlap }) =>
      run(opts, async () => {
        const updated = await client().pipelines.update(name, { definition: opts.file ? await definitionText(opts.file) : undefined, description: opts.description, overlap: opts.overlap });
        emit(opts, updated, () => `Pipeline ${updated.name} is at version ${updated.latestVersion}`);
      }),
    );
  pipelines
    .command('list')
    .description('List pipelines')
    .option('--limit <n>', 'at most n', positiveInt)
    .option('--json', 'machine output')
    .action((opts: Json & { limit?: number }) =>
      run(opts, async () => {
        const res = await client().pipelines.list({ limit: opts.limit });
        emit(opts, res, () => (res.items.length === 0 ? 'No pipelines.' : table(['name', 'version', 'steps', 'overlap', 'updated'], res.items.map((p) => [p.name, p.latestVersion, stepsOf(p).length, p.overlap, p.updatedAt]))));
      }),
    );
  pipelines
    .command('describe <name>')
    .description("A pipeline's latest version: parameters and steps")
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        const p = await client().pipelines.describe(name);
        emit(opts, p, () => describeText(p));
      }),
    );
  pipelines
    .command('versions <name>')
    .description("A pipeline's versions")
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        const versions = await client().pipelines.versions(name);
        emit(opts, versions, () => table(['version', 'deleted', 'created', 'by'], versions.map((v) => [v.version, v.deleted ? 'yes' : '', v.createdAt, v.createdBy ?? '-'])));
      }),
    );
  pipelines
    .command('delete <name>')
    .description('Delete a pipeline with its versions, executions and triggers; with --version, only that version (it can no longer be started)')
    .option('--version <n>', 'delete one version', positiveInt)
    .option('--json', 'machine output')
    .action((name: string, opts: Json & { version?: number }) =>
      run(opts, async () => {
        if (opts.version !== undefined) await client().pipelines.deleteVersion(name, opts.version);
        else await client().pipelines.delete(name);
        emit(opts, { deleted: name, ...(opts.version !== undefined ? { version: opts.version } : {}) }, () => `Deleted pipeline ${name}${opts.version !== undefined ? ` version ${opts.version}` : ''}`);
      }),
    );
  pipelines
    .command('start <name>')
    .description('Start an execution')
    .option('--param <key=value>', 'a parameter (repeatable); typed by the definition', collect)
    .option('--version <n>', 'run this version (default: the latest)', positiveInt)
    .option('--wait', 'follow the execution to its end; exit 1 unless it succeeds')
    .option('--json', 'machine output')
    .action((name: string, opts: Json & { param?: string[]; version?: number; wait?: boolean }) =>
      run(opts, async () => {
        const started = await client().pipelines.start(name, { parameters: parseKeyValues(opts.param, '--param'), version: opts.version });
        await finish(opts, started);
      }),
    );
  pipelines
    .command('executions')
    .description('Executions, newest first')
    .option('--pipeline <name>', 'of one pipeline')
    .addOption(new Option('--status <status>', 'in one status').choices(EXECUTION_STATUSES))
    .option('--limit <n>', 'at most n', positiveInt)
    .option('--json', 'machine output')
    .action((opts: Json & { pipeline?: string; status?: Execution['status']; limit?: number }) =>
      run(opts, async () => {
        const res = await client().pipelines.executions({ pipeline: opts.pipeline, status: opts.status, limit: opts.limit });
        emit(opts, res, () => (res.items.length === 0 ? 'No executions.' : table(['id', 'pipeline', 'version', 'status', 'started', 'ended'], res.items.map((e) => [e.id, e.pipeline, e.version, e.status, e.startedAt ?? '-', e.endedAt ?? '-']))));
      }),
    );
  pipelines
    .command('execution <id>')
    .description('One execution: its steps with their status, outputs and failures')
    .option('--json', 'machine output')
    .action((id: string, opts: Json) =>
      run(opts, async () => {
        const e = await client().pipelines.execution(id);
        emit(opts, e, () => executionText(e));
      }),
    );
  pipelines
    .command('stop <id>')
    .description('Stop an execution; running steps are stopped')
    .option('--json', 'machine output')
    .action((id: string, opts: Json) =>
      run(opts, async () => {
        const e = await client().pipelines.stop(id);
        emit(opts, e, () => `${e.id}: ${e.status}`);
      }),
    );
  pipelines
    .command('retry <id>')
    .description('Run a failed or stopped execution again from its failed steps (finished steps keep their outputs)')
    .option('--wait', 'follow the execution to its end; exit 1 unless it succeeds')
    .option('--json', 'machine output')
    .action((id: string, opts: Json & { wait?: boolean }) =>
      run(opts, async () => {
        await finish(opts, await client().pipelines.retry(id));
      }),
    );
  for (const verb of ['approve', 'reject'] as const) {
    pipelines
      .command(`${verb} <id>`)
      .description(verb === 'approve' ? 'Approve the wait step waiting for an approval: the execution carries on' : 'Reject the wait step waiting for an approval: the step fails')
      .option('--step <name>', 'the waiting step (when several wait)')
      .option('--comment <text>', 'recorded with the answer')
      .option('--json', 'machine output')
      .action((id: string, opts: Json & { step?: string; comment?: string }) =>
        run(opts, async () => {
          const sdk = client().pipelines;
          const e = verb === 'approve' ? await sdk.approve(id, { step: opts.step, comment: opts.comment }) : await sdk.reject(id, { step: opts.step, comment: opts.comment });
          emit(opts, e, () => `${verb === 'approve' ? 'Approved' : 'Rejected'}: ${e.id} is ${e.status}`);
        }),
      );
  }
}

/** Prints the execution, or follows it with a line per step change when `--wait`. */
async function finish(opts: Json & { wait?: boolean }, started: Execution): Promise<void> {
  if (!opts.wait) {
    emit(opts, started, () => `Started execution ${started.id} of ${started.pipeline} (version ${started.version}): ${started.status}`);
    return;
  }
  if (!opts.json) process.stderr.write(`Execution ${started.id} of ${started.pipeline}: ${started.status}\n`);
  const seen = new Map<string, string>();
  const ended = await client().pipelines.waitForExecution(started.id, {
    pollMs: 500,
    onUpdate: (e) => {
      if (opts.json) return;
      for (const s of e.steps) {
        if (seen.get(s.name) === s.status) continue;
        seen.set(s.name, s.status);
        process.stderr.write(`  ${s.name} (${s.type}): ${s.status}${s.failureReason ? ` — ${s.failureReason}` : ''}\n`);
      }
    },
  });
  emit(opts, ended, () => executionText(ended));
  if (ended.status !== 'Succeeded') exit.code = 1;
}

function stepsOf(p: Pipeline): Array<{ name: string; type: string }> {
  const def = p.definition as { steps?: Array<{ name: string; type: string }> };
  return def.steps ?? [];
}

function describeText(p: Pipeline): string {
  const def = p.definition as { parameters?: Record<string, { type: string; default?: unknown }> };
  const params = Object.entries(def.parameters ?? {}).map(([k, v]) => `${k}: ${v.type}${v.default !== undefined ? ` = ${JSON.stringify(v.default)}` : ''}`);
  return [
    fields([
      ['name', p.name],
      ['version', p.latestVersion],
      ['overlap', p.overlap],
      ['description', p.description],
      ['parameters', params.join(', ') || '-'],
      ['created', `${p.createdAt} by ${p.createdBy ?? '-'}`],
    ]),
    'steps:',
    ...stepsOf(p).map((s) => `  ${s.name} (${s.type})`),
  ].join('\n');
}

function executionText(e: Execution): string {
  return [
    fields([
      ['id', e.id],
      ['pipeline', `${e.pipeline} v${e.version}`],
      ['status', e.status],
      ['failure', e.failureReason],
      ['parameters', JSON.stringify(e.parameters)],
      ['started', e.startedAt],
      ['ended', e.endedAt],
    ]),
    table(
      ['step', 'type', 'status', 'attempts', 'resource', 'outputs'],
      e.steps.map((s) => [s.name, s.type, s.status + (s.cacheHit ? ' (cached)' : ''), s.attempts, s.resource ?? '-', s.failureReason ?? JSON.stringify(s.outputs).slice(0, 80)]),
    ),
  ].join('\n');
}
