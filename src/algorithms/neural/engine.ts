/**
 * The neural engine of the built-ins (ntm, and the networks after it): TensorFlow.js
 * with its WebAssembly backend (SIMD) from the npm registry, nothing downloaded at
 * install or run time. Loaded lazily, so a server or worker that runs no neural job never
 * loads it; initialised once per process or worker thread (each has its own module state),
 * and every later call returns the same module. The CPU backend (plain JavaScript kernels)
 * stays registered as the fallback and for the bench's comparison.
 */
import type * as Tf from '@tensorflow/tfjs';
import { OrchardError } from '../../core/errors.js';
import { registerWasmTrainingKernels } from './wasm-kernels.js';

/** The TensorFlow.js core module, as the engine hands it out. */
export type TfModule = typeof Tf;

/** `wasm`: compiled kernels with SIMD (the default); `cpu`: TensorFlow.js's JavaScript kernels. */
export type NeuralBackend = 'wasm' | 'cpu';

export interface EngineOptions {
  /** @default 'wasm' */
  backend?: NeuralBackend;
  /**
   * Threads for the WebAssembly backend's thread pool, read only by the first call that
   * starts it. TensorFlow.js 4.x runs its threaded build only in browsers (Node gets the
   * single-threaded SIMD build whatever is asked), so this is recorded, not relied on.
   * @default 1
   */
  threads?: number;
}

let module: Promise<TfModule> | null = null;

async function start(threads: number): Promise<TfModule> {
  const before = { exception: process.listeners('uncaughtException'), rejection: process.listeners('unhandledRejection') };
  // The whole TensorFlow.js package (its core alone registers no gradients and no tensor
  // methods); its layers and data APIs are not used.
  const tf = await import('@tensorflow/tfjs');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  wasm.setThreadsCount(Math.max(1, threads));
  registerWasmTrainingKernels(tf);
  await tf.setBackend('wasm');
  await tf.ready();
  // The WebAssembly module's loader installs process-wide handlers that rethrow every
  // uncaught exception and unhandled rejection; the process's own handling stays in charge.
  for (const l of process.listeners('uncaughtException')) if (!before.exception.includes(l)) process.removeListener('uncaughtException', l);
  for (const l of process.listeners('unhandledRejection')) if (!before.rejection.includes(l)) process.removeListener('unhandledRejection', l);
  // Production mode: no per-op NaN checks.
  tf.enableProdMode();
  return tf;
}

/**
 * The engine with `backend` active. The first call loads and initialises it; later calls
 * reuse it (switching the backend when another is asked for, as the bench does).
 */
export async function neuralEngine(options: EngineOptions = {}): Promise<TfModule> {
  module ??= start(options.threads ?? 1);
  const tf = await module;
  const backend = options.backend ?? 'wasm';
  if (tf.getBackend() !== backend) {
    const ok = await tf.setBackend(backend);
    if (!ok) throw new OrchardError('ORCH_INTERNAL', { message: `The neural engine could not start its ${backend} backend` });
    await tf.ready();
  }
  return tf;
}

/** What the engine runs on, for a job's log. */
export function engineDescription(tf: TfModule): string {
  const backend = tf.getBackend();
  if (backend !== 'wasm') return `TensorFlow.js ${tf.version_core}, ${backend} backend`;
  const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
  return `TensorFlow.js ${tf.version_core}, WebAssembly backend${simd ? ' with SIMD' : ''}`;
}
