import { Option, type Command } from 'commander';
import type { CreateProcessingJobRequest, ProcessingDistribution, ProcessingInputFormat, ProcessingJob, ProcessingJobStatus, ProcessingLogLine } from '../../sdk/index.js';
// Enum lists from the contracts' TypeBox-free module: a CLI call does not load the schemas.
import { JOB_STATUSES } from '../../contracts/values.js';
import { client, collect, exit, parseKeyValues, positiveInt, run } from '../context.js';
import { emit, fields, table } from '../output.js';
import { uploadSource } from './training.js';

type Json = { json?: boolean };

const DISTRIBUTIONS: readonly ProcessingDistribution[] = ['FullyReplicated', 'ShardedByS3Key'];
const INPUT_FORMATS: readonly ProcessingInputFormat[] = ['csv', 'parquet'];
/** An output value starting with this names an artifact-store prefix rather than a dataset. */
const ARTIFACTS = 'artifacts/';
/** Where a folder given after a value starts: `raw=churn:/opt/ml/processing/input/data`. */
const FOLDER_SEPARATOR = ':/opt/ml/';

interface ProcessOptions extends Json {
  name: string;
  script: string;
  sourceDir?: string;
  input?: string[];
  output?: string[];
  inputFormat?: string[];
  distribution?: string[];
  arguments?: string;
  env?: string[];
  instanceCount?: number;
  maxRuntime?: number;
  maxRetries?: number;
  cpus?: number;
  tag?: string[];
  wait?: boolean;
}

/** `orchard process`: run a processing script (SageMaker CreateProcessingJob). */
export function processCommand(program: Command): void {
  program
    .command('process')
    .description('Run a processing script over datasets; its output folders become dataset versions or artifacts (SageMaker Processing)')
    .requiredOption('--name <name>', 'job name (1-63 letters, digits and hyphens)')
    .requiredOption('--script <file>', 'the script: .py (python3), .js, .mjs, .cjs or .ts')
    .option('--source-dir <dir>', "folder packed with the script: its modules and files (default: the script's folder)")
    .option('--input <name=dataset[:/opt/ml/processing/...]>', "a dataset written to /opt/ml/processing/input/<name> (or the folder given) (repeatable)", collect)
    .option('--output <name=dataset|artifacts/prefix>', "/opt/ml/processing/output/<name> becomes the dataset's next version, or is stored under the artifact prefix (repeatable)", collect)
    .option('--input-format <[name=]csv|parquet>', "how inputs are written: csv (the dataset's own layout, the default) or parquet; 'name=' for one input (repeatable)", collect)
    .option('--distribution <[name=]FullyReplicated|ShardedByS3Key>', "with several instances: each gets all of an input, or its share of the part files; 'name=' for one input (repeatable)", collect)
    .option('--arguments <args>', 'arguments of the script, split as a shell does; /opt/ml/... paths are mapped to the attempt folders')
    .option('--env <key=value>', 'environment variable of the script (repeatable)', collect)
    .option('--instance-count <n>', 'instances the script runs on, in parallel on the workers (default 1)', positiveInt)
    .option('--max-runtime <seconds>', 'stop an instance after this long (default 86400)', positiveInt)
    .option('--max-retries <n>', 'retries of an instance after a failed or lost attempt (default 0)', positiveInt)
    .option('--cpus <n>', "cores each instance asks for (default: all of a worker's cores)", positiveInt)
    .option('--tag <key=value>', 'tag of the job and of the dataset versions it writes (repeatable)', collect)
    .option('--wait', 'print the log until the job ends; exit 1 unless it completes')
    .option('--json', 'machine output')
    .action((opts: ProcessOptions) =>
      run(opts, async () => {
        const request = processInput(opts);
        const orchard = client();
        const script = await uploadSource(orchard, `processing/${opts.name}`, opts.script, opts.sourceDir);
        const created = await orchard.processing.create({ ...request, script });
        if (!opts.wait) {
          emit(opts, created, () => `Created processing job ${created.name}: ${created.status}, ${created.instanceCount} instance(s)`);
          return;
        }
        const job = await waitWithLog(created);
        emit(opts, job, () => describeText(job));
        if (job.status !== 'Completed') exit.code = 1;
      }),
    );
}

/** `orchard processing …`: list, describe, read the log of and stop processing jobs. */
export function processingCommand(program: Command): void {
  const processing = program.command('processing').description('Processing jobs: list, describe, logs, stop');
  processing
    .command('list')
    .description('List processing jobs, newest first')
    .addOption(new Option('--status <status>', 'only jobs in this status').choices(JOB_STATUSES))
    .option('--name-contains <text>', 'only names containing this text')
    .option('--limit <n>', 'at most n', positiveInt)
    .option('--offset <n>', 'skip n', positiveInt)
    .option('--json', 'machine output')
    .action((opts: Json & { status?: ProcessingJobStatus; nameContains?: string; limit?: number; offset?: number }) =>
      run(opts, async () => {
        const { json: _json, ...filter } = opts;
        const res = await client().processing.list(filter);
        emit(opts, res, () =>
          res.items.length === 0
            ? 'No processing jobs.'
            : table(
                ['name', 'status', 'script', 'instances', 'outputs', 'created'],
                res.items.map((j) => [j.name, j.status, j.script.entryPoint, `${j.instances.filter((i) => i.status === 'Completed').length}/${j.instanceCount}`, outputsText(j), j.createdAt]),
              ) + `\n${res.items.length} of ${res.total}`,
        );
      }),
    );
  processing
    .command('describe <name>')
    .description('Status, inputs, outputs and instances of a processing job')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        const job = await client().processing.describe(name);
        emit(opts, job, () => describeText(job));
      }),
    );
  processing
    .command('logs <name>')
    .description('Print the log of a processing job (every instance)')
    .option('--follow', 'keep printing new lines until the job ends')
    .option('--json', 'machine output (with --follow: one JSON object per line)')
    .action((name: string, opts: Json & { follow?: boolean }) =>
      run(opts, async () => {
        const orchard = client().processing;
        if (opts.follow) {
          await orchard.waitFor(name, { onLog: (line) => process.stdout.write((opts.json ? JSON.stringify(line) : logText(line, true)) + '\n') });
          return;
        }
        const lines: ProcessingLogLine[] = [];
        for await (const line of orchard.allLogs(name)) {
          if (opts.json) lines.push(line);
          else process.stdout.write(logText(line, true) + '\n');
        }
        if (opts.json) emit(opts, { lines, nextSeq: lines.at(-1)?.seq ?? 0 }, () => '');
      }),
    );
  processing
    .command('stop <name>')
    .description('Stop a processing job (queued instances at once, running ones when their processes end); nothing is registered')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        const job = await client().processing.stop(name);
        emit(opts, job, () => `${job.name}: ${job.status}`);
      }),
    );
}

/** Turns the command line into the create request (without the script, uploaded separately). */
export function processInput(opts: ProcessOptions): Omit<CreateProcessingJobRequest, 'script'> {
  const inputs = (opts.input ?? []).map((spec) => {
    const { name, value, localPath } = splitIo(spec, '--input');
    return { name, dataset: value, ...(localPath ? { localPath } : {}) };
  });
  const outputs = (opts.output ?? []).map((spec) => {
    const { name, value, localPath } = splitIo(spec, '--output');
    const target = value.startsWith(ARTIFACTS) ? { artifactPrefix: value.slice(ARTIFACTS.length) } : { dataset: value };
    if ('artifactPrefix' in target && !target.artifactPrefix) throw new Error(`--output ${spec}: give the prefix after '${ARTIFACTS}'`);
    return { name, ...target, ...(localPath ? { localPath } : {}) };
  });
  const perInput = <T extends string>(values: string[] | undefined, flag: string, allowed: readonly T[]): Record<string, T> & { '*'?: T } => {
    const out: Record<string, T> = {};
    for (const v of values ?? []) {
      const eq = v.indexOf('=');
      const [key, choice] = eq < 0 ? ['*', v] : [v.slice(0, eq), v.slice(eq + 1)];
      if (!allowed.includes(choice as T)) throw new Error(`${flag} ${v}: use ${allowed.join(' or ')}${eq < 0 ? '' : ` after '${key}='`}`);
      if (key !== '*' && !inputs.some((i) => i.name === key)) throw new Error(`${flag} ${v}: no input named '${key}'`);
      out[key] = choice as T;
    }
    return out;
  };
  const formats = perInput(opts.inputFormat, '--input-format', INPUT_FORMATS);
  const distributions = perInput(opts.distribution, '--distribution', DISTRIBUTIONS);
  return {
    name: opts.name,
    ...(opts.arguments !== undefined ? { arguments: splitArguments(opts.arguments) } : {}),
    environment: parseKeyValues(opts.env, '--env'),
    inputs: inputs.map((i) => {
      const format = formats[i.name] ?? formats['*'];
      const distribution = distributions[i.name] ?? distributions['*'];
      return { ...i, ...(format ? { format } : {}), ...(distribution ? { distribution } : {}) };
    }),
    outputs,
    ...(opts.instanceCount !== undefined ? { instanceCount: opts.instanceCount } : {}),
    ...(opts.maxRuntime !== undefined ? { maxRuntimeSeconds: opts.maxRuntime } : {}),
    ...(opts.maxRetries !== undefined ? { maxRetries: opts.maxRetries } : {}),
    ...(opts.cpus !== undefined ? { cpus: opts.cpus } : {}),
    tags: parseKeyValues(opts.tag, '--tag'),
  };
}

/** `name=value[:/opt/ml/...]`. */
function splitIo(spec: string, flag: string): { name: string; value: string; localPath?: string } {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new Error(`${flag} ${spec}: expected name=${flag === '--input' ? 'dataset' : 'dataset|artifacts/prefix'}`);
  const name = spec.slice(0, eq);
  let value = spec.slice(eq + 1);
  let localPath: string | undefined;
  const at = value.indexOf(FOLDER_SEPARATOR);
  if (at >= 0) {
    localPath = value.slice(at + 1);
    value = value.slice(0, at);
  }
  if (!value) throw new Error(`${flag} ${spec}: nothing after '${name}='`);
  return { name, value, localPath };
}

/**
 * Splits an argument string as a POSIX shell would (without expansions): whitespace
 * separates words, single quotes keep everything, double quotes keep all but `\"` and
 * `\\`, a backslash outside quotes keeps the next character.
 */
export function splitArguments(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new Error('--arguments: a single quote is not closed');
      word += text.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      inWord = true;
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === '\\' && (text[j + 1] === '"' || text[j + 1] === '\\' || text[j + 1] === '$' || text[j + 1] === '`')) j++;
        word += text[j];
      }
      if (j >= text.length) throw new Error('--arguments: a double quote is not closed');
      i = j;
    } else if (c === '\\' && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** Prints the log to stderr as it comes (host-prefixed when there are several instances), status changes as lines. */
async function waitWithLog(created: ProcessingJob): Promise<ProcessingJob> {
  const many = created.instanceCount > 1;
  let last = '';
  const controller = new AbortController();
  const onSigint = () => controller.abort(new Error(`Stopped waiting; ${created.name} goes on (orchard processing stop ${created.name} stops it)`));
  process.once('SIGINT', onSigint);
  try {
    return await client().processing.waitFor(created.name, {
      signal: controller.signal,
      onLog: (line) => process.stderr.write(logText(line, many) + '\n'),
      onUpdate: (job) => {
        const status = `${job.status} ${job.instances.filter((i) => i.status === 'Completed').length}/${job.instanceCount} instance(s) done`;
        if (status !== last) process.stderr.write(`[${job.name}] ${status}\n`);
        last = status;
      },
    });
  } finally {
    process.off('SIGINT', onSigint);
  }
}

function logText(line: ProcessingLogLine, withHost: boolean): string {
  return withHost ? `[${line.host}] ${line.line}` : line.line;
}

function outputsText(job: ProcessingJob): string {
  return job.processingOutputs.map((o) => `${o.name}=${job.outputs[o.name] ?? o.dataset ?? `${ARTIFACTS}${o.artifactPrefix}`}`).join(' ');
}

function describeText(job: ProcessingJob): string {
  const head = fields([
    ['name', job.name],
    ['status', job.status],
    ['failure', job.failureReason],
    ['script', `${job.script.entryPoint} (${job.script.sourceKey})`],
    ['arguments', job.arguments.length ? job.arguments.join(' ') : undefined],
    ['inputs', job.processingInputs.map((i) => `${i.name}=${i.dataset}@${i.version} -> ${i.localPath} (${i.format}, ${i.distribution})`).join('\n') || undefined],
    ['outputs', job.processingOutputs.map((o) => `${o.localPath} -> ${o.dataset ? `dataset ${o.dataset}` : `${ARTIFACTS}${o.artifactPrefix}`}${job.outputs[o.name] ? ` = ${job.outputs[o.name]}` : ''}`).join('\n') || undefined],
    ['instances', job.instanceCount],
    ['max runtime', `${job.maxRuntimeSeconds} s`],
    ['max retries', job.maxRetries],
    ['created', `${job.createdAt} by ${job.createdBy ?? '-'}`],
    ['started', job.startedAt],
    ['ended', job.endedAt],
  ]);
  const instances = table(['host', 'status', 'attempts', 'failure'], job.instances.map((i) => [i.host, i.status, i.attempts, i.failureReason?.split('\n')[0] ?? '']));
  const metrics = Object.entries(job.finalMetrics);
  return [head, instances, ...(metrics.length ? [table(['metric', 'final value'], metrics)] : [])].join('\n');
}
