import { randomBytes } from 'node:crypto';
import os from 'node:os';
import pg from 'pg';
import { openMetadataStore, type MetadataStore } from '../../src/storage/index.js';

/** PostgreSQL used by the tests (the local server; override with ORCHARD_TEST_PG_URL). */
export const TEST_PG_URL = process.env.ORCHARD_TEST_PG_URL ?? 'postgres://127.0.0.1:5432/test';

export interface MetadataTarget {
  name: 'sqlite' | 'postgres';
  open(): Promise<{ store: MetadataStore; cleanup(): Promise<void> }>;
}

/** pg, unlike libpq, does not default the user to the operating-system user. */
export function withUser(url: string): string {
  const parsed = new URL(url);
  if (!parsed.username) parsed.username = process.env.PGUSER ?? os.userInfo().username;
  return parsed.href;
}

/** A PostgreSQL URL for a fresh schema of its own, and a function that drops it. */
export function isolatedPgUrl(): { url: string; drop(): Promise<void> } {
  const schema = `orch_t_${randomBytes(6).toString('hex')}`;
  return {
    url: `${TEST_PG_URL}?schema=${schema}`,
    async drop() {
      const client = new pg.Client({ connectionString: withUser(TEST_PG_URL) });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Both metadata dialects, each store in isolation, for suites that must run on both. */
export const metadataTargets: MetadataTarget[] = [
  {
    name: 'sqlite',
    async open() {
      const store = await openMetadataStore('sqlite::memory:');
      return { store, cleanup: () => store.close() };
    },
  },
  {
    name: 'postgres',
    async open() {
      const { url, drop } = isolatedPgUrl();
      const store = await openMetadataStore(url);
      return {
        store,
        async cleanup() {
          await store.close();
          await drop();
        },
      };
    },
  },
];
