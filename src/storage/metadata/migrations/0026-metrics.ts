import { type Kysely, type Migration } from 'kysely';

export const migration0026: Migration = {
  // Stored metrics (src/metrics): one row per (namespace, metric, series, minute), a
  // repeated write of the same minute merged into it. `series` is the canonical form of
  // the dimensions (`endpoint=a,variant=b`), `owner` the endpoint, job or schedule they
  // name (what a query filters on first), `minute` epoch minutes. `version` lets a writer
  // merge a latency histogram (sparse `bucket:count` text) by compare-and-set.
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('metric_samples')
      .addColumn('namespace', 'text', (c) => c.notNull())
      .addColumn('metric', 'text', (c) => c.notNull())
      .addColumn('series', 'text', (c) => c.notNull())
      .addColumn('minute', 'integer', (c) => c.notNull())
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('dimensions_json', 'text', (c) => c.notNull())
      .addColumn('count', 'double precision', (c) => c.notNull())
      .addColumn('sum', 'double precision', (c) => c.notNull())
      .addColumn('min', 'double precision', (c) => c.notNull())
      .addColumn('max', 'double precision', (c) => c.notNull())
      .addColumn('histogram', 'text')
      .addColumn('version', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('metric_samples_pk', ['namespace', 'metric', 'series', 'minute'])
      .execute();
    await db.schema.createIndex('metric_samples_owner_idx').on('metric_samples').columns(['namespace', 'owner', 'metric', 'minute']).execute();
    await db.schema.createIndex('metric_samples_minute_idx').on('metric_samples').column('minute').execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('metric_samples').execute();
  },
};
