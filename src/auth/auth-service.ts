import { OrchardError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { MetadataStore, UsersTable, TokensTable } from '../storage/index.js';
import { isRole, type Role } from './roles.js';
import { generateToken, hashPassword, hashToken, verifyPassword } from './secrets.js';

// User and TokenInfo are wire shapes: declared in the contracts.
export type { TokenInfo, User } from '../contracts/index.js';
import type { TokenInfo, User } from '../contracts/index.js';

/** The caller a request was authenticated as: by an API token or a studio session. */
export interface Principal {
  user: User;
  tokenId: string | null;
  sessionId?: string;
  /** Set when the request was signed with an access key (AWS Signature Version 4). */
  accessKeyId?: string;
}

export interface CreateUserInput {
  name: string;
  role: Role;
  password?: string;
}

export interface UpdateUserInput {
  role?: Role;
  password?: string;
  disabled?: boolean;
}

export interface CreateTokenInput {
  userName: string;
  name?: string;
  /** ISO time or undefined for a token that does not expire. */
  expiresAt?: string;
}

const USER_NAME = /^[a-z][a-z0-9._-]{0,63}$/;
const MIN_PASSWORD = 8;
const MIN_GIVEN_TOKEN = 16;
// Writing last_used_at on every request would turn every read into a write.
const LAST_USED_RESOLUTION_MS = 60_000;
/**
 * How long a verified token is trusted without reading the database again. Endpoint
 * invocations authenticate thousands of times a second; a revocation, a role change or
 * a user removal made through this service clears the cache at once, so the window only
 * matters for changes made to the database behind the server's back.
 */
const TOKEN_CACHE_MS = 5000;
const TOKEN_CACHE_MAX = 10_000;

export class AuthService {
  private readonly lastUsedWritten = new Map<string, number>();
  private readonly verified = new Map<string, { principal: Principal; until: number }>();
  /** Bumped by every change that can invalidate a verified token. */
  private generation = 0;

  constructor(private readonly metadata: MetadataStore) {}

  private get db() {
    return this.metadata.db;
  }

  /**
   * On a store with no users, creates the `admin` user and its first token (the given
   * one, or a generated one). Returns the token only when it was generated here.
   */
  async bootstrapAdmin(givenToken?: string): Promise<{ created: boolean; token?: string }> {
    const existing = await this.db.selectFrom('users').select('id').limit(1).executeTakeFirst();
    if (existing) return { created: false };
    if (givenToken !== undefined && givenToken.length < MIN_GIVEN_TOKEN) {
      throw new OrchardError('ORCH_CONFIG_INVALID', { message: `ORCHARD_TOKEN must be at least ${MIN_GIVEN_TOKEN} characters` });
    }
    const token = givenToken ?? generateToken();
    const now = new Date().toISOString();
    const userId = newId('usr');
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx.insertInto('users').values({ id: userId, name: 'admin', role: 'admin', password_hash: null, created_at: now, disabled_at: null }).execute();
        await trx
          .insertInto('tokens')
          .values({ id: newId('tok'), user_id: userId, name: 'bootstrap', token_hash: hashToken(token), created_at: now, expires_at: null, revoked_at: null, last_used_at: null })
          .execute();
      });
    } catch (err) {
      // Another server sharing this database bootstrapped first.
      if (this.metadata.isUniqueViolation(err)) return { created: false };
      throw err;
    }
    return givenToken === undefined ? { created: true, token } : { created: true };
  }

  /** The principal of a token verified in the last few seconds, without waiting (the hot path); else undefined. */
  recentlyVerified(token: string): Principal | undefined {
    const cached = this.verified.get(hashToken(token));
    return cached !== undefined && cached.until > Date.now() ? cached.principal : undefined;
  }

  /** Resolves a bearer token to its user; any failure is the same 401 to the caller. */
  async authenticate(token: string): Promise<Principal> {
    const hash = hashToken(token);
    const cached = this.verified.get(hash);
    if (cached !== undefined && cached.until > Date.now()) return cached.principal;
    const generation = this.generation;
    const row = await this.db
      .selectFrom('tokens')
      .innerJoin('users', 'users.id', 'tokens.user_id')
      .selectAll('users')
      .select(['tokens.id as token_id', 'tokens.expires_at', 'tokens.revoked_at'])
      .where('tokens.token_hash', '=', hash)
      .executeTakeFirst();
    const now = new Date();
    if (!row || row.revoked_at || row.disabled_at || (row.expires_at && new Date(row.expires_at) <= now)) {
      throw new OrchardError('ORCH_AUTH_INVALID_TOKEN');
    }
    await this.touch(row.token_id, now);
    const principal = { user: toUser(row), tokenId: row.token_id };
    // Not cached when a change landed while the row was being read (it may be stale).
    if (generation === this.generation) {
      if (this.verified.size >= TOKEN_CACHE_MAX) this.verified.clear();
      const expires = row.expires_at ? new Date(row.expires_at).getTime() : Infinity;
      this.verified.set(hash, { principal, until: Math.min(now.getTime() + TOKEN_CACHE_MS, expires) });
    }
    return principal;
  }

  /**
   * Bumped by every change to users or tokens made through this service: a cache of
   * principals kept elsewhere (access keys) compares it to know its users may be stale.
   */
  get changeCount(): number {
    return this.generation;
  }

  /** Forgets every verified token (after a change to users or tokens). */
  private invalidate(): void {
    this.generation++;
    this.verified.clear();
  }

  private async touch(tokenId: string, now: Date): Promise<void> {
    const last = this.lastUsedWritten.get(tokenId) ?? 0;
    if (now.getTime() - last < LAST_USED_RESOLUTION_MS) return;
    this.lastUsedWritten.set(tokenId, now.getTime());
    await this.db.updateTable('tokens').set({ last_used_at: now.toISOString() }).where('id', '=', tokenId).execute();
  }

  /** Checks a user name and password (for sign-in); disabled users are refused. */
  async verifyCredentials(name: string, password: string): Promise<User> {
    const row = await this.db.selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst();
    const ok = row?.password_hash && !row.disabled_at && (await verifyPassword(password, row.password_hash));
    if (!row || !ok) throw new OrchardError('ORCH_AUTH_BAD_CREDENTIALS');
    return toUser(row);
  }

  async listUsers(): Promise<User[]> {
    const rows = await this.db.selectFrom('users').selectAll().orderBy('name').execute();
    return rows.map(toUser);
  }

  async getUser(name: string): Promise<User> {
    return toUser(await this.userRow(name));
  }

  async createUser(input: CreateUserInput): Promise<User> {
    validateUserName(input.name);
    if (!isRole(input.role)) throw new OrchardError('ORCH_USER_INVALID', { message: `Unknown role '${String(input.role)}'` });
    const passwordHash = input.password !== undefined ? await hashPassword(checkPassword(input.password)) : null;
    const row: UsersTable = { id: newId('usr'), name: input.name, role: input.role, password_hash: passwordHash, created_at: new Date().toISOString(), disabled_at: null };
    try {
      await this.db.insertInto('users').values(row).execute();
    } catch (err) {
      if (this.metadata.isUniqueViolation(err)) throw new OrchardError('ORCH_USER_EXISTS', { message: `User '${input.name}' exists` });
      throw err;
    }
    return toUser(row);
  }

  async updateUser(name: string, input: UpdateUserInput): Promise<User> {
    const row = await this.userRow(name);
    if (input.role !== undefined && !isRole(input.role)) throw new OrchardError('ORCH_USER_INVALID', { message: `Unknown role '${String(input.role)}'` });
    const losesAdmin = row.role === 'admin' && !row.disabled_at && ((input.role !== undefined && input.role !== 'admin') || input.disabled === true);
    if (losesAdmin) await this.ensureAnotherAdmin(row.id);
    const changes: Partial<UsersTable> = {};
    if (input.role !== undefined) changes.role = input.role;
    if (input.password !== undefined) changes.password_hash = await hashPassword(checkPassword(input.password));
    if (input.disabled !== undefined) changes.disabled_at = input.disabled ? (row.disabled_at ?? new Date().toISOString()) : null;
    if (Object.keys(changes).length > 0) await this.db.updateTable('users').set(changes).where('id', '=', row.id).execute();
    // A new password or a disabled account ends the user's studio sessions.
    if (input.password !== undefined || input.disabled === true) await this.db.deleteFrom('sessions').where('user_id', '=', row.id).execute();
    this.invalidate();
    return this.getUser(name);
  }

  async deleteUser(name: string): Promise<void> {
    const row = await this.userRow(name);
    if (row.role === 'admin' && !row.disabled_at) await this.ensureAnotherAdmin(row.id);
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('tokens').where('user_id', '=', row.id).execute();
      await trx.deleteFrom('sessions').where('user_id', '=', row.id).execute();
      await trx.deleteFrom('users').where('id', '=', row.id).execute();
    });
    this.invalidate();
  }

  async createToken(input: CreateTokenInput): Promise<{ token: string; info: TokenInfo }> {
    const user = await this.userRow(input.userName);
    const name = input.name ?? 'token';
    if (!/^[\w .:@-]{1,64}$/.test(name)) throw new OrchardError('ORCH_TOKEN_INVALID', { message: 'Token names are 1-64 letters, digits, spaces and ._:@-' });
    let expiresAt: string | null = null;
    if (input.expiresAt !== undefined) {
      const when = new Date(input.expiresAt);
      if (Number.isNaN(when.getTime()) || when <= new Date()) throw new OrchardError('ORCH_TOKEN_INVALID', { message: 'expiresAt must be a time in the future' });
      expiresAt = when.toISOString();
    }
    const token = generateToken();
    const row: TokensTable = { id: newId('tok'), user_id: user.id, name, token_hash: hashToken(token), created_at: new Date().toISOString(), expires_at: expiresAt, revoked_at: null, last_used_at: null };
    await this.db.insertInto('tokens').values(row).execute();
    return { token, info: toTokenInfo(row, user.name) };
  }

  /** Tokens of one user, or of everyone when `userName` is undefined. */
  async listTokens(userName?: string): Promise<TokenInfo[]> {
    let q = this.db.selectFrom('tokens').innerJoin('users', 'users.id', 'tokens.user_id').selectAll('tokens').select('users.name as user_name');
    if (userName !== undefined) q = q.where('users.name', '=', userName);
    const rows = await q.orderBy('tokens.created_at').execute();
    return rows.map((r) => toTokenInfo(r, r.user_name));
  }

  async getToken(id: string): Promise<TokenInfo> {
    const row = await this.db.selectFrom('tokens').innerJoin('users', 'users.id', 'tokens.user_id').selectAll('tokens').select('users.name as user_name').where('tokens.id', '=', id).executeTakeFirst();
    if (!row) throw new OrchardError('ORCH_TOKEN_NOT_FOUND', { message: `No token '${id}'` });
    return toTokenInfo(row, row.user_name);
  }

  async revokeToken(id: string): Promise<TokenInfo> {
    const info = await this.getToken(id);
    if (!info.revokedAt) await this.db.updateTable('tokens').set({ revoked_at: new Date().toISOString() }).where('id', '=', id).execute();
    this.invalidate();
    return this.getToken(id);
  }

  private async userRow(name: string): Promise<UsersTable> {
    const row = await this.db.selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) throw new OrchardError('ORCH_USER_NOT_FOUND', { message: `No user '${name}'` });
    return row;
  }

  private async ensureAnotherAdmin(exceptId: string): Promise<void> {
    const other = await this.db.selectFrom('users').select('id').where('role', '=', 'admin').where('disabled_at', 'is', null).where('id', '!=', exceptId).limit(1).executeTakeFirst();
    if (!other) throw new OrchardError('ORCH_USER_LAST_ADMIN');
  }
}

function validateUserName(name: unknown): void {
  if (typeof name !== 'string' || !USER_NAME.test(name)) {
    throw new OrchardError('ORCH_USER_INVALID', { message: 'User names are 1-64 characters: lower-case letters, digits and ._- starting with a letter' });
  }
}

function checkPassword(password: string): string {
  if (typeof password !== 'string' || password.length < MIN_PASSWORD || password.length > 1024) {
    throw new OrchardError('ORCH_USER_INVALID', { message: `Passwords are ${MIN_PASSWORD} to 1024 characters` });
  }
  return password;
}

export function toUser(row: UsersTable): User {
  return { id: row.id, name: row.name, role: row.role as Role, hasPassword: row.password_hash !== null, createdAt: row.created_at, disabledAt: row.disabled_at };
}

function toTokenInfo(row: TokensTable, userName: string): TokenInfo {
  return { id: row.id, name: row.name, userId: row.user_id, userName, createdAt: row.created_at, expiresAt: row.expires_at, revokedAt: row.revoked_at, lastUsedAt: row.last_used_at };
}
