import type { Kysely } from 'kysely';
import { OrchardError } from '../core/index.js';
import { readStatusChanges, type Database, type MetadataStore, type StatusCursor, type StatusRow } from '../storage/index.js';

/** The pipeline tables (migration 0019_pipelines); only this store reads or writes them. */
export interface PipelinesTable {
  name: string;
  description: string | null;
  latest_version: number;
  overlap: string;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface PipelineVersionsTable {
  pipeline: string;
  version: number;
  definition_json: string;
  deleted: number;
  created_by: string | null;
  created_at: string;
}

export interface ExecutionsTable {
  name: string;
  pipeline: string;
  version: number;
  status: string;
  parameters_json: string;
  trigger_json: string;
  failure_reason: string | null;
  stop_requested: number;
  created_by: string | null;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  updated_at: string;
}

export interface StepsTable {
  execution: string;
  step: string;
  type: string;
  status: string;
  attempts: number;
  runs: number;
  resource: string | null;
  inputs_json: string | null;
  outputs_json: string | null;
  failure_code: string | null;
  failure_reason: string | null;
  caught: number;
  cache_hit: number;
  next_at: string | null;
  started_at: string | null;
  ended_at: string | null;
  updated_at: string;
}

export interface CacheTable {
  key: string;
  outputs_json: string;
  execution: string;
  step: string;
  created_at: string;
  expires_at: string | null;
}

export interface TriggersTable {
  name: string;
  pipeline: string;
  kind: string;
  config_json: string;
  parameters_json: string;
  state_json: string;
  enabled: number;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

interface PipelineTables {
  pipelines: PipelinesTable;
  pipeline_versions: PipelineVersionsTable;
  pipeline_executions: ExecutionsTable;
  pipeline_steps: StepsTable;
  pipeline_cache: CacheTable;
  pipeline_triggers: TriggersTable;
}

const ACTIVE = ['Queued', 'Executing', 'Stopping'];

/** What a `pipeline-step` feed event says besides the step's status and failure reason. */
export type StepChangeFields = {
  execution: string;
  pipeline: string;
  step: string;
  stepType: string;
  attempt: number;
  resource: string | null;
  failureCode: string | null;
};

export function notFound(name: string): OrchardError {
  return new OrchardError('ORCH_PIPELINE_NOT_FOUND', { message: `No pipeline '${name}'`, details: { name } });
}

export function executionNotFound(id: string): OrchardError {
  return new OrchardError('ORCH_PIPELINE_EXECUTION_NOT_FOUND', { message: `No pipeline execution '${id}'`, details: { id } });
}

/** Reads and writes the pipeline tables. */
export class PipelineStore {
  constructor(readonly metadata: MetadataStore) {}

  get db(): Kysely<PipelineTables> {
    return this.metadata.db as unknown as Kysely<PipelineTables>;
  }

  /** Execution status changes for the platform feed (`pipeline-execution` events). */
  statusChanges(since: string, limit: number, after?: StatusCursor): Promise<StatusRow[]> {
    return readStatusChanges(this.metadata, 'pipeline_executions' as keyof Database)(since, limit, after);
  }

  /**
   * Step rows changed at or after `since`, for the platform feed (`pipeline-step` events):
   * named `<execution>/<step>`, ordered by (updatedAt, execution, step), after `after`. Only
   * the steps of executions that run or changed since are read: a step changes only while
   * its execution runs or as it ends, and the executions' indexes find those.
   */
  async stepChanges(since: string, limit: number, after?: StatusCursor): Promise<Array<StatusRow & { fields: StepChangeFields }>> {
    let q = this.db
      .selectFrom('pipeline_steps as s')
      .innerJoin('pipeline_executions as e', 'e.name', 's.execution')
      .select(['s.execution', 's.step', 's.type', 's.status', 's.attempts', 's.resource', 's.failure_code', 's.failure_reason', 's.updated_at', 'e.pipeline'])
      .where((eb) => eb.or([eb('e.status', 'in', ACTIVE), eb('e.updated_at', '>=', since)]))
      .where('s.updated_at', '>=', since);
    if (after) {
      const cut = after.name.indexOf('/');
      const [execution, step] = cut === -1 ? [after.name, ''] : [after.name.slice(0, cut), after.name.slice(cut + 1)];
      q = q.where((eb) =>
        eb.or([
          eb('s.updated_at', '>', after.updatedAt),
          eb.and([eb('s.updated_at', '=', after.updatedAt), eb.or([eb('s.execution', '>', execution), eb.and([eb('s.execution', '=', execution), eb('s.step', '>', step)])])]),
        ]),
      );
    }
    const rows = await q.orderBy('s.updated_at').orderBy('s.execution').orderBy('s.step').limit(limit).execute();
    return rows.map((r) => ({
      name: `${r.execution}/${r.step}`,
      status: r.status,
      failureReason: r.failure_reason,
      updatedAt: r.updated_at,
      fields: { execution: r.execution, pipeline: r.pipeline, step: r.step, stepType: r.type, attempt: r.attempts, resource: r.resource, failureCode: r.failure_code },
    }));
  }

  // --- pipelines and versions ---

  /** A new pipeline with its version 1, in one transaction. */
  async insertPipeline(row: PipelinesTable, definitionJson: string): Promise<void> {
    try {
      await this.db.transaction().execute(async (tx) => {
        await tx.insertInto('pipelines').values(row).execute();
        await tx.insertInto('pipeline_versions').values({ pipeline: row.name, version: 1, definition_json: definitionJson, deleted: 0, created_by: row.created_by, created_at: row.created_at }).execute();
      });
    } catch (err) {
      if (this.metadata.isUniqueViolation(err)) throw new OrchardError('ORCH_PIPELINE_EXISTS', { message: `A pipeline named '${row.name}' exists`, details: { name: row.name } });
      throw err;
    }
  }

  /** The next version (when `definitionJson` is given) and settings, in one transaction. */
  async update(name: string, change: { definitionJson?: string; description?: string; overlap?: string; by: string | null }): Promise<void> {
    const now = new Date().toISOString();
    await this.db.transaction().execute(async (tx) => {
      const row = await tx.selectFrom('pipelines').selectAll().where('name', '=', name).executeTakeFirst();
      if (!row) throw notFound(name);
      let latest = row.latest_version;
      if (change.definitionJson !== undefined) {
        latest += 1;
        await tx.insertInto('pipeline_versions').values({ pipeline: name, version: latest, definition_json: change.definitionJson, deleted: 0, created_by: change.by, created_at: now }).execute();
      }
      await tx
        .updateTable('pipelines')
        .set({ latest_version: latest, description: change.description ?? row.description, overlap: change.overlap ?? row.overlap, updated_at: now })
        .where('name', '=', name)
        .where('latest_version', '=', row.latest_version)
        .execute();
    });
  }

  async pipeline(name: string): Promise<PipelinesTable> {
    const row = await this.db.selectFrom('pipelines').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) throw notFound(name);
    return row;
  }

  async pipelines(limit: number, offset: number): Promise<{ rows: PipelinesTable[]; total: number }> {
    const total = Number((await this.db.selectFrom('pipelines').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await this.db.selectFrom('pipelines').selectAll().orderBy('name').limit(limit).offset(offset).execute();
    return { rows, total };
  }

  async version(name: string, version: number): Promise<PipelineVersionsTable> {
    const row = await this.db.selectFrom('pipeline_versions').selectAll().where('pipeline', '=', name).where('version', '=', version).executeTakeFirst();
    if (!row) throw new OrchardError('ORCH_PIPELINE_NOT_FOUND', { message: `Pipeline '${name}' has no version ${version}`, details: { name, version } });
    return row;
  }

  async versions(name: string): Promise<PipelineVersionsTable[]> {
    return this.db.selectFrom('pipeline_versions').selectAll().where('pipeline', '=', name).orderBy('version').execute();
  }

  async markVersionDeleted(name: string, version: number): Promise<void> {
    await this.db.updateTable('pipeline_versions').set({ deleted: 1 }).where('pipeline', '=', name).where('version', '=', version).execute();
  }

  /** Removes a pipeline, its versions, executions and triggers. */
  async deletePipeline(name: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const gone = await tx.deleteFrom('pipelines').where('name', '=', name).executeTakeFirst();
      if (Number(gone.numDeletedRows) === 0) throw notFound(name);
      const executions = tx.selectFrom('pipeline_executions').select('name').where('pipeline', '=', name);
      await tx.deleteFrom('pipeline_steps').where('execution', 'in', executions).execute();
      await tx.deleteFrom('pipeline_executions').where('pipeline', '=', name).execute();
      await tx.deleteFrom('pipeline_versions').where('pipeline', '=', name).execute();
      await tx.deleteFrom('pipeline_triggers').where('pipeline', '=', name).execute();
    });
  }

  // --- executions ---

  async insertExecution(row: ExecutionsTable): Promise<void> {
    await this.db.insertInto('pipeline_executions').values(row).execute();
  }

  async execution(id: string): Promise<ExecutionsTable> {
    const row = await this.db.selectFrom('pipeline_executions').selectAll().where('name', '=', id).executeTakeFirst();
    if (!row) throw executionNotFound(id);
    return row;
  }

  async executions(filter: { pipeline?: string; status?: string }, limit: number, offset: number): Promise<{ rows: ExecutionsTable[]; total: number }> {
    let q = this.db.selectFrom('pipeline_executions');
    if (filter.pipeline) q = q.where('pipeline', '=', filter.pipeline);
    if (filter.status) q = q.where('status', '=', filter.status);
    const total = Number((await q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await q.selectAll().orderBy('created_at', 'desc').orderBy('name', 'desc').limit(limit).offset(offset).execute();
    return { rows, total };
  }

  /** Unfinished executions, oldest first (the controller's sweep). */
  async active(limit = 10_000): Promise<ExecutionsTable[]> {
    return this.db.selectFrom('pipeline_executions').selectAll().where('status', 'in', ACTIVE).orderBy('created_at').orderBy('name').limit(limit).execute();
  }

  /** Running or queued executions of one pipeline (the overlap policy's question). */
  async activeOf(pipeline: string): Promise<ExecutionsTable[]> {
    return this.db.selectFrom('pipeline_executions').selectAll().where('pipeline', '=', pipeline).where('status', 'in', ACTIVE).orderBy('created_at').orderBy('name').execute();
  }

  /** Sets an execution's status when it is one of `from`; false when it was not. */
  async setExecution(id: string, status: string, from: string[], fields: Partial<ExecutionsTable> = {}): Promise<boolean> {
    const now = new Date().toISOString();
    const res = await this.db
      .updateTable('pipeline_executions')
      .set({ ...fields, status, updated_at: now })
      .where('name', '=', id)
      .where('status', 'in', from)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async requestStop(id: string): Promise<void> {
    await this.db.updateTable('pipeline_executions').set({ stop_requested: 1, updated_at: new Date().toISOString() }).where('name', '=', id).execute();
  }

  // --- steps ---

  async steps(id: string): Promise<StepsTable[]> {
    return this.db.selectFrom('pipeline_steps').selectAll().where('execution', '=', id).execute();
  }

  async step(id: string, step: string): Promise<StepsTable | undefined> {
    return this.db.selectFrom('pipeline_steps').selectAll().where('execution', '=', id).where('step', '=', step).executeTakeFirst();
  }

  /** Writes a step's row; `from` guards the transition (the row's status must be one of them, or the row absent). */
  async putStep(row: StepsTable, from: string[] | null): Promise<boolean> {
    if (from === null) {
      try {
        await this.db.insertInto('pipeline_steps').values(row).execute();
        return true;
      } catch (err) {
        if (this.metadata.isUniqueViolation(err)) return false;
        throw err;
      }
    }
    const { execution, step, ...rest } = row;
    const res = await this.db.updateTable('pipeline_steps').set(rest).where('execution', '=', execution).where('step', '=', step).where('status', 'in', from).executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /** Removes the rows of steps a retry runs again (failed or never finished). */
  async resetSteps(id: string, steps: string[]): Promise<void> {
    if (steps.length === 0) return;
    await this.db.deleteFrom('pipeline_steps').where('execution', '=', id).where('step', 'in', steps).execute();
  }

  /** Times each finished execution's steps were started, for the bench's count of repeats. */
  async runCounts(ids: string[]): Promise<Array<{ runs: number }>> {
    if (ids.length === 0) return [];
    return this.db.selectFrom('pipeline_steps').select('runs').where('execution', 'in', ids).execute();
  }

  // --- cache ---

  async cached(key: string, now: string): Promise<CacheTable | undefined> {
    return this.db
      .selectFrom('pipeline_cache')
      .selectAll()
      .where('key', '=', key)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .executeTakeFirst();
  }

  async putCache(row: CacheTable): Promise<void> {
    await this.db.deleteFrom('pipeline_cache').where('key', '=', row.key).execute();
    await this.db.insertInto('pipeline_cache').values(row).execute().catch((err) => {
      if (!this.metadata.isUniqueViolation(err)) throw err;
    });
  }
}
