import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrchardError } from '../../core/index.js';
import { finalizeCandidates } from './finalize.js';
import { finalizeInThread, type FinalizeThreadOptions } from './finalize-in-thread.js';
import { buildTestCandidates, type TestCandidates } from './test-models.js';

// Tests run from the TypeScript sources: the thread loads `finalize-thread.ts` through tsx
// (the built server starts `finalize-thread.js` itself).
const tsx = pathToFileURL(path.join(path.dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
const thread = new URL('./finalize-thread.ts', import.meta.url).href;
const fromSource: FinalizeThreadOptions = {
  start: (workerData) => new Worker(`const { register } = await import(${JSON.stringify(tsx)}); register(); await import(${JSON.stringify(thread)});`, { eval: true, workerData }),
};

/** What a call rejects with (a call that answers fails the test). */
async function rejection<E extends Error>(call: Promise<unknown>): Promise<E> {
  return call.then(
    () => {
      throw new Error('the call answered instead of failing');
    },
    (err: unknown) => err as E,
  );
}

describe('finalizeInThread', () => {
  let dir: string;
  let t: TestCandidates;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'orchard-finalize-thread-'));
    t = await buildTestCandidates(dir, 'binary');
  }, 120_000);
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  it('answers what the in-process call answers: scores, failures, ensemble and importance', async () => {
    const input = {
      problemType: 'binary' as const,
      objective: 'auc' as const,
      classes: ['0', '1'],
      mode: 'ensembling' as const,
      recipes: t.recipes,
      candidates: [...t.candidates, { ...t.candidates[0], name: 'broken', modelDir: path.join(dir, 'nowhere') }],
      outDir: path.join(dir, 'out'),
      seed: 5,
    };
    const local = await finalizeCandidates(input);
    const threaded = await finalizeInThread(input, fromSource);
    expect(threaded).toEqual(local);
    expect(threaded.ensemble?.members.length).toBeGreaterThanOrEqual(2);
    expect(threaded.failures.broken).toMatch(/model/i);
  }, 120_000);

  it('an OrchardError inside comes back with its code, status and message; another error as an Error with its message', async () => {
    const base = { problemType: 'binary' as const, classes: ['0', '1'], mode: 'ensembling' as const, recipes: t.recipes, candidates: t.candidates, outDir: path.join(dir, 'out2') };
    const local = await rejection<OrchardError>(finalizeCandidates({ ...base, objective: 'rmse' }));
    const threaded = await rejection<OrchardError>(finalizeInThread({ ...base, objective: 'rmse' }, fromSource));
    expect(threaded).toBeInstanceOf(OrchardError);
    expect(threaded).toMatchObject({ code: 'ORCH_AUTOML_INVALID', status: 400, message: local.message });

    // The ensemble folder cannot be written under a file: a plain error (retryable by the job).
    const file = path.join(dir, 'a-file');
    await fs.writeFile(file, 'x');
    const plainLocal = await rejection(finalizeCandidates({ ...base, objective: 'auc', outDir: file }));
    const plain = await rejection(finalizeInThread({ ...base, objective: 'auc', outDir: file }, fromSource));
    expect(plainLocal).toBeInstanceOf(Error);
    expect(plain).toBeInstanceOf(Error);
    expect(plain).not.toBeInstanceOf(OrchardError);
    expect(plain.message).toBe(plainLocal.message);
  }, 120_000);

  it('an abort ends the thread and rejects with the signal reason', async () => {
    const controller = new AbortController();
    const run = finalizeInThread({ problemType: 'binary', objective: 'auc', classes: ['0', '1'], mode: 'ensembling', recipes: t.recipes, candidates: t.candidates, outDir: path.join(dir, 'out3'), signal: controller.signal }, fromSource);
    controller.abort(new Error('stopped by the test'));
    await expect(run).rejects.toThrow('stopped by the test');
    await expect(finalizeInThread({ problemType: 'binary', objective: 'auc', mode: 'hpo', recipes: {}, candidates: [], outDir: dir, signal: controller.signal })).rejects.toThrow('stopped by the test');
  }, 120_000);
});
