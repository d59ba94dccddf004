/** Objects in the artifact store, as the API lists them. */
import { Type, type Static } from '@sinclair/typebox';
import { Strict, Timestamp } from './common.contract.js';

export const ArtifactInfo = Type.Object({
  /** The validated, normalised key. */
  key: Type.String(),
  size: Type.Integer(),
  /** Hex sha256 of the content, recorded on write. */
  sha256: Type.String(),
  /** ISO-8601 time of the write. */
  createdAt: Timestamp,
});
export type ArtifactInfo = Static<typeof ArtifactInfo>;

/** `GET /artifacts` filter. */
export const ArtifactListQuery = Strict({ prefix: Type.Optional(Type.String({ maxLength: 1024 })) });
export type ArtifactListQuery = Static<typeof ArtifactListQuery>;
