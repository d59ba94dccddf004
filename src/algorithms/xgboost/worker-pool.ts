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
import { type GradFn, type HistFn, KERNELS_WASM, type PartFn, Wasm, type WasmMemory, wasmKernels } from './wasm.js';

type KernelName = keyof typeof kernels;
/** An argument: a number, or the name of an array shared earlier with `share`. */
export type KernelArg = number | { ref: string };
type AnyArray = Float32Array | Float64Array | Uint8Array | Uint32Array | Int32Array;

/** Largest heap: wasm32 addresses 4 GiB (65536 pages of 64 KiB). */
const MAX_PAGES = 65536;
const PAGE = 65536;
/**
 * Between calls the threads spin up to this long on shared counters (calls announced, calls
 * done) instead of sleeping in the event loop: waking a sleeping thread costs ~0.3-1 ms
 * per message on small VMs, several times per tree level.
 */
const SPIN_MS = 3;

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
let ctrl = null;
let slot = 0;
let calls = 0;
const KERNELS_WASM = new Uint8Array([${KERNELS_WASM.join(',')}]);
parentPort.on('message', (m) => {
  try {
    if (m.op === 'share') { arrays[m.name] = m.array; return; }
    if (m.op === 'memory') {
      try {
        const inst = new WebAssembly.Instance(new WebAssembly.Module(KERNELS_WASM), { env: { m: m.memory } });
        arrays.histWasm = inst.exports.h;
        arrays.partWasm = inst.exports.p;
        arrays.gradWasm = inst.exports.g;
      } catch (err) {
        arrays.histWasm = 0;
        arrays.partWasm = 0;
        arrays.gradWasm = 0;
      }
      return;
    }
    if (m.op === 'ctrl') { ctrl = m.ctrl; slot = m.slot; return; }
    calls++;
    const args = m.args.map((a) => (typeof a === 'number' ? a : arrays[a.ref]));
    K[m.fn](...args);
    if (ctrl) Atomics.store(ctrl, slot + 1, calls);
    parentPort.postMessage({ ok: true });
  } catch (err) {
    if (ctrl) Atomics.store(ctrl, slot + 1, calls);
    parentPort.postMessage({ ok: false, error: String(err && err.stack || err) });
  }
  // Stay awake briefly while the next call is announced: a sleeping thread takes ~1 ms to wake.
  if (ctrl) {
    const until = Date.now() + ${SPIN_MS};
    while (Atomics.load(ctrl, slot) === calls && Date.now() < until) {}
  }
});
`;
}

export class WorkerPool {
  private readonly arrays = new Map<string, AnyArray | HistFn | PartFn | GradFn | number>();
  private readonly pending: ((m: { ok: boolean; error?: string }) => void)[] = [];
  /** Shared wasm memory holding the arrays of the histogram kernel (see `alloc`), or null. */
  private readonly memory: WasmMemory | null = null;
  private heapTop = 0;
  private readonly inHeap = new WeakSet<AnyArray>();
  /** Per worker: calls posted, calls done (see SPIN_MS). */
  private readonly ctrl: Int32Array;

  private constructor(private readonly workers: Worker[]) {
    this.ctrl = new Int32Array(new SharedArrayBuffer(8 * Math.max(1, workers.length)));
    workers.forEach((w, i) => {
      w.postMessage({ op: 'ctrl', ctrl: this.ctrl, slot: 2 * i });
      w.unref();
      w.on('message', (m: { ok: boolean; error?: string }) => this.pending[i]?.(m));
      w.on('error', (err) => this.pending[i]?.({ ok: false, error: String(err) }));
    });
    try {
      const memory = new Wasm.Memory({ initial: 0, maximum: MAX_PAGES, shared: true });
      const fns = wasmKernels(memory);
      if (fns) {
        this.memory = memory;
        this.arrays.set('histWasm', fns.hist);
        this.arrays.set('partWasm', fns.part);
        this.arrays.set('gradWasm', fns.grad);
        for (const w of workers) w.postMessage({ op: 'memory', memory });
      }
    } catch {
      this.memory = null;
    }
  }

  /**
   * Allocates a shared array, in the wasm heap when there is room (the histogram kernel
   * runs in wasm when all its arrays live there), else as its own SharedArrayBuffer.
   */
  alloc<T extends AnyArray>(ctor: { new (b: SharedArrayBuffer, offset: number, length: number): T; new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number }, length: number): T {
    const n = Math.max(1, length);
    const bytes = n * ctor.BYTES_PER_ELEMENT;
    if (this.memory) {
      const start = this.heapTop;
      const end = start + bytes;
      const pages = Math.ceil(end / PAGE);
      try {
        const have = this.memory.buffer.byteLength / PAGE;
        if (pages > MAX_PAGES) throw new RangeError('heap full');
        if (pages > have) this.memory.grow(pages - have);
        const a = new ctor(this.memory.buffer as SharedArrayBuffer, start, n);
        this.heapTop = Math.ceil(end / 16) * 16;
        this.inHeap.add(a);
        return a;
      } catch {
        // Fall through to a separate buffer.
      }
    }
    return WorkerPool.shared(ctor, length);
  }

  /** Whether all the arrays were allocated in the wasm heap. */
  heapHolds(...arrays: AnyArray[]): boolean {
    return this.memory !== null && arrays.every((a) => this.inHeap.has(a));
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
    const ctrl = this.ctrl;
    const waits = this.workers.map(
      (w, i) =>
        new Promise<void>((resolve, reject) => {
          this.pending[i] = (m) => {
            this.pending[i] = undefined as never;
            if (m.ok) resolve();
            else reject(new Error(`worker ${i + 1}: ${m.error}`));
          };
          const a = args(i + 1, T);
          Atomics.add(ctrl, 2 * i, 1);
          w.postMessage({ op: 'call', fn, args: a });
        }),
    );
    const own = args(0, T).map((a) => (typeof a === 'number' ? a : this.arrays.get(a.ref)));
    (kernels[fn] as (...a: unknown[]) => void)(...own);
    // Wait for the workers awake (see SPIN_MS), then collect their replies.
    const until = Date.now() + SPIN_MS;
    for (let i = 0; i < this.workers.length; i++) {
      while (Atomics.load(ctrl, 2 * i + 1) !== Atomics.load(ctrl, 2 * i) && Date.now() < until);
    }
    await Promise.all(waits);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
