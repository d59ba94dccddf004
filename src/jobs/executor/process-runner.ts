import { spawn } from 'node:child_process';

export interface RunProcessOptions {
  command: string;
  args: string[];
  cwd: string;
  /** The whole environment of the child: nothing is inherited. */
  env: Record<string, string>;
  /** Stop the process (and everything it started) after this long. */
  timeLimitMs?: number;
  /** Aborting stops the process (and everything it started). */
  signal?: AbortSignal;
  /** Called for each line of output, until `maxLogBytes` have been passed on. */
  onLine: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Output passed to `onLine` at most; the rest is counted, not kept. @default 16 MiB */
  maxLogBytes?: number;
  /** Run as this user/group (when the platform runs as root). */
  uid?: number;
  gid?: number;
  /** Between SIGTERM and SIGKILL when stopping. @default 5000 */
  killGraceMs?: number;
  /** Called with the process id, which is also its process group id, once it started. */
  onSpawn?: (pid: number) => void;
}

export interface ProcessResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Why it ended: on its own, by the time limit, or stopped. */
  ended: 'exited' | 'timeout' | 'stopped';
  logTruncated: boolean;
  /** The last lines of output (also after truncation), for a failure reason. */
  tail: string[];
}

const TAIL_LINES = 20;
const MAX_LINE_CHARS = 16 * 1024;

/**
 * Runs one process in its own process group and always ends the whole group: on a
 * time limit, on stop, and after the main process exits (so a script's background
 * children never outlive the attempt).
 */
export function runProcess(options: RunProcessOptions): Promise<ProcessResult> {
  const maxLogBytes = options.maxLogBytes ?? 16 * 1024 * 1024;
  const grace = options.killGraceMs ?? 5000;
  return new Promise((resolve, reject) => {
    const child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      uid: options.uid,
      gid: options.gid,
    });
    if (child.pid !== undefined) options.onSpawn?.(child.pid);
    let ended: ProcessResult['ended'] = 'exited';
    let logged = 0;
    let truncated = false;
    const tail: string[] = [];
    const emit = (line: string, stream: 'stdout' | 'stderr') => {
      const text = line.length > MAX_LINE_CHARS ? line.slice(0, MAX_LINE_CHARS) + '…' : line;
      tail.push(text);
      if (tail.length > TAIL_LINES) tail.shift();
      if (truncated) return;
      logged += Buffer.byteLength(text) + 1;
      if (logged > maxLogBytes) {
        truncated = true;
        options.onLine(`[log truncated after ${maxLogBytes} bytes; the job goes on]`, 'stderr');
        return;
      }
      options.onLine(text, stream);
    };
    const flushers = [splitLines(child.stdout!, (l) => emit(l, 'stdout')), splitLines(child.stderr!, (l) => emit(l, 'stderr'))];

    let killTimer: NodeJS.Timeout | undefined;
    const stopGroup = (why: ProcessResult['ended']) => {
      if (ended === 'exited') ended = why;
      killGroup(child.pid, 'SIGTERM');
      killTimer ??= setTimeout(() => killGroup(child.pid, 'SIGKILL'), grace);
    };
    const limit = options.timeLimitMs !== undefined ? setTimeout(() => stopGroup('timeout'), options.timeLimitMs) : undefined;
    const onAbort = () => stopGroup('stopped');
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });

    child.once('error', (err) => {
      clearTimeout(limit);
      clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
      reject(err);
    });
    child.once('close', (exitCode, signal) => {
      clearTimeout(limit);
      clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
      // Whatever the script left running in its group goes with it.
      killGroup(child.pid, 'SIGKILL');
      for (const flush of flushers) flush();
      resolve({ exitCode, signal, ended, logTruncated: truncated, tail });
    });
  });
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

/** Calls `onLine` per line; returns a function that emits a last unterminated line. */
function splitLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): () => void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    let at: number;
    while ((at = pending.indexOf('\n')) >= 0) {
      onLine(pending.slice(0, at).replace(/\r$/, ''));
      pending = pending.slice(at + 1);
    }
    // A line that never ends must not grow without bound.
    if (pending.length > MAX_LINE_CHARS) {
      onLine(pending);
      pending = '';
    }
  });
  return () => {
    if (pending) onLine(pending);
    pending = '';
  };
}
