import { type Kysely, type Migration } from 'kysely';

export const migration0018: Migration = {
  // Tables of the forecast capability (src/forecast): dataset groups, imports, predictors
  // with their shards, forecasts.
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('forecast_groups')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('frequency', 'text', (c) => c.notNull())
      .addColumn('domain', 'text', (c) => c.notNull())
      .addColumn('latest_import', 'text')
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    // An import is registered only once validated and stored: a row is always usable.
    await db.schema
      .createTable('forecast_imports')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('grp', 'text', (c) => c.notNull().references('forecast_groups.name'))
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('target_json', 'text', (c) => c.notNull())
      .addColumn('related_json', 'text')
      .addColumn('metadata_json', 'text')
      .addColumn('map_json', 'text', (c) => c.notNull())
      .addColumn('filling_json', 'text', (c) => c.notNull())
      .addColumn('summary_json', 'text')
      .addColumn('data_key', 'text', (c) => c.notNull())
      .addColumn('seconds', 'double precision')
      .addColumn('failure_reason', 'text')
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('forecast_imports_group_idx').on('forecast_imports').columns(['grp', 'created_at']).execute();
    await db.schema
      .createTable('forecast_predictors')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('grp', 'text', (c) => c.notNull().references('forecast_groups.name'))
      .addColumn('import_id', 'text', (c) => c.notNull().references('forecast_imports.name'))
      .addColumn('algorithm', 'text', (c) => c.notNull())
      .addColumn('config_json', 'text', (c) => c.notNull())
      .addColumn('shards', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('stage', 'text')
      .addColumn('result_json', 'text')
      .addColumn('failure_reason', 'text')
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text')
      .addColumn('ended_at', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('forecast_predictors_updated_idx').on('forecast_predictors').column('updated_at').execute();
    // One row per shard job of a predictor: its progress, then its merged metric sums.
    await db.schema
      .createTable('forecast_predictor_shards')
      .addColumn('predictor', 'text', (c) => c.notNull().references('forecast_predictors.name').onDelete('cascade'))
      .addColumn('shard', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      // Its items: a contiguous range of the import's items in sorted order.
      .addColumn('item_from', 'text', (c) => c.notNull())
      .addColumn('item_to', 'text', (c) => c.notNull())
      .addColumn('items_total', 'integer', (c) => c.notNull())
      .addColumn('items_done', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('detail', 'text')
      .addColumn('sums_json', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('forecast_predictor_shards_pk', ['predictor', 'shard'])
      .execute();
    await db.schema
      .createTable('forecast_forecasts')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('predictor', 'text', (c) => c.notNull().references('forecast_predictors.name'))
      .addColumn('grp', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('dataset_name', 'text', (c) => c.notNull())
      .addColumn('dataset', 'text')
      .addColumn('items', 'integer')
      .addColumn('stage', 'text')
      .addColumn('percent', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('failure_reason', 'text')
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text')
      .addColumn('ended_at', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('forecast_forecasts_updated_idx').on('forecast_forecasts').column('updated_at').execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('forecast_forecasts').execute();
    await db.schema.dropTable('forecast_predictor_shards').execute();
    await db.schema.dropTable('forecast_predictors').execute();
    await db.schema.dropTable('forecast_imports').execute();
    await db.schema.dropTable('forecast_groups').execute();
  },
};
