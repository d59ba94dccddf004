import { type Kysely, type Migration } from 'kysely';

export const migration0024: Migration = {
  // Tables of the S3-compatible API (src/aws/s3): what S3 tells about an object beyond the
  // artifact store's record (its ETag, content type and user metadata, valid while the
  // object's sha256 is the one recorded here), and multipart uploads in progress with
  // their parts (the parts' bytes live in the artifact store under `s3-uploads/`).
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('s3_objects')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('etag', 'text', (c) => c.notNull())
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('content_type', 'text')
      .addColumn('metadata_json', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('s3_uploads')
      .addColumn('upload_id', 'text', (c) => c.primaryKey())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('content_type', 'text')
      .addColumn('metadata_json', 'text')
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('s3_uploads_key_idx').on('s3_uploads').columns(['key', 'created_at']).execute();
    await db.schema
      .createTable('s3_upload_parts')
      .addColumn('upload_id', 'text', (c) => c.notNull().references('s3_uploads.upload_id').onDelete('cascade'))
      .addColumn('part_number', 'integer', (c) => c.notNull())
      .addColumn('etag', 'text', (c) => c.notNull())
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('checksum_json', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('s3_upload_parts_pk', ['upload_id', 'part_number'])
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('s3_upload_parts').execute();
    await db.schema.dropTable('s3_uploads').execute();
    await db.schema.dropTable('s3_objects').execute();
  },
};
