import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { metadataTargets } from '../../test/support/metadata.js';
import type { MetadataStore } from '../storage/index.js';
import { AuthService } from './auth-service.js';
import { hashToken } from './secrets.js';
import { SessionService } from './session-service.js';

describe.each(metadataTargets)('SessionService on $name', (target) => {
  let store: MetadataStore;
  let cleanup: () => Promise<void>;
  let auth: AuthService;
  let sessions: SessionService;

  beforeEach(async () => {
    ({ store, cleanup } = await target.open());
    auth = new AuthService(store);
    sessions = new SessionService(store, { ttlMs: 60_000 });
    await auth.createUser({ name: 'ann', role: 'member', password: 'correct horse' });
  });
  afterEach(async () => cleanup());

  it('stores only the hash of the secret and resolves the secret to its user', async () => {
    const user = await auth.verifyCredentials('ann', 'correct horse');
    const started = await sessions.create(user);
    const rows = await store.db.selectFrom('sessions').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0].token_hash).toBe(hashToken(started.secret));
    expect(JSON.stringify(rows)).not.toContain(started.secret);
    const active = await sessions.authenticate(started.secret);
    expect(active.principal.user.name).toBe('ann');
    expect(active.principal.sessionId).toBe(rows[0].id);
    expect(active.csrfToken).toBe(started.csrfToken);
    expect(new Date(active.session.expiresAt).getTime() - new Date(active.session.createdAt).getTime()).toBe(60_000);
  });

  it('accepts only the CSRF token derived from the same secret', async () => {
    const a = await sessions.create(await auth.getUser('ann'));
    const b = await sessions.create(await auth.getUser('ann'));
    expect(a.csrfToken).not.toBe(b.csrfToken);
    expect(sessions.verifyCsrf(a.secret, a.csrfToken)).toBe(true);
    expect(sessions.verifyCsrf(a.secret, b.csrfToken)).toBe(false);
    expect(sessions.verifyCsrf(a.secret, undefined)).toBe(false);
    expect(sessions.verifyCsrf(a.secret, a.csrfToken.slice(1))).toBe(false);
  });

  it('refuses unknown, expired and signed-out sessions, and those of disabled users', async () => {
    await expect(sessions.authenticate('nope')).rejects.toMatchObject({ code: 'ORCH_AUTH_INVALID_SESSION', status: 401 });
    const expiring = await sessions.create(await auth.getUser('ann'));
    await store.db.updateTable('sessions').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where('id', '=', expiring.session.id).execute();
    await expect(sessions.authenticate(expiring.secret)).rejects.toMatchObject({ code: 'ORCH_AUTH_INVALID_SESSION' });
    const ended = await sessions.create(await auth.getUser('ann'));
    await sessions.end(ended.secret);
    await expect(sessions.authenticate(ended.secret)).rejects.toMatchObject({ code: 'ORCH_AUTH_INVALID_SESSION' });
    // An expired row is cleared when the next session starts.
    expect(await store.db.selectFrom('sessions').select('id').where('id', '=', expiring.session.id).executeTakeFirst()).toBeUndefined();
  });

  it('ends a user’s sessions on a new password, on disable and on delete', async () => {
    const first = await sessions.create(await auth.getUser('ann'));
    await auth.updateUser('ann', { password: 'battery staple' });
    await expect(sessions.authenticate(first.secret)).rejects.toMatchObject({ code: 'ORCH_AUTH_INVALID_SESSION' });
    const second = await sessions.create(await auth.getUser('ann'));
    await auth.updateUser('ann', { role: 'viewer' });
    expect((await sessions.authenticate(second.secret)).principal.user.role).toBe('viewer');
    await auth.updateUser('ann', { disabled: true });
    await expect(sessions.authenticate(second.secret)).rejects.toMatchObject({ code: 'ORCH_AUTH_INVALID_SESSION' });
    await auth.updateUser('ann', { disabled: false });
    const third = await sessions.create(await auth.getUser('ann'));
    await auth.createUser({ name: 'root', role: 'admin' });
    await auth.deleteUser('ann');
    await expect(sessions.authenticate(third.secret)).rejects.toMatchObject({ code: 'ORCH_AUTH_INVALID_SESSION' });
    expect(await store.db.selectFrom('sessions').selectAll().execute()).toHaveLength(0);
  });

  it('will not start a session for a disabled user', async () => {
    await auth.createUser({ name: 'root', role: 'admin' });
    const user = await auth.updateUser('ann', { disabled: true });
    await expect(sessions.create(user)).rejects.toMatchObject({ code: 'ORCH_AUTH_BAD_CREDENTIALS' });
  });
});
