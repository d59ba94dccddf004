import { type Kysely, type Migration } from 'kysely';

export const migration0025: Migration = {
  // SageMaker's InvokeEndpointAsync (src/aws/runtime): a request is a row from the moment
  // it is accepted until its output or failure is written; the server that runs it holds
  // a lease (`lease_owner`, `lease_until`) it renews while the request runs.
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('async_invocations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('endpoint_name', 'text', (c) => c.notNull())
      .addColumn('request_json', 'text', (c) => c.notNull())
      .addColumn('input_key', 'text', (c) => c.notNull())
      .addColumn('output_key', 'text', (c) => c.notNull())
      .addColumn('failure_key', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('lease_owner', 'text')
      .addColumn('lease_until', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('async_invocations_created_idx').on('async_invocations').columns(['created_at']).execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('async_invocations').execute();
  },
};
