import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openMetadataStore, type MetadataStore } from './metadata-store.js';
import { migrations } from './migrations.js';

/** One metadata backend under test: a fresh, empty database per case. */
export interface MetadataStoreHarness {
  /** URL of the database; the suite opens it as often as it needs (a restart is a reopen). */
  url: string;
  /**
   * Connections the database server holds for stores opened on `url`. Absent where there
   * is no server to ask (SQLite): the suite then skips that check and says why.
   */
  openConnections?(): Promise<number>;
  cleanup(): Promise<void>;
}

const user = (id: string, name = id) => ({ id, name, role: 'viewer', password_hash: null, created_at: '2026-01-02T03:04:05.678Z', disabled_at: null });

async function migrationNames(store: MetadataStore): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(store.db);
  return rows.map((r) => r.name);
}

async function eventually(fn: () => Promise<boolean>, what: string, deadlineMs = 10_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!(await fn())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * What every metadata dialect must give the capabilities' stores alike: the schema from
 * the one migration history, transactions, the same typed answers, one way of telling a
 * lost insert race, and connections released on close.
 *
 * @example
 * describeMetadataStoreContract('SQLite', async () => ({ url: `sqlite:${file}`, cleanup }));
 */
export function describeMetadataStoreContract(name: string, factory: () => Promise<MetadataStoreHarness>): void {
  describe(`MetadataStore contract: ${name}`, () => {
    let h: MetadataStoreHarness;
    const opened: MetadataStore[] = [];
    const open = async () => {
      const store = await openMetadataStore(h.url);
      opened.push(store);
      return store;
    };
    beforeEach(async () => {
      h = await factory();
    });
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close().catch(() => undefined)));
      await h.cleanup();
    });

    it('applies every migration from scratch, and reopening applies none again', async () => {
      const all = Object.keys(migrations).sort();
      const first = await open();
      expect(await migrationNames(first)).toEqual(all);
      await first.db.insertInto('users').values(user('u1')).execute();
      await first.close();
      const second = await open();
      expect(await migrationNames(second)).toEqual(all);
      expect(await second.db.selectFrom('users').select(['id', 'name']).execute()).toEqual([{ id: 'u1', name: 'u1' }]);
    });

    it('migrates once when two stores open a fresh database at the same moment', async () => {
      const [a, b] = await Promise.all([open(), open()]);
      expect(await migrationNames(a)).toEqual(Object.keys(migrations).sort());
      expect(await migrationNames(b)).toEqual(Object.keys(migrations).sort());
    });

    it('rolls a failed transaction back and keeps a committed one', async () => {
      const store = await open();
      const failed = store.db.transaction().execute(async (trx) => {
        await trx.insertInto('users').values(user('gone')).execute();
        expect(await trx.selectFrom('users').select('id').execute()).toEqual([{ id: 'gone' }]);
        throw new Error('changed my mind');
      });
      await expect(failed).rejects.toThrow('changed my mind');
      expect(await store.db.selectFrom('users').select('id').execute()).toEqual([]);
      await store.db.transaction().execute(async (trx) => {
        await trx.insertInto('users').values(user('kept')).execute();
      });
      expect(await store.db.selectFrom('users').select('id').execute()).toEqual([{ id: 'kept' }]);
    });

    it('gives the same typed answer for timestamps, flags, numbers, JSON text and nulls', async () => {
      const store = await open();
      const payload = JSON.stringify({ s: 'grüße ✓ "quoted" \\ back', n: [1, 2.5, -0.001], nested: { ok: true, none: null } });
      const runAfter = '2026-03-04T05:06:07.089Z';
      await store.db
        .insertInto('queue_jobs')
        .values({
          id: 'j1', kind: 'k', payload_json: payload, state: 'queued', attempt: 2, max_attempts: 3, backoff_ms: 1000, priority: 0,
          seq: 9_007_199_254_740_991, run_after: runAfter, cancel_requested: 1, created_at: runAfter, updated_at: runAfter,
        })
        .execute();
      const row = await store.db.selectFrom('queue_jobs').selectAll().where('id', '=', 'j1').executeTakeFirstOrThrow();
      expect(row).toMatchObject({ payload_json: payload, attempt: 2, max_attempts: 3, cancel_requested: 1, run_after: runAfter, lease_token: null, last_error: null });
      expect(JSON.parse(row.payload_json)).toEqual(JSON.parse(payload));
      expect(typeof row.attempt).toBe('number');
      expect(typeof row.cancel_requested).toBe('number');
      // bigint columns are declared `number | string` (pg answers int8 as text): read them with Number().
      expect(Number(row.seq)).toBe(9_007_199_254_740_991);

      const values = [0.1 + 0.2, 1e-300, -123456.789, 2 ** 52 + 0.5];
      for (const [i, value] of values.entries()) {
        await store.db.insertInto('training_job_metrics').values({ job_name: 'job', seq: i, name: 'train:auc', value, step: i === 0 ? null : i, created_at: runAfter }).execute();
      }
      const metrics = await store.db.selectFrom('training_job_metrics').select(['value', 'step']).orderBy('seq').execute();
      expect(metrics).toEqual(values.map((value, i) => ({ value, step: i === 0 ? null : i })));

      // ISO timestamps as text order as time does, on both.
      await store.db.insertInto('users').values([user('b', 'b'), { ...user('a', 'a'), created_at: '2026-01-02T03:04:05.600Z' }]).execute();
      expect(await store.db.selectFrom('users').select('id').orderBy('created_at').execute()).toEqual([{ id: 'a' }, { id: 'b' }]);
    });

    it('reports unique and primary-key violations alike, and nothing else as one', async () => {
      const store = await open();
      await store.db.insertInto('users').values(user('u1', 'ann')).execute();
      const byName = await store.db.insertInto('users').values(user('u2', 'ann')).execute().catch((e: unknown) => e);
      const byKey = await store.db.insertInto('users').values(user('u1', 'bob')).execute().catch((e: unknown) => e);
      expect(store.isUniqueViolation(byName)).toBe(true);
      expect(store.isUniqueViolation(byKey)).toBe(true);
      const notNull = await store.db.insertInto('users').values({ ...user('u3'), role: null as unknown as string }).execute().catch((e: unknown) => e);
      expect(notNull).toBeInstanceOf(Error);
      expect(store.isUniqueViolation(notNull)).toBe(false);
      // Foreign keys are enforced on both (SQLite needs them switched on per connection).
      const orphan = await store.db
        .insertInto('tokens')
        .values({ id: 't1', user_id: 'nobody', name: 't', token_hash: 'h', created_at: 'now', expires_at: null, revoked_at: null, last_used_at: null })
        .execute()
        .catch((e: unknown) => e);
      expect(orphan).toBeInstanceOf(Error);
      expect(store.isUniqueViolation(orphan)).toBe(false);
      expect(store.isUniqueViolation(new Error('other'))).toBe(false);
      expect(store.isUniqueViolation(undefined)).toBe(false);
    });

    it('refuses queries after close', async () => {
      const store = await open();
      await store.db.selectFrom('users').select('id').execute();
      await store.close();
      await expect(store.db.selectFrom('users').select('id').execute()).rejects.toThrow();
    });

    it('releases its server connections on close', async (ctx) => {
      const counted = h.openConnections;
      if (!counted) return ctx.skip('an embedded database: no server holds connections to count');
      const store = await open();
      await Promise.all([1, 2, 3].map(() => store.db.selectFrom('users').select('id').execute()));
      expect(await counted()).toBeGreaterThan(0);
      await store.close();
      await eventually(async () => (await counted()) === 0, 'the server to drop the connections');
    });
  });
}
