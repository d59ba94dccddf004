/**
 * The assembly job of a processing job whose instances have all succeeded: each dataset
 * output's staged files combined into one new version, each artifact output copied under
 * its prefix, then the job Completed.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { isOrchardError, newId, OrchardError } from '../core/index.js';
import type { DatasetService } from '../data/index.js';
import type { ClaimedJob } from '../jobs/index.js';
import { combineOutput } from './combine.js';
import { endIfStopped, NOT_RETRIED } from './job-end.js';
import { datasetFormatOf } from './outputs.js';
import type { ProcessingWorkerDeps } from './processing-worker.js';
import type { ProcessingStore } from './processing-store.js';
import { ASSEMBLE_ATTEMPTS, hostOf, instanceStagingPrefix, stagingPrefix, type ProcessingSpec } from './types.js';

export type AssemblePayload = { name: string };

/**
 * Registers the outputs of a job whose instances have all succeeded: each dataset output
 * becomes one new version (every instance's files together), each artifact output is
 * copied under its prefix; then the job is Completed. A failure that would repeat (files
 * that cannot make a dataset) fails the job and removes what this job registered; other
 * failures are retried, and a retry finds the versions already made by their tags.
 */
export async function assemble(deps: ProcessingWorkerDeps, store: ProcessingStore, job: ClaimedJob<AssemblePayload>): Promise<void> {
  const { name } = job.payload;
  const row = await store.row(name);
  if (row.status !== 'InProgress') {
    if (row.status === 'Stopping') await endIfStopped(deps, store, name);
    await deps.queue.complete(job).catch(() => undefined);
    return;
  }
  const spec = JSON.parse(row.spec_json) as ProcessingSpec;
  try {
    const outputs = await registerOutputs(deps, name, spec, Number(row.instance_count));
    // Staged files go before the job is Completed: a retry after this finds its versions by their tags.
    await deps.artifacts.deletePrefix(stagingPrefix(name));
    await store.end(name, 'Completed', { outputs_json: JSON.stringify(outputs), failure_reason: null });
  } catch (err) {
    const permanent = isOrchardError(err) && NOT_RETRIED.has(err.code);
    if (!permanent && job.attempt < ASSEMBLE_ATTEMPTS) throw err;
    await purgeRegistered(deps.datasets, name, spec);
    const reason = isOrchardError(err) ? `${err.code}: ${err.message}` : `InternalServerError: registering the outputs failed (${(err as Error)?.message ?? err})`;
    await store.end(name, 'Failed', { failure_reason: reason.slice(0, 4096) });
  }
  await deps.queue.complete(job).catch(() => undefined);
  await deps.artifacts.deletePrefix(stagingPrefix(name)).catch(() => undefined);
}

/** Versions this job registered (found by their tags), removed with their files. */
async function purgeRegistered(datasets: DatasetService, name: string, spec: ProcessingSpec): Promise<void> {
  for (const o of spec.outputs) {
    if (!o.dataset) continue;
    const versions = await datasets.versions(o.dataset).catch(() => []);
    for (const v of versions) if (v.tags.processingJob === name) await datasets.delete(`${v.name}@${v.version}`, { purge: true }).catch(() => undefined);
  }
}

type Output = ProcessingSpec['outputs'][number];
/** A dataset output combined into one local file; `key` when that file is its one staged file, already stored. */
type Prepared = { output: Output; file: string; format: 'csv' | 'jsonl' | 'parquet'; header: boolean; key?: string };

async function registerOutputs(deps: ProcessingWorkerDeps, name: string, spec: ProcessingSpec, count: number): Promise<Record<string, string>> {
  const results: Record<string, string> = {};
  const scratch = path.join(deps.workDir, `assemble-${name}-${newId('at').slice(3)}`);
  await fs.mkdir(scratch, { recursive: true });
  try {
    // Every dataset output is checked and combined before any is registered.
    const prepared: Prepared[] = [];
    for (const o of spec.outputs) {
      if (!o.dataset) continue;
      const existing = (await deps.datasets.versions(o.dataset).catch(() => [])).find((v) => v.tags.processingJob === name && v.tags.processingOutput === o.name);
      if (existing) results[o.name] = `${existing.name}@${existing.version}`;
      else prepared.push(await combineStaged(deps, name, count, o, scratch));
    }
    for (const p of prepared) results[p.output.name] = await registerDataset(deps, name, spec, p);
    for (const o of spec.outputs) {
      if (!o.artifactPrefix) continue;
      for (const f of await stagedFiles(deps, name, count, o)) {
        // Several instances' files go to a folder per host, so names never collide.
        const dest = count > 1 ? `${o.artifactPrefix}/${hostOf(f.instance)}/${f.rel}` : `${o.artifactPrefix}/${f.rel}`;
        await deps.artifacts.put(dest, await deps.artifacts.get(f.key));
      }
      results[o.name] = `${deps.artifacts.url}/${o.artifactPrefix}/`;
    }
    return results;
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}

/** An output's staged files: every instance's, in instance order, with their paths under the output folder. */
async function stagedFiles(deps: ProcessingWorkerDeps, name: string, count: number, o: Output): Promise<Array<{ key: string; rel: string; instance: number }>> {
  const files: Array<{ key: string; rel: string; instance: number }> = [];
  for (let i = 0; i < count; i++) {
    const prefix = instanceStagingPrefix(name, i, o.name);
    for (const info of await deps.artifacts.list(prefix)) files.push({ key: info.key, rel: info.key.slice(prefix.length), instance: i });
  }
  return files;
}

/** A dataset output's staged files, checked for one format, copied here and combined into one file. */
async function combineStaged(deps: ProcessingWorkerDeps, name: string, count: number, o: Output, scratch: string): Promise<Prepared> {
  const staged = await stagedFiles(deps, name, count, o);
  const format = datasetFormatOf(o.name, staged.map((f) => f.rel));
  const dir = path.join(scratch, o.name);
  const local: string[] = [];
  for (const [i, { key }] of staged.entries()) {
    const file = path.join(dir, String(i).padStart(6, '0') + path.extname(key));
    await fs.mkdir(dir, { recursive: true });
    await pipeline(await deps.artifacts.get(key), createWriteStream(file));
    local.push(file);
  }
  const combined = await combineOutput(o.name, format, local, dir);
  return { output: o, ...combined, ...(local.length === 1 && combined.file === local[0] ? { key: staged[0].key } : {}) };
}

/** Registers a combined output as a new version of its dataset, tagged with the job; its `name@version`. */
async function registerDataset(deps: ProcessingWorkerDeps, name: string, spec: ProcessingSpec, p: Prepared): Promise<string> {
  const key = p.key ?? `${stagingPrefix(name)}assembled/${p.output.name}.${p.format}`;
  if (!p.key) await deps.artifacts.put(key, createReadStream(p.file));
  try {
    const version = await deps.datasets.create({
      name: p.output.dataset!,
      format: p.format,
      header: p.header,
      sourceKey: key,
      description: `Processing job ${name}: output ${p.output.name}`,
      tags: { ...spec.tags, processingJob: name, processingOutput: p.output.name },
    });
    return `${version.name}@${version.version}`;
  } catch (err) {
    // The files cannot make a dataset (malformed, no rows, …): say which output, and do not retry.
    if (isOrchardError(err) && err.code.startsWith('ORCH_DATASET_') && err.status < 500) {
      throw new OrchardError('ORCH_PROCESSING_OUTPUT_INVALID', { message: `Output '${p.output.name}' cannot become a version of dataset '${p.output.dataset}': ${err.message}`, details: { output: p.output.name, cause: err.code }, cause: err });
    }
    throw err;
  }
}
