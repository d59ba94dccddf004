import type { Kysely } from 'kysely';
import type { MetadataStore, UsersTable } from '../../storage/index.js';

/** The access key table (migration 0022_access_keys); only this store reads or writes it. */
export interface AccessKeysTable {
  access_key_id: string;
  user_id: string;
  description: string | null;
  /** The secret sealed under the platform key (see SecretBox), bound to the key id. */
  secret_sealed: string;
  /** Active or Inactive. */
  status: string;
  created_by: string | null;
  created_at: string;
  updated_at: string;
  last_used_at: string | null;
}

interface AccessKeyTables {
  access_keys: AccessKeysTable;
  users: UsersTable;
}

/** A key row with its user's row. */
export type AccessKeyRow = AccessKeysTable & { user: UsersTable };

export class AccessKeyStore {
  constructor(private readonly metadata: MetadataStore) {}

  /** The table belongs to this capability, so its type lives here rather than in the shared schema. */
  private get db(): Kysely<AccessKeyTables> {
    return this.metadata.db as unknown as Kysely<AccessKeyTables>;
  }

  async insert(row: AccessKeysTable): Promise<void> {
    await this.db.insertInto('access_keys').values(row).execute();
  }

  async get(accessKeyId: string): Promise<AccessKeyRow | undefined> {
    const rows = await this.joined().where('access_keys.access_key_id', '=', accessKeyId).execute();
    return rows.length > 0 ? toRow(rows[0]) : undefined;
  }

  /** Keys of one user (by id), or of everyone. */
  async list(userId?: string): Promise<AccessKeyRow[]> {
    let q = this.joined();
    if (userId !== undefined) q = q.where('access_keys.user_id', '=', userId);
    const rows = await q.orderBy('access_keys.created_at').orderBy('access_keys.access_key_id').execute();
    return rows.map(toRow);
  }

  async setStatus(accessKeyId: string, status: string, now: string): Promise<void> {
    await this.db.updateTable('access_keys').set({ status, updated_at: now }).where('access_key_id', '=', accessKeyId).execute();
  }

  async touch(accessKeyId: string, now: string): Promise<void> {
    await this.db.updateTable('access_keys').set({ last_used_at: now }).where('access_key_id', '=', accessKeyId).execute();
  }

  async delete(accessKeyId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('access_keys').where('access_key_id', '=', accessKeyId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  private joined() {
    return this.db
      .selectFrom('access_keys')
      .innerJoin('users', 'users.id', 'access_keys.user_id')
      .selectAll('access_keys')
      .select(['users.name as u_name', 'users.role as u_role', 'users.password_hash as u_password_hash', 'users.created_at as u_created_at', 'users.disabled_at as u_disabled_at']);
  }
}

function toRow(r: AccessKeysTable & { u_name: string; u_role: string; u_password_hash: string | null; u_created_at: string; u_disabled_at: string | null }): AccessKeyRow {
  const { u_name, u_role, u_password_hash, u_created_at, u_disabled_at, ...key } = r;
  return { ...key, user: { id: key.user_id, name: u_name, role: u_role, password_hash: u_password_hash, created_at: u_created_at, disabled_at: u_disabled_at } };
}
