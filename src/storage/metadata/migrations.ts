import { sql, type Kysely, type Migration } from 'kysely';

/**
 * One migration history for SQLite and PostgreSQL: only portable column types
 * (text, integer, bigint) and portable DDL. Append new migrations; never edit one
 * that has shipped.
 */
export const migrations: Record<string, Migration> = {
  '0001_auth_and_datasets': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('disabled_at', 'text')
        .execute();
      await db.schema
        .createTable('tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text')
        .addColumn('revoked_at', 'text')
        .addColumn('last_used_at', 'text')
        .execute();
      await db.schema.createIndex('tokens_user_idx').on('tokens').column('user_id').execute();
      await db.schema
        .createTable('datasets')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('has_header', 'integer', (c) => c.notNull())
        .addColumn('row_count', 'bigint', (c) => c.notNull())
        .addColumn('size_bytes', 'bigint', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('columns_json', 'text', (c) => c.notNull())
        .addColumn('source_key', 'text', (c) => c.notNull())
        .addColumn('data_key', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('tags_json', 'text', (c) => c.notNull().defaultTo(sql`'{}'`))
        .addColumn('created_by', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('deleted_at', 'text')
        .addUniqueConstraint('datasets_name_version_uq', ['name', 'version'])
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('datasets').execute();
      await db.schema.dropTable('tokens').execute();
      await db.schema.dropTable('users').execute();
    },
  },
  '0002_job_queue': {
    async up(db: Kysely<any>) {
      // The embedded job queue. `seq` orders jobs FIFO within a priority (a per-process
      // monotonic number; created_at alone ties within a millisecond).
      await db.schema
        .createTable('queue_jobs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('payload_json', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('max_attempts', 'integer', (c) => c.notNull())
        .addColumn('backoff_ms', 'integer', (c) => c.notNull())
        .addColumn('priority', 'integer', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('run_after', 'text', (c) => c.notNull())
        .addColumn('lease_token', 'text')
        .addColumn('lease_expires_at', 'text')
        .addColumn('worker_id', 'text')
        .addColumn('cancel_requested', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_error', 'text')
        .addColumn('result_json', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('finished_at', 'text')
        .execute();
      await db.schema.createIndex('queue_jobs_state_run_after_idx').on('queue_jobs').columns(['state', 'run_after']).execute();
      await db.schema.createIndex('queue_jobs_state_lease_idx').on('queue_jobs').columns(['state', 'lease_expires_at']).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('queue_jobs').execute();
    },
  },
  '0003_training_jobs': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('training_jobs')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('secondary_status', 'text', (c) => c.notNull())
        .addColumn('failure_reason', 'text')
        .addColumn('spec_json', 'text', (c) => c.notNull())
        .addColumn('final_metrics_json', 'text', (c) => c.notNull())
        .addColumn('model_artifact', 'text')
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('stop_requested', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_by', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text')
        .addColumn('ended_at', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('training_jobs_status_idx').on('training_jobs').columns(['status', 'created_at']).execute();
      await db.schema
        .createTable('training_job_metrics')
        .addColumn('job_name', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('value', 'double precision', (c) => c.notNull())
        .addColumn('step', 'integer')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('training_job_metrics_pk', ['job_name', 'seq'])
        .execute();
      await db.schema
        .createTable('training_job_logs')
        .addColumn('job_name', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('line', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('training_job_logs_pk', ['job_name', 'seq'])
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('training_job_logs').execute();
      await db.schema.dropTable('training_job_metrics').execute();
      await db.schema.dropTable('training_jobs').execute();
    },
  },
  '0004_training_failed_attempts': {
    async up(db: Kysely<any>) {
      // Attempts that failed in the user's code count against maxRetries; attempts lost
      // to the platform (a worker killed, a server restart) do not.
      await db.schema.alterTable('training_jobs').addColumn('failed_attempts', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('training_jobs').dropColumn('failed_attempts').execute();
    },
  },
  '0005_models_and_registry': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('models')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('algorithm', 'text')
        .addColumn('artifact_key', 'text', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('size_bytes', 'bigint', (c) => c.notNull())
        .addColumn('lineage_json', 'text', (c) => c.notNull())
        .addColumn('metrics_json', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('tags_json', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('model_package_groups')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('description', 'text')
        .addColumn('created_by', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('model_packages')
        .addColumn('group_name', 'text', (c) => c.notNull().references('model_package_groups.name'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('model_name', 'text', (c) => c.notNull())
        .addColumn('approval_status', 'text', (c) => c.notNull())
        .addColumn('approval_history_json', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('metrics_json', 'text', (c) => c.notNull())
        .addColumn('lineage_json', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('model_packages_pk', ['group_name', 'version'])
        .execute();
      await db.schema.createIndex('model_packages_model_idx').on('model_packages').column('model_name').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('model_packages').execute();
      await db.schema.dropTable('model_package_groups').execute();
      await db.schema.dropTable('models').execute();
    },
  },
  '0007_transform_jobs': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('transform_jobs')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('spec_json', 'text', (c) => c.notNull())
        .addColumn('total_rows', 'bigint', (c) => c.notNull())
        .addColumn('shard_count', 'integer', (c) => c.notNull())
        .addColumn('output_version', 'integer')
        .addColumn('failure_reason', 'text')
        .addColumn('stop_requested', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_by', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text')
        .addColumn('ended_at', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('transform_shards')
        .addColumn('job_name', 'text', (c) => c.notNull())
        .addColumn('shard', 'integer', (c) => c.notNull())
        .addColumn('row_start', 'bigint', (c) => c.notNull())
        .addColumn('row_count', 'bigint', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('rows_done', 'bigint', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('output_key', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('transform_shards_pk', ['job_name', 'shard'])
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('transform_shards').execute();
      await db.schema.dropTable('transform_jobs').execute();
    },
  },
  '0008_experiments_and_tuning': {
    async up(db: Kysely<any>) {
      // Every training job is a run of one experiment (a tuning job's trials: of the tuning job).
      await db.schema.alterTable('training_jobs').addColumn('experiment', 'text', (c) => c.notNull().defaultTo('Default')).execute();
      await db.schema.createIndex('training_jobs_experiment_idx').on('training_jobs').columns(['experiment', 'created_at']).execute();
      await db.schema
        .createTable('experiments')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('description', 'text')
        .addColumn('created_by', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('run_params')
        .addColumn('job_name', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('run_params_pk', ['job_name', 'name'])
        .execute();
      await db.schema
        .createTable('tuning_jobs')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('spec_json', 'text', (c) => c.notNull())
        .addColumn('failure_reason', 'text')
        .addColumn('stop_requested', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_by', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('ended_at', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('tuning_trials')
        .addColumn('tuning_job', 'text', (c) => c.notNull())
        .addColumn('trial', 'integer', (c) => c.notNull())
        .addColumn('training_job', 'text', (c) => c.notNull())
        .addColumn('params_json', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('objective', 'double precision')
        .addColumn('early_stopped', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('failure_reason', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('ended_at', 'text')
        .addPrimaryKeyConstraint('tuning_trials_pk', ['tuning_job', 'trial'])
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('tuning_trials').execute();
      await db.schema.dropTable('tuning_jobs').execute();
      await db.schema.dropTable('run_params').execute();
      await db.schema.dropTable('experiments').execute();
      await db.schema.dropIndex('training_jobs_experiment_idx').execute();
      await db.schema.alterTable('training_jobs').dropColumn('experiment').execute();
    },
  },
  '0009_endpoints': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('endpoints')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('spec_json', 'text', (c) => c.notNull())
        .addColumn('pending_spec_json', 'text')
        .addColumn('failure_reason', 'text')
        .addColumn('tags_json', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('endpoints').execute();
    },
  },
  '0010_sessions': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sessions_user_idx').on('sessions').column('user_id').execute();
      await db.schema.createIndex('sessions_expires_idx').on('sessions').column('expires_at').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('sessions').execute();
    },
  },
  '0011_model_onnx_signature': {
    async up(db: Kysely<any>) {
      // What an ONNX model takes and gives (inputs, outputs, opsets), read once when it is created.
      await db.schema.alterTable('models').addColumn('onnx_json', 'text').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('models').dropColumn('onnx_json').execute();
    },
  },
  '0012_metric_points_once': {
    async up(db: Kysely<any>) {
      // A metric series holds one point per (job, metric, step): an attempt run again (after a
      // lost lease or a restart) re-logs the steps it repeats. Keep the first point of each.
      await sql`DELETE FROM training_job_metrics WHERE step IS NOT NULL AND EXISTS (
        SELECT 1 FROM training_job_metrics m WHERE m.job_name = training_job_metrics.job_name
          AND m.name = training_job_metrics.name AND m.step = training_job_metrics.step AND m.seq < training_job_metrics.seq)`.execute(db);
      // Points without a step are distinct (NULLs never conflict in a unique index).
      await db.schema.createIndex('training_job_metrics_step_uq').on('training_job_metrics').columns(['job_name', 'name', 'step']).unique().execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('training_job_metrics_step_uq').execute();
    },
  },
  '0013_processing_jobs': {
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
  },
  '0014_recipes': {
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
  },
  '0015_crawlers': {
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
  },
  '0016_dashboards': {
    // Tables of charts and dashboards (src/dashboards).
    async up(db: Kysely<any>) {
      // One row per dashboard; its filters and charts are one JSON definition, read and
      // written whole (a chart has no life outside its dashboard).
      await db.schema
        .createTable('dashboards')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('definition_json', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_by', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('dashboards').execute();
    },
  },
  '0017_data_quality': {
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
  },
  '0019_pipelines': {
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
  },
  '0018_forecast': {
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
  },
  '0020_webhooks': {
    // Tables of webhooks (src/webhooks): the webhooks with their encrypted signing secrets,
    // the admins' allow-list, deliveries and each delivery's attempts.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('webhooks')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('events_json', 'text')
        .addColumn('enabled', 'integer', (c) => c.notNull())
        // AES-256-GCM under the platform key: `v1.<key id>.<iv>.<tag>.<ciphertext>`, never the secret itself.
        .addColumn('secret_sealed', 'text', (c) => c.notNull())
        .addColumn('secret_created_at', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      // Port 0 is "any port" (a nullable column would let duplicates past the primary key).
      await db.schema
        .createTable('webhook_allow')
        .addColumn('pattern', 'text', (c) => c.notNull())
        .addColumn('port', 'integer', (c) => c.notNull())
        .addColumn('created_by', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('webhook_allow_pk', ['pattern', 'port'])
        .execute();
      await db.schema
        .createTable('webhook_deliveries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('webhook', 'text', (c) => c.notNull().references('webhooks.name').onDelete('cascade'))
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('source', 'text')
        // The exact bytes signed and sent on every attempt.
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('max_attempts', 'integer', (c) => c.notNull())
        .addColumn('backoff_ms', 'integer', (c) => c.notNull())
        .addColumn('last_status_code', 'integer')
        .addColumn('last_error', 'text')
        .addColumn('last_error_code', 'text')
        .addColumn('next_attempt_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('delivered_at', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('webhook_deliveries_webhook_idx').on('webhook_deliveries').columns(['webhook', 'created_at']).execute();
      await db.schema.createIndex('webhook_deliveries_status_idx').on('webhook_deliveries').column('status').execute();
      await db.schema
        .createTable('webhook_attempts')
        .addColumn('delivery', 'text', (c) => c.notNull().references('webhook_deliveries.id').onDelete('cascade'))
        // The queue's attempt number: a repeated record of the same attempt is one row.
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addColumn('status_code', 'integer')
        .addColumn('error', 'text')
        .addColumn('error_code', 'text')
        .addPrimaryKeyConstraint('webhook_attempts_pk', ['delivery', 'attempt'])
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('webhook_attempts').execute();
      await db.schema.dropTable('webhook_deliveries').execute();
      await db.schema.dropTable('webhook_allow').execute();
      await db.schema.dropTable('webhooks').execute();
    },
  },
  '0021_forecast_jobs': {
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
  },
};
