import { sql, type Kysely, type Migration } from 'kysely';
import { migration0013 } from './migrations/0013-processing-jobs.js';
import { migration0014 } from './migrations/0014-recipes.js';
import { migration0015 } from './migrations/0015-crawlers.js';
import { migration0016 } from './migrations/0016-dashboards.js';
import { migration0017 } from './migrations/0017-data-quality.js';
import { migration0018 } from './migrations/0018-forecast.js';
import { migration0019 } from './migrations/0019-pipelines.js';
import { migration0020 } from './migrations/0020-webhooks.js';
import { migration0021 } from './migrations/0021-forecast-jobs.js';
import { migration0022 } from './migrations/0022-access-keys.js';
import { migration0023 } from './migrations/0023-sagemaker.js';
import { migration0024 } from './migrations/0024-s3-objects.js';
import { migration0025 } from './migrations/0025-async-invocations.js';
import { migration0026 } from './migrations/0026-metrics.js';
import { migration0027 } from './migrations/0027-alarms.js';
import { migration0028 } from './migrations/0028-monitor.js';
import { migration0029 } from './migrations/0029-debugger.js';
import { migration0030 } from './migrations/0030-automl.js';
import { migration0031 } from './migrations/0031-labeling.js';
import { migration0032 } from './migrations/0032-labeling-auto.js';
import { migration0033 } from './migrations/0033-reviews.js';
import { migration0034 } from './migrations/0034-labeling-teams.js';
import { migration0035 } from './migrations/0035-review-auto-export.js';

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
  '0013_processing_jobs': migration0013,
  '0014_recipes': migration0014,
  '0015_crawlers': migration0015,
  '0016_dashboards': migration0016,
  '0017_data_quality': migration0017,
  '0018_forecast': migration0018,
  '0019_pipelines': migration0019,
  '0020_webhooks': migration0020,
  '0021_forecast_jobs': migration0021,
  '0022_access_keys': migration0022,
  '0023_sagemaker': migration0023,
  '0024_s3_objects': migration0024,
  '0025_async_invocations': migration0025,
  '0026_metrics': migration0026,
  '0027_alarms': migration0027,
  '0028_monitor': migration0028,
  '0029_debugger': migration0029,
  '0030_automl': migration0030,
  '0031_labeling': migration0031,
  '0032_labeling_auto': migration0032,
  '0033_reviews': migration0033,
  '0034_labeling_teams': migration0034,
  '0035_review_auto_export': migration0035,
};
