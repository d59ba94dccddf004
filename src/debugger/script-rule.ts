/**
 * A custom rule: the user's Python or JavaScript program reads the job's metric series as
 * JSON on stdin and prints `{"status": "IssuesFound"|"NoIssuesFound", "message": …}`. It
 * runs as training scripts do: a clean environment, its own folder and process group, as
 * an unprivileged user when the platform runs as root, and killed after a time limit.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RULE_LIMITS } from '../contracts/debugger-values.js';
import { commandFor, UNPRIVILEGED } from '../jobs/index.js';
import type { SeriesMap, Verdict } from './rules.js';

const MAX_OUTPUT = 64 * 1024;

/** What the script reads on stdin. */
export function seriesInput(job: string, rule: string, params: Record<string, unknown>, series: SeriesMap, final: boolean) {
  const metrics: Record<string, Array<{ step: number; value: number | string }>> = {};
  for (const [name, points] of series) metrics[name] = points.map((p) => ({ step: p.step, value: Number.isFinite(p.value) ? p.value : String(p.value) }));
  return { job, rule, parameters: params, final, metrics };
}

export async function runScriptRule(script: { fileName: string; source: string }, input: unknown, timeoutMs: number = RULE_LIMITS.scriptTimeoutMs): Promise<Verdict> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'orchard-rule-'));
  try {
    await fs.chmod(dir, 0o755);
    const file = path.join(dir, script.fileName);
    await fs.writeFile(file, script.source, { mode: 0o644 });
    const asRoot = process.getuid?.() === 0;
    const { command, args } = commandFor(file);
    const child = spawn(command, args, {
      cwd: dir,
      env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: dir, LANG: 'C.UTF-8', PYTHONUNBUFFERED: '1' },
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(asRoot ? UNPRIVILEGED : {}),
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out.length < MAX_OUTPUT ? (out += b.toString('utf8')) : undefined));
    child.stderr.on('data', (b: Buffer) => (err.length < MAX_OUTPUT ? (err += b.toString('utf8')) : undefined));
    child.stdin.on('error', () => undefined);
    child.stdin.end(JSON.stringify(input));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* gone already */
      }
    }, timeoutMs);
    const code = await new Promise<number | null>((resolve) => {
      child.once('error', (e) => ((err += e.message), resolve(-1)));
      child.once('close', (c) => resolve(c));
    }).finally(() => clearTimeout(timer));
    if (code !== 0) return { status: 'Error', message: `The rule script ${code === null ? `was killed (time limit ${timeoutMs / 1000} s)` : `exited with code ${code}`}${err.trim() ? `: ${err.trim().split('\n').slice(-3).join(' | ')}` : ''}`.slice(0, 1000) };
    return parseVerdict(out);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** The last JSON line the script printed, as a verdict. */
export function parseVerdict(out: string): Verdict {
  const last = out.trim().split('\n').filter((l) => l.trim().startsWith('{')).pop();
  let parsed: { status?: unknown; message?: unknown } | null = null;
  try {
    parsed = last ? JSON.parse(last) : null;
  } catch {
    parsed = null;
  }
  const message = typeof parsed?.message === 'string' ? parsed.message.slice(0, 1000) : '';
  if (parsed?.status === 'IssuesFound' || parsed?.status === 'NoIssuesFound') return { status: parsed.status, message };
  if (parsed?.status === 'InProgress') return { status: 'InProgress', message: message || null };
  return { status: 'Error', message: 'The rule script printed no {"status": "IssuesFound"|"NoIssuesFound", "message": …} line' };
}
