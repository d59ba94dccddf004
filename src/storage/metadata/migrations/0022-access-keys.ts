import { type Kysely, type Migration } from 'kysely';

export const migration0022: Migration = {
  // Table of access keys (src/aws/access-keys): AWS-style key ids with their secrets sealed
  // under the platform key (SigV4 needs the secret itself to recompute a signature, so a
  // hash would not do).
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('access_keys')
      .addColumn('access_key_id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('description', 'text')
      // AES-256-GCM under the platform key: `v1.<key id>.<iv>.<tag>.<ciphertext>`, never the secret itself.
      .addColumn('secret_sealed', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('last_used_at', 'text')
      .execute();
    await db.schema.createIndex('access_keys_user_idx').on('access_keys').column('user_id').execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('access_keys').execute();
  },
};
