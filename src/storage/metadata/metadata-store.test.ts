import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { TEST_PG_URL, isolatedPgUrl, withUser } from '../../../test/support/metadata.js';
import { describeMetadataStoreContract } from './metadata-store.contract.js';
import { openMetadataStore } from './metadata-store.js';

describe('openMetadataStore', () => {
  it('names the known schemes when given an unknown one', async () => {
    await expect(openMetadataStore('mysql://root@127.0.0.1/test')).rejects.toMatchObject({
      code: 'ORCH_CONFIG_UNKNOWN_SCHEME',
      message: expect.stringContaining('sqlite:, postgres://'),
    });
  });

  it('migrates a SQLite file once and keeps its data across reopening', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-meta-')), 'nested', 'o.db');
    const first = await openMetadataStore(`sqlite:${file}`);
    await first.db.insertInto('users').values({ id: 'u1', name: 'ann', role: 'admin', password_hash: null, created_at: 'now', disabled_at: null }).execute();
    await first.close();
    const second = await openMetadataStore(`sqlite:${file}`);
    expect(await second.db.selectFrom('users').select('name').execute()).toEqual([{ name: 'ann' }]);
    await second.close();
  });

  it('migrates PostgreSQL into its own schema, idempotently, and detects unique violations', async () => {
    const { url, drop } = isolatedPgUrl();
    try {
      const a = await openMetadataStore(url);
      const b = await openMetadataStore(url);
      const row = { id: 'u1', name: 'ann', role: 'admin', password_hash: null, created_at: 'now', disabled_at: null };
      await a.db.insertInto('users').values(row).execute();
      const err = await b.db.insertInto('users').values({ ...row, id: 'u2' }).execute().catch((e: unknown) => e);
      expect(b.isUniqueViolation(err)).toBe(true);
      await a.close();
      await b.close();
    } finally {
      await drop();
    }
  });

  it('explains an unreachable PostgreSQL without leaking credentials', async () => {
    const err = await openMetadataStore('postgres://me:secret@127.0.0.1:1/none').catch((e: unknown) => e as Error);
    expect(err).toMatchObject({ code: 'ORCH_METADATA_UNAVAILABLE' });
    expect((err as Error).message).not.toContain('secret');
  });
});

describeMetadataStoreContract('SQLite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-meta-contract-'));
  return { url: `sqlite:${path.join(dir, 'orchard.db')}`, cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }) };
});

describeMetadataStoreContract('PostgreSQL', async () => {
  const { url, drop } = isolatedPgUrl();
  // The schema name is unique, so it also tags this suite's connections on the server.
  const tag = new URL(url).searchParams.get('schema')!;
  return {
    url: `${url}&application_name=${tag}`,
    async openConnections() {
      const admin = new pg.Client({ connectionString: withUser(TEST_PG_URL) });
      await admin.connect();
      try {
        const { rows } = await admin.query<{ n: string }>('select count(*) as n from pg_stat_activity where application_name = $1', [tag]);
        return Number(rows[0].n);
      } finally {
        await admin.end();
      }
    },
    cleanup: drop,
  };
});
