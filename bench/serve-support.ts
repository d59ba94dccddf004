/**
 * What the serving benches share: `orchard up` from the build, and wrk as the load
 * generator (one CSV row per request, rows taken in turn).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** `orchard up` from the build, as a user starts it; resolves with its URL and admin token. */
export async function startOrchardUp(home: string, extraEnv: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string; token: string }> {
  if (!fs.existsSync(path.join(ROOT, 'dist/serving/endpoints/model-server.js'))) throw new Error('run `npm run build` first: the bench serves from dist/ as `orchard up` does');
  const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ORCHARD_'))), ...extraEnv };
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/orchard.js'), 'up', '--port', '0', '--home', home, '--workers', '1', '--json'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`orchard up exited with ${code}`)));
  });
  const facts = JSON.parse(line) as { url: string; adminToken: string };
  return { child, url: facts.url, token: facts.adminToken };
}

/** SIGTERM, then SIGKILL after 10 s; resolves when the process has exited. */
export async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(t);
}

export interface WrkResult {
  rps: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  mean_ms: number;
  non_2xx: number;
  errors: number;
}

/** Whether wrk is installed. */
export function hasWrk(): Promise<boolean> {
  return new Promise((resolve) => execFile('wrk', ['--version'], (err) => resolve(!err || (err as NodeJS.ErrnoException).code !== 'ENOENT')));
}

/**
 * Writes a wrk script into `dir` that POSTs `rows` in turn as `text/csv` bodies (with
 * `headers` besides, and `rowHeaders[i]` with row i: a signature per body) and prints its
 * summary as one `WRKJSON {…}` line; returns its path. Each thread formats its requests
 * once in `init`, so a request costs the client one table lookup whatever its headers
 * (setting per-row headers and formatting per request made signed requests dearer to send).
 */
export function wrkScript(dir: string, rows: string[], headers: Record<string, string> = {}, rowHeaders?: Record<string, string>[]): string {
  const file = path.join(dir, `wrk-${Math.random().toString(36).slice(2)}.lua`);
  const extra = Object.entries(headers).map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}\n`).join('');
  const luaTable = (h: Record<string, string>) => `{${Object.entries(h).map(([k, v]) => `[${JSON.stringify(k)}] = ${JSON.stringify(v)}`).join(', ')}}`;
  fs.writeFileSync(
    file,
    `local rows = {
${rows.map((r) => JSON.stringify(r)).join(',\n')}
}
${rowHeaders ? `local rowHeaders = {\n${rowHeaders.map(luaTable).join(',\n')}\n}\n` : ''}local requests = {}
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "text/csv"
${extra}init = function(args)
  for n = 1, #rows do
    ${rowHeaders ? 'for k, v in pairs(rowHeaders[n]) do wrk.headers[k] = v end\n    ' : ''}requests[n] = wrk.format(nil, nil, nil, rows[n])
  end
end
request = function()
  i = (i % #requests) + 1
  return requests[i]
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%d,"duration_us":%d,"non_2xx":%d,"errors":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"mean_us":%.1f}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean))
end
`,
  );
  return file;
}

/** One wrk run (2 threads, `connections` connections, `duration` seconds) of a script from `wrkScript`. */
export async function wrk(url: string, script: string, a: { duration: number; connections: number }): Promise<WrkResult> {
  const argv = ['-t2', `-c${a.connections}`, `-d${a.duration}s`, '--timeout', '5s', '--latency', '-s', script, url];
  const out = await new Promise<string>((resolve, reject) =>
    execFile('wrk', argv, { maxBuffer: 1 << 24, timeout: (a.duration + 60) * 1000 }, (err, stdout, stderr) => (err ? reject(new Error(`wrk failed: ${stderr || err.message}`)) : resolve(stdout))),
  );
  const line = out.split('\n').find((l) => l.startsWith('WRKJSON '));
  if (!line) throw new Error(`wrk printed no result: ${out}`);
  const r = JSON.parse(line.slice(8)) as { requests: number; duration_us: number; non_2xx: number; errors: number; p50_us: number; p90_us: number; p99_us: number; mean_us: number };
  return { rps: r.requests / (r.duration_us / 1e6), p50_ms: r.p50_us / 1000, p90_ms: r.p90_us / 1000, p99_ms: r.p99_us / 1000, mean_ms: r.mean_us / 1000, non_2xx: r.non_2xx, errors: r.errors };
}

/** A numeric command-line option's value, or `fallback` when it is absent. */
export function numberArg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

/**
 * A seeded binary classification CSV (label first, 28 features) written to `file`, as the
 * endpoint benches' xgboost model sees; returns the first 1000 rows without their label,
 * the request bodies.
 */
export function writeServeData(file: string, rows: number): string[] {
  let s = 7;
  const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const x = Array.from({ length: 28 }, () => +(rand() * 2 - 1).toFixed(4));
    const y = x[0] + 0.5 * x[1] * x[2] - 0.3 * x[3] + 0.2 * (rand() - 0.5) > 0 ? 1 : 0;
    lines.push(`${y},${x.join(',')}`);
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return lines.slice(0, 1000).map((l) => l.slice(l.indexOf(',') + 1));
}
