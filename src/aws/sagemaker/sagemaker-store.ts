import type { Kysely } from 'kysely';
import type { MetadataStore } from '../../storage/index.js';

/** The control plane's tables (migration 0023_sagemaker); only this store reads or writes them. */
export interface SageMakerResourcesTable {
  /** `training-job`, `model`, `endpoint-config`, `endpoint`, `transform-job`, … (the ARN's type). */
  kind: string;
  name: string;
  /** The request as the client sent it (for an endpoint: the config it runs, see `setRequest`). */
  request_json: string;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface SageMakerTagsTable {
  /** The ARN's resource part (`endpoint/name`): the same resource whatever region a client signed for. */
  arn: string;
  key: string;
  value: string;
}

interface SageMakerTables {
  sagemaker_resources: SageMakerResourcesTable;
  sagemaker_tags: SageMakerTagsTable;
}

/** A stored request with its times. */
export interface StoredRequest<T = Record<string, unknown>> {
  name: string;
  request: T;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

function stored<T>(row: SageMakerResourcesTable): StoredRequest<T> {
  return { name: row.name, request: JSON.parse(row.request_json) as T, createdBy: row.created_by, createdAt: row.created_at, updatedAt: row.updated_at };
}

/** `arn:aws:sagemaker:<region>:<account>:endpoint/e1` -> `endpoint/e1`. */
function resourceOf(arn: string): string {
  return arn.split(':').slice(5).join(':');
}

export class SageMakerStore {
  constructor(private readonly metadata: MetadataStore) {}

  private get db(): Kysely<SageMakerTables> {
    return this.metadata.db as unknown as Kysely<SageMakerTables>;
  }

  /** Records a request; false when one of that kind and name exists (a lost create race). */
  async insert(kind: string, name: string, request: object, createdBy: string | null): Promise<boolean> {
    const now = new Date().toISOString();
    try {
      await this.db.insertInto('sagemaker_resources').values({ kind, name, request_json: JSON.stringify(request), created_by: createdBy, created_at: now, updated_at: now }).execute();
      return true;
    } catch (err) {
      if (this.metadata.isUniqueViolation(err)) return false;
      throw err;
    }
  }

  /** Records a request, replacing what was there (the resource itself is Orchard's, named the same). */
  async put(kind: string, name: string, request: object, createdBy: string | null): Promise<void> {
    if (await this.insert(kind, name, request, createdBy)) return;
    await this.db
      .updateTable('sagemaker_resources')
      .set({ request_json: JSON.stringify(request), created_by: createdBy, created_at: new Date().toISOString(), updated_at: new Date().toISOString() })
      .where('kind', '=', kind)
      .where('name', '=', name)
      .execute();
  }

  async setRequest(kind: string, name: string, request: object): Promise<void> {
    await this.db.updateTable('sagemaker_resources').set({ request_json: JSON.stringify(request), updated_at: new Date().toISOString() }).where('kind', '=', kind).where('name', '=', name).execute();
  }

  async get<T = Record<string, unknown>>(kind: string, name: string): Promise<StoredRequest<T> | undefined> {
    const row = await this.db.selectFrom('sagemaker_resources').selectAll().where('kind', '=', kind).where('name', '=', name).executeTakeFirst();
    return row ? stored<T>(row) : undefined;
  }

  async list<T = Record<string, unknown>>(kind: string, options: { nameContains?: string; limit: number; offset: number }): Promise<StoredRequest<T>[]> {
    let query = this.db.selectFrom('sagemaker_resources').selectAll().where('kind', '=', kind);
    // Callers pass names checked against SageMaker's name rule: no LIKE wildcards.
    if (options.nameContains) query = query.where('name', 'like', `%${options.nameContains}%`);
    const rows = await query.orderBy('created_at', 'desc').orderBy('name').limit(options.limit).offset(options.offset).execute();
    return rows.map((row) => stored<T>(row));
  }

  async delete(kind: string, name: string): Promise<boolean> {
    const result = await this.db.deleteFrom('sagemaker_resources').where('kind', '=', kind).where('name', '=', name).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async addTags(resourceArn: string, tags: Record<string, string>): Promise<void> {
    const arn = resourceOf(resourceArn);
    for (const [key, value] of Object.entries(tags)) {
      const updated = await this.db.updateTable('sagemaker_tags').set({ value }).where('arn', '=', arn).where('key', '=', key).executeTakeFirst();
      if (Number(updated.numUpdatedRows) > 0) continue;
      try {
        await this.db.insertInto('sagemaker_tags').values({ arn, key, value }).execute();
      } catch (err) {
        if (!this.metadata.isUniqueViolation(err)) throw err;
        await this.db.updateTable('sagemaker_tags').set({ value }).where('arn', '=', arn).where('key', '=', key).execute();
      }
    }
  }

  async tags(resourceArn: string): Promise<Record<string, string>> {
    const arn = resourceOf(resourceArn);
    const rows = await this.db.selectFrom('sagemaker_tags').select(['key', 'value']).where('arn', '=', arn).orderBy('key').execute();
    return Object.fromEntries(rows.map((row) => [row.key, row.value]));
  }

  async deleteTags(resourceArn: string, keys?: string[]): Promise<void> {
    const arn = resourceOf(resourceArn);
    let query = this.db.deleteFrom('sagemaker_tags').where('arn', '=', arn);
    if (keys) {
      if (keys.length === 0) return;
      query = query.where('key', 'in', keys);
    }
    await query.execute();
  }
}
