import type { Kysely } from 'kysely';
import { OrchardError } from '../core/index.js';
import { readStatusChanges, type MetadataStore, type StatusChanges } from '../storage/index.js';
import type { AutomlAnalysis, AutomlCandidateStatus, AutomlJobStatus, AutomlSecondaryStatus, AutomlSpec, AutomlState } from './types.js';

/** `automl_jobs`: one row per AutoML job. */
export interface AutomlJobsTable {
  name: string;
  status: string;
  secondary_status: string;
  spec_json: string;
  analysis_json: string;
  state_json: string;
  /** JSON AutomlBestCandidate once registered. */
  best_json: string | null;
  failure_reason: string | null;
  stop_requested: number;
  created_by: string | null;
  created_at: string;
  ended_at: string | null;
  updated_at: string;
}

/** `automl_candidates`: candidates in launch order (`seq`), the ensemble last. */
export interface AutomlCandidatesTable {
  job: string;
  seq: number;
  name: string;
  variant: string | null;
  algorithm: string;
  training_job: string | null;
  /** JSON: the hyperparameters as given to the training job (tuned ones typed as suggested). */
  params_json: string;
  status: string;
  /** The training job's own final value of its objective metric (what the search follows). */
  trained_objective: number | null;
  /** The job's objective as AutoML computed it on the validation rows. */
  objective: number | null;
  metrics_json: string;
  importance_json: string | null;
  members_json: string | null;
  rank: number | null;
  training_seconds: number | null;
  failure_reason: string | null;
  created_at: string;
  ended_at: string | null;
}

interface AutomlTables {
  automl_jobs: AutomlJobsTable;
  automl_candidates: AutomlCandidatesTable;
}

const TERMINAL = ['Completed', 'Failed', 'Stopped'];

/** Reads and writes the AutoML tables; the only code that knows their shape. */
export class AutomlStore {
  private readonly db: Kysely<AutomlTables>;
  readonly statusChanges: StatusChanges;

  constructor(private readonly metadata: MetadataStore) {
    this.db = metadata.db as unknown as Kysely<AutomlTables>;
    this.statusChanges = readStatusChanges(metadata, 'automl_jobs' as never, { secondaryStatus: 'secondary_status' });
  }

  async insert(name: string, spec: AutomlSpec, analysis: AutomlAnalysis, createdBy: string | null): Promise<void> {
    const now = new Date().toISOString();
    const state: AutomlState = { variants: {} };
    try {
      await this.db
        .insertInto('automl_jobs')
        .values({
          name,
          status: 'InProgress',
          secondary_status: 'Starting',
          spec_json: JSON.stringify(spec),
          analysis_json: JSON.stringify(analysis),
          state_json: JSON.stringify(state),
          best_json: null,
          failure_reason: null,
          stop_requested: 0,
          created_by: createdBy,
          created_at: now,
          ended_at: null,
          updated_at: now,
        })
        .execute();
    } catch (err) {
      if (this.metadata.isUniqueViolation(err)) throw new OrchardError('ORCH_AUTOML_EXISTS', { message: `An AutoML job named '${name}' exists`, details: { name } });
      throw err;
    }
  }

  async find(name: string): Promise<AutomlJobsTable | undefined> {
    return this.db.selectFrom('automl_jobs').selectAll().where('name', '=', name).executeTakeFirst();
  }

  async row(name: string): Promise<AutomlJobsTable> {
    const row = await this.find(name);
    if (!row) throw new OrchardError('ORCH_AUTOML_NOT_FOUND', { message: `No AutoML job '${String(name).slice(0, 100)}'`, details: { name: String(name).slice(0, 100) } });
    return row;
  }

  async list(filter: { status?: AutomlJobStatus; limit?: number; offset?: number } = {}): Promise<{ rows: AutomlJobsTable[]; total: number }> {
    let q = this.db.selectFrom('automl_jobs');
    if (filter.status) q = q.where('status', '=', filter.status);
    const total = Number((await q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await q.selectAll().orderBy('created_at', 'desc').orderBy('name').limit(Math.min(filter.limit ?? 100, 1000)).offset(filter.offset ?? 0).execute();
    return { rows, total };
  }

  /** Jobs the controller drives (not yet ended). */
  async active(): Promise<AutomlJobsTable[]> {
    return this.db.selectFrom('automl_jobs').selectAll().where('status', 'in', ['InProgress', 'Stopping']).orderBy('created_at').execute();
  }

  /**
   * Writes a job's phase state and statuses, only while it has not ended (a job another
   * controller or the finalize job ended is left as it is). True when the row changed.
   */
  async update(name: string, changes: { state?: AutomlState; status?: AutomlJobStatus; secondary?: AutomlSecondaryStatus; failureReason?: string | null; best?: unknown }): Promise<boolean> {
    const now = new Date().toISOString();
    const ended = changes.status !== undefined && TERMINAL.includes(changes.status);
    const result = await this.db
      .updateTable('automl_jobs')
      .set({
        updated_at: now,
        ...(changes.state ? { state_json: JSON.stringify(changes.state) } : {}),
        ...(changes.status ? { status: changes.status } : {}),
        ...(changes.secondary ? { secondary_status: changes.secondary } : {}),
        ...(changes.failureReason !== undefined ? { failure_reason: changes.failureReason === null ? null : changes.failureReason.slice(0, 2000) } : {}),
        ...(changes.best !== undefined ? { best_json: changes.best === null ? null : JSON.stringify(changes.best) } : {}),
        ...(ended ? { ended_at: now } : {}),
      })
      .where('name', '=', name)
      .where('status', 'not in', TERMINAL)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async requestStop(name: string): Promise<void> {
    await this.db.updateTable('automl_jobs').set({ stop_requested: 1, status: 'Stopping', secondary_status: 'Stopping', updated_at: new Date().toISOString() }).where('name', '=', name).where('status', '=', 'InProgress').execute();
  }

  async candidates(job: string): Promise<AutomlCandidatesTable[]> {
    return this.db.selectFrom('automl_candidates').selectAll().where('job', '=', job).orderBy('seq').execute();
  }

  /** Records a candidate before its training job exists; false when another controller took the number. */
  async addCandidate(row: Omit<AutomlCandidatesTable, 'created_at' | 'ended_at' | 'rank' | 'objective' | 'trained_objective' | 'metrics_json' | 'importance_json' | 'training_seconds' | 'failure_reason'> & Partial<AutomlCandidatesTable>): Promise<boolean> {
    try {
      await this.db
        .insertInto('automl_candidates')
        .values({ trained_objective: null, objective: null, metrics_json: '{}', importance_json: null, rank: null, training_seconds: null, failure_reason: null, created_at: new Date().toISOString(), ended_at: null, ...row })
        .execute();
      return true;
    } catch (err) {
      if (this.metadata.isUniqueViolation(err)) return false;
      throw err;
    }
  }

  async updateCandidate(job: string, name: string, changes: Partial<Pick<AutomlCandidatesTable, 'status' | 'trained_objective' | 'objective' | 'metrics_json' | 'importance_json' | 'members_json' | 'rank' | 'training_seconds' | 'failure_reason' | 'ended_at'>> & { status?: AutomlCandidateStatus }): Promise<void> {
    await this.db.updateTable('automl_candidates').set(changes).where('job', '=', job).where('name', '=', name).execute();
  }
}
