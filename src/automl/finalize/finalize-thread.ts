/**
 * Runs `finalizeCandidates` in a worker thread: scoring every candidate, Caruana's selection
 * and importance are long synchronous work that, on the server's own event loop, would stall
 * the API past its keep-alive timeout (`orchard up` runs the finalize job in-process).
 * Receives the finalize input (without its signal: an abort ends the thread) and posts the
 * answer, or the error with its code.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { finalizeCandidates } from './finalize.js';
import { threadError, type FinalizeThreadInput, type FinalizeThreadMessage } from './finalize-in-thread.js';

try {
  const answer = await finalizeCandidates(workerData as FinalizeThreadInput);
  parentPort!.postMessage({ type: 'done', answer } satisfies FinalizeThreadMessage);
} catch (err) {
  parentPort!.postMessage({ type: 'error', error: threadError(err) } satisfies FinalizeThreadMessage);
}
