import { type Kysely, type Migration } from 'kysely';

export const migration0014: Migration = {
  // Tables of recipes and their fits (src/recipes), and a model's recipe fit when it is
  // an inference pipeline (src/registry).
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('recipes')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('definition', 'text', (c) => c.notNull())
      .addColumn('spec_json', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('tags_json', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('recipe_fits')
      .addColumn('recipe', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('job_name', 'text', (c) => c.notNull().unique())
      .addColumn('dataset_name', 'text', (c) => c.notNull())
      .addColumn('dataset_version', 'integer', (c) => c.notNull())
      .addColumn('artifact_key', 'text', (c) => c.notNull())
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('columns_json', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('recipe_fits_pk', ['recipe', 'version'])
      .execute();
    await db.schema
      .createTable('recipe_jobs')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('recipe', 'text', (c) => c.notNull())
      .addColumn('fit_version', 'integer')
      .addColumn('dataset_name', 'text', (c) => c.notNull())
      .addColumn('dataset_version', 'integer', (c) => c.notNull())
      .addColumn('dataset_rows', 'bigint', (c) => c.notNull())
      .addColumn('output_name', 'text')
      .addColumn('output_format', 'text')
      .addColumn('outputs_json', 'text', (c) => c.notNull())
      .addColumn('spec_json', 'text', (c) => c.notNull())
      .addColumn('tags_json', 'text', (c) => c.notNull())
      .addColumn('failure_reason', 'text')
      .addColumn('stop_requested', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text')
      .addColumn('ended_at', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('recipe_jobs_recipe_idx').on('recipe_jobs').columns(['recipe', 'created_at']).execute();
    await db.schema.createIndex('recipe_jobs_updated_idx').on('recipe_jobs').column('updated_at').execute();
    await db.schema.alterTable('models').addColumn('recipe_json', 'text').execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.alterTable('models').dropColumn('recipe_json').execute();
    await db.schema.dropTable('recipe_jobs').execute();
    await db.schema.dropTable('recipe_fits').execute();
    await db.schema.dropTable('recipes').execute();
  },
};
