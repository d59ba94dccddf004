import { sql, type Kysely } from 'kysely';
import { OrchardError } from '../core/index.js';
import type { Chart, Dashboard, DashboardFilter } from '../contracts/dashboard.contract.js';
import type { MetadataStore } from '../storage/index.js';
import type { Definition } from './definition.js';

/** The `dashboards` table (migration 0016): one row per dashboard, its definition as JSON. */
export interface DashboardsTable {
  name: string;
  title: string;
  description: string | null;
  /** `{ filters, charts }` as checked. */
  definition_json: string;
  created_by: string | null;
  created_at: string;
  updated_by: string | null;
  updated_at: string;
}

/** Reads and writes the `dashboards` table; the only code that knows its shape. */
export class DashboardStore {
  constructor(private readonly metadata: MetadataStore) {}

  /** The table belongs to this capability, so its type lives here rather than in the shared schema. */
  private get db(): Kysely<{ dashboards: DashboardsTable }> {
    return this.metadata.db as unknown as Kysely<{ dashboards: DashboardsTable }>;
  }

  async insert(definition: Definition, by: string | null): Promise<Dashboard> {
    const now = new Date().toISOString();
    const row: DashboardsTable = { ...columns(definition), created_by: by, created_at: now, updated_by: by, updated_at: now };
    try {
      await this.db.insertInto('dashboards').values(row).execute();
    } catch (err) {
      if (this.metadata.isUniqueViolation(err)) throw new OrchardError('ORCH_DASHBOARD_EXISTS', { message: `A dashboard named '${definition.name}' exists`, details: { name: definition.name } });
      throw err;
    }
    return toDashboard(row);
  }

  async replace(definition: Definition, by: string | null): Promise<Dashboard> {
    const now = new Date().toISOString();
    const updated = await this.db
      .updateTable('dashboards')
      .set({ ...columns(definition), updated_by: by, updated_at: now })
      .where('name', '=', definition.name)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) throw notFound(definition.name);
    return this.get(definition.name);
  }

  async get(name: string): Promise<Dashboard> {
    const row = await this.db.selectFrom('dashboards').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) throw notFound(name);
    return toDashboard(row);
  }

  async list(filter: { prefix?: string; limit: number; offset: number }): Promise<{ items: Dashboard[]; total: number }> {
    let q = this.db.selectFrom('dashboards');
    // The first characters compared as they are, so `%` and `_` in a prefix mean themselves.
    if (filter.prefix) q = q.where(sql<string>`substr(name, 1, ${sql.lit(filter.prefix.length)})`, '=', filter.prefix);
    const [rows, count] = await Promise.all([
      q.selectAll().orderBy('name').limit(filter.limit).offset(filter.offset).execute(),
      q.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map(toDashboard), total: Number(count.n) };
  }

  async delete(name: string): Promise<void> {
    const deleted = await this.db.deleteFrom('dashboards').where('name', '=', name).executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) throw notFound(name);
  }
}

function columns(d: Definition): Pick<DashboardsTable, 'name' | 'title' | 'description' | 'definition_json'> {
  return { name: d.name, title: d.title, description: d.description, definition_json: JSON.stringify({ filters: d.filters, charts: d.charts }) };
}

function toDashboard(row: DashboardsTable): Dashboard {
  const { filters, charts } = JSON.parse(row.definition_json) as { filters: DashboardFilter[]; charts: Chart[] };
  return {
    name: row.name,
    title: row.title,
    description: row.description,
    filters,
    charts,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedBy: row.updated_by,
    updatedAt: row.updated_at,
  };
}

export function notFound(name: string): OrchardError {
  return new OrchardError('ORCH_DASHBOARD_NOT_FOUND', { message: `No dashboard '${name.slice(0, 63)}'`, details: { name: name.slice(0, 63) } });
}
