/**
 * AWS-style access keys: an access key id and a secret a client signs requests with
 * (Signature Version 4), so boto3 and the AWS SDKs talk to Orchard unchanged. A key acts
 * as its user, with the user's role, as an API token does.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Nullable, StringEnum, Strict, Timestamp } from './common.contract.js';

/** IAM's two states: an inactive key is refused until enabled again. */
export const ACCESS_KEY_STATUSES = ['Active', 'Inactive'] as const;
export const AccessKeyStatus = StringEnum(ACCESS_KEY_STATUSES);
export type AccessKeyStatus = Static<typeof AccessKeyStatus>;

/** An access key id: 20 upper-case letters and digits, `AKOR` then 16 random ones. */
export const AccessKeyId = Type.String({ pattern: '^[A-Z0-9]{16,128}$' });

export const AccessKey = Type.Object({
  accessKeyId: Type.String(),
  description: Nullable(Type.String()),
  userName: Type.String(),
  status: AccessKeyStatus,
  createdAt: Timestamp,
  createdBy: Nullable(Type.String()),
  /** Updated at most once a minute per key. */
  lastUsedAt: Nullable(Timestamp),
});
export type AccessKey = Static<typeof AccessKey>;

/** `POST /access-keys`: for yourself, or (admins) for the user named. */
export const CreateAccessKeyRequest = Strict({
  user: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  description: Type.Optional(Type.String({ maxLength: 256 })),
});
export type CreateAccessKeyRequest = Static<typeof CreateAccessKeyRequest>;

/** `PATCH /access-keys/{id}`: `Inactive` refuses the key until it is `Active` again. */
export const UpdateAccessKeyRequest = Strict({ status: AccessKeyStatus });
export type UpdateAccessKeyRequest = Static<typeof UpdateAccessKeyRequest>;

/** A created key: `secretAccessKey` is answered only this once. */
export const CreatedAccessKey = Type.Intersect([AccessKey, Type.Object({ secretAccessKey: Type.String() })]);
export type CreatedAccessKey = Static<typeof CreatedAccessKey>;

/** `GET /access-keys`: your keys; an admin may name a user or ask for all. */
export const AccessKeyListQuery = Strict({ user: Type.Optional(Type.String()), all: Type.Optional(Type.Boolean()) });
export type AccessKeyListQuery = Static<typeof AccessKeyListQuery>;

export const AccessKeyParams = Type.Object({ accessKeyId: AccessKeyId });
export type AccessKeyParams = Static<typeof AccessKeyParams>;
