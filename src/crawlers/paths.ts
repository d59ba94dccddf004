import type { CrawlerFormat } from './types.js';

/** A Hive-style partition of a file: `dt=2024-01-01/region=eu/part.csv` → dt, region. */
export interface Partition {
  key: string;
  value: string;
}

/**
 * The Hive-style partitions of a path relative to the crawler's source: every folder
 * named `key=value` (the value URL-decoded, as Hive writes `%2F` and friends). A key
 * that repeats keeps its first value's position and its last value, as Hive does.
 */
export function hivePartitions(relativePath: string): Partition[] {
  const segments = relativePath.split('/').slice(0, -1);
  const partitions: Partition[] = [];
  for (const segment of segments) {
    const eq = segment.indexOf('=');
    if (eq <= 0) continue;
    const key = decode(segment.slice(0, eq));
    const value = decode(segment.slice(eq + 1));
    const existing = partitions.find((p) => p.key.toLowerCase() === key.toLowerCase());
    if (existing) existing.value = value;
    else partitions.push({ key, value });
  }
  return partitions;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

const EXTENSIONS: Record<string, CrawlerFormat> = {
  '.csv': 'csv',
  '.tsv': 'csv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.json': 'jsonl',
  '.parquet': 'parquet',
  '.pq': 'parquet',
};

/** The format a file's extension names, or undefined when it names none. */
export function formatOfPath(relativePath: string): CrawlerFormat | undefined {
  const base = relativePath.slice(relativePath.lastIndexOf('/') + 1).toLowerCase();
  const dot = base.lastIndexOf('.');
  return dot > 0 ? EXTENSIONS[base.slice(dot)] : undefined;
}

/**
 * Files a crawler passes over without a word, as Hadoop and Spark writers leave them:
 * names starting with `_` or `.` (`_SUCCESS`, `.crc` files) and anything inside such
 * a folder (`_temporary/`), except partition folders.
 */
export function isIgnoredPath(relativePath: string): boolean {
  return relativePath.split('/').some((segment) => segment.startsWith('.') || (segment.startsWith('_') && !segment.includes('=')));
}

/**
 * How to read a file, or why it cannot be read: the crawler's format when it has one
 * (a file whose extension names another format is rejected), else the extension's.
 */
export function readFormat(relativePath: string, crawlerFormat: CrawlerFormat | null): { format: CrawlerFormat } | { reason: string } {
  const byExtension = formatOfPath(relativePath);
  if (crawlerFormat) {
    if (byExtension && byExtension !== crawlerFormat) return { reason: `wrong format: the crawler reads ${crawlerFormat}, the file's extension says ${byExtension}` };
    return { format: crawlerFormat };
  }
  if (!byExtension) return { reason: 'unknown format: the file name does not end in .csv, .jsonl, .ndjson, .json or .parquet (give the crawler a --format to read it)' };
  return { format: byExtension };
}
