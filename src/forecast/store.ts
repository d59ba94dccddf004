import type { Kysely } from 'kysely';
import { OrchardError } from '../core/index.js';
import { readStatusChanges, type Database, type MetadataStore, type StatusCursor, type StatusRow } from '../storage/index.js';
import type {
  ForecastDatabase,
  ForecastForecastShardsTable,
  ForecastForecastsTable,
  ForecastGroupsTable,
  ForecastImportsTable,
  ForecastPredictorsTable,
  ForecastShardsTable,
} from './types.js';

const ACTIVE = ['CreatePending', 'CreateInProgress', 'CreateStopping'];
const now = () => new Date().toISOString();

/** Reads and writes the forecast tables (migrations 0018 and 0021); the only code that knows their shape. */
export class ForecastStore {
  constructor(private readonly metadata: MetadataStore) {}

  private get db(): Kysely<ForecastDatabase> {
    return this.metadata.db as unknown as Kysely<ForecastDatabase>;
  }

  importStatusChanges(since: string, limit: number, after?: StatusCursor): Promise<StatusRow[]> {
    return readStatusChanges(this.metadata, 'forecast_imports' as keyof Database)(since, limit, after);
  }

  predictorStatusChanges(since: string, limit: number, after?: StatusCursor): Promise<StatusRow[]> {
    return readStatusChanges(this.metadata, 'forecast_predictors' as keyof Database)(since, limit, after);
  }

  forecastStatusChanges(since: string, limit: number, after?: StatusCursor): Promise<StatusRow[]> {
    return readStatusChanges(this.metadata, 'forecast_forecasts' as keyof Database)(since, limit, after);
  }

  // ---- groups

  async insertGroup(row: Omit<ForecastGroupsTable, 'updated_at'>): Promise<void> {
    await this.db.insertInto('forecast_groups').values({ ...row, updated_at: row.created_at }).execute();
  }

  async findGroup(name: string): Promise<ForecastGroupsTable | undefined> {
    return this.db.selectFrom('forecast_groups').selectAll().where('name', '=', name).executeTakeFirst();
  }

  async group(name: string): Promise<ForecastGroupsTable> {
    const row = await this.findGroup(name);
    if (!row) throw new OrchardError('ORCH_FORECAST_GROUP_NOT_FOUND', { message: `No dataset group '${name}'`, details: { group: name } });
    return row;
  }

  async listGroups(limit: number, offset: number): Promise<{ rows: ForecastGroupsTable[]; total: number }> {
    const total = Number((await this.db.selectFrom('forecast_groups').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await this.db.selectFrom('forecast_groups').selectAll().orderBy('name').limit(limit).offset(offset).execute();
    return { rows, total };
  }

  /** Deletes a group and its imports; the caller has checked it has no predictors. */
  async deleteGroup(name: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('forecast_imports').where('grp', '=', name).execute();
      await trx.deleteFrom('forecast_groups').where('name', '=', name).execute();
    });
  }

  // ---- imports

  /** Registers an import accepted by a request (its job stores the series). */
  async insertImport(row: Omit<ForecastImportsTable, 'updated_at'>): Promise<void> {
    await this.db.insertInto('forecast_imports').values({ ...row, updated_at: row.created_at }).execute();
  }

  async findImport(id: string): Promise<ForecastImportsTable | undefined> {
    return this.db.selectFrom('forecast_imports').selectAll().where('name', '=', id).executeTakeFirst();
  }

  /** Moves an import on while it is being created (a failed one keeps its status). */
  async updateImport(id: string, changes: Partial<ForecastImportsTable>): Promise<boolean> {
    const res = await this.db.updateTable('forecast_imports').set({ ...changes, updated_at: now() }).where('name', '=', id).where('status', 'in', ACTIVE).executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /** Makes a stored import Active and the group's latest, together; false when it was no longer being created. */
  async activateImport(id: string, changes: Partial<ForecastImportsTable>): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const at = now();
      const res = await trx.updateTable('forecast_imports').set({ ...changes, status: 'Active', updated_at: at }).where('name', '=', id).where('status', 'in', ACTIVE).executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) return false;
      const row = await trx.selectFrom('forecast_imports').select('grp').where('name', '=', id).executeTakeFirstOrThrow();
      await trx.updateTable('forecast_groups').set({ latest_import: id, updated_at: at }).where('name', '=', row.grp).execute();
      return true;
    });
  }

  async unfinishedImports(): Promise<ForecastImportsTable[]> {
    return this.db.selectFrom('forecast_imports').selectAll().where('status', 'in', ACTIVE).execute();
  }

  /** Imports of a group still being created. */
  async importsInProgress(group: string): Promise<string[]> {
    return (await this.db.selectFrom('forecast_imports').select('name').where('grp', '=', group).where('status', 'in', ACTIVE).execute()).map((r) => r.name);
  }

  async importRow(id: string): Promise<ForecastImportsTable> {
    const row = await this.db.selectFrom('forecast_imports').selectAll().where('name', '=', id).executeTakeFirst();
    if (!row) throw new OrchardError('ORCH_FORECAST_IMPORT_NOT_FOUND', { message: `No dataset import '${id}'`, details: { id } });
    return row;
  }

  async listImports(group: string | undefined, limit: number, offset: number): Promise<{ rows: ForecastImportsTable[]; total: number }> {
    let q = this.db.selectFrom('forecast_imports');
    if (group) q = q.where('grp', '=', group);
    const total = Number((await q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await q.selectAll().orderBy('created_at', 'desc').orderBy('name', 'desc').limit(limit).offset(offset).execute();
    return { rows, total };
  }

  async importsOfGroup(group: string): Promise<ForecastImportsTable[]> {
    return this.db.selectFrom('forecast_imports').selectAll().where('grp', '=', group).execute();
  }

  // ---- predictors

  /** A predictor and its shard rows, together. */
  async insertPredictor(row: Omit<ForecastPredictorsTable, 'updated_at'>, shards: Array<{ from: string; to: string; items: number }>): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('forecast_predictors').values({ ...row, updated_at: row.created_at }).execute();
      if (shards.length > 0) {
        await trx
          .insertInto('forecast_predictor_shards')
          .values(shards.map((s, i) => ({ predictor: row.name, shard: i, status: 'pending', item_from: s.from, item_to: s.to, items_total: s.items, items_done: 0, detail: null, sums_json: null, updated_at: row.created_at })))
          .execute();
      }
    });
  }

  async findPredictor(name: string): Promise<ForecastPredictorsTable | undefined> {
    return this.db.selectFrom('forecast_predictors').selectAll().where('name', '=', name).executeTakeFirst();
  }

  async predictor(name: string): Promise<ForecastPredictorsTable> {
    const row = await this.findPredictor(name);
    if (!row) throw new OrchardError('ORCH_FORECAST_PREDICTOR_NOT_FOUND', { message: `No predictor '${name}'`, details: { predictor: name } });
    return row;
  }

  async listPredictors(filter: { group?: string; status?: string }, limit: number, offset: number): Promise<{ rows: ForecastPredictorsTable[]; total: number }> {
    let q = this.db.selectFrom('forecast_predictors');
    if (filter.group) q = q.where('grp', '=', filter.group);
    if (filter.status) q = q.where('status', '=', filter.status);
    const total = Number((await q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await q.selectAll().orderBy('created_at', 'desc').orderBy('name', 'desc').limit(limit).offset(offset).execute();
    return { rows, total };
  }

  async predictorsOf(group: string): Promise<string[]> {
    return (await this.db.selectFrom('forecast_predictors').select('name').where('grp', '=', group).execute()).map((r) => r.name);
  }

  /** Moves a predictor on while it is being created (a stopped or failed one keeps its status). */
  async updatePredictor(name: string, changes: Partial<ForecastPredictorsTable>): Promise<boolean> {
    const res = await this.db.updateTable('forecast_predictors').set({ ...changes, updated_at: now() }).where('name', '=', name).where('status', 'in', ACTIVE).executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async endPredictor(name: string, status: 'CreateFailed' | 'CreateStopped' | 'Active', changes: Partial<ForecastPredictorsTable> = {}): Promise<boolean> {
    return this.updatePredictor(name, { ...changes, status, stage: null, ended_at: now() });
  }

  async deletePredictor(name: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('forecast_predictor_shards').where('predictor', '=', name).execute();
      await trx.deleteFrom('forecast_predictors').where('name', '=', name).execute();
    });
  }

  async unfinishedPredictors(): Promise<ForecastPredictorsTable[]> {
    return this.db.selectFrom('forecast_predictors').selectAll().where('status', 'in', ACTIVE).execute();
  }

  // ---- shards

  async shards(predictor: string): Promise<ForecastShardsTable[]> {
    return this.db.selectFrom('forecast_predictor_shards').selectAll().where('predictor', '=', predictor).orderBy('shard').execute();
  }

  async shard(predictor: string, shard: number): Promise<ForecastShardsTable | undefined> {
    return this.db.selectFrom('forecast_predictor_shards').selectAll().where('predictor', '=', predictor).where('shard', '=', shard).executeTakeFirst();
  }

  /** Progress of a running shard (a shard already done keeps its count). */
  async shardProgress(predictor: string, shard: number, itemsDone: number, detail: string): Promise<void> {
    await this.db
      .updateTable('forecast_predictor_shards')
      .set({ status: 'running', items_done: itemsDone, detail, updated_at: now() })
      .where('predictor', '=', predictor)
      .where('shard', '=', shard)
      .where('status', '<>', 'done')
      .execute();
  }

  /** Stores a finished shard's sums (idempotent) and answers how many shards are done. */
  async shardDone(predictor: string, shard: number, sumsJson: string, items: number): Promise<number> {
    await this.db
      .updateTable('forecast_predictor_shards')
      .set({ status: 'done', sums_json: sumsJson, items_done: items, detail: null, updated_at: now() })
      .where('predictor', '=', predictor)
      .where('shard', '=', shard)
      .where('status', '<>', 'done')
      .execute();
    const r = await this.db.selectFrom('forecast_predictor_shards').select((eb) => eb.fn.countAll().as('n')).where('predictor', '=', predictor).where('status', '=', 'done').executeTakeFirstOrThrow();
    // Touch the predictor so the feed and `--wait` see the progress.
    await this.db.updateTable('forecast_predictors').set({ updated_at: now() }).where('name', '=', predictor).execute();
    return Number(r.n);
  }

  // ---- forecasts

  /** A forecast and its shard rows (one per predictor shard: `items` each), together. */
  async insertForecast(row: Omit<ForecastForecastsTable, 'updated_at'>, shardItems: number[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('forecast_forecasts').values({ ...row, updated_at: row.created_at }).execute();
      if (shardItems.length > 0) {
        await trx
          .insertInto('forecast_forecast_shards')
          .values(shardItems.map((items, shard) => ({ forecast: row.name, shard, status: 'pending', items_total: items, items_done: 0, updated_at: row.created_at })))
          .execute();
      }
    });
  }

  /** Shard rows for a forecast enqueued before forecasts were sharded (none yet); idempotent. */
  async ensureForecastShards(forecast: string, shardItems: number[]): Promise<void> {
    if ((await this.forecastShards(forecast)).length > 0) return;
    await this.db
      .insertInto('forecast_forecast_shards')
      .values(shardItems.map((items, shard) => ({ forecast, shard, status: 'pending', items_total: items, items_done: 0, updated_at: now() })))
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  async forecastShards(forecast: string): Promise<ForecastForecastShardsTable[]> {
    return this.db.selectFrom('forecast_forecast_shards').selectAll().where('forecast', '=', forecast).orderBy('shard').execute();
  }

  /** Progress of a running forecast shard (a done one keeps its count); touches the forecast for the feed. */
  async forecastShardProgress(forecast: string, shard: number, itemsDone: number): Promise<void> {
    await this.db.updateTable('forecast_forecast_shards').set({ status: 'running', items_done: itemsDone, updated_at: now() }).where('forecast', '=', forecast).where('shard', '=', shard).where('status', '<>', 'done').execute();
  }

  /** Marks a forecast shard done (idempotent) and answers how many are done. */
  async forecastShardDone(forecast: string, shard: number, items: number): Promise<number> {
    await this.db.updateTable('forecast_forecast_shards').set({ status: 'done', items_done: items, updated_at: now() }).where('forecast', '=', forecast).where('shard', '=', shard).where('status', '<>', 'done').execute();
    const r = await this.db.selectFrom('forecast_forecast_shards').select((eb) => eb.fn.countAll().as('n')).where('forecast', '=', forecast).where('status', '=', 'done').executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async findForecast(name: string): Promise<ForecastForecastsTable | undefined> {
    return this.db.selectFrom('forecast_forecasts').selectAll().where('name', '=', name).executeTakeFirst();
  }

  async forecast(name: string): Promise<ForecastForecastsTable> {
    const row = await this.findForecast(name);
    if (!row) throw new OrchardError('ORCH_FORECAST_NOT_FOUND', { message: `No forecast '${name}'`, details: { forecast: name } });
    return row;
  }

  async listForecasts(filter: { predictor?: string; status?: string }, limit: number, offset: number): Promise<{ rows: ForecastForecastsTable[]; total: number }> {
    let q = this.db.selectFrom('forecast_forecasts');
    if (filter.predictor) q = q.where('predictor', '=', filter.predictor);
    if (filter.status) q = q.where('status', '=', filter.status);
    const total = Number((await q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await q.selectAll().orderBy('created_at', 'desc').orderBy('name', 'desc').limit(limit).offset(offset).execute();
    return { rows, total };
  }

  async forecastsOf(predictor: string): Promise<string[]> {
    return (await this.db.selectFrom('forecast_forecasts').select('name').where('predictor', '=', predictor).execute()).map((r) => r.name);
  }

  async updateForecast(name: string, changes: Partial<ForecastForecastsTable>): Promise<boolean> {
    const res = await this.db.updateTable('forecast_forecasts').set({ ...changes, updated_at: now() }).where('name', '=', name).where('status', 'in', ACTIVE).executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async endForecast(name: string, status: 'CreateFailed' | 'CreateStopped' | 'Active', changes: Partial<ForecastForecastsTable> = {}): Promise<boolean> {
    return this.updateForecast(name, { ...changes, status, stage: null, ended_at: now() });
  }

  async deleteForecast(name: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('forecast_forecast_shards').where('forecast', '=', name).execute();
      await trx.deleteFrom('forecast_forecasts').where('name', '=', name).execute();
    });
  }

  async unfinishedForecasts(): Promise<ForecastForecastsTable[]> {
    return this.db.selectFrom('forecast_forecasts').selectAll().where('status', 'in', ACTIVE).execute();
  }
}
