import { type Kysely, type Migration } from 'kysely';

export const migration0030: Migration = {
  // Tables of AutoML (src/automl): each job (its request, analysis and phase state as JSON)
  // and its candidates (a training job each, or the ensemble), with the scores AutoML gave them.
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('automl_jobs')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('secondary_status', 'text', (c) => c.notNull())
      .addColumn('spec_json', 'text', (c) => c.notNull())
      .addColumn('analysis_json', 'text', (c) => c.notNull())
      .addColumn('state_json', 'text', (c) => c.notNull())
      .addColumn('best_json', 'text')
      .addColumn('failure_reason', 'text')
      .addColumn('stop_requested', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('ended_at', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('automl_jobs_updated_idx').on('automl_jobs').columns(['updated_at', 'name']).execute();
    await db.schema
      .createTable('automl_candidates')
      .addColumn('job', 'text', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('variant', 'text')
      .addColumn('algorithm', 'text', (c) => c.notNull())
      .addColumn('training_job', 'text')
      .addColumn('params_json', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('trained_objective', 'double precision')
      .addColumn('objective', 'double precision')
      .addColumn('metrics_json', 'text', (c) => c.notNull())
      .addColumn('importance_json', 'text')
      .addColumn('members_json', 'text')
      .addColumn('rank', 'integer')
      .addColumn('training_seconds', 'double precision')
      .addColumn('failure_reason', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('ended_at', 'text')
      .addPrimaryKeyConstraint('automl_candidates_pk', ['job', 'seq'])
      .execute();
    await db.schema.createIndex('automl_candidates_name_uq').on('automl_candidates').columns(['job', 'name']).unique().execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('automl_candidates').execute();
    await db.schema.dropTable('automl_jobs').execute();
  },
};
