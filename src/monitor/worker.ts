import fs from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { DatasetService } from '../data/index.js';
import type { ClaimedJob, JobHandler, JobQueue } from '../jobs/index.js';
import type { MetricsPort } from '../metrics/types.js';
import type { ArtifactStore, MetadataStore } from '../storage/index.js';
import { computeBaseline } from './baseline.js';
import type { ComparisonMethod, Constraints, Violation } from './constraints.js';
import { executionSamples, runDataQuality } from './execution.js';
import { baselinePrefix, executionPrefix, MONITOR_BASELINE_KIND, MONITOR_EXECUTION_KIND } from './service.js';
import type { Statistics } from './statistics.js';
import { MonitorStore } from './store.js';
import type { MonitorExecutionsTable, MonitorModelQualityConfig, MonitorPayload } from './types.js';

/**
 * Model quality's side of a schedule (ground truth merged with captured predictions),
 * supplied by the platform; without it a model-quality execution fails with a reason.
 */
export interface ModelQualityRunner {
  run(input: {
    execution: string;
    schedule: string;
    endpoint: string;
    config: MonitorModelQualityConfig;
    /** ISO times; since null: from the first record. */
    since: string | null;
    until: string;
    /** Where the execution's files go (`…/executions/<id>/`). */
    outputPrefix: string;
    signal: AbortSignal;
  }): Promise<{ violations: Violation[] | Array<{ feature_name: string; constraint_check_type: string; description: string }>; metrics?: Record<string, number>; items?: number; statisticsKey?: string; violationsKey?: string }>;
}

export interface MonitorWorkerDeps {
  metadata: MetadataStore;
  queue: JobQueue;
  artifacts: ArtifactStore;
  datasets: Pick<DatasetService, 'localParquet'>;
  /** Scratch space of baselines (DuckDB spills). */
  workDir: string;
  /** Where executions' metrics go (namespace `monitor`); absent: not recorded. */
  metrics?: Pick<MetricsPort, 'put'>;
  modelQuality?: ModelQualityRunner;
  log?: (message: string) => void;
}

type Outcome =
  | { kind: 'baseline'; name: string; statistics: string; constraints: string; features: Array<{ name: string; inferredType: string }>; completed?: boolean }
  | { kind: 'execution'; name: string; changes: Partial<MonitorExecutionsTable>; completed?: boolean }
  | { kind: 'settled' };

/** Progress is written at most this often. */
const PROGRESS_MS = 1000;

/**
 * The `monitor-baseline` and `monitor-execution` job kinds. Both run in the worker's
 * process: the capture is streamed file by file and chunk by chunk into fixed-size
 * state, so the event loop gets a turn between chunks (heartbeats keep going) and memory
 * stays flat whatever the hour held. One core each.
 */
export async function monitorJobHandler(deps: MonitorWorkerDeps): Promise<JobHandler<MonitorPayload, Outcome>> {
  await fs.mkdir(deps.workDir, { recursive: true });
  const store = new MonitorStore(deps.metadata);
  return {
    kinds: [MONITOR_BASELINE_KIND, MONITOR_EXECUTION_KIND],
    cpus: () => 1,
    async run(job, ctx) {
      if (job.kind === MONITOR_BASELINE_KIND) return runBaseline(deps, store, job, ctx.signal);
      return runExecution(deps, store, job, ctx.signal);
    },
    async record(job, outcome) {
      if (outcome.kind === 'settled') return;
      const now = new Date().toISOString();
      if (outcome.kind === 'baseline') {
        await store.updateBaseline(outcome.name, { status: 'Completed', statistics_key: outcome.statistics, constraints_key: outcome.constraints, features_json: JSON.stringify(outcome.features), failure_reason: null, ended_at: now }, 'InProgress');
      } else {
        await store.updateRunningExecution(outcome.name, { ...outcome.changes, percent: 100, ended_at: now });
      }
      if (!outcome.completed) {
        await deps.queue.complete(job);
        outcome.completed = true;
      }
    },
  };
}

async function runBaseline(deps: MonitorWorkerDeps, store: MonitorStore, job: ClaimedJob<MonitorPayload>, signal: AbortSignal): Promise<Outcome> {
  const { name } = job.payload;
  const row = await store.baselineRow(name).catch(() => null);
  if (!row || row.status !== 'InProgress' || signal.aborted) {
    await deps.queue.fail(job, { message: 'the baseline is not running', retryable: false });
    return { kind: 'settled' };
  }
  await store.updateBaseline(name, { started_at: row.started_at ?? new Date().toISOString() }, 'InProgress');
  const dir = path.join(deps.workDir, `${name}-${job.attempt}-${randomBytes(4).toString('hex')}`);
  try {
    let local;
    try {
      local = await deps.datasets.localParquet(`${row.dataset}@${Number(row.version)}`);
    } catch (err) {
      return settle(deps, job, signal, (err as Error).message, (err as { status?: number }).status !== undefined && (err as { status: number }).status < 500, (reason) => store.updateBaseline(name, { status: 'Failed', failure_reason: reason, ended_at: new Date().toISOString() }, 'InProgress'));
    }
    const left = new Set([...(row.target ? [row.target] : []), ...(JSON.parse(row.exclude_json) as string[])]);
    const features = local.version.columns.map((c) => c.name).filter((c) => !left.has(c));
    const { statistics, constraints } = await computeBaseline({
      parquet: local.path,
      features,
      comparisonThreshold: Number(row.comparison_threshold),
      comparisonMethod: row.comparison_method as ComparisonMethod,
      signal,
      tempDirectory: dir,
    });
    const prefix = baselinePrefix(name);
    await deps.artifacts.put(`${prefix}statistics.json`, JSON.stringify(statistics, null, 1));
    await deps.artifacts.put(`${prefix}constraints.json`, JSON.stringify(constraints, null, 2));
    return { kind: 'baseline', name, statistics: `${prefix}statistics.json`, constraints: `${prefix}constraints.json`, features: statistics.features.map((f) => ({ name: f.name, inferredType: f.inferred_type })) };
  } catch (err) {
    return settle(deps, job, signal, (err as Error)?.message ?? String(err), false, (reason) => store.updateBaseline(name, { status: 'Failed', failure_reason: reason, ended_at: new Date().toISOString() }, 'InProgress'));
  } finally {
    await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

async function runExecution(deps: MonitorWorkerDeps, store: MonitorStore, job: ClaimedJob<MonitorPayload>, signal: AbortSignal): Promise<Outcome> {
  const { name } = job.payload;
  const row = await store.executionRow(name).catch(() => null);
  if (!row || row.status !== 'InProgress' || signal.aborted) {
    await deps.queue.fail(job, { message: 'the execution is not running', retryable: false });
    return { kind: 'settled' };
  }
  await store.updateRunningExecution(name, { started_at: row.started_at ?? new Date().toISOString() });
  const fail = (reason: string) => store.updateRunningExecution(name, { status: 'Failed', failure_reason: reason.slice(0, 2000), ended_at: new Date().toISOString() });
  // A failure of the data (no capture, no baseline) is final; anything else is retried.
  const failed = (reason: string): Outcome => ({ kind: 'execution', name, changes: { status: 'Failed', failure_reason: reason.slice(0, 2000) } });
  const prefix = executionPrefix(row.schedule, name);
  try {
    if (row.type === 'model-quality') {
      const schedule = await store.scheduleRow(row.schedule);
      if (!deps.modelQuality) return failed('Model-quality monitoring is not available on this server: no model-quality runner is wired into the worker');
      const config = schedule.model_quality_json ? (JSON.parse(schedule.model_quality_json) as MonitorModelQualityConfig) : null;
      if (!config) return failed(`Schedule '${row.schedule}' has no model-quality configuration`);
      const r = await deps.modelQuality.run({ execution: name, schedule: row.schedule, endpoint: row.endpoint, config, since: row.window_since, until: row.window_until, outputPrefix: prefix, signal });
      return {
        kind: 'execution',
        name,
        changes: {
          status: r.violations.length ? 'CompletedWithViolations' : 'Completed',
          items: r.items ?? null,
          violation_count: r.violations.length,
          violations_json: JSON.stringify(r.violations),
          metrics_json: r.metrics ? JSON.stringify(r.metrics) : null,
          statistics_key: r.statisticsKey ?? null,
          violations_key: r.violationsKey ?? null,
        },
      };
    }
    if (!row.baseline) return failed('The execution has no baseline');
    const baseline = await store.baselineRow(row.baseline).catch(() => null);
    if (!baseline || baseline.status !== 'Completed' || !baseline.statistics_key || !baseline.constraints_key) return failed(`Baseline '${row.baseline}' is gone or not completed`);
    const statistics = JSON.parse(await readText(deps.artifacts, baseline.statistics_key)) as Statistics;
    const constraints = JSON.parse(await readText(deps.artifacts, baseline.constraints_key)) as Constraints;
    let last = 0;
    const result = await runDataQuality(deps.artifacts, {
      endpoint: row.endpoint,
      window: { since: row.window_since ?? undefined, until: row.window_until },
      baseline: statistics,
      constraints,
      signal,
      onProgress: (bytes, total) => {
        if (Date.now() - last < PROGRESS_MS) return;
        last = Date.now();
        void store.updateRunningExecution(name, { percent: Math.min(99, Math.floor((100 * bytes) / Math.max(1, total))) }).catch(() => undefined);
      },
    });
    if (result.items === 0) {
      const window = `${row.window_since ?? 'the first record'} to ${row.window_until}`;
      return failed(`No captured requests of endpoint '${row.endpoint}' from ${window}${result.records > 0 ? ` could be read (${result.records} records)` : ''}: send traffic to the endpoint (with data capture on) and run again`);
    }
    await deps.artifacts.put(`${prefix}statistics.json`, JSON.stringify(result.statistics, null, 1));
    await deps.artifacts.put(`${prefix}constraint_violations.json`, JSON.stringify({ violations: result.violations }, null, 2));
    if (deps.metrics && constraints.monitoring_config.emit_metrics !== 'Disabled') {
      await deps.metrics.put(executionSamples({ schedule: row.schedule, endpoint: row.endpoint }, result)).catch((err: unknown) => deps.log?.(`monitoring execution ${name}: metrics not recorded (${(err as Error).message})`));
    }
    return {
      kind: 'execution',
      name,
      changes: {
        status: result.violations.length ? 'CompletedWithViolations' : 'Completed',
        items: result.items,
        violation_count: result.violations.length,
        violations_json: JSON.stringify(result.violations),
        distributions_json: JSON.stringify(result.distributions),
        statistics_key: `${prefix}statistics.json`,
        violations_key: `${prefix}constraint_violations.json`,
        failure_reason: null,
      },
    };
  } catch (err) {
    return settle(deps, job, signal, (err as Error)?.message ?? String(err), false, fail);
  }
}

async function readText(artifacts: ArtifactStore, key: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of (await artifacts.get(key)) as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** Ends an attempt without a result: stopped, interrupted, refused, or failed (retried while attempts remain). */
async function settle(deps: MonitorWorkerDeps, job: ClaimedJob<MonitorPayload>, signal: AbortSignal, message: string, final: boolean, markFailed: (reason: string) => Promise<unknown>): Promise<Outcome> {
  if (signal.aborted) {
    // A stop has already ended the record; shutdown or a lost lease: the queue hands the job out again.
    if (signal.reason === 'stop') await deps.queue.fail(job, { message: 'stopped', retryable: false });
    return { kind: 'settled' };
  }
  if (final) {
    await markFailed(message);
    await deps.queue.fail(job, { message, retryable: false });
    return { kind: 'settled' };
  }
  const outcome = await deps.queue.fail(job, { message });
  if (!outcome.willRetry) await markFailed(message);
  return { kind: 'settled' };
}
