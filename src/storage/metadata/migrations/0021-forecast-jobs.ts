import { type Kysely, type Migration } from 'kysely';

export const migration0021: Migration = {
  // Forecast imports run as queue jobs (a row is registered CreatePending and ends Active
  // or CreateFailed with the refusal's code and details), and forecasts are written by
  // shard jobs, one row each, before an assembly registers the dataset version.
  async up(db: Kysely<any>) {
    await db.schema.alterTable('forecast_imports').addColumn('failure_json', 'text').execute();
    await db.schema.createIndex('forecast_imports_updated_idx').on('forecast_imports').column('updated_at').execute();
    await db.schema
      .createTable('forecast_forecast_shards')
      .addColumn('forecast', 'text', (c) => c.notNull().references('forecast_forecasts.name').onDelete('cascade'))
      .addColumn('shard', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('items_total', 'integer', (c) => c.notNull())
      .addColumn('items_done', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('forecast_forecast_shards_pk', ['forecast', 'shard'])
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('forecast_forecast_shards').execute();
    await db.schema.dropIndex('forecast_imports_updated_idx').execute();
    await db.schema.alterTable('forecast_imports').dropColumn('failure_json').execute();
  },
};
