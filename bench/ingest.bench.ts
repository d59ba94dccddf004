import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Orchard } from '../src/sdk/index.js';
import { startServer } from '../test/support/server.js';

const DATA = path.join(path.dirname(fileURLToPath(import.meta.url)), 'data');

/**
 * Writes a SageMaker-style CSV (label first, no header, 28 float features) of about
 * `bytes` bytes, deterministically, without holding it in memory.
 */
async function generate(file: string, bytes: number): Promise<void> {
  if (fs.existsSync(file) && fs.statSync(file).size >= bytes) return;
  const out = fs.createWriteStream(file);
  let written = 0;
  let seed = 42;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  while (written < bytes) {
    const lines: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      const row = [rand() < 0.5 ? '0' : '1'];
      for (let j = 0; j < 28; j++) row.push((rand() * 20 - 10).toFixed(5));
      lines.push(row.join(','));
    }
    const chunk = lines.join('\n') + '\n';
    written += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

/** Resident set of a process now (Linux VmRSS), in MiB. */
function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** Peak resident set of a process so far (Linux VmHWM), in MiB. */
function peakRssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

export async function run(args: string[]): Promise<void> {
  const gb = Number(args[args.indexOf('--gb') + 1] ?? 2) || 2;
  fs.mkdirSync(DATA, { recursive: true });
  const file = path.join(DATA, `ingest_${gb}gb.csv`);
  const t0 = Date.now();
  await generate(file, gb * 1024 ** 3);
  const size = fs.statSync(file).size;
  process.stderr.write(`data ready: ${file} (${(size / 1024 ** 3).toFixed(2)} GiB) in ${(Date.now() - t0) / 1000}s\n`);

  if (args.includes('--from-query')) return fromQuery(file, size);
  const server = await startServer();
  try {
    const baseline = peakRssMiB(server.process.pid!);
    const orchard = new Orchard({ url: server.url, token: server.adminToken });
    const start = process.hrtime.bigint();
    const ds = await orchard.datasets.create({ name: 'ingest', file, format: 'csv', header: false });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const peak = peakRssMiB(server.process.pid!);
    process.stdout.write(
      JSON.stringify({
        bench: 'ingest',
        bytes: size,
        rows: ds.rowCount,
        columns: ds.columns.length,
        wallSeconds: Number(seconds.toFixed(2)),
        mibPerSecond: Number((size / 1024 ** 2 / seconds).toFixed(1)),
        serverPeakRssMiB: Number(peak.toFixed(0)),
        serverIdleRssMiB: Number(baseline.toFixed(0)),
      }) + '\n',
    );
  } finally {
    await server.stop();
    fs.rmSync(server.home, { recursive: true, force: true });
  }
}

/**
 * `--from-query`: the SQL processor on the same data. The CSV is ingested, the server is
 * started again on the same home (so its peak RSS counts only what follows), and
 * `datasets create --from-query "SELECT * FROM ingest"` writes the whole 2 GiB table as a
 * new version. DuckDB's COPY streams row groups and the result is ingested from its
 * Parquet file, so the server's peak stays bounded whatever the result's size.
 */
async function fromQuery(file: string, size: number): Promise<void> {
  const first = await startServer();
  const home = first.home;
  try {
    const orchard = new Orchard({ url: first.url, token: first.adminToken });
    const t0 = process.hrtime.bigint();
    const source = await orchard.datasets.create({ name: 'ingest', file, format: 'csv', header: false });
    process.stderr.write(`ingested ${source.rowCount} rows in ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)}s\n`);
    await first.stop();
    const server = await startServer({}, home);
    try {
      const idle = peakRssMiB(server.process.pid!);
      const client = new Orchard({ url: server.url, token: server.adminToken });
      const start = process.hrtime.bigint();
      // The server's resident set every second, so a peak can be placed (the COPY, then the statistics).
      const trace: number[] = [];
      const sampler = setInterval(() => trace.push(Math.round(rssMiB(server.process.pid!))), 1000);
      const ds = await client.datasets.createFromQuery({ name: 'copied', sql: 'SELECT * FROM ingest' }).finally(() => clearInterval(sampler));
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      process.stderr.write(`server RSS MiB each second: ${trace.join(' ')}\n`);
      const peak = peakRssMiB(server.process.pid!);
      process.stdout.write(
        JSON.stringify({
          bench: 'ingest --from-query',
          sourceCsvBytes: size,
          rows: ds.rowCount,
          resultParquetBytes: ds.sizeBytes,
          wallSeconds: Number(seconds.toFixed(2)),
          serverPeakRssMiB: Number(peak.toFixed(0)),
          serverIdleRssMiB: Number(idle.toFixed(0)),
        }) + '\n',
      );
    } finally {
      await server.stop();
    }
  } finally {
    await first.stop();
    fs.rmSync(home, { recursive: true, force: true });
  }
}
