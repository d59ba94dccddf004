import type { Hyperparameters } from '../algorithms/index.js';
import type { RuleConfig } from '../contracts/index.js';
import { OrchardError } from '../core/index.js';
import { readStatusChanges, type MetadataStore, type StatusCursor, type StatusRow, type TrainingJobsTable } from '../storage/index.js';
import type { LogLine, MetricPoint, SecondaryStatus, SequencedMetricPoint, TrainingJob, TrainingJobStatus, TrainingJobStatusInfo } from './types.js';

/**
 * What `spec_json` holds: the job as created, with its channels resolved and, for a
 * built-in algorithm, its hyperparameters resolved (typed, defaults filled in) beside the
 * strings as given (what describe shows).
 */
export type TrainingSpec = Pick<TrainingJob, 'algorithm' | 'script' | 'hyperParameters' | 'channels' | 'maxRuntimeSeconds' | 'maxRetries' | 'metricDefinitions' | 'tags'> & {
  /** Absent on jobs stored before it was kept. */
  resolvedHyperParameters?: Hyperparameters;
  /** Cores the job asked for; absent: its algorithm's default, else all of a worker's. */
  cpus?: number;
  /** Debugger rules, as requested (checked by the debugger through the rules port). */
  rules?: RuleConfig[];
};

/** Metric points kept per job in describe (the newest); all are stored. */
const DESCRIBE_METRIC_POINTS = 2000;

/** Reads and writes the training tables; the only code that knows their shape. */
export class TrainingStore {
  constructor(private readonly metadata: MetadataStore) {}

  private get db() {
    return this.metadata.db;
  }

  async insert(name: string, spec: TrainingSpec, createdBy: string | null, experiment = 'Default'): Promise<void> {
    const now = new Date().toISOString();
    try {
      await this.db
        .insertInto('training_jobs')
        .values({ name, status: 'InProgress', secondary_status: 'Pending', failure_reason: null, spec_json: JSON.stringify(spec), final_metrics_json: '{}', model_artifact: null, attempts: 0, failed_attempts: 0, stop_requested: 0, experiment, created_by: createdBy, created_at: now, started_at: null, ended_at: null, updated_at: now })
        .execute();
    } catch (err) {
      if (this.metadata.isUniqueViolation(err)) throw new OrchardError('ORCH_TRAINING_EXISTS', { message: `A training job named '${name}' exists` });
      throw err;
    }
  }

  async row(name: string): Promise<TrainingJobsTable> {
    const row = await this.db.selectFrom('training_jobs').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) throw new OrchardError('ORCH_JOB_NOT_FOUND', { message: `No training job '${name}'` });
    return row;
  }

  async update(name: string, changes: Partial<TrainingJobsTable>): Promise<void> {
    await this.db.updateTable('training_jobs').set({ ...changes, updated_at: new Date().toISOString() }).where('name', '=', name).execute();
  }

  async setStatus(name: string, status: TrainingJobStatus, secondary: SecondaryStatus, extra: Partial<TrainingJobsTable> = {}): Promise<void> {
    const ended = status === 'Completed' || status === 'Failed' || status === 'Stopped';
    await this.update(name, { status, secondary_status: secondary, ...(ended ? { ended_at: new Date().toISOString() } : {}), ...extra });
  }

  async describe(name: string): Promise<TrainingJob> {
    const row = await this.row(name);
    const points = await this.db
      .selectFrom('training_job_metrics')
      .select(['name', 'value', 'step', 'created_at'])
      .where('job_name', '=', name)
      .orderBy('seq', 'desc')
      .limit(DESCRIBE_METRIC_POINTS)
      .execute();
    const metrics: MetricPoint[] = points.reverse().map((p) => ({ name: p.name, value: Number(p.value), step: p.step === null ? null : Number(p.step), timestamp: p.created_at }));
    const params = await this.params([name]);
    return toJob(row, metrics, params.get(name));
  }

  /** Jobs per experiment (of one, when named) and when the newest was created. */
  async runCounts(experiment?: string): Promise<Array<{ experiment: string; runs: number; lastRunAt: string | null }>> {
    let q = this.db.selectFrom('training_jobs').select((eb) => ['experiment', eb.fn.countAll().as('n'), eb.fn.max('created_at').as('last')]);
    if (experiment !== undefined) q = q.where('experiment', '=', experiment);
    const rows = await q.groupBy('experiment').execute();
    return rows.map((r) => ({ experiment: r.experiment, runs: Number(r.n), lastRunAt: (r.last as string | null) ?? null }));
  }

  /** Status changes for the platform feed (`training-job` events carry the secondary status). */
  statusChanges(since: string, limit: number, after?: StatusCursor): Promise<StatusRow[]> {
    return readStatusChanges(this.metadata, 'training_jobs', { secondaryStatus: 'secondary_status' })(since, limit, after);
  }

  /** Records a parameter a job logged; the last value of a name wins. */
  async setParam(name: string, param: string, value: string): Promise<void> {
    await this.db
      .insertInto('run_params')
      .values({ job_name: name, name: param, value })
      .onConflict((oc) => oc.columns(['job_name', 'name']).doUpdateSet({ value }))
      .execute();
  }

  /** Logged parameters of the given jobs, by job. */
  async params(names: string[]): Promise<Map<string, Record<string, string>>> {
    const out = new Map<string, Record<string, string>>();
    if (names.length === 0) return out;
    const rows = await this.db.selectFrom('run_params').selectAll().where('job_name', 'in', names).execute();
    for (const r of rows) {
      const entry = out.get(r.job_name) ?? {};
      entry[r.name] = r.value;
      out.set(r.job_name, entry);
    }
    return out;
  }

  async list(filter: { status?: string; nameContains?: string; experiment?: string; limit?: number; offset?: number }): Promise<{ items: TrainingJob[]; total: number }> {
    let q = this.db.selectFrom('training_jobs');
    if (filter.status) q = q.where('status', '=', filter.status);
    if (filter.experiment) q = q.where('experiment', '=', filter.experiment);
    if (filter.nameContains) q = q.where('name', 'like', `%${filter.nameContains.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    const total = Number((await q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await q.selectAll().orderBy('created_at', 'desc').limit(Math.min(filter.limit ?? 100, 1000)).offset(filter.offset ?? 0).execute();
    const params = await this.params(rows.map((r) => r.name));
    return { items: rows.map((r) => toJob(r, [], params.get(r.name))), total };
  }

  /** Jobs that have not ended (InProgress or Stopping). */
  async unfinished(): Promise<Array<Pick<TrainingJobsTable, 'name' | 'status' | 'spec_json'>>> {
    return this.db.selectFrom('training_jobs').select(['name', 'status', 'spec_json']).where('status', 'in', ['InProgress', 'Stopping']).execute();
  }

  async nextSeq(table: 'training_job_logs' | 'training_job_metrics', name: string): Promise<number> {
    const r = await this.db.selectFrom(table).select((eb) => eb.fn.max('seq').as('m')).where('job_name', '=', name).executeTakeFirst();
    return r?.m === null || r?.m === undefined ? 1 : Number(r.m) + 1;
  }

  async appendLogs(name: string, lines: Array<{ seq: number; attempt: number; line: string; at: string }>): Promise<void> {
    if (lines.length === 0) return;
    await this.db.insertInto('training_job_logs').values(lines.map((l) => ({ job_name: name, seq: l.seq, attempt: l.attempt, line: l.line, created_at: l.at }))).execute();
  }

  async appendMetrics(name: string, points: Array<{ seq: number; name: string; value: number; step: number | null; at: string }>): Promise<void> {
    if (points.length === 0) return;
    // A point of a step the series has (an attempt run again re-logs it) is kept once: the first.
    await this.db
      .insertInto('training_job_metrics')
      .values(points.map((p) => ({ job_name: name, seq: p.seq, name: p.name, value: p.value, step: p.step, created_at: p.at })))
      .onConflict((oc) => oc.columns(['job_name', 'name', 'step']).doNothing())
      .execute();
  }

  async logs(name: string, after: number, limit: number): Promise<LogLine[]> {
    await this.row(name);
    return this.logsAfter(name, after, limit);
  }

  /** Log lines after `after` without checking that the job exists. */
  async logsAfter(name: string, after: number, limit: number): Promise<LogLine[]> {
    const rows = await this.db.selectFrom('training_job_logs').selectAll().where('job_name', '=', name).where('seq', '>', after).orderBy('seq').limit(limit).execute();
    return rows.map((r) => ({ seq: Number(r.seq), attempt: Number(r.attempt), line: r.line, timestamp: r.created_at }));
  }

  /** Metric points after `after` (a seq), oldest first. */
  async metricsAfter(name: string, after: number, limit: number): Promise<SequencedMetricPoint[]> {
    const rows = await this.db.selectFrom('training_job_metrics').selectAll().where('job_name', '=', name).where('seq', '>', after).orderBy('seq').limit(limit).execute();
    return rows.map((p) => ({ seq: Number(p.seq), name: p.name, value: Number(p.value), step: p.step === null ? null : Number(p.step), timestamp: p.created_at }));
  }

  /** The status fields alone (what a live view polls), or null for an unknown job. */
  async status(name: string): Promise<TrainingJobStatusInfo | null> {
    const row = await this.db.selectFrom('training_jobs').select(['status', 'secondary_status', 'failure_reason', 'updated_at']).where('name', '=', name).executeTakeFirst();
    if (!row) return null;
    return { status: row.status as TrainingJobStatus, secondaryStatus: row.secondary_status as SecondaryStatus, failureReason: row.failure_reason, updatedAt: row.updated_at };
  }
}

function toJob(row: TrainingJobsTable, metrics: MetricPoint[], loggedParams?: Record<string, string>): TrainingJob {
  // The resolved hyperparameters are the platform's; a job shows them as they were given.
  // Rules show as their statuses (the debugger's), added by the service.
  const { resolvedHyperParameters: _resolved, rules: _rules, ...spec } = JSON.parse(row.spec_json) as TrainingSpec;
  return {
    name: row.name,
    status: row.status as TrainingJobStatus,
    secondaryStatus: row.secondary_status as SecondaryStatus,
    failureReason: row.failure_reason,
    ...spec,
    experiment: row.experiment,
    ...(loggedParams ? { loggedParams } : {}),
    finalMetrics: JSON.parse(row.final_metrics_json) as Record<string, number>,
    metrics,
    modelArtifact: row.model_artifact,
    attempts: Number(row.attempts),
    createdBy: row.created_by,
    createdAt: row.created_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    updatedAt: row.updated_at,
  };
}
