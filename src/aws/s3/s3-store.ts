import type { Kysely } from 'kysely';
import type { MetadataStore } from '../../storage/index.js';

export interface S3ObjectRow {
  key: string;
  /** Quoted, as S3 sends it: `"<md5>"` or `"<md5 of md5s>-<parts>"`. */
  etag: string;
  /** The artifact store's sha256 of the content this row describes; another means the row is stale. */
  sha256: string;
  content_type: string | null;
  metadata_json: string | null;
  updated_at: string;
}

export interface S3UploadRow {
  upload_id: string;
  key: string;
  content_type: string | null;
  metadata_json: string | null;
  created_by: string | null;
  created_at: string;
}

export interface S3PartRow {
  upload_id: string;
  part_number: number;
  etag: string;
  size: number | string;
  checksum_json: string | null;
  created_at: string;
}

interface S3Tables {
  s3_objects: S3ObjectRow;
  s3_uploads: S3UploadRow;
  s3_upload_parts: S3PartRow;
}

/** The S3 API's own tables (migration 0024); nothing else reads or writes them. */
export class S3Store {
  constructor(private readonly metadata: MetadataStore) {}

  private get db(): Kysely<S3Tables> {
    return this.metadata.db as unknown as Kysely<S3Tables>;
  }

  async objectRows(keys: readonly string[]): Promise<Map<string, S3ObjectRow>> {
    const found = new Map<string, S3ObjectRow>();
    // Chunks keep each statement under SQLite's bound-parameter limit.
    for (let i = 0; i < keys.length; i += 500) {
      const rows = await this.db.selectFrom('s3_objects').selectAll().where('key', 'in', keys.slice(i, i + 500)).execute();
      for (const row of rows) found.set(row.key, row);
    }
    return found;
  }

  async objectRow(key: string): Promise<S3ObjectRow | undefined> {
    return this.db.selectFrom('s3_objects').selectAll().where('key', '=', key).executeTakeFirst();
  }

  async putObjectRow(row: S3ObjectRow): Promise<void> {
    const { key, ...rest } = row;
    await this.db
      .insertInto('s3_objects')
      .values(row)
      .onConflict((oc) => oc.column('key').doUpdateSet(rest))
      .execute();
  }

  async deleteObjectRow(key: string): Promise<void> {
    await this.db.deleteFrom('s3_objects').where('key', '=', key).execute();
  }

  async createUpload(row: S3UploadRow): Promise<void> {
    await this.db.insertInto('s3_uploads').values(row).execute();
  }

  async upload(uploadId: string): Promise<S3UploadRow | undefined> {
    return this.db.selectFrom('s3_uploads').selectAll().where('upload_id', '=', uploadId).executeTakeFirst();
  }

  async uploads(prefix: string, limit: number): Promise<S3UploadRow[]> {
    let q = this.db.selectFrom('s3_uploads').selectAll();
    if (prefix) q = q.where('key', '>=', prefix).where('key', '<', `${prefix}\uffff`);
    return q.orderBy('key').orderBy('created_at').limit(limit).execute();
  }

  async putPart(row: S3PartRow): Promise<void> {
    const { upload_id: _u, part_number: _p, ...rest } = row;
    await this.db
      .insertInto('s3_upload_parts')
      .values(row)
      .onConflict((oc) => oc.columns(['upload_id', 'part_number']).doUpdateSet(rest))
      .execute();
  }

  async parts(uploadId: string, afterPart = 0, limit = 10_000): Promise<S3PartRow[]> {
    return this.db
      .selectFrom('s3_upload_parts')
      .selectAll()
      .where('upload_id', '=', uploadId)
      .where('part_number', '>', afterPart)
      .orderBy('part_number')
      .limit(limit)
      .execute();
  }

  /** Ends an upload's records; false when another request ended it first. */
  async deleteUpload(uploadId: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('s3_upload_parts').where('upload_id', '=', uploadId).execute();
      const result = await trx.deleteFrom('s3_uploads').where('upload_id', '=', uploadId).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }
}
