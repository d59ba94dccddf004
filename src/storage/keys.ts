import { OrchardError } from '../core/errors.js';

/** Keys under this prefix hold the store's own records and are not addressable. */
export const RESERVED_PREFIX = '.orchard';
const MAX_KEY_LENGTH = 1024;

function invalid(key: string, why: string): OrchardError {
  return new OrchardError('ORCH_ARTIFACT_INVALID_KEY', {
    message: `Invalid artifact key: ${why}`,
    details: { key: key.slice(0, 200) },
  });
}

/**
 * Validates and normalises an artifact key: percent-decoded exactly once, then
 * refused if it holds NUL, a backslash, an absolute path, a `..` segment, or a
 * reserved segment; empty and `.` segments are dropped. The result never leaves the
 * store root when joined to it.
 */
export function normalizeKey(raw: string, options: { allowEmpty?: boolean } = {}): string {
  if (typeof raw !== 'string') throw invalid(String(raw), 'not a string');
  let key: string;
  try {
    key = decodeURIComponent(raw);
  } catch {
    throw invalid(raw, 'bad percent-encoding');
  }
  if (key.includes('\0')) throw invalid(raw, 'NUL byte');
  if (key.includes('\\')) throw invalid(raw, 'backslash');
  if (key.startsWith('/')) throw invalid(raw, 'absolute path');
  if (/^[a-zA-Z]:/.test(key)) throw invalid(raw, 'absolute path');
  const parts: string[] = [];
  for (const segment of key.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') throw invalid(raw, "'..' segment");
    // Case-folded: on case-insensitive file systems (macOS, Windows) `.Orchard` is the
    // same folder as `.orchard`, and a key there could overwrite the store's records.
    if (segment.toLowerCase() === RESERVED_PREFIX) throw invalid(raw, 'reserved name');
    if (segment.includes('%') && /%[0-9a-fA-F]{2}/.test(segment)) {
      // Decoding happens once; a key that still decodes is double-encoded.
      throw invalid(raw, 'double percent-encoding');
    }
    parts.push(segment);
  }
  const normalized = parts.join('/');
  if (!normalized && !options.allowEmpty) throw invalid(raw, 'empty key');
  if (normalized.length > MAX_KEY_LENGTH) throw invalid(raw, 'too long');
  return normalized;
}

/** A prefix for `list`/`deletePrefix`: normalised, empty allowed, ends without `/`. */
export function normalizePrefix(raw: string | undefined): string {
  return raw ? normalizeKey(raw, { allowEmpty: true }) : '';
}
