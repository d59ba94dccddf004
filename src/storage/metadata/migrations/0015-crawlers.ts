import { type Kysely, type Migration } from 'kysely';

export const migration0015: Migration = {
  // Tables of crawlers and the files they have read (src/crawlers).
  async up(db: Kysely<any>) {
    // `active_run` holds the run in progress: set by a conditional update, so two run
    // requests cannot both start one.
    await db.schema
      .createTable('crawlers')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('format', 'text')
      .addColumn('header', 'integer')
      .addColumn('dataset', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('tags_json', 'text', (c) => c.notNull())
      .addColumn('columns_json', 'text', (c) => c.notNull())
      .addColumn('current_version', 'integer')
      .addColumn('active_run', 'integer')
      .addColumn('last_run', 'integer', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    // One row per run; `name` is `<crawler>-<run>` (the platform feed's name).
    await db.schema
      .createTable('crawler_runs')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('crawler', 'text', (c) => c.notNull())
      .addColumn('run', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('failure_reason', 'text')
      .addColumn('dataset_version', 'integer')
      .addColumn('new_version', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('files_seen', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('new_files', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('schema_changes_json', 'text', (c) => c.notNull())
      .addColumn('rejected_json', 'text', (c) => c.notNull())
      .addColumn('rejected_total', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('columns_json', 'text')
      .addColumn('stop_requested', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text')
      .addColumn('ended_at', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('crawler_runs_crawler_run_uq', ['crawler', 'run'])
      .execute();
    await db.schema.createIndex('crawler_runs_updated_idx').on('crawler_runs').columns(['updated_at', 'name']).execute();
    // The files in a crawler's table (and those rejected until they change), as of its last
    // registered version; changed only together with that version.
    await db.schema
      .createTable('crawler_files')
      .addColumn('crawler', 'text', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('etag', 'text')
      .addColumn('mtime', 'text')
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('part_key', 'text')
      .addColumn('columns_json', 'text')
      .addColumn('run', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('crawler_files_pk', ['crawler', 'path'])
      .execute();
    // What a run found (its new, changed and rejected files), staged before its version is
    // registered and applied to crawler_files with it; kept as the run's history.
    await db.schema
      .createTable('crawler_run_files')
      .addColumn('run_name', 'text', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('etag', 'text')
      .addColumn('mtime', 'text')
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('part_key', 'text')
      .addColumn('columns_json', 'text')
      .addPrimaryKeyConstraint('crawler_run_files_pk', ['run_name', 'path'])
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('crawler_run_files').execute();
    await db.schema.dropTable('crawler_files').execute();
    await db.schema.dropIndex('crawler_runs_updated_idx').execute();
    await db.schema.dropTable('crawler_runs').execute();
    await db.schema.dropTable('crawlers').execute();
  },
};
