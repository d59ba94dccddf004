/**
 * `finalizeCandidates` off the calling thread (`finalize-thread.ts`), with the same answer
 * and the same errors: an `OrchardError` comes back with its code (so its status) and
 * details, any other error as an `Error` with its message, so the finalize job retries or
 * fails exactly as it does in-process.
 */
import { Worker } from 'node:worker_threads';
import { isErrorCode, isOrchardError, OrchardError } from '../../core/index.js';
import type { FinalizeInput, FinalizeResult } from './types.js';

/** What the thread receives as `workerData`: the input without its signal. */
export type FinalizeThreadInput = Omit<FinalizeInput, 'signal'>;

/** An error as it crosses the thread boundary. */
export interface ThreadError {
  message: string;
  code?: string;
  details?: Record<string, unknown>;
}

export type FinalizeThreadMessage = { type: 'done'; answer: FinalizeResult } | { type: 'error'; error: ThreadError };

/** The built thread module beside this file (`dist/`). */
export const FINALIZE_THREAD = new URL('./finalize-thread.js', import.meta.url);

export interface FinalizeThreadOptions {
  /**
   * Starts the thread on its input. Tests running from TypeScript sources give one that
   * loads `finalize-thread.ts`.
   * @default a `Worker` on {@link FINALIZE_THREAD}
   */
  start?: (input: FinalizeThreadInput) => Worker;
}

/** The error's code, details and message, as plain data. */
export function threadError(err: unknown): ThreadError {
  if (isOrchardError(err)) return { message: err.message, code: err.code, ...(err.details ? { details: err.details } : {}) };
  return { message: err instanceof Error ? err.message : String(err) };
}

function fromThread(e: ThreadError): Error {
  return e.code && isErrorCode(e.code) ? new OrchardError(e.code, { message: e.message, ...(e.details ? { details: e.details } : {}) }) : new Error(e.message);
}

/**
 * Runs `finalizeCandidates` in a worker thread and resolves with its answer. An abort of
 * `input.signal` ends the thread and rejects with the signal's reason, as the in-process
 * call throws it.
 */
export function finalizeInThread(input: FinalizeInput, options: FinalizeThreadOptions = {}): Promise<FinalizeResult> {
  const { signal, ...data } = input;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const thread = options.start ? options.start(data) : new Worker(FINALIZE_THREAD, { workerData: data });
    let message: FinalizeThreadMessage | undefined;
    let failure: Error | undefined;
    const abort = () => void thread.terminate();
    signal?.addEventListener('abort', abort, { once: true });
    thread.on('message', (m: FinalizeThreadMessage) => {
      message = m;
    });
    thread.on('error', (err) => {
      failure ??= err;
    });
    thread.on('exit', (code) => {
      signal?.removeEventListener('abort', abort);
      if (signal?.aborted) reject(signal.reason);
      else if (message?.type === 'done') resolve(message.answer);
      else if (message?.type === 'error') reject(fromThread(message.error));
      else reject(new Error(failure ? `The finalize thread failed: ${failure.message}` : `The finalize thread ended (code ${code}) without an answer`));
    });
  });
}
