import { type Kysely, type Migration } from 'kysely';

export const migration0019: Migration = {
  // Tables of pipelines (src/pipelines): versioned definitions, executions, their steps,
  // the step cache and triggers. Every step transition is a row update written before it
  // takes effect, so a restarted controller carries on from the rows.
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('pipelines')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('description', 'text')
      .addColumn('latest_version', 'integer', (c) => c.notNull())
      .addColumn('overlap', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('pipeline_versions')
      .addColumn('pipeline', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('definition_json', 'text', (c) => c.notNull())
      .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('pipeline_versions_pk', ['pipeline', 'version'])
      .execute();
    // `name` is the execution's id (the platform feed's name).
    await db.schema
      .createTable('pipeline_executions')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('pipeline', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('parameters_json', 'text', (c) => c.notNull())
      .addColumn('trigger_json', 'text', (c) => c.notNull())
      .addColumn('failure_reason', 'text')
      .addColumn('stop_requested', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text')
      .addColumn('ended_at', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('pipeline_executions_pipeline_idx').on('pipeline_executions').columns(['pipeline', 'created_at']).execute();
    await db.schema.createIndex('pipeline_executions_status_idx').on('pipeline_executions').columns(['status', 'created_at']).execute();
    await db.schema.createIndex('pipeline_executions_updated_idx').on('pipeline_executions').columns(['updated_at', 'name']).execute();
    // One row per step (a for-each iteration's steps are `loop[2].train`); `runs` counts the
    // times its effect was started, so a step run twice shows.
    await db.schema
      .createTable('pipeline_steps')
      .addColumn('execution', 'text', (c) => c.notNull().references('pipeline_executions.name').onDelete('cascade'))
      .addColumn('step', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('runs', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('resource', 'text')
      .addColumn('inputs_json', 'text')
      .addColumn('outputs_json', 'text')
      .addColumn('failure_code', 'text')
      .addColumn('failure_reason', 'text')
      .addColumn('caught', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('cache_hit', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_at', 'text')
      .addColumn('started_at', 'text')
      .addColumn('ended_at', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('pipeline_steps_pk', ['execution', 'step'])
      .execute();
    await db.schema
      .createTable('pipeline_cache')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('outputs_json', 'text', (c) => c.notNull())
      .addColumn('execution', 'text', (c) => c.notNull())
      .addColumn('step', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text')
      .execute();
    await db.schema
      .createTable('pipeline_triggers')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('pipeline', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('config_json', 'text', (c) => c.notNull())
      .addColumn('parameters_json', 'text', (c) => c.notNull())
      .addColumn('state_json', 'text', (c) => c.notNull())
      .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('pipeline_triggers').execute();
    await db.schema.dropTable('pipeline_cache').execute();
    await db.schema.dropTable('pipeline_steps').execute();
    await db.schema.dropIndex('pipeline_executions_updated_idx').execute();
    await db.schema.dropIndex('pipeline_executions_status_idx').execute();
    await db.schema.dropIndex('pipeline_executions_pipeline_idx').execute();
    await db.schema.dropTable('pipeline_executions').execute();
    await db.schema.dropTable('pipeline_versions').execute();
    await db.schema.dropTable('pipelines').execute();
  },
};
