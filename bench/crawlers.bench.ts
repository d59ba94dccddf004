import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { resolveConfig } from '../src/core/index.js';
import { startPlatform } from '../src/platform/index.js';
import { Orchard } from '../src/sdk/index.js';
import { emit } from './support.js';

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

/** Writes `files` CSV files (header + rows) under Hive partitions `dt=…/region=…/`. */
function writeFiles(dir: string, files: number, rows: number): void {
  const perFile = Math.ceil(rows / files);
  let id = 0;
  for (let f = 0; f < files; f++) {
    const folder = path.join(dir, `dt=2024-01-${String((f % 28) + 1).padStart(2, '0')}`, `region=${['eu', 'us', 'ap'][f % 3]}`);
    fs.mkdirSync(folder, { recursive: true });
    const lines = ['id,amount,quantity,category'];
    for (let r = 0; r < perFile && id < rows; r++, id++) lines.push(`${id},${((id * 7919) % 100_000) / 100},${id % 17},c${id % 11}`);
    fs.writeFileSync(path.join(folder, `part-${String(f).padStart(5, '0')}.csv`), lines.join('\n') + '\n');
  }
}

/**
 * `npm run bench -- crawlers [--files 200] [--rows 1000000]`: a first crawl of many CSV files
 * with Hive partitions through the platform (list, per-file conversion, union, the
 * dataset's ingest with statistics) against the same folder read by DuckDB's own
 * `read_csv` over a glob into one Parquet file (a user doing it by hand), as a ratio; then
 * a rerun with one new file and one with nothing new.
 */
export async function run(args: string[]): Promise<void> {
  const files = arg(args, '--files', 200);
  const rows = arg(args, '--rows', 1_000_000);
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-bench-crawl-'));
  const src = path.join(base, 'landing');
  writeFiles(src, files, rows);
  try {
    // The peer: one statement, 2 threads (the platform's DuckDB threads).
    const db = await DuckDBInstance.create(':memory:', { threads: '2' });
    const conn = await db.connect();
    let t = performance.now();
    await conn.run(`COPY (SELECT * FROM read_csv('${src}/**/*.csv', hive_partitioning=true, union_by_name=true)) TO '${path.join(base, 'peer.parquet')}' (FORMAT parquet, COMPRESSION zstd)`);
    const peerS = (performance.now() - t) / 1000;
    conn.closeSync();
    db.closeSync();

    const platform = await startPlatform(resolveConfig({ home: path.join(base, 'home'), port: 0, workers: 1, logLevel: 'error', crawlerRoots: [src] }));
    try {
      const sdk = new Orchard({ url: platform.url, token: platform.bootstrap.token });
      await sdk.crawlers.create({ name: 'bench', source: pathToFileURL(src).href });
      const crawl = async () => {
        const start = performance.now();
        const started = await sdk.crawlers.startRun('bench');
        const ended = await sdk.crawlers.waitForRun('bench', started.run, { pollMs: 100 });
        if (ended.status !== 'Completed') throw new Error(`crawl ${ended.status}: ${ended.failureReason}`);
        return { s: (performance.now() - start) / 1000, run: ended };
      };
      const first = await crawl();
      const version = await sdk.datasets.describe(first.run.dataset!);
      fs.writeFileSync(path.join(src, 'dt=2024-01-01', 'region=eu', 'part-new.csv'), 'id,amount,quantity,category\n-1,1.5,1,c1\n');
      const rerun = await crawl();
      const nothing = await crawl();
      emit({
        task: 'crawl',
        peer: 'duckdb read_csv glob -> parquet',
        files,
        rows: version.rowCount,
        peer_s: round(peerS),
        orchard_s: round(first.s),
        ratio: round(first.s / peerS),
        rerun_one_new_file_s: round(rerun.s),
        rerun_new_files: rerun.run.newFiles,
        rerun_nothing_new_s: round(nothing.s),
        rows_per_s: Math.round(version.rowCount / first.s),
      });
    } finally {
      await platform.close();
    }
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
}

const round = (x: number) => Math.round(x * 1000) / 1000;
