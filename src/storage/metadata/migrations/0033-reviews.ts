import { type Kysely, type Migration } from 'kysely';

export const migration0033: Migration = {
  // Tables of human review (src/reviews): flow definitions, their human loops, and one row
  // per (loop, reviewer): the lease and, once given, the answer.
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('review_flows')
      .addColumn('name', 'text', (c) => c.primaryKey())
      // At most one flow per endpoint: the invocation path looks one up by the endpoint's name.
      .addColumn('endpoint', 'text', (c) => c.unique())
      .addColumn('labels_json', 'text', (c) => c.notNull())
      .addColumn('instructions', 'text')
      .addColumn('workers_json', 'text')
      .addColumn('reviewers_per_loop', 'integer', (c) => c.notNull())
      .addColumn('lease_seconds', 'integer', (c) => c.notNull())
      .addColumn('activation_json', 'text')
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('human_loops')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('flow', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('endpoint', 'text')
      .addColumn('variant', 'text')
      .addColumn('inference_id', 'text')
      .addColumn('confidence', 'double precision')
      .addColumn('predicted_label', 'text')
      // Records in the response (one answer label each); null for a loop started by the API.
      .addColumn('records', 'integer')
      .addColumn('input_json', 'text', (c) => c.notNull())
      .addColumn('reviewers_per_loop', 'integer', (c) => c.notNull())
      .addColumn('output', 'text')
      .addColumn('failure_reason', 'text')
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('ended_at', 'text')
      .execute();
    await db.schema.createIndex('human_loops_flow_idx').on('human_loops').columns(['flow', 'status', 'created_at']).execute();
    await db.schema.createIndex('human_loops_updated_idx').on('human_loops').columns(['updated_at', 'name']).execute();
    await db.schema
      .createTable('human_loop_answers')
      .addColumn('loop', 'text', (c) => c.notNull().references('human_loops.name').onDelete('cascade'))
      .addColumn('worker', 'text', (c) => c.notNull())
      .addColumn('leased_at', 'text', (c) => c.notNull())
      .addColumn('lease_expires_at', 'text', (c) => c.notNull())
      .addColumn('answer_json', 'text')
      .addColumn('answered_at', 'text')
      // One row per (loop, reviewer): a reviewer never gets a loop twice, an answer counts once.
      .addPrimaryKeyConstraint('human_loop_answers_pk', ['loop', 'worker'])
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('human_loop_answers').execute();
    await db.schema.dropTable('human_loops').execute();
    await db.schema.dropTable('review_flows').execute();
  },
};
