/**
 * Orchard as a user runs it, for the end-to-end benches: `orchard up`, `orchard worker`
 * and CLI commands as child processes of a given `bin/orchard.js` (so one bench can
 * measure an older checkout's build), and a fleet's backends (a fresh PostgreSQL
 * schema, a Redis key prefix, s3rver) that are removed again whatever happens.
 *
 * Only the command line and the environment variables are used: the benches do not
 * import the server's code, so they measure any build that keeps the CLI. Results and the
 * server's records of a run are read back through this checkout's SDK, over HTTP only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { Orchard } from '../src/sdk/index.js';
import { startS3Server } from '../test/support/s3-server.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** PostgreSQL of the fleet benches (a fresh schema in it per run); `ORCHARD_BENCH_PG_URL` overrides. */
export const BENCH_PG_URL = process.env.ORCHARD_BENCH_PG_URL ?? 'postgres://127.0.0.1:5432/test';
/** Redis of the fleet benches (a fresh key prefix per run); `ORCHARD_BENCH_REDIS_URL` overrides. */
export const BENCH_REDIS_URL = process.env.ORCHARD_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** `--name value` of a bench's arguments. */
export function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

export function numberOption(args: string[], name: string, fallback: number): number {
  const v = option(args, name);
  return v === undefined ? fallback : Number(v);
}

/**
 * `--orchard-bin <path>`: the `bin/orchard.js` to run (default this checkout's, which runs
 * its compiled `dist/`: build it first with `npx tsc -p tsconfig.build.json`).
 */
export function orchardBin(args: string[]): string {
  const bin = path.resolve(option(args, '--orchard-bin') ?? path.join(ROOT, 'bin', 'orchard.js'));
  if (!fs.existsSync(path.join(path.dirname(bin), '..', 'dist', 'cli', 'main.js'))) {
    throw new Error(`${bin} has no compiled dist/ beside it: run npx tsc -p tsconfig.build.json in its checkout`);
  }
  return bin;
}

/** This environment without any ORCHARD_* or AWS_* setting, so only what a bench sets counts. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ORCHARD_') && !k.startsWith('AWS_')));
  return { ...base, ...extra };
}

/** A long-running Orchard process (`up` or `worker`) in a process group of its own. */
export interface OrchardProcess {
  child: ChildProcess;
  pid: number;
  /** The JSON start-up line it printed. */
  facts: Record<string, unknown>;
  /** Milliseconds from spawn to the start-up line. */
  readyMs: number;
  /** CPU milliseconds (user + system) the process had used by its start-up line: steadier than `readyMs` on a busy machine. */
  readyCpuMs: number;
  home: string;
  stderr(): string;
  /** SIGTERM to its group, SIGKILL after `graceMs`; its home is removed. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<OrchardProcess>();

/**
 * Spawns `orchard <command> --home <fresh dir> --json …` and waits for its start-up line:
 * the first observable sign that it is ready (the server listens, a worker's loops run).
 */
export async function startOrchard(bin: string, command: 'up' | 'worker', env: Record<string, string>, extraArgs: string[] = []): Promise<OrchardProcess> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), `orchard-bench-${command}-`));
  const args = [bin, command, '--home', home, '--json', ...(command === 'up' ? ['--port', '0'] : []), ...extraArgs];
  const t0 = performance.now();
  // detached: a process group of its own, so its attempt processes are stopped with it.
  const child = spawn(process.execPath, args, { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => {
    err += c.toString();
    if (err.length > 1 << 20) err = err.slice(-(1 << 19));
  });
  const stop = async (graceMs = 30_000) => {
    running.delete(proc);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      signalGroup(child.pid!, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(child.pid!, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
    // Attempt processes left behind in the group (the old code does not always end them).
    signalGroup(child.pid!, 'SIGKILL');
    fs.rmSync(home, { recursive: true, force: true });
  };
  const proc: OrchardProcess = { child, pid: child.pid!, facts: {}, readyMs: 0, readyCpuMs: 0, home, stderr: () => err, stop };
  running.add(proc);
  try {
    const line = await new Promise<string>((resolve, reject) => {
      const rl = createInterface({ input: child.stdout! });
      rl.once('line', (l) => {
        proc.readyMs = performance.now() - t0;
        proc.readyCpuMs = cpuMs(child.pid!);
        resolve(l);
      });
      child.once('exit', (code, signal) => reject(new Error(`orchard ${command} exited (${code ?? signal}) before its start-up line: ${err}`)));
    });
    proc.facts = JSON.parse(line) as Record<string, unknown>;
    child.stdout!.resume();
    return proc;
  } catch (e) {
    await stop(1000);
    throw e;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}

/** Stops every Orchard process still running (at the end of a bench, and on Ctrl+C). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop(5000)));
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Milliseconds from spawn to exit. */
  ms: number;
  json: any;
}

/** Runs one `orchard` client command against a server; fails unless it exits 0. */
export function cli(bin: string, server: { url: string; token: string }, args: string[]): Promise<CliRun> {
  const env = cleanEnv({ ORCHARD_URL: server.url, ORCHARD_TOKEN: server.token, ORCHARD_HOME: path.join(os.tmpdir(), 'orchard-bench-no-home') });
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      let json: unknown;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      if (code !== 0) reject(new Error(`orchard ${args.slice(0, 2).join(' ')} exited ${code}: ${stderr.slice(-4000)}${stdout.slice(-2000)}`));
      else resolve({ code: code ?? -1, stdout, stderr, ms, json });
    });
  });
}

/** The URL and admin token of a started `orchard up`. */
export function serverOf(up: OrchardProcess): { url: string; token: string } {
  const token = (up.facts.adminToken as string | null) ?? fs.readFileSync(path.join(up.home, 'admin-token'), 'utf8').trim();
  return { url: up.facts.url as string, token };
}

/** pg, unlike libpq, does not default the user to the operating-system user. */
function withUser(url: string): string {
  const parsed = new URL(url);
  if (!parsed.username) parsed.username = process.env.PGUSER ?? os.userInfo().username;
  return parsed.href;
}

/** A fleet's shared backends and the environment that points servers and workers at them. */
export interface Fleet {
  env: Record<string, string>;
  schema: string;
  prefix: string;
  teardown(): Promise<void>;
}

/** PostgreSQL in a fresh schema, Redis under a fresh prefix, a fresh s3rver (in this process). */
export async function startFleet(): Promise<Fleet> {
  const id = randomBytes(4).toString('hex');
  const schema = `orch_bench_${id}`;
  const prefix = `orch-bench-${id}`;
  const s3 = await startS3Server();
  const teardown = async () => {
    await s3.stop().catch((e: unknown) => process.stderr.write(`s3rver stop: ${String(e)}\n`));
    const client = new pg.Client({ connectionString: withUser(BENCH_PG_URL) });
    try {
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    } catch (e) {
      process.stderr.write(`dropping schema ${schema}: ${String(e)}\n`);
    } finally {
      await client.end().catch(() => undefined);
    }
    const redis = new Redis(BENCH_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2 });
    try {
      await redis.connect();
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        if (keys.length) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    } catch (e) {
      process.stderr.write(`removing redis prefix ${prefix}: ${String(e)}\n`);
    } finally {
      redis.disconnect();
    }
  };
  return {
    schema,
    prefix,
    env: {
      ORCHARD_DATABASE_URL: `${BENCH_PG_URL}?schema=${schema}`,
      ORCHARD_ARTIFACTS_URL: s3.url('orchard-bench'),
      ORCHARD_S3_ENDPOINT: s3.endpoint,
      ORCHARD_QUEUE_URL: `${BENCH_REDIS_URL}?prefix=${prefix}`,
      AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
      AWS_REGION: s3.region,
    },
    teardown,
  };
}

/**
 * Runs `body`, then stops every Orchard process and runs `cleanup`, also when the body
 * throws or the bench is interrupted (Ctrl+C, SIGTERM).
 */
export async function withCleanup<T>(cleanup: () => Promise<void>, body: () => Promise<T>): Promise<T> {
  let done = false;
  const finish = async () => {
    if (done) return;
    done = true;
    await stopAll();
    await cleanup();
  };
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`${signal}: cleaning up …\n`);
    void finish().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await body();
  } finally {
    await finish();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Resident set of a process in MiB (Linux `VmRSS`), 0 when it is gone. */
export function rssMiB(pid: number): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/** CPU time a process has used, user + system, in ms (Linux /proc/<pid>/stat; 0 when it is gone). */
export function cpuMs(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces) start at the state, field 3.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15, in clock ticks (100 per second on Linux).
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

/** The process and all its descendants (from /proc/<pid>/task/<tid>/children). */
export function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    let tasks: string[] = [];
    try {
      tasks = fs.readdirSync(`/proc/${out[i]}/task`);
    } catch {
      continue;
    }
    for (const tid of tasks) {
      try {
        const kids = fs.readFileSync(`/proc/${out[i]}/task/${tid}/children`, 'utf8').trim();
        if (kids) out.push(...kids.split(/\s+/).map(Number));
      } catch {
        // The task ended meanwhile.
      }
    }
  }
  return out;
}

export const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** Load average and CPU steal, to tell a busy machine's figures apart. */
export function machine(): Record<string, unknown> {
  return { loadavg: os.loadavg().map((x) => +x.toFixed(2)), cpus: os.availableParallelism() };
}

/** Spawn to exit of a command (a peer's script), in seconds; fails unless it exits 0. */
export function timed(cmd: string, argv: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve((performance.now() - t0) / 1000) : reject(new Error(`${cmd} exited ${code}: ${err.slice(-2000)}`))));
  });
}

/**
 * Where the jobs' time went, by the server's own records (read after the run, not timed):
 * queued (created to started) and running (started to ended) for the training job and the
 * transform, the transform's shards, and the training attempt's log lines, seconds after
 * the job started.
 */
export async function serverPhases(sdk: Orchard, training: string, transform: string): Promise<Record<string, unknown>> {
  const s = (a: string | null, b: string | null) => (a && b ? round3((Date.parse(b) - Date.parse(a)) / 1000) : null);
  const job = await sdk.training.describe(training);
  const t = await sdk.transforms.describe(transform);
  const { lines } = await sdk.training.logs(training, { limit: 100 });
  return {
    train_queued_s: s(job.createdAt, job.startedAt),
    train_running_s: s(job.startedAt, job.endedAt),
    train_log: lines.map((l) => `+${s(job.startedAt, l.timestamp)} s ${l.line}`),
    transform_queued_s: s(t.createdAt, t.startedAt),
    transform_running_s: s(t.startedAt, t.endedAt),
    transform_shards: t.shards,
  };
}

/** A built-in's run through the platform: its datasets, then one training job, model and transform, all named `name`. */
export interface PlatformPlan {
  name: string;
  /** `orchard datasets create <name> --file <file> [--format <format>]`, in order. */
  uploads: { name: string; file: string; format?: 'csv' | 'jsonl' | 'parquet' }[];
  /** Arguments of `orchard train --name <name>` before `--wait --json` (algorithm, channels, hyperparameters). */
  train: string[];
  /** Arguments of `orchard transform --name <name> --model <name>` before `--wait --json` (input, output, filter, shards). */
  transform: string[];
}

/** Seconds of each step, spawn to exit; `total_s` is what a user waits for after the uploads. */
export interface PlatformTimes {
  upload_s: number;
  train_wait_s: number;
  models_create_s: number;
  transform_wait_s: number;
  /** train --wait + models create + transform --wait. */
  total_s: number;
}

/**
 * Runs a plan as a user would: `orchard up` from the build (a fresh home), the uploads
 * (timed apart), `orchard train --wait`, `orchard models create --from-job` and
 * `orchard transform --wait`, each timed from spawn to exit. `readBack` gets the results
 * while the server still runs (not timed); the server's records of the jobs follow
 * ({@link serverPhases}). The server is stopped and its home removed whatever happens.
 */
export async function runOnPlatform<T>(bin: string, plan: PlatformPlan, readBack: (sdk: Orchard, home: string) => Promise<T>): Promise<{ times: PlatformTimes; phases: Record<string, unknown>; result: T }> {
  const up = await startOrchard(bin, 'up', {});
  return withCleanup(async () => undefined, async () => {
    const server = serverOf(up);
    const t0 = performance.now();
    for (const u of plan.uploads) await cli(bin, server, ['datasets', 'create', u.name, '--file', u.file, ...(u.format ? ['--format', u.format] : []), '--json']);
    const uploadS = (performance.now() - t0) / 1000;
    const train = await cli(bin, server, ['train', '--name', plan.name, ...plan.train, '--wait', '--json']);
    if (train.json?.status !== 'Completed') throw new Error(`training ended ${train.json?.status}: ${train.json?.failureReason ?? train.stderr.slice(-2000)}`);
    const model = await cli(bin, server, ['models', 'create', plan.name, '--from-job', plan.name, '--json']);
    const transform = await cli(bin, server, ['transform', '--name', plan.name, '--model', plan.name, ...plan.transform, '--wait', '--json']);
    if (transform.json?.status !== 'Completed') throw new Error(`transform ended ${transform.json?.status}: ${transform.json?.failureReason ?? transform.stderr.slice(-2000)}`);
    const times: PlatformTimes = {
      upload_s: round3(uploadS),
      train_wait_s: round3(train.ms / 1000),
      models_create_s: round3(model.ms / 1000),
      transform_wait_s: round3(transform.ms / 1000),
      total_s: round3((train.ms + model.ms + transform.ms) / 1000),
    };
    const sdk = new Orchard(server);
    const result = await readBack(sdk, up.home);
    return { times, phases: await serverPhases(sdk, plan.name, plan.name), result };
  });
}

/** Every row of a read-only query over datasets, page by page. */
export async function queryRows(sdk: Orchard, sql: string): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for await (const page of sdk.datasets.queryAll(sql, { pageSize: 10_000 })) rows.push(...page.rows);
  return rows;
}

/** `--hp key=value` arguments of `orchard train`. */
export function hpArgs(hp: Record<string, string | number>): string[] {
  return Object.entries(hp).flatMap(([k, v]) => ['--hp', `${k}=${v}`]);
}

/**
 * Writes `rows` lines from `line(i)` to `file` in chunks (large CSV and JSON Lines inputs),
 * through a temporary name, so an interrupted write never leaves a file that looks done.
 */
export function writeLines(file: string, rows: number, line: (i: number) => string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    for (let i = 0; i < rows; i += 10_000) {
      const chunk: string[] = [];
      for (let r = i; r < Math.min(rows, i + 10_000); r++) chunk.push(line(r));
      fs.writeSync(fd, chunk.join('\n') + '\n');
    }
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/**
 * A headerless CSV of numbers as Parquet, columns `_c0`… typed BIGINT or DOUBLE (as the CSV
 * ingest types them), through a temporary name. Wide tables (hundreds of columns) go in
 * as Parquet: the CSV ingest's memory limit refuses them.
 */
export async function csvToParquet(csv: string, parquet: string, columns: number, type: 'BIGINT' | 'DOUBLE' = 'BIGINT'): Promise<void> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  try {
    const names = Array.from({ length: columns }, (_, i) => `'_c${i}': '${type}'`).join(', ');
    const tmp = `${parquet}.${process.pid}.tmp`;
    await connection.run(`COPY (SELECT * FROM read_csv('${csv.replaceAll("'", "''")}', header = false, columns = {${names}})) TO '${tmp.replaceAll("'", "''")}' (FORMAT parquet)`);
    fs.renameSync(tmp, parquet);
  } finally {
    connection.closeSync();
    db.closeSync();
  }
}
