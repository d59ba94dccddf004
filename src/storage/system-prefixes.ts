import { OrchardError } from '../core/errors.js';
import { normalizeKey } from './keys.js';

/**
 * Top-level folders the platform writes itself (dataset versions, job outputs). Users read them but never write or delete there through the artifacts API:
 * their integrity is what the metadata rows point at.
 */
export const SYSTEM_PREFIXES: readonly string[] = ['datasets', 'jobs', 'models', 'transforms', 'endpoints', 'recipes', 'crawlers', 'forecast', 's3-uploads', 'monitor', 'automl', 'reviews'];

/** Normalises a key a user wants to write or delete, refusing system folders. */
export function userWritableKey(raw: string): string {
  const key = normalizeKey(raw);
  const top = key.split('/')[0];
  if (SYSTEM_PREFIXES.includes(top)) {
    throw new OrchardError('ORCH_ARTIFACT_INVALID_KEY', {
      message: `'${top}/' is written by the platform only; choose another folder`,
      details: { key },
    });
  }
  return key;
}
