import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { isolatedPgUrl, TEST_PG_URL, withUser } from '../../../test/support/metadata.js';
import { openMetadataStore } from './metadata-store.js';

describe('metadata migrations on a PostgreSQL database shared with others', () => {
  it('are not upset by other schemas dropped while they look at the catalog', async () => {
    // Another tenant of the database keeps creating and dropping schemas with tables
    // (as parallel test files do, each in a schema of its own).
    const other = new pg.Client({ connectionString: withUser(TEST_PG_URL) });
    await other.connect();
    let churn = true;
    const churner = (async () => {
      for (let i = 0; churn; i++) {
        const name = `orch_churn_${process.pid}_${i}`;
        await other.query(`CREATE SCHEMA "${name}"`);
        await other.query(`CREATE TABLE "${name}".t (a int, b text, c serial)`);
        await other.query(`DROP SCHEMA "${name}" CASCADE`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    try {
      for (let i = 0; i < 12; i++) {
        const { url, drop } = isolatedPgUrl();
        const store = await openMetadataStore(url);
        expect(await store.db.selectFrom('users').select('id').execute()).toEqual([]);
        await store.close();
        await drop();
      }
    } finally {
      churn = false;
      await churner;
      await other.end();
    }
  }, 120_000);
});
