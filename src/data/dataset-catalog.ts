import { sql, type Selectable } from 'kysely';
import type { DatasetsTable, MetadataStore } from '../storage/index.js';
import type { DatasetFormat, DatasetListFilter, DatasetVersion } from './types.js';

export type DatasetRow = Selectable<DatasetsTable>;

/**
 * Row states. `pending` reserves a version number while its files are being
 * written; such a row is never returned by the service. Only `ready` and
 * `deleted` rows are visible.
 */
export type RowStatus = 'pending' | 'ready' | 'deleted';
const VISIBLE: RowStatus[] = ['ready', 'deleted'];

/** Page size of `list` when none is given. */
export const DEFAULT_LIST_LIMIT = 100;
/** Largest page `list` returns. */
export const MAX_LIST_LIMIT = 1000;

/** The `datasets` table: every read and write of dataset metadata goes through here. */
export class DatasetCatalog {
  constructor(
    private readonly metadata: MetadataStore,
    /** Base URL of the artifact store, for `sourceUri`/`dataUri`. */
    private readonly artifactsUrl: string,
  ) {}

  private get db() {
    return this.metadata.db;
  }

  /** Converts a row to the public shape (PostgreSQL returns bigints as strings). */
  toVersion(row: DatasetRow): DatasetVersion {
    const base = this.artifactsUrl.replace(/\/+$/, '');
    return {
      id: row.id,
      name: row.name,
      version: Number(row.version),
      status: row.status === 'deleted' ? 'deleted' : 'ready',
      format: row.format as DatasetFormat,
      header: Number(row.has_header) === 1,
      rowCount: Number(row.row_count),
      sizeBytes: Number(row.size_bytes),
      sha256: row.sha256,
      columns: JSON.parse(row.columns_json),
      sourceUri: `${base}/${row.source_key}`,
      dataUri: `${base}/${row.data_key}`,
      description: row.description,
      tags: JSON.parse(row.tags_json || '{}'),
      createdBy: row.created_by,
      createdAt: row.created_at,
      deletedAt: row.deleted_at,
    };
  }

  /** Next version of a name: one more than any row of it, deleted or pending ones included. */
  async nextVersion(name: string): Promise<number> {
    const row = await this.db
      .selectFrom('datasets')
      .select((eb) => eb.fn.max('version').as('v'))
      .where('name', '=', name)
      .executeTakeFirst();
    return Number(row?.v ?? 0) + 1;
  }

  /** Inserts a row; a lost race on (name, version) surfaces as the store's unique violation. */
  async insert(row: DatasetRow): Promise<void> {
    await this.db.insertInto('datasets').values(row).execute();
  }

  /** Turns a reservation into a visible version; false when the row is gone or not pending. */
  async publish(id: string): Promise<boolean> {
    const result = await this.db
      .updateTable('datasets')
      .set({ status: 'ready' })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async find(name: string, version: number): Promise<DatasetRow | undefined> {
    return this.db
      .selectFrom('datasets')
      .selectAll()
      .where('name', '=', name)
      .where('version', '=', version)
      .where('status', 'in', VISIBLE)
      .executeTakeFirst();
  }

  async latestReady(name: string): Promise<DatasetRow | undefined> {
    return this.db
      .selectFrom('datasets')
      .selectAll()
      .where('name', '=', name)
      .where('status', '=', 'ready')
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  /** Rows of a name in the given states, oldest version first. */
  async rowsOf(name: string, statuses: RowStatus[] = VISIBLE): Promise<DatasetRow[]> {
    return this.db
      .selectFrom('datasets')
      .selectAll()
      .where('name', '=', name)
      .where('status', 'in', statuses)
      .orderBy('version', 'asc')
      .execute();
  }

  async setDeleted(ids: string[], deletedAt: string): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable('datasets')
      .set({ status: 'deleted', deleted_at: deletedAt })
      .where('id', 'in', ids)
      .where('status', '=', 'ready')
      .execute();
  }

  async setRestored(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable('datasets')
      .set({ status: 'ready', deleted_at: null })
      .where('id', 'in', ids)
      .where('status', '=', 'deleted')
      .execute();
  }

  async remove(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.deleteFrom('datasets').where('id', 'in', ids).execute();
  }

  /**
   * A page of versions and the total matching. Without `allVersions`, each name
   * contributes its newest version among the visible states asked for; the format
   * and creator filters then apply to that version.
   */
  async list(filter: DatasetListFilter, limit: number, offset: number): Promise<{ rows: DatasetRow[]; total: number }> {
    const statuses: RowStatus[] = filter.includeDeleted ? VISIBLE : ['ready'];
    let query = this.db.selectFrom('datasets as d').where('d.status', 'in', statuses);
    if (filter.prefix) {
      // substr, not LIKE: `_` is a LIKE wildcard and SQLite's LIKE ignores case.
      query = query.where(sql<string>`substr(d.name, 1, ${sql.lit(filter.prefix.length)})`, '=', filter.prefix);
    }
    if (filter.format) query = query.where('d.format', '=', filter.format);
    if (filter.createdBy) query = query.where('d.created_by', '=', filter.createdBy);
    if (!filter.allVersions) {
      query = query.where('d.version', '=', (eb) =>
        eb
          .selectFrom('datasets as d2')
          .select((e) => e.fn.max('d2.version').as('v'))
          .whereRef('d2.name', '=', 'd.name')
          .where('d2.status', 'in', statuses),
      );
    }
    const counted = await query.select((eb) => eb.fn.countAll().as('n')).executeTakeFirst();
    const rows = await query
      .selectAll('d')
      .orderBy('d.name', 'asc')
      .orderBy('d.version', 'desc')
      .limit(limit)
      .offset(offset)
      .execute();
    return { rows, total: Number(counted?.n ?? 0) };
  }
}
