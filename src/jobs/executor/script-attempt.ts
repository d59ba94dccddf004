import { fileURLToPath } from 'node:url';
import fs from 'node:fs/promises';
import path from 'node:path';
import { compileMetricDefinitions, type MetricDefinitionInput } from './metrics.js';
import { packModelArchive } from './model-archive.js';
import { runProcess } from './process-runner.js';
import { hyperparameterArgs, scriptEnvironment } from './sm-env.js';
import { createWorkDir, type WorkDir } from './workdir.js';

export interface ChannelFiles {
  contentType: string;
  /** Local files copied into `input/data/<channel>/`. */
  files: string[];
  /**
   * The files are the caller's own scratch copies, on the attempt folder's file system:
   * moved into `input/data/<channel>/` (a rename) rather than copied again. @default false
   */
  move?: boolean;
}

export interface ScriptAttemptSpec {
  jobName: string;
  /** An empty folder for this attempt. */
  root: string;
  /** Folder with the user's code (copied to `<root>/code`); none for a `program`. */
  sourceDir?: string;
  /** Entry point inside `sourceDir`: `.py`, `.js`/`.mjs`/`.cjs` or `.ts`. */
  entryPoint: string;
  /**
   * Runs this program instead of an interpreter for the entry point (built-in
   * algorithms); it gets the same folders, environment and limits.
   */
  program?: { command: string; args: string[] };
  hyperparameters: Record<string, string>;
  channels: Record<string, ChannelFiles>;
  metricDefinitions?: MetricDefinitionInput[];
  timeLimitMs?: number;
  signal?: AbortSignal;
  maxLogBytes?: number;
  numCpus?: number;
  onLog?: (line: string) => void;
  onMetric?: (name: string, value: number) => void;
  /** Runs once the folders exist and before the process starts (e.g. to restore checkpoints). */
  beforeRun?: (workDir: WorkDir) => Promise<void>;
  /** The attempt's process group id, as soon as it runs (to reap it if this process dies). */
  onSpawn?: (pgid: number) => void;
  /**
   * Pack `model/` as `model.tar.gz` in the attempt's folder when the script succeeds. A caller
   * that streams `workDir.modelDir` into a store itself ({@link modelArchiveStream}) passes
   * false, and the result's `modelArchive` stays null. @default true
   */
  packModel?: boolean;
}

export interface AttemptResult {
  status: 'Completed' | 'Failed' | 'Stopped';
  secondaryStatus: 'Completed' | 'Failed' | 'Stopped' | 'MaxRuntimeExceeded';
  failureReason: string | null;
  /** `model/` packed as `model.tar.gz`, when the attempt completed (and `packModel` was not false). */
  modelArchive: string | null;
  workDir: WorkDir;
  logTruncated: boolean;
}

/** The user an attempt's script runs as when the platform runs as root. */
export const UNPRIVILEGED = { uid: 65534, gid: 65534 };

/** This package's root (the same from `src/` under tsx and from `dist/`). */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Makes Orchard's run helpers importable by the user's code: `orchard/run` for
 * JavaScript and TypeScript (a `node_modules/orchard` link in the code folder, unless
 * the source brings its own), `from orchard import run` for Python (PYTHONPATH).
 */
export async function linkRunHelpers(codeDir: string): Promise<void> {
  const link = path.join(codeDir, 'node_modules', 'orchard');
  if (await fs.lstat(link).then(() => true, () => false)) return;
  await fs.mkdir(path.dirname(link), { recursive: true });
  await fs.symlink(PACKAGE_ROOT, link, 'dir');
}

/** The interpreter for an entry point, chosen by its extension. */
export function commandFor(entry: string): { command: string; args: string[] } {
  const ext = path.extname(entry).toLowerCase();
  if (ext === '.py') return { command: 'python3', args: ['-u', entry] };
  if (ext === '.js' || ext === '.mjs' || ext === '.cjs') return { command: process.execPath, args: [entry] };
  if (ext === '.ts' || ext === '.mts') {
    // TypeScript entry points run through tsx's loader (ESM and CommonJS hooks),
    // resolved from this package since the user's folder has no node_modules.
    return { command: process.execPath, args: ['--import', import.meta.resolve('tsx'), entry] };
  }
  throw new Error(`Unsupported entry point '${entry}': use .py, .js, .mjs, .cjs or .ts`);
}

/**
 * Runs one attempt of a script-mode training job: lays out the SageMaker folders,
 * copies code and data in, runs the entry point with the `SM_*` environment and the
 * hyperparameters as `--key value` arguments in a clean environment (as an
 * unprivileged user when the platform runs as root), extracts metrics from the log,
 * and packs `model/` as `model.tar.gz` when the script succeeds.
 */
export async function runScriptAttempt(spec: ScriptAttemptSpec): Promise<AttemptResult> {
  const extract = compileMetricDefinitions(spec.metricDefinitions ?? []);
  const { command, args } = spec.program ?? commandFor(spec.entryPoint);
  const workDir = await createWorkDir(spec.root, {
    hyperparameters: spec.hyperparameters,
    channels: Object.fromEntries(Object.entries(spec.channels).map(([n, c]) => [n, { contentType: c.contentType }])),
  });
  const codeDir = path.join(spec.root, 'code');
  if (spec.sourceDir) await fs.cp(spec.sourceDir, codeDir, { recursive: true });
  else await fs.mkdir(codeDir, { recursive: true });
  for (const [name, channel] of Object.entries(spec.channels)) {
    // A channel's entries are files, or folders (the objects under an artifact prefix).
    for (const file of channel.files) {
      const to = path.join(workDir.channelDir(name), path.basename(file));
      const moved = channel.move === true && (await fs.rename(file, to).then(() => true, (err: NodeJS.ErrnoException) => (err.code === 'EXDEV' ? false : Promise.reject(err))));
      if (!moved) await fs.cp(file, to, { recursive: true });
    }
  }
  const asRoot = process.getuid?.() === 0;
  await spec.beforeRun?.(workDir);
  if (asRoot) await chownTree(spec.root, UNPRIVILEGED.uid, UNPRIVILEGED.gid);
  // After the chown: the link must not hand this package's files to the script's user.
  await linkRunHelpers(codeDir);
  const env = {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: spec.root,
    LANG: 'C.UTF-8',
    PYTHONUNBUFFERED: '1',
    PYTHONPATH: path.join(PACKAGE_ROOT, 'python'),
    // The switch for the built-ins' fused-multiply-add kernels, as the server was given it.
    ...(process.env.ORCHARD_WASM_RELAXED_SIMD !== undefined ? { ORCHARD_WASM_RELAXED_SIMD: process.env.ORCHARD_WASM_RELAXED_SIMD } : {}),
    ...scriptEnvironment({ jobName: spec.jobName, workDir, hyperparameters: spec.hyperparameters, channels: spec.channels, entryPoint: spec.entryPoint, numCpus: spec.numCpus }),
  };
  const result = await runProcess({
    command,
    args: [...args, ...hyperparameterArgs(spec.hyperparameters)],
    cwd: codeDir,
    env,
    timeLimitMs: spec.timeLimitMs,
    signal: spec.signal,
    maxLogBytes: spec.maxLogBytes,
    ...(asRoot ? UNPRIVILEGED : {}),
    onSpawn: spec.onSpawn,
    onLine: (line) => {
      spec.onLog?.(line);
      for (const m of extract(line)) spec.onMetric?.(m.name, m.value);
    },
  });
  const base = { workDir, logTruncated: result.logTruncated };
  if (result.ended === 'timeout') {
    return { ...base, status: 'Stopped', secondaryStatus: 'MaxRuntimeExceeded', failureReason: `MaxRuntimeExceeded: the job ran longer than ${Math.round((spec.timeLimitMs ?? 0) / 1000)} s`, modelArchive: null };
  }
  if (result.ended === 'stopped') return { ...base, status: 'Stopped', secondaryStatus: 'Stopped', failureReason: null, modelArchive: null };
  if (result.exitCode !== 0) {
    return { ...base, status: 'Failed', secondaryStatus: 'Failed', failureReason: await failureReason(workDir, result), modelArchive: null };
  }
  if (spec.packModel === false) return { ...base, status: 'Completed', secondaryStatus: 'Completed', failureReason: null, modelArchive: null };
  const modelArchive = path.join(spec.root, 'model.tar.gz');
  await packModelArchive(workDir.modelDir, modelArchive);
  return { ...base, status: 'Completed', secondaryStatus: 'Completed', failureReason: null, modelArchive };
}

/** SageMaker's contract: `output/failure` says why; else the last lines of the log. */
async function failureReason(workDir: WorkDir, result: { exitCode: number | null; signal: string | null; tail: string[] }): Promise<string> {
  const written = await fs.readFile(path.join(workDir.outputDir, 'failure'), 'utf8').catch(() => '');
  if (written.trim()) return written.trim().slice(0, 1024);
  const how = result.signal ? `was killed by ${result.signal}` : `exited with code ${result.exitCode}`;
  const tail = result.tail.slice(-10).join('\n');
  return `AlgorithmError: the script ${how}${tail ? `; last log lines:\n${tail}` : ''}`.slice(0, 4096);
}

/** Hands a folder tree to `uid`; links are re-owned, never followed. */
export async function chownTree(root: string, uid: number, gid: number): Promise<void> {
  await fs.lchown(root, uid, gid);
  const dir = await fs.lstat(root);
  if (!dir.isDirectory()) return;
  for (const entry of await fs.readdir(root, { withFileTypes: true })) {
    const full = path.join(root, entry.name);
    if (entry.isDirectory()) await chownTree(full, uid, gid);
    else await fs.lchown(full, uid, gid);
  }
}
