import type { Kysely } from 'kysely';
import { OrchardError } from '../../core/index.js';
import type { MetadataStore } from '../../storage/index.js';
import type { ExecutionsTable, TriggersTable } from '../pipeline-store.js';

interface TriggerTables {
  pipeline_triggers: TriggersTable;
  pipeline_executions: ExecutionsTable;
}

export function triggerNotFound(name: string): OrchardError {
  return new OrchardError('ORCH_TRIGGER_NOT_FOUND', { message: `No pipeline trigger '${name}'`, details: { name } });
}

/** Reads and writes `pipeline_triggers` (migration 0019), and finds the execution a firing started. */
export class TriggerStore {
  constructor(readonly metadata: MetadataStore) {}

  private get db(): Kysely<TriggerTables> {
    return this.metadata.db as unknown as Kysely<TriggerTables>;
  }

  async insert(row: TriggersTable): Promise<void> {
    try {
      await this.db.insertInto('pipeline_triggers').values(row).execute();
    } catch (err) {
      if (this.metadata.isUniqueViolation(err)) throw new OrchardError('ORCH_TRIGGER_EXISTS', { message: `A pipeline trigger named '${row.name}' exists`, details: { name: row.name } });
      throw err;
    }
  }

  async get(name: string): Promise<TriggersTable> {
    const row = await this.db.selectFrom('pipeline_triggers').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) throw triggerNotFound(name);
    return row;
  }

  async list(filter: { pipeline?: string }, limit: number, offset: number): Promise<{ rows: TriggersTable[]; total: number }> {
    let q = this.db.selectFrom('pipeline_triggers');
    if (filter.pipeline) q = q.where('pipeline', '=', filter.pipeline);
    const total = Number((await q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await q.selectAll().orderBy('name').limit(limit).offset(offset).execute();
    return { rows, total };
  }

  /** Enabled triggers, by name (the watcher's round). */
  async enabled(): Promise<TriggersTable[]> {
    return this.db.selectFrom('pipeline_triggers').selectAll().where('enabled', '=', 1).orderBy('name').execute();
  }

  async delete(name: string): Promise<void> {
    const res = await this.db.deleteFrom('pipeline_triggers').where('name', '=', name).executeTakeFirst();
    if (Number(res.numDeletedRows) === 0) throw triggerNotFound(name);
  }

  /** Enables or disables; `state_json` is replaced too when given (a re-enabled trigger starts from now). */
  async setEnabled(name: string, enabled: boolean, stateJson?: string): Promise<void> {
    const res = await this.db
      .updateTable('pipeline_triggers')
      .set({ enabled: enabled ? 1 : 0, updated_at: new Date().toISOString(), ...(stateJson === undefined ? {} : { state_json: stateJson }) })
      .where('name', '=', name)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) throw triggerNotFound(name);
  }

  /**
   * Replaces the state when it is still `expected` (compare-and-set): false when something
   * else (a disable, a delete, another server) changed the row meanwhile.
   */
  async swapState(name: string, expected: string, next: string): Promise<boolean> {
    const res = await this.db
      .updateTable('pipeline_triggers')
      .set({ state_json: next, updated_at: new Date().toISOString() })
      .where('name', '=', name)
      .where('state_json', '=', expected)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /**
   * The execution a firing started, if any: its trigger JSON carries the firing's id (hex,
   * so it has no LIKE wildcards).
   */
  async executionOf(pipeline: string, firing: string): Promise<string | null> {
    if (!/^[0-9a-f]+$/.test(firing)) throw new Error(`firing id must be hex: ${firing}`);
    const row = await this.db
      .selectFrom('pipeline_executions')
      .select('name')
      .where('pipeline', '=', pipeline)
      .where('trigger_json', 'like', `%"firing":"${firing}"%`)
      .executeTakeFirst();
    return row?.name ?? null;
  }
}
