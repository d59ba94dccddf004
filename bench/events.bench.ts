/**
 * `npm run bench -- events [--clients 50] [--seconds 10]`: followers of one running
 * training job, two ways in the same run against the same `orchard up` — the event stream
 * (one shared poller fans out) and the peer, per-client polling as the CLI did before
 * (describe + logs?after every second). Prints, per way: the server's CPU seconds over
 * the window, requests made, and how late lines reached the followers (median, p95).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createParser } from 'eventsource-parser';
import { emit, median } from './support.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** utime + stime of a process, seconds (Linux /proc). */
function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)] ?? NaN;

export async function run(args: string[]): Promise<void> {
  const opt = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
  const clients = opt('--clients', 50);
  const seconds = opt('--seconds', 10);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-bench-events-'));
  const token = 'bench-events-token-0123456789abcdef';
  const server = spawn(process.execPath, [path.join(ROOT, 'bin/orchard.js'), 'up', '--port', '0', '--home', home, '--workers', '1', '--json'], {
    env: { ...process.env, ORCHARD_TOKEN: token },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const { url } = JSON.parse(await new Promise<string>((resolve) => createInterface({ input: server.stdout! }).once('line', resolve))) as { url: string };
    const auth = { authorization: `Bearer ${token}` };
    const cli = (argv: string[]) =>
      new Promise<void>((resolve, reject) => {
        const c = spawn(process.execPath, [path.join(ROOT, 'bin/orchard.js'), ...argv], { env: { ...process.env, ORCHARD_URL: url, ORCHARD_TOKEN: token }, stdio: 'ignore' });
        c.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`orchard ${argv.join(' ')} exited ${code}`))));
      });
    fs.writeFileSync(path.join(home, 'd.csv'), '1,0.5\n0,0.2\n');
    // 20 lines a second for longer than both windows.
    const script = path.join(home, 'chatty.mjs');
    fs.writeFileSync(script, `for (let i = 0; i < ${seconds * 2 * 20 + 200}; i++) { console.log('line ' + i); await new Promise((r) => setTimeout(r, 50)); }\n`);
    await cli(['datasets', 'create', 'd', '--file', path.join(home, 'd.csv')]);
    await cli(['train', '--name', 'chatty', '--script', script, '--train', 'd']);
    await new Promise((r) => setTimeout(r, 2000));

    for (const way of ['sse', 'polling'] as const) {
      const lateness: number[] = [];
      let requests = 0;
      const stop = new AbortController();
      const deadline = Date.now() + seconds * 1000;
      const cpu0 = cpuSeconds(server.pid!);
      const seen = (line: { timestamp: string }) => {
        if (Date.now() < deadline) lateness.push(Date.now() - Date.parse(line.timestamp));
      };
      const followers = Array.from({ length: clients }, async () => {
        if (way === 'sse') {
          requests++;
          // Start from the newest line: the bench measures live delivery, not the replay.
          const last = (await (await fetch(`${url}/api/v1/training-jobs/chatty/logs?after=0&limit=10000`, { headers: auth })).json()) as { nextSeq: number };
          const res = await fetch(`${url}/api/v1/training-jobs/chatty/events?after=${last.nextSeq}`, { headers: auth, signal: stop.signal });
          const parser = createParser({ onEvent: (m) => m.event === 'log' && seen(JSON.parse(m.data)) });
          const reader = res.body!.getReader();
          const decoder = new TextDecoder();
          for (;;) {
            const { value, done } = await reader.read();
            if (done) return;
            parser.feed(decoder.decode(value, { stream: true }));
          }
        }
        let after = (await (await fetch(`${url}/api/v1/training-jobs/chatty/logs?after=0&limit=10000`, { headers: auth })).json() as { nextSeq: number }).nextSeq;
        while (!stop.signal.aborted) {
          await fetch(`${url}/api/v1/training-jobs/chatty`, { headers: auth, signal: stop.signal });
          const page = (await (await fetch(`${url}/api/v1/training-jobs/chatty/logs?after=${after}&limit=1000`, { headers: auth, signal: stop.signal })).json()) as { lines: Array<{ timestamp: string }>; nextSeq: number };
          requests += 2;
          page.lines.forEach(seen);
          after = page.nextSeq;
          await new Promise((r) => setTimeout(r, 1000));
        }
      });
      await new Promise((r) => setTimeout(r, seconds * 1000));
      const cpu = cpuSeconds(server.pid!) - cpu0;
      stop.abort();
      await Promise.allSettled(followers);
      emit({ bench: 'events', peer: way === 'sse' ? 'orchard-sse' : 'per-client-polling', clients, seconds, server_cpu_s: Number(cpu.toFixed(2)), requests, lines_delivered: lateness.length, lateness_median_ms: median(lateness), lateness_p95_ms: p95(lateness) });
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    fs.rmSync(home, { recursive: true, force: true });
  }
}
