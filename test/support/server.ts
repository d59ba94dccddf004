import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/orchard.js');

export interface RunningServer {
  url: string;
  home: string;
  adminToken: string;
  process: ChildProcess;
  stderr(): string;
  stop(): Promise<void>;
}

/**
 * Starts `orchard up` as a real child process on a free port with its own home folder,
 * the way a user starts it, and waits for its start-up line.
 */
export async function startServer(env: Record<string, string> = {}, home?: string): Promise<RunningServer> {
  const dir = home ?? fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-it-'));
  const child = spawn(process.execPath, [BIN, 'up', '--port', '0', '--home', dir, '--json'], {
    env: { ...baseEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`orchard up exited with ${code}: ${err}`)));
  });
  const facts = JSON.parse(line) as { url: string; adminToken: string | null };
  const adminToken = facts.adminToken ?? env.ORCHARD_TOKEN ?? fs.readFileSync(path.join(dir, 'admin-token'), 'utf8').trim();
  return {
    url: facts.url,
    home: dir,
    adminToken,
    process: child,
    stderr: () => err,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Starts `orchard worker` (a fleet worker) as a child process and waits for its start-up line. */
export async function startWorkerProcess(env: Record<string, string>): Promise<{ process: ChildProcess; stop(): Promise<void>; kill(): void }> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-worker-'));
  const child = spawn(process.execPath, [BIN, 'worker', '--home', home, '--workers', '1', '--json'], { env: { ...baseEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`orchard worker exited with ${code}: ${err}`)));
  });
  return {
    process: child,
    kill: () => child.kill('SIGKILL'),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The environment a child gets: this one without any ORCHARD_* or AWS_* settings. */
function baseEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ORCHARD_') && !k.startsWith('AWS_')));
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (for --json runs). */
  json: any;
}

/** Runs the real `orchard` command line against a server. */
export function cli(args: string[], options: { url?: string; token?: string; env?: Record<string, string>; input?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env = { ...baseEnv(), ...(options.url ? { ORCHARD_URL: options.url } : {}), ...(options.token ? { ORCHARD_TOKEN: options.token } : {}), ORCHARD_HOME: path.join(os.tmpdir(), 'orchard-no-home'), ...options.env };
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdin.end(options.input ?? '');
    child.on('error', reject);
    child.on('close', (code) => {
      let json: unknown;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      resolve({ code: code ?? -1, stdout, stderr, json });
    });
  });
}

/** Whether a process with this id is running. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
