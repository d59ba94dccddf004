/**
 * A fixed pool of worker threads that run numeric kernels over row blocks of shared
 * memory. Thread 0 is the calling thread, so `threads: 2` starts one worker.
 *
 * Kernels are plain JavaScript source (a function body returning an object of
 * operations) evaluated in every thread. Source text rather than a module path keeps the
 * pool independent of how the code is run (compiled `dist/`, tsx, or the test runner),
 * none of which would otherwise agree on a worker file name.
 */
import { Worker } from 'node:worker_threads';
import { OrchardError } from '../../core/errors.js';

/** One kernel operation: `(state, args) => result`; `state` is the shared object. */
export type KernelOp = (state: Record<string, unknown>, args: Record<string, unknown>) => unknown;

export interface KernelPool {
  readonly threads: number;
  /** Runs `op` once per element of `args` (at most `threads`), in parallel; results in order. */
  run<T>(op: string, args: readonly Record<string, unknown>[]): Promise<T[]>;
  close(): Promise<void>;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

const WORKER_MAIN = `
const { parentPort, workerData } = require('node:worker_threads');
const ops = new Function(workerData.source)();
const state = workerData.state;
parentPort.on('message', (msg) => {
  try {
    parentPort.postMessage({ id: msg.id, result: ops[msg.op](state, msg.args) });
  } catch (err) {
    parentPort.postMessage({ id: msg.id, error: String((err && err.stack) || err) });
  }
});
`;

/** Instantiates kernel source on the calling thread. */
export function instantiateKernels(source: string): Record<string, KernelOp> {
  return new Function(source)() as Record<string, KernelOp>;
}

/**
 * Starts `threads - 1` workers sharing `state` (typed arrays over SharedArrayBuffer are
 * shared, everything else is copied once).
 */
export function createKernelPool(source: string, threads: number, state: Record<string, unknown>): KernelPool {
  const local = instantiateKernels(source);
  const n = Math.max(1, Math.floor(threads));
  const workers: Worker[] = [];
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let failure: unknown = null;
  for (let i = 1; i < n; i++) {
    const w = new Worker(WORKER_MAIN, { eval: true, workerData: { source, state } });
    w.on('message', (msg: { id: number; result?: unknown; error?: string }) => {
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if (msg.error !== undefined) p.reject(new OrchardError('ORCH_INTERNAL', { message: 'A numeric kernel failed', cause: msg.error }));
      else p.resolve(msg.result);
    });
    w.on('error', (err) => {
      failure = err;
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    });
    workers.push(w);
  }
  return {
    threads: n,
    async run<T>(op: string, args: readonly Record<string, unknown>[]): Promise<T[]> {
      if (failure) throw failure;
      if (args.length > n) throw new Error(`kernel pool: ${args.length} tasks for ${n} threads`);
      const remote = args.slice(1).map(
        (a, i) =>
          new Promise<unknown>((resolve, reject) => {
            const id = nextId++;
            pending.set(id, { resolve, reject });
            workers[i].postMessage({ id, op, args: a });
          }),
      );
      let first: unknown;
      try {
        first = args.length ? local[op](state, args[0] as Record<string, unknown>) : undefined;
      } catch (err) {
        await Promise.allSettled(remote);
        throw err;
      }
      const rest = await Promise.all(remote);
      return (args.length ? [first, ...rest] : []) as T[];
    },
    async close(): Promise<void> {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

/** Splits [0, rows) into `parts` contiguous ranges of near-equal size. */
export function splitRows(rows: number, parts: number): { start: number; end: number }[] {
  const p = Math.max(1, Math.min(parts, rows));
  const out: { start: number; end: number }[] = [];
  for (let i = 0; i < p; i++) out.push({ start: Math.floor((rows * i) / p), end: Math.floor((rows * (i + 1)) / p) });
  return out;
}

/** Copies a typed array into shared memory (no copy when it already is shared). */
export function toShared(a: Float32Array): Float32Array {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const s = new Float32Array(new SharedArrayBuffer(a.length * 4));
  s.set(a);
  return s;
}
