import { OrchardError } from '../core/index.js';
import { readStatusChanges, type MetadataStore, type StatusCursor, type StatusRow, type TuningJobsTable, type TuningTrialsTable } from '../storage/index.js';
import type { TrainingJobStatus } from '../training/index.js';
import type { ParamValues } from './strategies/index.js';
import type { Trial, TuningJobStatus, TuningSpec } from './types.js';

/** Reads and writes the tuning tables; the only code that knows their shape. */
export class TuningStore {
  constructor(private readonly metadata: MetadataStore) {}

  /** Status changes for the platform feed (`tuning-job` events). */
  statusChanges(since: string, limit: number, after?: StatusCursor): Promise<StatusRow[]> {
    return readStatusChanges(this.metadata, 'tuning_jobs')(since, limit, after);
  }

  private get db() {
    return this.metadata.db;
  }

  async insert(name: string, spec: TuningSpec, createdBy: string | null): Promise<void> {
    const now = new Date().toISOString();
    try {
      await this.db
        .insertInto('tuning_jobs')
        .values({ name, status: 'InProgress', spec_json: JSON.stringify(spec), failure_reason: null, stop_requested: 0, created_by: createdBy, created_at: now, ended_at: null, updated_at: now })
        .execute();
    } catch (err) {
      if (this.metadata.isUniqueViolation(err)) throw new OrchardError('ORCH_TUNING_EXISTS', { message: `A tuning job named '${name}' exists` });
      throw err;
    }
  }

  async row(name: string): Promise<TuningJobsTable> {
    const row = await this.db.selectFrom('tuning_jobs').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) throw new OrchardError('ORCH_TUNING_NOT_FOUND', { message: `No tuning job '${name}'` });
    return row;
  }

  async list(filter: { status?: TuningJobStatus; limit?: number; offset?: number } = {}): Promise<{ rows: TuningJobsTable[]; total: number }> {
    let q = this.db.selectFrom('tuning_jobs');
    if (filter.status) q = q.where('status', '=', filter.status);
    const total = Number((await q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await q.selectAll().orderBy('created_at', 'desc').limit(Math.min(filter.limit ?? 100, 1000)).offset(filter.offset ?? 0).execute();
    return { rows, total };
  }

  /** Tuning jobs the controller drives (not yet ended). */
  async active(): Promise<TuningJobsTable[]> {
    return this.db.selectFrom('tuning_jobs').selectAll().where('status', 'in', ['InProgress', 'Stopping']).orderBy('created_at').execute();
  }

  async setStatus(name: string, status: TuningJobStatus, failureReason: string | null = null): Promise<void> {
    const now = new Date().toISOString();
    const ended = status === 'Completed' || status === 'Failed' || status === 'Stopped';
    await this.db
      .updateTable('tuning_jobs')
      .set({ status, failure_reason: failureReason, updated_at: now, ...(ended ? { ended_at: now } : {}) })
      .where('name', '=', name)
      .execute();
  }

  async requestStop(name: string): Promise<void> {
    await this.db.updateTable('tuning_jobs').set({ stop_requested: 1, status: 'Stopping', updated_at: new Date().toISOString() }).where('name', '=', name).where('status', '=', 'InProgress').execute();
  }

  async trials(name: string): Promise<TuningTrialsTable[]> {
    return this.db.selectFrom('tuning_trials').selectAll().where('tuning_job', '=', name).orderBy('trial').execute();
  }

  /** Records a trial before its training job exists; false when another controller took the number. */
  async addTrial(name: string, trial: number, trainingJob: string, params: ParamValues): Promise<boolean> {
    try {
      await this.db
        .insertInto('tuning_trials')
        .values({ tuning_job: name, trial, training_job: trainingJob, params_json: JSON.stringify(params), status: 'InProgress', objective: null, early_stopped: 0, failure_reason: null, created_at: new Date().toISOString(), ended_at: null })
        .execute();
      return true;
    } catch (err) {
      if (this.metadata.isUniqueViolation(err)) return false;
      throw err;
    }
  }

  async updateTrial(name: string, trial: number, changes: { status?: TrainingJobStatus; objective?: number | null; earlyStopped?: boolean; failureReason?: string | null; endedAt?: string | null }): Promise<void> {
    await this.db
      .updateTable('tuning_trials')
      .set({
        ...(changes.status !== undefined ? { status: changes.status } : {}),
        ...(changes.objective !== undefined ? { objective: changes.objective } : {}),
        ...(changes.earlyStopped !== undefined ? { early_stopped: changes.earlyStopped ? 1 : 0 } : {}),
        ...(changes.failureReason !== undefined ? { failure_reason: changes.failureReason } : {}),
        ...(changes.endedAt !== undefined ? { ended_at: changes.endedAt } : {}),
      })
      .where('tuning_job', '=', name)
      .where('trial', '=', trial)
      .execute();
  }
}

export function toTrial(row: TuningTrialsTable): Trial {
  const params = JSON.parse(row.params_json) as ParamValues;
  return {
    trial: Number(row.trial),
    trainingJob: row.training_job,
    hyperParameters: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])),
    status: row.status as TrainingJobStatus,
    objective: row.objective === null ? null : Number(row.objective),
    earlyStopped: Number(row.early_stopped) === 1,
    failureReason: row.failure_reason,
    createdAt: row.created_at,
    endedAt: row.ended_at,
  };
}
