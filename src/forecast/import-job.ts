/**
 * The `import` job: reads the import's pinned dataset versions, validates them against the
 * group's frequency and stores the series blocks (`importer.ts`); `record` then makes the
 * import Active and the group's latest together. A refusal of the data ends the import
 * CreateFailed with the error a request would have answered (code, message, details naming
 * rows and items), and its files are removed: nothing half-registered.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ForecastFrequency } from '../contracts/forecast.values.js';
import { isOrchardError } from '../core/index.js';
import type { AttemptContext, ClaimedJob } from '../jobs/index.js';
import { blockKey, itemIndexKey } from './blocks.js';
import { runImport, type ImportSource } from './importer.js';
import type { JobOutcome, WorkerContext } from './worker-context.js';
import type { ForecastImportSummary, ForecastJobPayload } from './types.js';

type ImportJob = ClaimedJob<ForecastJobPayload & { kind: 'import' }>;
export type ImportOutcome = { kind: 'import'; import: string; summary: ForecastImportSummary; seconds: number; completed?: boolean };

const ACTIVE = ['CreatePending', 'CreateInProgress'];

export async function runImportJob(w: WorkerContext, job: ImportJob, ctx: AttemptContext): Promise<JobOutcome> {
  const id = job.payload.import;
  const row = await w.store.findImport(id);
  if (!row || !ACTIVE.includes(row.status)) return w.settle(job, 'the import is not being created', 'skip');
  await w.store.updateImport(id, { status: 'CreateInProgress' });
  const started = Date.now();
  const dir = path.join(w.deps.workDir, `import-${id}-${job.attempt}-${randomBytes(4).toString('hex')}`);
  try {
    const group = await w.store.group(row.grp);
    const source = async (json: string | null): Promise<ImportSource | undefined> => {
      if (!json) return undefined;
      const local = await w.deps.datasets.localParquet((JSON.parse(json) as { dataset: string }).dataset);
      return { version: local.version, path: local.path };
    };
    const [target, related, metadata] = [await source(row.target_json), await source(row.related_json), await source(row.metadata_json)];
    const outcome = await runImport({ frequency: group.frequency as ForecastFrequency, map: JSON.parse(row.map_json) as { item_id: string; timestamp: string; target_value: string }, target: target!, related, metadata, workDir: dir });
    if (ctx.signal.aborted) return w.settle(job, 'aborted', 'retry', { signal: ctx.signal });
    // Fixed keys: a retried attempt writes the same files again.
    for (const [k, file] of outcome.blockFiles.entries()) await w.deps.artifacts.put(blockKey(row.data_key, k), createReadStream(file));
    await w.deps.artifacts.put(itemIndexKey(row.data_key), JSON.stringify(outcome.index));
    return { kind: 'import', import: id, summary: outcome.summary, seconds: (Date.now() - started) / 1000 };
  } catch (err) {
    // A refusal of the data (or of a version deleted meanwhile) is final; anything else is retried.
    if (isOrchardError(err) && err.status < 500) return w.settle(job, err.message, 'final', { signal: ctx.signal, error: { code: err.code, details: err.details } });
    return w.settle(job, (err as Error)?.message ?? String(err), 'retry', { signal: ctx.signal });
  } finally {
    await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Makes the import Active and the group's latest; an import that stopped being created meanwhile loses its files. */
export async function recordImport(w: WorkerContext, outcome: ImportOutcome): Promise<void> {
  const active = await w.store.activateImport(outcome.import, { summary_json: JSON.stringify(outcome.summary), seconds: outcome.seconds, failure_reason: null, failure_json: null });
  if (!active) {
    const row = await w.store.findImport(outcome.import);
    if (row && row.status !== 'Active') await w.deps.artifacts.deletePrefix(row.data_key).catch(() => undefined);
  }
}
