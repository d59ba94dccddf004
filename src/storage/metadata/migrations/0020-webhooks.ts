import { type Kysely, type Migration } from 'kysely';

export const migration0020: Migration = {
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
};
