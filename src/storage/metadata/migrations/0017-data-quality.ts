import { type Kysely, type Migration } from 'kysely';

export const migration0017: Migration = {
  // Tables of data-quality reports (src/data-quality).
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('data_quality_reports')
      // The report's id; `name` so the platform feed reads it like every job table.
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('dataset', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('dataset_id', 'text', (c) => c.notNull())
      .addColumn('row_count', 'bigint', (c) => c.notNull())
      .addColumn('target', 'text')
      .addColumn('problem_type', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('stage', 'text')
      .addColumn('percent', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('warnings_json', 'text')
      .addColumn('report_json', 'text')
      .addColumn('failure_reason', 'text')
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text')
      .addColumn('ended_at', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('data_quality_reports_dataset_idx').on('data_quality_reports').columns(['dataset', 'version', 'created_at']).execute();
    await db.schema.createIndex('data_quality_reports_updated_idx').on('data_quality_reports').column('updated_at').execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('data_quality_reports').execute();
  },
};
