import { type Kysely, type Migration } from 'kysely';

export const migration0031: Migration = {
  // Tables of labeling jobs (src/labeling): each job, its items, and one row per
  // (job, item, labeler): the lease and, once given, the answer.
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('labeling_jobs')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('dataset', 'text', (c) => c.notNull())
      .addColumn('dataset_version', 'integer', (c) => c.notNull())
      .addColumn('task_type', 'text', (c) => c.notNull())
      .addColumn('multi_label', 'integer', (c) => c.notNull())
      .addColumn('labels_json', 'text', (c) => c.notNull())
      .addColumn('annotators_per_item', 'integer', (c) => c.notNull())
      .addColumn('lease_seconds', 'integer', (c) => c.notNull())
      .addColumn('instructions', 'text')
      .addColumn('label_attribute', 'text', (c) => c.notNull())
      .addColumn('output_dataset', 'text', (c) => c.notNull())
      .addColumn('total_items', 'integer', (c) => c.notNull())
      .addColumn('gold_items', 'integer', (c) => c.notNull())
      .addColumn('labeled_items', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('failure_reason', 'text')
      .addColumn('output', 'text')
      // Consolidation's estimate of each labeler: {worker: accuracy}.
      .addColumn('estimates_json', 'text')
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('ended_at', 'text')
      .execute();
    await db.schema.createIndex('labeling_jobs_updated_idx').on('labeling_jobs').columns(['updated_at', 'name']).execute();
    await db.schema
      .createTable('labeling_items')
      .addColumn('job', 'text', (c) => c.notNull().references('labeling_jobs.name').onDelete('cascade'))
      .addColumn('item', 'text', (c) => c.notNull())
      // Order of the manifest (gold items after the dataset's).
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('source_json', 'text', (c) => c.notNull())
      .addColumn('width', 'integer')
      .addColumn('height', 'integer')
      // The known answer of a gold item (null for the dataset's items).
      .addColumn('gold_json', 'text')
      .addPrimaryKeyConstraint('labeling_items_pk', ['job', 'item'])
      .execute();
    await db.schema
      .createTable('labeling_answers')
      .addColumn('job', 'text', (c) => c.notNull())
      .addColumn('item', 'text', (c) => c.notNull())
      .addColumn('worker', 'text', (c) => c.notNull())
      .addColumn('leased_at', 'text', (c) => c.notNull())
      .addColumn('lease_expires_at', 'text', (c) => c.notNull())
      .addColumn('answer_json', 'text')
      .addColumn('answered_at', 'text')
      // One row per (job, item, labeler): a labeler never gets an item twice, an answer counts once.
      .addPrimaryKeyConstraint('labeling_answers_pk', ['job', 'item', 'worker'])
      .execute();
    await db.schema.createIndex('labeling_answers_item_idx').on('labeling_answers').columns(['job', 'item']).execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('labeling_answers').execute();
    await db.schema.dropTable('labeling_items').execute();
    await db.schema.dropTable('labeling_jobs').execute();
  },
};
