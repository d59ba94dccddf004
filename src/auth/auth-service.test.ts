import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { metadataTargets } from '../../test/support/metadata.js';
import type { MetadataStore } from '../storage/index.js';
import { AuthService } from './auth-service.js';
import { can } from './roles.js';
import { hashToken } from './secrets.js';

describe.each(metadataTargets)('AuthService on $name', (target) => {
  let store: MetadataStore;
  let cleanup: () => Promise<void>;
  let auth: AuthService;

  beforeEach(async () => {
    ({ store, cleanup } = await target.open());
    auth = new AuthService(store);
  });
  afterEach(async () => cleanup());

  it('bootstraps one admin with a generated token, once', async () => {
    const first = await auth.bootstrapAdmin();
    expect(first.created).toBe(true);
    expect(first.token).toMatch(/^orch_[A-Za-z0-9_-]{43}$/);
    const again = await auth.bootstrapAdmin();
    expect(again).toEqual({ created: false });
    const principal = await auth.authenticate(first.token!);
    expect(principal.user).toMatchObject({ name: 'admin', role: 'admin' });
  });

  it('uses a given admin token and stores only its hash', async () => {
    const given = 'a-given-admin-token-0123456789';
    const res = await auth.bootstrapAdmin(given);
    expect(res).toEqual({ created: true });
    const rows = await store.db.selectFrom('tokens').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0].token_hash).toBe(hashToken(given));
    expect(JSON.stringify(rows)).not.toContain(given);
    expect((await auth.authenticate(given)).user.name).toBe('admin');
  });

  it('refuses a short given admin token', async () => {
    await expect(auth.bootstrapAdmin('short')).rejects.toMatchObject({ code: 'ORCH_CONFIG_INVALID' });
  });

  it('refuses unknown, revoked and expired tokens, and tokens of disabled users', async () => {
    await auth.bootstrapAdmin();
    await auth.createUser({ name: 'ann', role: 'member' });
    await expect(auth.authenticate('orch_nope')).rejects.toMatchObject({ code: 'ORCH_AUTH_INVALID_TOKEN', status: 401 });

    const revoked = await auth.createToken({ userName: 'ann', name: 'ci' });
    expect((await auth.authenticate(revoked.token)).user.name).toBe('ann');
    await auth.revokeToken(revoked.info.id);
    await expect(auth.authenticate(revoked.token)).rejects.toMatchObject({ code: 'ORCH_AUTH_INVALID_TOKEN' });

    const expiring = await auth.createToken({ userName: 'ann', expiresAt: new Date(Date.now() + 60_000).toISOString() });
    await store.db.updateTable('tokens').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where('id', '=', expiring.info.id).execute();
    await expect(auth.authenticate(expiring.token)).rejects.toMatchObject({ code: 'ORCH_AUTH_INVALID_TOKEN' });

    const live = await auth.createToken({ userName: 'ann' });
    await auth.updateUser('ann', { disabled: true });
    await expect(auth.authenticate(live.token)).rejects.toMatchObject({ code: 'ORCH_AUTH_INVALID_TOKEN' });
    await auth.updateUser('ann', { disabled: false });
    expect((await auth.authenticate(live.token)).user.name).toBe('ann');
  });

  it('refuses an expiry in the past', async () => {
    await auth.bootstrapAdmin();
    await expect(auth.createToken({ userName: 'admin', expiresAt: '2001-01-01T00:00:00Z' })).rejects.toMatchObject({ code: 'ORCH_TOKEN_INVALID' });
  });

  it('validates users and keeps the last admin', async () => {
    await auth.bootstrapAdmin();
    await expect(auth.createUser({ name: '../x', role: 'member' })).rejects.toMatchObject({ code: 'ORCH_USER_INVALID' });
    await expect(auth.createUser({ name: 'bob', role: 'root' as never })).rejects.toMatchObject({ code: 'ORCH_USER_INVALID' });
    await expect(auth.createUser({ name: 'bob', role: 'viewer', password: 'short' })).rejects.toMatchObject({ code: 'ORCH_USER_INVALID' });
    await auth.createUser({ name: 'bob', role: 'viewer' });
    await expect(auth.createUser({ name: 'bob', role: 'viewer' })).rejects.toMatchObject({ code: 'ORCH_USER_EXISTS', status: 409 });
    await expect(auth.updateUser('admin', { role: 'member' })).rejects.toMatchObject({ code: 'ORCH_USER_LAST_ADMIN' });
    await expect(auth.deleteUser('admin')).rejects.toMatchObject({ code: 'ORCH_USER_LAST_ADMIN' });
    await auth.updateUser('bob', { role: 'admin' });
    await auth.updateUser('admin', { role: 'member' });
    expect((await auth.getUser('admin')).role).toBe('member');
  });

  it('checks passwords with a salted slow hash', async () => {
    await auth.createUser({ name: 'carol', role: 'member', password: 'correct horse' });
    const row = await store.db.selectFrom('users').select('password_hash').where('name', '=', 'carol').executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^scrypt\$/);
    expect(row.password_hash).not.toContain('correct horse');
    expect((await auth.verifyCredentials('carol', 'correct horse')).name).toBe('carol');
    await expect(auth.verifyCredentials('carol', 'wrong horse')).rejects.toMatchObject({ code: 'ORCH_AUTH_BAD_CREDENTIALS' });
    await expect(auth.verifyCredentials('nobody', 'x')).rejects.toMatchObject({ code: 'ORCH_AUTH_BAD_CREDENTIALS' });
  });
});

describe('roles', () => {
  it('grants writes to members and admins only, user management to admins only', () => {
    expect(can('admin', 'users:manage')).toBe(true);
    expect(can('member', 'users:manage')).toBe(false);
    expect(can('member', 'datasets:write')).toBe(true);
    expect(can('viewer', 'datasets:write')).toBe(false);
    expect(can('labeler', 'datasets:write')).toBe(false);
    expect(can('viewer', 'datasets:read')).toBe(true);
  });
});
