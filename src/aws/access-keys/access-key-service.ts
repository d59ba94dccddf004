import { randomBytes } from 'node:crypto';
import type { AuthService, Principal } from '../../auth/index.js';
import { toUser } from '../../auth/index.js';
import type { AccessKey, AccessKeyStatus, CreatedAccessKey } from '../../contracts/index.js';
import { OrchardError, isOrchardError } from '../../core/index.js';
import type { MetadataStore } from '../../storage/index.js';
import type { SecretBox } from '../../webhooks/index.js';
import { AccessKeyStore, type AccessKeyRow } from './access-key-store.js';

/** Key ids start with this (AWS's own start `AKIA`); 4 + 16 characters make IAM's 20. */
export const ACCESS_KEY_PREFIX = 'AKOR';
const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
// Writing last_used_at on every request would turn every signed read into a write.
const LAST_USED_RESOLUTION_MS = 60_000;
/**
 * How long a resolved key (its secret and user) is trusted without reading the database
 * again: invocations verify thousands of signatures a second. Changes made through this
 * service or the AuthService (a role change, a disabled user) clear it at once; a change
 * made by another server on the same database is seen within this time.
 */
export const ACCESS_KEY_CACHE_MS = 5000;
/**
 * In a cached key's last second, the first request that uses it reads the key again in the
 * background while requests go on with the cached one: a key in steady use is never
 * waited for, and is read once per cache period whatever the request rate.
 */
const REFRESH_AHEAD_MS = 1000;
const CACHE_MAX = 10_000;

export interface AccessKeyDeps {
  metadata: MetadataStore;
  auth: AuthService;
  /** The platform key's box, loaded on first use (`lazySecretBox`). */
  secrets: () => Promise<SecretBox>;
  /** The clock, in epoch ms. @default Date.now */
  now?: () => number;
}

export interface CreateAccessKeyInput {
  userName: string;
  description?: string;
  createdBy?: string;
}

/** What a signature is checked against: the key's secret and whom it acts as. */
export interface ResolvedAccessKey {
  accessKeyId: string;
  secretAccessKey: string;
  principal: Principal;
}

interface CachedKey {
  key: ResolvedAccessKey;
  until: number;
  /** The AuthService's change count when the key was read. */
  authChanges: number;
  /** A background read of the key has started. */
  refreshing: boolean;
}

/** Access keys: created with a secret shown once, listed, enabled, disabled, deleted, resolved for SigV4. */
export class AccessKeyService {
  private readonly store: AccessKeyStore;
  private readonly resolved = new Map<string, CachedKey>();
  /** Reads under way, by key id: concurrent misses share one. */
  private readonly loading = new Map<string, Promise<ResolvedAccessKey>>();
  private readonly lastUsedWritten = new Map<string, number>();
  private generation = 0;
  private readonly now: () => number;

  constructor(private readonly deps: AccessKeyDeps) {
    this.store = new AccessKeyStore(deps.metadata);
    this.now = deps.now ?? Date.now;
  }

  async create(input: CreateAccessKeyInput): Promise<CreatedAccessKey> {
    const user = await this.deps.auth.getUser(input.userName);
    if (input.description !== undefined && (typeof input.description !== 'string' || input.description.length > 256)) {
      throw new OrchardError('ORCH_ACCESS_KEY_INVALID', { message: 'A description is at most 256 characters' });
    }
    const box = await this.deps.secrets();
    const accessKeyId = generateAccessKeyId();
    // 30 random bytes are 40 base64 characters, the length and alphabet of AWS's secrets.
    const secretAccessKey = randomBytes(30).toString('base64');
    const now = new Date().toISOString();
    await this.store.insert({
      access_key_id: accessKeyId,
      user_id: user.id,
      description: input.description ?? null,
      secret_sealed: box.seal(secretAccessKey, accessKeyId),
      status: 'Active',
      created_by: input.createdBy ?? null,
      created_at: now,
      updated_at: now,
      last_used_at: null,
    });
    return { ...(await this.get(accessKeyId)), secretAccessKey };
  }

  /** Keys of one user, or of everyone when `userName` is undefined. */
  async list(userName?: string): Promise<AccessKey[]> {
    const userId = userName === undefined ? undefined : (await this.deps.auth.getUser(userName)).id;
    return (await this.store.list(userId)).map(toAccessKey);
  }

  async get(accessKeyId: string): Promise<AccessKey> {
    return toAccessKey(await this.row(accessKeyId));
  }

  async setStatus(accessKeyId: string, status: AccessKeyStatus): Promise<AccessKey> {
    if (status !== 'Active' && status !== 'Inactive') throw new OrchardError('ORCH_ACCESS_KEY_INVALID', { message: `Unknown status '${String(status)}': Active or Inactive` });
    await this.row(accessKeyId);
    await this.store.setStatus(accessKeyId, status, new Date().toISOString());
    this.invalidate();
    return this.get(accessKeyId);
  }

  async delete(accessKeyId: string): Promise<void> {
    if (!(await this.store.delete(accessKeyId))) throw notFound(accessKeyId);
    this.invalidate();
  }

  /**
   * The secret and principal of an active key of an enabled user (the hot path: cached a
   * few seconds). Unknown ids are `ORCH_SIGV4_UNKNOWN_KEY`; inactive keys and disabled
   * users `ORCH_SIGV4_KEY_INACTIVE`.
   */
  async resolve(accessKeyId: string): Promise<ResolvedAccessKey> {
    const cached = this.resolveCached(accessKeyId);
    if (cached !== undefined) return cached;
    return this.load(accessKeyId);
  }

  /** The key as `resolve` cached it, while that is still good; undefined otherwise. */
  resolveCached(accessKeyId: string, now = this.now()): ResolvedAccessKey | undefined {
    const cached = this.resolved.get(accessKeyId);
    if (cached === undefined || cached.until <= now || cached.authChanges !== this.deps.auth.changeCount) return undefined;
    if (!cached.refreshing && now >= cached.until - REFRESH_AHEAD_MS) {
      cached.refreshing = true;
      // A key disabled or deleted meanwhile (by another server) is dropped: the next request reads it and is refused.
      this.load(accessKeyId).catch(() => {
        if (this.resolved.get(accessKeyId) === cached) this.resolved.delete(accessKeyId);
      });
    }
    return cached.key;
  }

  /** One database read per key at a time; what it finds is cached unless a change happened meanwhile. */
  private load(accessKeyId: string): Promise<ResolvedAccessKey> {
    let pending = this.loading.get(accessKeyId);
    if (pending === undefined) {
      const read: Promise<ResolvedAccessKey> = this.read(accessKeyId).finally(() => {
        if (this.loading.get(accessKeyId) === read) this.loading.delete(accessKeyId);
      });
      pending = read;
      this.loading.set(accessKeyId, read);
    }
    return pending;
  }

  private async read(accessKeyId: string): Promise<ResolvedAccessKey> {
    const now = this.now();
    const generation = this.generation;
    const authChanges = this.deps.auth.changeCount;
    const row = await this.store.get(accessKeyId);
    if (!row) throw new OrchardError('ORCH_SIGV4_UNKNOWN_KEY', { message: 'The security token included in the request is invalid' });
    if (row.status !== 'Active') throw new OrchardError('ORCH_SIGV4_KEY_INACTIVE', { message: `The access key ${accessKeyId} is inactive` });
    if (row.user.disabled_at) throw new OrchardError('ORCH_SIGV4_KEY_INACTIVE', { message: `The user of access key ${accessKeyId} is disabled` });
    const box = await this.deps.secrets();
    let secretAccessKey: string;
    try {
      secretAccessKey = box.open(row.secret_sealed, accessKeyId);
    } catch (err) {
      const message = isOrchardError(err) ? err.message.replace('webhook secret', 'access key secret') : undefined;
      throw new OrchardError('ORCH_ACCESS_KEY_SECRET_UNREADABLE', { message, cause: err });
    }
    const key: ResolvedAccessKey = { accessKeyId, secretAccessKey, principal: { user: toUser(row.user), tokenId: null, accessKeyId } };
    if (generation === this.generation && authChanges === this.deps.auth.changeCount) {
      if (this.resolved.size >= CACHE_MAX) this.resolved.clear();
      this.resolved.set(accessKeyId, { key, until: now + ACCESS_KEY_CACHE_MS, authChanges, refreshing: false });
    }
    return key;
  }

  /** Records a verified use, at most once a minute per key and server (undefined when not due). */
  touch(accessKeyId: string): Promise<void> | undefined {
    const now = this.now();
    const last = this.lastUsedWritten.get(accessKeyId) ?? 0;
    if (now - last < LAST_USED_RESOLUTION_MS) return undefined;
    if (this.lastUsedWritten.size >= CACHE_MAX) this.lastUsedWritten.clear();
    this.lastUsedWritten.set(accessKeyId, now);
    return this.store.touch(accessKeyId, new Date(now).toISOString());
  }

  private invalidate(): void {
    this.generation++;
    this.resolved.clear();
    // A read under way may have seen the key before the change: later requests read again.
    this.loading.clear();
  }

  private async row(accessKeyId: string): Promise<AccessKeyRow> {
    const row = await this.store.get(accessKeyId);
    if (!row) throw notFound(accessKeyId);
    return row;
  }
}

/** `AKOR` and 16 characters of RFC 4648's base32 alphabet (80 random bits). */
export function generateAccessKeyId(): string {
  const bytes = randomBytes(16);
  let id = ACCESS_KEY_PREFIX;
  // 32 divides 256, so `byte % 32` is uniform.
  for (const b of bytes) id += ID_ALPHABET[b % 32];
  return id;
}

function notFound(accessKeyId: string): OrchardError {
  return new OrchardError('ORCH_ACCESS_KEY_NOT_FOUND', { message: `No access key '${accessKeyId}'` });
}

function toAccessKey(row: AccessKeyRow): AccessKey {
  return {
    accessKeyId: row.access_key_id,
    description: row.description,
    userName: row.user.name,
    status: row.status as AccessKeyStatus,
    createdAt: row.created_at,
    createdBy: row.created_by,
    lastUsedAt: row.last_used_at,
  };
}
