import { type Kysely, type Migration } from 'kysely';

export const migration0028: Migration = {
  // Tables of Model Monitor's data quality (src/monitor): baselines, schedules, executions.
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('monitor_baselines')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('dataset', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('row_count', 'bigint', (c) => c.notNull())
      .addColumn('target', 'text')
      .addColumn('exclude_json', 'text', (c) => c.notNull())
      .addColumn('comparison_threshold', 'double precision', (c) => c.notNull())
      .addColumn('comparison_method', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('statistics_key', 'text')
      .addColumn('constraints_key', 'text')
      .addColumn('features_json', 'text')
      .addColumn('failure_reason', 'text')
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text')
      .addColumn('ended_at', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('monitor_schedules')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('endpoint', 'text', (c) => c.notNull())
      .addColumn('baseline', 'text', (c) => c.references('monitor_baselines.name'))
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('cron', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('model_quality_json', 'text')
      // The next scheduled time (ISO): the scheduler fires it once, also after a restart.
      .addColumn('next_run_at', 'text')
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('monitor_schedules_due_idx').on('monitor_schedules').columns(['status', 'next_run_at']).execute();
    await db.schema
      .createTable('monitor_executions')
      // The execution's id (`name` so the platform feed reads it like every job table). A
      // scheduled one is named after its schedule and time: two servers firing the same
      // time make one.
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('schedule', 'text', (c) => c.notNull().references('monitor_schedules.name').onDelete('cascade'))
      .addColumn('endpoint', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('baseline', 'text')
      .addColumn('trigger', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('window_since', 'text')
      .addColumn('window_until', 'text', (c) => c.notNull())
      // Share of the window's capture read so far (0–100).
      .addColumn('percent', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('items', 'bigint')
      .addColumn('violation_count', 'integer')
      .addColumn('violations_json', 'text')
      .addColumn('distributions_json', 'text')
      .addColumn('metrics_json', 'text')
      .addColumn('statistics_key', 'text')
      .addColumn('violations_key', 'text')
      .addColumn('failure_reason', 'text')
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text')
      .addColumn('ended_at', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('monitor_executions_schedule_idx').on('monitor_executions').columns(['schedule', 'created_at']).execute();
    await db.schema.createIndex('monitor_executions_updated_idx').on('monitor_executions').column('updated_at').execute();
    await db.schema.createIndex('monitor_baselines_updated_idx').on('monitor_baselines').column('updated_at').execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('monitor_executions').execute();
    await db.schema.dropTable('monitor_schedules').execute();
    await db.schema.dropTable('monitor_baselines').execute();
  },
};
