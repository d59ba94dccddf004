/** Users, API tokens, roles and the permissions each role holds. */
import { Type, type Static } from '@sinclair/typebox';
import { PERMISSIONS, ROLES } from './values.js';
import { Nullable, StringEnum, Strict, Timestamp } from './common.contract.js';

export const Role = StringEnum(ROLES);
export type Role = Static<typeof Role>;

export const Permission = StringEnum(PERMISSIONS);
export type Permission = Static<typeof Permission>;

export const User = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: Role,
  hasPassword: Type.Boolean(),
  createdAt: Timestamp,
  disabledAt: Nullable(Timestamp),
});
export type User = Static<typeof User>;

export const TokenInfo = Type.Object({
  id: Type.String(),
  name: Type.String(),
  userId: Type.String(),
  userName: Type.String(),
  createdAt: Timestamp,
  expiresAt: Nullable(Timestamp),
  revokedAt: Nullable(Timestamp),
  lastUsedAt: Nullable(Timestamp),
});
export type TokenInfo = Static<typeof TokenInfo>;

export const UserName = Type.String({ minLength: 1, maxLength: 64 });

/** `POST /users`. */
export const CreateUserRequest = Strict({ name: UserName, role: Role, password: Type.Optional(Type.String()) });
export type CreateUserRequest = Static<typeof CreateUserRequest>;

/** `PATCH /users/{name}`: fields left out keep their values. */
export const UpdateUserRequest = Strict({ role: Type.Optional(Role), password: Type.Optional(Type.String()), disabled: Type.Optional(Type.Boolean()) });
export type UpdateUserRequest = Static<typeof UpdateUserRequest>;

/** `GET /tokens`: your tokens; an admin may name a user or ask for all. */
export const TokenListQuery = Strict({ user: Type.Optional(Type.String()), all: Type.Optional(Type.Boolean()) });
export type TokenListQuery = Static<typeof TokenListQuery>;

/** `POST /tokens`: `expiresAt` or `expiresInDays`, not both. */
export const CreateTokenRequest = Strict({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  user: Type.Optional(Type.String()),
  expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
  expiresInDays: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 3650 })),
});
export type CreateTokenRequest = Static<typeof CreateTokenRequest>;

/** A created token: `token` (the secret) is answered only this once. */
export type CreatedToken = TokenInfo & { token: string };
