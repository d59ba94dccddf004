import { type Kysely, type Migration } from 'kysely';

export const migration0029: Migration = {
  // Tables of the debugger (src/debugger): each training job's rule statuses, and each
  // attempt's profile (utilisation samples and phases, rewritten as the attempt runs).
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('debugger_rule_statuses')
      .addColumn('job_name', 'text', (c) => c.notNull())
      .addColumn('rule', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('message', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('debugger_rule_statuses_pk', ['job_name', 'rule'])
      .execute();
    await db.schema
      .createTable('debugger_profiles')
      .addColumn('job_name', 'text', (c) => c.notNull())
      .addColumn('attempt', 'integer', (c) => c.notNull())
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('interval_ms', 'integer', (c) => c.notNull())
      .addColumn('samples_json', 'text', (c) => c.notNull())
      .addColumn('phases_json', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('debugger_profiles_pk', ['job_name', 'attempt'])
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('debugger_profiles').execute();
    await db.schema.dropTable('debugger_rule_statuses').execute();
  },
};
