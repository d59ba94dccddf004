/**
 * A small pool of worker threads that run the kernels of kernels.ts over shared memory.
 *
 * The worker source is built from the kernels' own compiled text, so the same code
 * runs on every thread whether Orchard runs from TypeScript (tsx, vitest) or from
 * dist/. The calling thread takes slice 0 of every job itself: with `threads` = 2 there
 * is one worker, and both cores work.
 */
import { Worker } from 'node:worker_threads';
import * as kernels from './kernels.js';

type KernelName = keyof typeof kernels;
/** An argument: a number, or the name of an array shared earlier with `share`. */
export type KernelArg = number | { ref: string };
type AnyArray = Float32Array | Float64Array | Uint8Array | Uint32Array | Int32Array;

function workerSource(): string {
  const fns = Object.entries(kernels)
    .filter(([, v]) => typeof v === 'function')
    .map(([name, fn]) => `const ${name} = ${(fn as (...a: unknown[]) => unknown).toString()};`);
  return `
'use strict';
var __name = (f) => f;
const { parentPort } = require('node:worker_threads');
${fns.join('\n')}
const K = { ${Object.keys(kernels).join(', ')} };
const arrays = Object.create(null);
parentPort.on('message', (m) => {
  try {
    if (m.op === 'share') { arrays[m.name] = m.array; return; }
    const args = m.args.map((a) => (typeof a === 'number' ? a : arrays[a.ref]));
    K[m.fn](...args);
    parentPort.postMessage({ ok: true });
  } catch (err) {
    parentPort.postMessage({ ok: false, error: String(err && err.stack || err) });
  }
});
`;
}

export class WorkerPool {
  private readonly arrays = new Map<string, AnyArray>();
  private readonly pending: ((m: { ok: boolean; error?: string }) => void)[] = [];

  private constructor(private readonly workers: Worker[]) {
    workers.forEach((w, i) => {
      w.unref();
      w.on('message', (m: { ok: boolean; error?: string }) => this.pending[i]?.(m));
      w.on('error', (err) => this.pending[i]?.({ ok: false, error: String(err) }));
    });
  }

  /** A pool using `threads` threads in all (the calling thread included). */
  static create(threads: number): WorkerPool {
    const n = Math.max(0, Math.floor(threads) - 1);
    const source = n > 0 ? workerSource() : '';
    return new WorkerPool(Array.from({ length: n }, () => new Worker(source, { eval: true })));
  }

  /** Threads taking part in each job. */
  get size(): number {
    return this.workers.length + 1;
  }

  /** Allocates a typed array over shared memory. */
  static shared<T extends AnyArray>(ctor: { new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number }, length: number): T {
    return new ctor(new SharedArrayBuffer(Math.max(1, length) * ctor.BYTES_PER_ELEMENT));
  }

  /** Makes a shared-memory array known to every worker under `name`. */
  share(name: string, array: AnyArray): void {
    if (!(array.buffer instanceof SharedArrayBuffer)) throw new Error(`array ${name} is not in shared memory`);
    this.arrays.set(name, array);
    for (const w of this.workers) w.postMessage({ op: 'share', name, array });
  }

  /**
   * Runs kernel `fn` on every thread; `args(t, T)` gives thread t's arguments. Resolves
   * when all threads are done.
   */
  async run(fn: KernelName, args: (t: number, T: number) => KernelArg[]): Promise<void> {
    const T = this.size;
    const waits = this.workers.map(
      (w, i) =>
        new Promise<void>((resolve, reject) => {
          this.pending[i] = (m) => {
            this.pending[i] = undefined as never;
            if (m.ok) resolve();
            else reject(new Error(`worker ${i + 1}: ${m.error}`));
          };
          w.postMessage({ op: 'call', fn, args: args(i + 1, T) });
        }),
    );
    const own = args(0, T).map((a) => (typeof a === 'number' ? a : this.arrays.get(a.ref)));
    (kernels[fn] as (...a: unknown[]) => void)(...own);
    await Promise.all(waits);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
