/**
 * The `pipeline-script` job kind: a script step's inline code, run on a worker like a
 * Lambda task. The code runs with `python3` or `node` in a folder of its own, in a clean
 * environment (as an unprivileged user when the worker runs as root), with the input JSON
 * on stdin; whatever it writes on stdout must be one JSON value, the step's output. Its
 * stderr is the step's log (bounded). A time limit and a stop end the whole process group.
 * The result (output or failure) and the log are stored beside the step's resource before
 * the queue hears of it, so the step reads them even if the queue forgets the job.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { chownTree, runProcess, UNPRIVILEGED, type JobHandler, type JobQueue } from '../../jobs/index.js';
import type { ArtifactStore } from '../../storage/index.js';
import { stepKey } from './ports.js';

export const PIPELINE_SCRIPT_KIND = 'pipeline-script';
/** A script step's default time limit (its `timeoutSeconds` overrides it). */
export const SCRIPT_TIMEOUT_SECONDS = 300;
/** The longest output accepted: it becomes the step's outputs in the metadata store. */
export const MAX_SCRIPT_OUTPUT_BYTES = 1024 * 1024;
/** The log kept of stderr. */
export const MAX_SCRIPT_LOG_BYTES = 64 * 1024;
/** Attempts a script gets when its worker is lost (its own failures are not retried here: the step's retry rules decide). */
export const SCRIPT_JOB_ATTEMPTS = 3;

export interface ScriptPayload {
  /** The step's resource: the job id and the folder of its result. */
  resource: string;
  language: 'python' | 'javascript';
  code: string;
  input: unknown;
  timeoutSeconds: number;
}

/** What a run came to: the output, or why there is none (a code retry rules can match). */
export type ScriptResult = { ok: true; output: unknown } | { ok: false; code: 'ORCH_PIPELINE_STEP_FAILED' | 'ORCH_PIPELINE_STEP_TIMEOUT'; message: string };

export const scriptResultKey = (resource: string) => stepKey(resource, 'script-result.json');
export const scriptLogKey = (resource: string) => stepKey(resource, 'script-log.txt');

const SOURCE = { python: 'main.py', javascript: 'main.js' } as const;

/** The interpreter of a language: python3 from the PATH, node as this process runs it. */
function interpreter(language: ScriptPayload['language'], file: string): string[] {
  return language === 'python' ? ['python3', '-u', file] : [process.execPath, file];
}

/**
 * Runs one script in `dir` (made here, left for the caller to remove). stdin is the input
 * JSON, stdout goes to a file (a JSON value may be any length and need not end a line).
 */
export async function runScript(payload: ScriptPayload, dir: string, signal?: AbortSignal): Promise<{ result: ScriptResult; log: string }> {
  await fs.mkdir(dir, { recursive: true });
  const source = SOURCE[payload.language];
  await fs.writeFile(path.join(dir, source), payload.code);
  await fs.writeFile(path.join(dir, 'input.json'), JSON.stringify(payload.input ?? null));
  await fs.writeFile(path.join(dir, 'output.json'), '');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) await chownTree(dir, UNPRIVILEGED.uid, UNPRIVILEGED.gid);
  const log: string[] = [];
  const [command, ...args] = interpreter(payload.language, source);
  const run = await runProcess({
    command: '/bin/sh',
    // The shell only wires the files to stdin and stdout, then becomes the interpreter.
    args: ['-c', 'exec "$0" "$@" < input.json > output.json', command, ...args],
    cwd: dir,
    env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: dir, LANG: 'C.UTF-8', PYTHONUNBUFFERED: '1' },
    timeLimitMs: payload.timeoutSeconds * 1000,
    signal,
    maxLogBytes: MAX_SCRIPT_LOG_BYTES,
    killGraceMs: 2000,
    ...(asRoot ? UNPRIVILEGED : {}),
    onLine: (line) => log.push(line),
  });
  const text = log.join('\n');
  const tail = run.tail.slice(-10).join('\n');
  const said = tail ? `; last lines of stderr:\n${tail}` : '';
  if (run.ended === 'timeout') return { result: { ok: false, code: 'ORCH_PIPELINE_STEP_TIMEOUT', message: `the script ran longer than its time limit of ${payload.timeoutSeconds} s${said}` }, log: text };
  if (run.ended === 'stopped') return { result: { ok: false, code: 'ORCH_PIPELINE_STEP_FAILED', message: 'the script was stopped' }, log: text };
  if (run.exitCode !== 0) {
    const how = run.signal ? `was killed by ${run.signal}` : `exited with code ${run.exitCode}`;
    return { result: { ok: false, code: 'ORCH_PIPELINE_STEP_FAILED', message: `the script ${how}${said}`.slice(0, 4096) }, log: text };
  }
  return { result: await readOutput(path.join(dir, 'output.json')), log: text };
}

/** stdout as one JSON value, or a failure that says what was wrong with it. */
async function readOutput(file: string): Promise<ScriptResult> {
  const size = (await fs.stat(file)).size;
  if (size > MAX_SCRIPT_OUTPUT_BYTES) return { ok: false, code: 'ORCH_PIPELINE_STEP_FAILED', message: `the script wrote ${size} bytes on stdout; the output JSON may be at most ${MAX_SCRIPT_OUTPUT_BYTES}` };
  const text = (await fs.readFile(file, 'utf8')).trim();
  if (!text) return { ok: false, code: 'ORCH_PIPELINE_STEP_FAILED', message: 'the script wrote nothing on stdout; it must write its output as one JSON value' };
  try {
    return { ok: true, output: JSON.parse(text) as unknown };
  } catch (err) {
    const start = text.length > 200 ? `${text.slice(0, 200)}…` : text;
    return { ok: false, code: 'ORCH_PIPELINE_STEP_FAILED', message: `the script's stdout is not one JSON value (${(err as Error).message}); it began: ${start}` };
  }
}

export interface ScriptJobDeps {
  queue: JobQueue;
  artifacts: Pick<ArtifactStore, 'put' | 'head'>;
  /** Where scripts' folders are made (traversable by the unprivileged user). */
  attemptsDir: string;
}

type Outcome = { kind: 'ran'; result: ScriptResult; log: string; reported?: boolean } | { kind: 'settled' };

export function pipelineScriptJobHandler(deps: ScriptJobDeps): JobHandler<ScriptPayload, Outcome> {
  return {
    kinds: [PIPELINE_SCRIPT_KIND],
    cpus: () => 1,
    async run(job, ctx) {
      if (await deps.artifacts.head(scriptResultKey(job.payload.resource))) {
        // Ran before and stored its result (the queue had lost the job): not run twice.
        await deps.queue.complete(job);
        return { kind: 'settled' };
      }
      await fs.mkdir(deps.attemptsDir, { recursive: true, mode: 0o711 });
      const dir = path.join(deps.attemptsDir, `pipeline-script-${job.payload.resource}-${job.attempt}-${randomBytes(4).toString('hex')}`);
      try {
        const { result, log } = await runScript(job.payload, dir, ctx.signal);
        if (ctx.signal.aborted) {
          // Stopped with its step: the job ends cancelled. Shut down or lost: the queue hands it out again.
          if (ctx.signal.reason === 'stop') await deps.queue.fail(job, { message: 'stopped', retryable: false });
          return { kind: 'settled' };
        }
        return { kind: 'ran', result, log };
      } finally {
        await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
      }
    },
    async record(job, outcome) {
      if (outcome.kind !== 'ran' || outcome.reported) return;
      const { resource } = job.payload;
      // The log and result first: the step reads the result, whatever the queue keeps.
      await deps.artifacts.put(scriptLogKey(resource), outcome.log);
      await deps.artifacts.put(scriptResultKey(resource), JSON.stringify(outcome.result));
      if (outcome.result.ok) await deps.queue.complete(job, { output: outcome.result.output });
      else await deps.queue.fail(job, { message: `${outcome.result.code}: ${outcome.result.message}`, retryable: false });
      outcome.reported = true;
    },
  };
}
