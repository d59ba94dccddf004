import { OrchardError } from '../../core/index.js';
import { readStatusChanges, type EndpointsTable, type MetadataStore, type StatusCursor, type StatusRow } from '../../storage/index.js';
import type { EndpointSpec, EndpointStatus } from './types.js';

/** An endpoint row, parsed. */
export interface EndpointRecord {
  name: string;
  status: EndpointStatus;
  spec: EndpointSpec;
  pendingSpec: EndpointSpec | null;
  failureReason: string | null;
  tags: Record<string, string>;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Reads and writes the endpoints table; the only code that knows its shape. */
export class EndpointStore {
  constructor(private readonly metadata: MetadataStore) {}

  private get db() {
    return this.metadata.db;
  }

  /** Status changes for the platform feed (`endpoint` events). */
  statusChanges(since: string, limit: number, after?: StatusCursor): Promise<StatusRow[]> {
    return readStatusChanges(this.metadata, 'endpoints')(since, limit, after);
  }

  async insert(name: string, spec: EndpointSpec, tags: Record<string, string>, createdBy: string | null): Promise<void> {
    const now = new Date().toISOString();
    try {
      await this.db
        .insertInto('endpoints')
        .values({ name, status: 'Creating', spec_json: JSON.stringify(spec), pending_spec_json: null, failure_reason: null, tags_json: JSON.stringify(tags), created_by: createdBy, created_at: now, updated_at: now })
        .execute();
    } catch (err) {
      if (this.metadata.isUniqueViolation(err)) throw new OrchardError('ORCH_ENDPOINT_EXISTS', { message: `An endpoint named '${name}' exists`, details: { name } });
      throw err;
    }
  }

  async get(name: string): Promise<EndpointRecord> {
    const row = await this.db.selectFrom('endpoints').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) throw new OrchardError('ORCH_ENDPOINT_NOT_FOUND', { message: `No endpoint named '${name}'`, details: { name } });
    return toRecord(row);
  }

  async find(name: string): Promise<EndpointRecord | undefined> {
    const row = await this.db.selectFrom('endpoints').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  async list(filter: { status?: EndpointStatus; nameContains?: string; limit?: number; offset?: number } = {}): Promise<{ items: EndpointRecord[]; total: number }> {
    let q = this.db.selectFrom('endpoints');
    if (filter.status) q = q.where('status', '=', filter.status);
    // Names hold only letters, digits and hyphens (checked by the API), so LIKE needs no escaping.
    if (filter.nameContains) q = q.where('name', 'like', `%${filter.nameContains}%`);
    const total = Number((await q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await q
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('name')
      .limit(Math.min(filter.limit ?? 100, 1000))
      .offset(filter.offset ?? 0)
      .execute();
    return { items: rows.map(toRecord), total };
  }

  /** Every endpoint (the server reconciles them on start). */
  async all(): Promise<EndpointRecord[]> {
    return (await this.db.selectFrom('endpoints').selectAll().orderBy('created_at').execute()).map(toRecord);
  }

  async update(name: string, fields: { status?: EndpointStatus; spec?: EndpointSpec; pendingSpec?: EndpointSpec | null; failureReason?: string | null }): Promise<void> {
    const set: Partial<EndpointsTable> = { updated_at: new Date().toISOString() };
    if (fields.status !== undefined) set.status = fields.status;
    if (fields.spec !== undefined) set.spec_json = JSON.stringify(fields.spec);
    if (fields.pendingSpec !== undefined) set.pending_spec_json = fields.pendingSpec === null ? null : JSON.stringify(fields.pendingSpec);
    if (fields.failureReason !== undefined) set.failure_reason = fields.failureReason === null ? null : fields.failureReason.slice(0, 2000);
    await this.db.updateTable('endpoints').set(set).where('name', '=', name).execute();
  }

  /**
   * Moves an endpoint from one of `from` to `to` in one statement; false when it was in
   * another status (a concurrent request got there first).
   */
  async transition(name: string, from: EndpointStatus[], to: EndpointStatus, fields: { pendingSpec?: EndpointSpec | null; failureReason?: string | null } = {}): Promise<boolean> {
    const set: Partial<EndpointsTable> = { status: to, updated_at: new Date().toISOString() };
    if (fields.pendingSpec !== undefined) set.pending_spec_json = fields.pendingSpec === null ? null : JSON.stringify(fields.pendingSpec);
    if (fields.failureReason !== undefined) set.failure_reason = fields.failureReason;
    const result = await this.db.updateTable('endpoints').set(set).where('name', '=', name).where('status', 'in', from).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async delete(name: string): Promise<void> {
    await this.db.deleteFrom('endpoints').where('name', '=', name).execute();
  }

  /** Endpoints whose configuration (current or being rolled out) names the model. */
  async usingModel(model: string): Promise<string[]> {
    const rows = await this.db.selectFrom('endpoints').select(['name', 'spec_json', 'pending_spec_json']).execute();
    return rows
      .filter((r) => [r.spec_json, r.pending_spec_json].some((j) => j !== null && (JSON.parse(j) as EndpointSpec).variants.some((v) => v.model === model)))
      .map((r) => r.name);
  }
}

/** Names of the endpoints that use a model, as a model delete reports them. */
export async function endpointsUsingModel(metadata: MetadataStore, model: string): Promise<string[]> {
  return (await new EndpointStore(metadata).usingModel(model)).map((n) => `endpoint ${n}`);
}

function toRecord(row: EndpointsTable): EndpointRecord {
  return {
    name: row.name,
    status: row.status as EndpointStatus,
    spec: JSON.parse(row.spec_json) as EndpointSpec,
    pendingSpec: row.pending_spec_json ? (JSON.parse(row.pending_spec_json) as EndpointSpec) : null,
    failureReason: row.failure_reason,
    tags: JSON.parse(row.tags_json) as Record<string, string>,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
