import type { Generated } from 'kysely';

/**
 * Tables of the metadata store. Times are ISO-8601 UTC strings (sortable, identical on
 * SQLite and PostgreSQL); JSON documents are stored as text; 64-bit counts come back as
 * strings from PostgreSQL and are converted by the code that reads them.
 */
export interface UsersTable {
  id: string;
  name: string;
  role: string;
  password_hash: string | null;
  created_at: string;
  disabled_at: string | null;
}

export interface TokensTable {
  id: string;
  user_id: string;
  name: string;
  /** sha256 of the token's secret; the secret itself is never stored. */
  token_hash: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

export interface DatasetsTable {
  id: string;
  name: string;
  version: number;
  status: string;
  format: string;
  has_header: number;
  row_count: number | string;
  size_bytes: number | string;
  sha256: string;
  /** JSON: `[{ name, type, stats }]`. */
  columns_json: string;
  /** Key of the file as uploaded. */
  source_key: string;
  /** Key of the Parquet copy that queries read. */
  data_key: string;
  description: string | null;
  tags_json: string;
  created_by: string | null;
  created_at: string;
  deleted_at: string | null;
}

export interface Database {
  users: UsersTable;
  tokens: TokensTable;
  datasets: DatasetsTable;
}

export type { Generated };
