import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { metadataTargets } from '../../../test/support/metadata.js';
import { AuthService } from '../../auth/index.js';
import type { MetadataStore } from '../../storage/index.js';
import { SecretBox } from '../../webhooks/index.js';
import { ACCESS_KEY_CACHE_MS, AccessKeyService } from './access-key-service.js';

describe.each(metadataTargets)('AccessKeyService on $name', (target) => {
  let store: MetadataStore;
  let cleanup: () => Promise<void>;
  let auth: AuthService;
  let keys: AccessKeyService;
  const box = new SecretBox(randomBytes(32));

  beforeEach(async () => {
    ({ store, cleanup } = await target.open());
    auth = new AuthService(store);
    await auth.bootstrapAdmin();
    await auth.createUser({ name: 'ana', role: 'member' });
    keys = new AccessKeyService({ metadata: store, auth, secrets: async () => box });
  });
  afterEach(async () => cleanup());

  it('creates a key with an IAM-shaped id and a 40-character secret, stored sealed', async () => {
    const created = await keys.create({ userName: 'ana', description: 'laptop', createdBy: 'admin' });
    expect(created.accessKeyId).toMatch(/^AKOR[A-Z2-7]{16}$/);
    expect(created.secretAccessKey).toHaveLength(40);
    expect(created).toMatchObject({ userName: 'ana', status: 'Active', description: 'laptop', createdBy: 'admin', lastUsedAt: null });
    const row = await (store.db as any).selectFrom('access_keys').selectAll().where('access_key_id', '=', created.accessKeyId).executeTakeFirst();
    expect(row.secret_sealed).not.toContain(created.secretAccessKey);
    expect(box.open(row.secret_sealed, created.accessKeyId)).toBe(created.secretAccessKey);
    // The secret is shown once: listing and describing never carry it.
    expect(JSON.stringify(await keys.list('ana'))).not.toContain(created.secretAccessKey);
    expect(await keys.get(created.accessKeyId)).not.toHaveProperty('secretAccessKey');
  });

  it('resolves an active key to its secret and user, and refuses inactive, deleted and unknown keys', async () => {
    const { accessKeyId, secretAccessKey } = await keys.create({ userName: 'ana' });
    const resolved = await keys.resolve(accessKeyId);
    expect(resolved.secretAccessKey).toBe(secretAccessKey);
    expect(resolved.principal).toMatchObject({ user: { name: 'ana', role: 'member' }, tokenId: null, accessKeyId });
    await keys.setStatus(accessKeyId, 'Inactive');
    await expect(keys.resolve(accessKeyId)).rejects.toMatchObject({ code: 'ORCH_SIGV4_KEY_INACTIVE' });
    await keys.setStatus(accessKeyId, 'Active');
    expect((await keys.resolve(accessKeyId)).accessKeyId).toBe(accessKeyId);
    await keys.delete(accessKeyId);
    await expect(keys.resolve(accessKeyId)).rejects.toMatchObject({ code: 'ORCH_SIGV4_UNKNOWN_KEY' });
    await expect(keys.delete(accessKeyId)).rejects.toMatchObject({ code: 'ORCH_ACCESS_KEY_NOT_FOUND' });
    await expect(keys.resolve('AKORNOSUCHKEY0000000')).rejects.toMatchObject({ code: 'ORCH_SIGV4_UNKNOWN_KEY' });
  });

  it('follows the user: a role change and a disabled user take effect at once despite the cache', async () => {
    const { accessKeyId } = await keys.create({ userName: 'ana' });
    expect((await keys.resolve(accessKeyId)).principal.user.role).toBe('member');
    await auth.updateUser('ana', { role: 'viewer' });
    expect((await keys.resolve(accessKeyId)).principal.user.role).toBe('viewer');
    await auth.updateUser('ana', { disabled: true });
    await expect(keys.resolve(accessKeyId)).rejects.toMatchObject({ code: 'ORCH_SIGV4_KEY_INACTIVE' });
  });

  it('refuses a key disabled by another server within the cache time, refreshing it ahead in the background', async () => {
    const { accessKeyId } = await keys.create({ userName: 'ana' });
    let now = Date.parse('2026-12-03T12:00:00Z');
    // Two servers on one database: this one signs requests, the other disables the key.
    const here = new AccessKeyService({ metadata: store, auth, secrets: async () => box, now: () => now });
    const resolved = await here.resolve(accessKeyId);
    await keys.setStatus(accessKeyId, 'Inactive');
    now += 1000;
    expect(here.resolveCached(accessKeyId)).toBe(resolved);
    // In the cached key's last second, a use reads it again in the background and still gets the cached key.
    now += ACCESS_KEY_CACHE_MS - 1500;
    expect(here.resolveCached(accessKeyId)).toBe(resolved);
    for (let i = 0; i < 200 && here.resolveCached(accessKeyId) !== undefined; i++) await new Promise((r) => setTimeout(r, 10));
    expect(here.resolveCached(accessKeyId)).toBeUndefined();
    await expect(here.resolve(accessKeyId)).rejects.toMatchObject({ code: 'ORCH_SIGV4_KEY_INACTIVE' });

    // Without a use in the last second, the cache time bounds it all the same.
    await keys.setStatus(accessKeyId, 'Active');
    const again = await here.resolve(accessKeyId);
    await keys.setStatus(accessKeyId, 'Inactive');
    expect(await here.resolve(accessKeyId)).toBe(again);
    now += ACCESS_KEY_CACHE_MS;
    expect(here.resolveCached(accessKeyId)).toBeUndefined();
    await expect(here.resolve(accessKeyId)).rejects.toMatchObject({ code: 'ORCH_SIGV4_KEY_INACTIVE' });
  });

  it('reads a key once for concurrent requests', async () => {
    const { accessKeyId } = await keys.create({ userName: 'ana' });
    const resolved = await Promise.all(Array.from({ length: 8 }, () => keys.resolve(accessKeyId)));
    expect(new Set(resolved).size).toBe(1);
  });

  it('goes with its user when the user is deleted', async () => {
    const { accessKeyId } = await keys.create({ userName: 'ana' });
    await auth.deleteUser('ana');
    await expect(keys.get(accessKeyId)).rejects.toMatchObject({ code: 'ORCH_ACCESS_KEY_NOT_FOUND' });
    expect(await keys.list()).toEqual([]);
  });

  it('lists by user or all, and records the last use at most once a minute', async () => {
    const a = await keys.create({ userName: 'ana' });
    const b = await keys.create({ userName: 'admin' });
    expect((await keys.list('ana')).map((k) => k.accessKeyId)).toEqual([a.accessKeyId]);
    expect((await keys.list()).map((k) => k.accessKeyId).sort()).toEqual([a.accessKeyId, b.accessKeyId].sort());
    await keys.touch(a.accessKeyId);
    const first = (await keys.get(a.accessKeyId)).lastUsedAt;
    expect(first).not.toBeNull();
    await keys.touch(a.accessKeyId);
    expect((await keys.get(a.accessKeyId)).lastUsedAt).toBe(first);
    await expect(keys.create({ userName: 'nobody' })).rejects.toMatchObject({ code: 'ORCH_USER_NOT_FOUND' });
  });

  it('does not open a secret sealed under another platform key', async () => {
    const { accessKeyId } = await keys.create({ userName: 'ana' });
    const other = new AccessKeyService({ metadata: store, auth, secrets: async () => new SecretBox(randomBytes(32)) });
    await expect(other.resolve(accessKeyId)).rejects.toMatchObject({ code: 'ORCH_ACCESS_KEY_SECRET_UNREADABLE' });
  });
});
