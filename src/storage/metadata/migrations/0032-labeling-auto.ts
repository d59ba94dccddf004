import { type Kysely, type Migration } from 'kysely';

export const migration0032: Migration = {
  // Automated labeling of labeling jobs (src/labeling/auto-label): each job's settings and
  // round state, and the labels a model gave to items no labeler answered.
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('labeling_auto_label')
      .addColumn('job', 'text', (c) => c.primaryKey().references('labeling_jobs.name').onDelete('cascade'))
      .addColumn('target_accuracy', 'real', (c) => c.notNull())
      // Share of the items labeled by people that starts the first round (and each later one).
      .addColumn('batch_share', 'real', (c) => c.notNull())
      .addColumn('holdout_share', 'real', (c) => c.notNull())
      // Idle (waiting for more human labels) or Training (a round is running).
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('round', 'integer', (c) => c.notNull())
      // Human-labeled items that start the next round.
      .addColumn('next_round_at', 'integer', (c) => c.notNull())
      .addColumn('training_job', 'text')
      .addColumn('threshold', 'real')
      // Sum over rounds of (items labeled × held-out accuracy above the threshold).
      .addColumn('expected_correct', 'real', (c) => c.notNull())
      .addColumn('last_error', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('labeling_machine_labels')
      .addColumn('job', 'text', (c) => c.notNull().references('labeling_jobs.name').onDelete('cascade'))
      .addColumn('item', 'text', (c) => c.notNull())
      .addColumn('label', 'text', (c) => c.notNull())
      .addColumn('confidence', 'real', (c) => c.notNull())
      .addColumn('round', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('labeling_machine_labels_pk', ['job', 'item'])
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('labeling_machine_labels').execute();
    await db.schema.dropTable('labeling_auto_label').execute();
  },
};
