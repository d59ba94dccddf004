import { type Kysely, type Migration } from 'kysely';

export const migration0013: Migration = {
  // Tables of processing jobs (src/processing): the job, one row per instance, its log and metrics.
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('processing_jobs')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('spec_json', 'text', (c) => c.notNull())
      .addColumn('instance_count', 'integer', (c) => c.notNull())
      .addColumn('outputs_json', 'text', (c) => c.notNull())
      .addColumn('final_metrics_json', 'text', (c) => c.notNull())
      .addColumn('failure_reason', 'text')
      .addColumn('stop_requested', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text')
      .addColumn('ended_at', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('processing_jobs_updated_idx').on('processing_jobs').columns(['updated_at', 'name']).execute();
    await db.schema
      .createTable('processing_instances')
      .addColumn('job_name', 'text', (c) => c.notNull())
      .addColumn('instance', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('failed_attempts', 'integer', (c) => c.notNull())
      .addColumn('failure_reason', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('processing_instances_pk', ['job_name', 'instance'])
      .execute();
    await db.schema
      .createTable('processing_job_logs')
      .addColumn('job_name', 'text', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('instance', 'integer', (c) => c.notNull())
      .addColumn('attempt', 'integer', (c) => c.notNull())
      .addColumn('line', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('processing_job_logs_pk', ['job_name', 'seq'])
      .execute();
    await db.schema
      .createTable('processing_job_metrics')
      .addColumn('job_name', 'text', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('instance', 'integer', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('value', 'double precision', (c) => c.notNull())
      .addColumn('step', 'bigint')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('processing_job_metrics_pk', ['job_name', 'seq'])
      .execute();
    // One point per (job, instance, metric, step), as training keeps them: an attempt run again re-logs its steps.
    await db.schema.createIndex('processing_job_metrics_step_uq').on('processing_job_metrics').columns(['job_name', 'instance', 'name', 'step']).unique().execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('processing_job_metrics').execute();
    await db.schema.dropTable('processing_job_logs').execute();
    await db.schema.dropTable('processing_instances').execute();
    await db.schema.dropTable('processing_jobs').execute();
  },
};
