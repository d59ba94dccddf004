import { execFile, spawnSync } from 'node:child_process';
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

/** The peers' classification set (1M + 200k rows x 28), generated once into bench/data. */
export function clsData(): { train: string; test: string } {
  const train = path.join(DATA, 'cls_1m.csv');
  const test = path.join(DATA, 'cls_1m_test.csv');
  if (!fs.existsSync(train) || !fs.existsSync(test)) {
    fs.mkdirSync(DATA, { recursive: true });
    process.stderr.write('generating cls_1m.csv with the peers\' make_data.py …\n');
    const r = spawnSync(PYTHON, [path.join(PEERS, 'make_data.py'), DATA, '--only', 'cls'], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('make_data.py failed');
  }
  return { train, test };
}

/** The first `rows` lines of `file`, written once as a smaller file. */
export function headRows(file: string, rows: number): string {
  const out = file.replace(/\.csv$/, `_${rows}.csv`);
  if (fs.existsSync(out)) return out;
  const fd = fs.openSync(file, 'r');
  const chunks: Buffer[] = [];
  let lines = 0;
  const buf = Buffer.alloc(1 << 20);
  for (;;) {
    const n = fs.readSync(fd, buf, 0, buf.length, null);
    if (n === 0) break;
    let end = n;
    for (let i = 0; i < n; i++) {
      if (buf[i] === 10 && ++lines === rows) {
        end = i + 1;
        break;
      }
    }
    chunks.push(Buffer.from(buf.subarray(0, end)));
    if (lines >= rows) break;
  }
  fs.closeSync(fd);
  fs.writeFileSync(out, Buffer.concat(chunks));
  return out;
}
