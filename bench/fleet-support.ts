/**
 * Orchard as a user runs it, for the end-to-end benches: `orchard up`, `orchard worker`
 * and CLI commands as child processes of a given `bin/orchard.js` (so one bench can
 * measure an older checkout's build), and a fleet's backends (a fresh PostgreSQL
 * schema, a Redis key prefix, s3rver) that are removed again whatever happens.
 *
 * Only the command line and the environment variables are used: the benches do not
 * import the server's code, so they measure any build that keeps the CLI.
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
