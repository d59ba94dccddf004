import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Generated benchmark data (git-ignored). */
export const DATA = path.join(HERE, 'data');
/** The peers' harness: `ORCHARD_PEERS_DIR`, else `../shared/peers` beside the checkout. */
export const PEERS = process.env.ORCHARD_PEERS_DIR ?? path.resolve(HERE, '..', '..', 'shared', 'peers');
/** Debian's interpreter, which sees the apt-installed peers (xgboost, scikit-learn). */
export const PYTHON = '/usr/bin/python3';

export type BenchLine = Record<string, unknown> & { peer: string; train_s: number; metric: number };

/** `--repeat N`, `--threads N`, `--no-peer`. */
export function benchArgs(args: string[]): { repeat: number; threads: number; peer: boolean } {
  const opt = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
  return { repeat: opt('--repeat', 1), threads: opt('--threads', 2), peer: !args.includes('--no-peer') };
}

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Prints one JSON result line, dated. */
export function emit(line: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify({ ...line, date: new Date().toISOString().slice(0, 10) }) + '\n');
}

export function exec(cmd: string, argv: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(cmd, argv, { maxBuffer: 1 << 24 }, (err, stdout, stderr) => (err ? reject(new Error(`${cmd} failed: ${stderr}`)) : resolve(stdout))),
  );
}

/** The generated data file; made with the peers' make_data.py when missing. */
export async function dataFile(name: string, only: string): Promise<string> {
  const file = path.join(DATA, name);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(DATA, { recursive: true });
    await exec(PYTHON, [path.join(PEERS, 'make_data.py'), DATA, '--only', only]);
  }
  return file;
}

/** Runs one step of the peers' harness on the same data; prints and returns its JSON lines. */
export async function runPeer(step: string, a: { repeat: number; threads: number }): Promise<BenchLine[]> {
  const out = await exec(PYTHON, [path.join(PEERS, 'peers.py'), '--data', DATA, step, '--repeat', String(a.repeat), '--threads', String(a.threads)]);
  const lines = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as BenchLine);
  for (const l of lines) emit(l);
  return lines;
}
