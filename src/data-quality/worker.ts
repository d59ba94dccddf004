import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { isStorageFull } from '../core/index.js';
import type { DatasetService } from '../data/index.js';
import { runnerProgram, runProcess, type ClaimedJob, type JobHandler, type JobQueue } from '../jobs/index.js';
import type { MetadataStore } from '../storage/index.js';
import type { ResolvedProblemType } from './detectors.js';
import type { RunnerSpec } from './report-runner.js';
import { DATA_QUALITY_KIND } from './service.js';
import { DataQualityStore } from './store.js';
import type { DataQualityContent, DataQualityPayload } from './types.js';

export interface DataQualityWorkerDeps {
  metadata: MetadataStore;
  queue: JobQueue;
  datasets: Pick<DatasetService, 'localParquet'>;
  /** Scratch space of running reports (spec, DuckDB spills, the report file). */
  workDir: string;
}

/** A computed report: what is left to record (kept by the loop until it is). */
type Outcome = { kind: 'report'; id: string; report: DataQualityContent; completed?: boolean } | { kind: 'settled' };

/** Cores a report asks for: DuckDB's two threads (the quick model then uses one). */
const REPORT_CPUS = 2;
/** Exit code of a report the data cannot satisfy (see report-runner.ts). */
const DATA_ERROR_EXIT = 3;
/** Progress is written at most this often. */
const PROGRESS_MS = 500;

/**
 * The data-quality job kind for the worker loop: runs the report in a child process
 * (report-runner.ts) over the version's local Parquet copy and stores its JSON. A report
 * is retried after platform trouble; a request the data cannot satisfy (the version
 * deleted, a target with more classes than its statistics showed) fails at once.
 */
export async function dataQualityJobHandler(deps: DataQualityWorkerDeps): Promise<JobHandler<DataQualityPayload, Outcome>> {
  await fs.mkdir(deps.workDir, { recursive: true });
  const store = new DataQualityStore(deps.metadata);
  return {
    kinds: [DATA_QUALITY_KIND],
    cpus: () => REPORT_CPUS,
    async run(job, ctx) {
      const { id } = job.payload;
      const row = await store.row(id).catch((err: unknown) => {
        if ((err as { code?: string })?.code === 'ORCH_DATA_QUALITY_NOT_FOUND') return null;
        throw err;
      });
      if (!row || row.status !== 'InProgress' || ctx.signal.aborted) {
        // Stopped (or gone) before it ran: nothing to compute.
        await deps.queue.fail(job, { message: 'the data-quality report is not running', retryable: false });
        return { kind: 'settled' };
      }
      await store.update(id, { started_at: row.started_at ?? new Date().toISOString(), stage: 'reading the dataset', percent: 1 });
      const dir = path.join(deps.workDir, `${id}-${job.attempt}-${randomBytes(4).toString('hex')}`);
      await fs.mkdir(dir, { recursive: true });
      try {
        let local;
        try {
          local = await deps.datasets.localParquet(`${row.dataset}@${Number(row.version)}`);
        } catch (err) {
          return await settleFailure(deps, store, job, ctx.signal, (err as Error)?.message ?? String(err), (err as { status?: number })?.status !== undefined && (err as { status: number }).status < 500);
        }
        const spec: RunnerSpec = {
          parquet: local.path,
          dataset: { name: local.version.name, version: local.version.version, rows: local.version.rowCount, columns: local.version.columns },
          target: row.target,
          problemType: row.target ? (row.problem_type as ResolvedProblemType) : null,
          workDir: path.join(dir, 'scratch'),
          output: path.join(dir, 'report.json'),
        };
        const specFile = path.join(dir, 'spec.json');
        await fs.writeFile(specFile, JSON.stringify(spec));
        let lastWrite = 0;
        const program = runnerProgram(import.meta.url, 'report-runner');
        const result = await runProcess({
          command: program.command,
          args: [...program.args, specFile],
          cwd: dir,
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir },
          signal: ctx.signal,
          onLine: (line) => {
            const m = /^#progress (\d+) (.*)$/.exec(line);
            if (!m || Date.now() - lastWrite < PROGRESS_MS) return;
            lastWrite = Date.now();
            void store.progress(id, m[2], Number(m[1])).catch(() => undefined);
          },
        });
        if (ctx.signal.aborted) return await settleFailure(deps, store, job, ctx.signal, 'aborted', false);
        if (result.exitCode === DATA_ERROR_EXIT) {
          const refused = JSON.parse(await fs.readFile(`${spec.output}.error`, 'utf8')) as { code: string; message: string };
          return await settleFailure(deps, store, job, ctx.signal, `${refused.code}: ${refused.message}`, true);
        }
        if (result.exitCode !== 0) {
          const said = result.tail.filter((l) => !l.startsWith('#progress')).slice(-5).join(' ').trim();
          const how = result.signal ? `was killed (${result.signal})` : `exited with ${result.exitCode}`;
          const reason = isStorageFull({ message: said }) ? `ORCH_STORAGE_FULL: The server is out of storage space while computing the report; free some and retry (${said})` : `The report (attempt ${job.attempt}) ${how}: ${said}`;
          return await settleFailure(deps, store, job, ctx.signal, reason, false);
        }
        const report = JSON.parse(await fs.readFile(spec.output, 'utf8')) as DataQualityContent;
        return { kind: 'report', id, report };
      } finally {
        await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
      }
    },
    async record(job, outcome) {
      if (outcome.kind !== 'report') return;
      // Each step is safe to repeat; the queue's completion is not, so it is remembered.
      await store.complete(outcome.id, outcome.report);
      if (!outcome.completed) {
        await deps.queue.complete(job);
        outcome.completed = true;
      }
    },
  };
}

/** Ends an attempt that did not produce a report: stopped, interrupted, refused, or failed (retried while attempts remain). */
async function settleFailure(deps: DataQualityWorkerDeps, store: DataQualityStore, job: ClaimedJob<DataQualityPayload>, signal: AbortSignal, message: string, final: boolean): Promise<Outcome> {
  const { id } = job.payload;
  if (signal.aborted) {
    if (signal.reason === 'stop') {
      await store.end(id, 'Stopped', null);
      await deps.queue.fail(job, { message: 'stopped', retryable: false });
    }
    // Shutdown or a lost lease: the queue hands the report out again.
    return { kind: 'settled' };
  }
  if (final) {
    await store.end(id, 'Failed', message);
    await deps.queue.fail(job, { message, retryable: false });
    return { kind: 'settled' };
  }
  const outcome = await deps.queue.fail(job, { message });
  if (!outcome.willRetry) await store.end(id, 'Failed', message);
  return { kind: 'settled' };
}
