import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveConfig } from '../src/core/index.js';
import { startPlatform } from '../src/platform/index.js';
import { Orchard } from '../src/sdk/index.js';
import { DATA, emit, median, PYTHON } from './support.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** A typical preparation step with the standard library: filter rows, add a column, write CSV. */
const SCRIPT = `
import csv, glob, os, sys
src, dst = sys.argv[1], sys.argv[2]
kept = 0
with open(os.path.join(dst, 'clean.csv'), 'w', newline='') as fo:
    w = csv.writer(fo)
    for i, f in enumerate(sorted(glob.glob(os.path.join(src, '*.csv')))):
        with open(f, newline='') as fi:
            r = csv.reader(fi)
            header = next(r)
            if i == 0:
                w.writerow(header + ['total'])
            for row in r:
                v = [float(x) for x in row]
                if v[1] >= 0:
                    w.writerow(row + ['%.4f' % sum(v[1:])])
                    kept += 1
print('#metric kept=%d' % kept)
`;

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

/** `rows` rows of `label,x1..x4` with a header, seeded. */
function writeCsv(file: string, rows: number): void {
  let s = 7;
  const rand = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, 'label,x1,x2,x3,x4\n');
  let buf: string[] = [];
  for (let i = 0; i < rows; i++) {
    buf.push(`${rand() > 0.5 ? 1 : 0},${(rand() * 4 - 2).toFixed(4)},${(rand() * 4 - 2).toFixed(4)},${(rand() * 4 - 2).toFixed(4)},${(rand() * 4 - 2).toFixed(4)}`);
    if (buf.length === 10_000) {
      fs.writeSync(fd, buf.join('\n') + '\n');
      buf = [];
    }
  }
  if (buf.length) fs.writeSync(fd, buf.join('\n') + '\n');
  fs.closeSync(fd);
}

/** Runs the real command line (from source, through tsx) and returns its wall time and JSON answer. */
function orchardCli(argv: string[], env: Record<string, string>): Promise<{ seconds: number; json: any; stderr: string }> {
  const code = `const { main } = await import(${JSON.stringify(path.join(ROOT, 'src/cli/main.ts'))}); process.exitCode = await main(process.argv);`;
  const t = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code, 'orchard', ...argv], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c));
    child.stderr.on('data', (c: Buffer) => (err += c));
    child.on('error', reject);
    child.on('close', () => {
      try {
        resolve({ seconds: (performance.now() - t) / 1000, json: JSON.parse(out), stderr: err });
      } catch {
        reject(new Error(`orchard ${argv[0]} printed no JSON: ${out}${err}`));
      }
    });
  });
}

/**
 * `npm run bench -- processing [--rows 1000000] [--repeat 3]`: one Python preparation
 * script (csv module: filter, add a column, write) over the same generated CSV, run by
 * `/usr/bin/python3` on local files and through `orchard process --wait` (embedded
 * server; the wall time of the command: source upload, queueing, the input written from
 * the store, the script, the check for writes outside outputs, the output stored and
 * registered as a dataset version with schema and statistics). The ratio is the
 * platform's overhead on this step (medians of alternating runs); the input's own
 * ingest is reported apart, and the job's phases (queued, setup, script, register, CLI).
 */
export async function run(args: string[]): Promise<void> {
  const rows = arg(args, '--rows', 1_000_000);
  const repeat = arg(args, '--repeat', 3);
  fs.mkdirSync(DATA, { recursive: true });
  const data = path.join(DATA, `processing_${rows}.csv`);
  if (!fs.existsSync(data)) writeCsv(data, rows);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-bench-processing-'));
  fs.chmodSync(work, 0o711);
  const scriptDir = path.join(work, 'code');
  fs.mkdirSync(scriptDir);
  const script = path.join(scriptDir, 'prep.py');
  fs.writeFileSync(script, SCRIPT);

  // Direct: the script on local files, as a user would run it on one machine.
  const inDir = path.join(work, 'in');
  fs.mkdirSync(inDir);
  fs.copyFileSync(data, path.join(inDir, 'data.csv'));
  const direct: number[] = [];
  const runDirect = () => {
    const outDir = fs.mkdtempSync(path.join(work, 'out-'));
    const t = performance.now();
    const res = spawnSync(PYTHON, [script, inDir, outDir], { encoding: 'utf8' });
    direct.push((performance.now() - t) / 1000);
    if (res.status !== 0) throw new Error(`direct run failed: ${res.stderr}`);
    fs.rmSync(outDir, { recursive: true, force: true });
  };

  const home = path.join(work, 'home');
  const platform = await startPlatform(resolveConfig({ home, port: 0, workers: 2, logLevel: 'error', attemptsDir: path.join(work, 'attempts') }));
  try {
    const token = platform.bootstrap.token!;
    const sdk = new Orchard({ url: platform.url, token });
    let t = performance.now();
    await sdk.datasets.create({ name: 'raw', file: data, header: true });
    const ingestS = (performance.now() - t) / 1000;
    const env = { ORCHARD_URL: platform.url, ORCHARD_TOKEN: token };
    const through: number[] = [];
    const phases: Array<Record<string, number>> = [];
    // Runs alternate (direct, then through Orchard), so a busy machine weighs on both alike.
    for (let i = 0; i < repeat; i++) {
      runDirect();
      const res = await orchardCli(['process', '--name', `bench-${i}`, '--script', script, '--input', 'raw=raw', '--output', 'clean=clean', '--arguments', '/opt/ml/processing/input/raw /opt/ml/processing/output/clean', '--wait', '--json'], env);
      if (res.json.status !== 'Completed') throw new Error(`processing job failed: ${res.json.failureReason ?? res.stderr}`);
      through.push(res.seconds);
      // Where the time went, from the job's times and its log's own lines.
      const lines = (await sdk.processing.logs(`bench-${i}`)).lines;
      const at = (re: RegExp) => Date.parse(lines.find((l) => re.test(l.line))?.timestamp ?? 'x');
      const [created, started, ended] = [res.json.createdAt, res.json.startedAt, res.json.endedAt].map((t: string) => Date.parse(t));
      const [running, completed] = [at(/^\[orchard\] running /), at(/^\[orchard\] algo-1 completed$/)];
      phases.push({ queued_s: (started - created) / 1000, setup_s: (running - started) / 1000, script_and_staging_s: (completed - running) / 1000, register_s: (ended - completed) / 1000, cli_s: res.seconds - (ended - created) / 1000 });
    }
    const orchardS = median(through);
    const directS = median(direct);
    const best = phases[through.indexOf(orchardS)];
    const out = await sdk.datasets.describe('clean');
    emit({ task: 'processing', peer: 'python3 direct', rows, seconds: directS, runs: direct });
    emit({ task: 'processing', peer: 'orchard process --wait', rows, seconds: orchardS, runs: through, phases: best, output_rows: out.rowCount, input_ingest_s: ingestS });
    emit({ task: 'processing', rows, ratio: orchardS / directS, overhead_s: orchardS - directS, overhead_beside_script_s: orchardS - best.script_and_staging_s });
  } finally {
    await platform.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
}
