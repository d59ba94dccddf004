export type { ArtifactStore, ArtifactInfo, PutOptions, GetOptions } from './artifact-store.js';
export { normalizeKey, normalizePrefix } from './keys.js';
export { openMetadataStore } from './metadata/metadata-store.js';
export type { MetadataStore, Dialect } from './metadata/metadata-store.js';
export type { Database, UsersTable, TokensTable, DatasetsTable } from './metadata/schema.js';
