import fs from 'node:fs/promises';
import path from 'node:path';
import { OrchardError } from '../core/index.js';
import { optMlPathOf } from './paths.js';

/** What a walk records of each entry: enough to tell a file written or replaced. */
export interface EntryState {
  type: 'file' | 'dir' | 'link' | 'other';
  size: number;
  mtimeMs: number;
  ino: number;
}

/** Every entry under `root` (links not followed), by path relative to it. */
export async function snapshot(root: string): Promise<Map<string, EntryState>> {
  const out = new Map<string, EntryState>();
  const walk = async (dir: string) => {
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return [];
      throw err;
    });
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      const st = await fs.lstat(full).catch(() => null);
      if (!st) continue;
      const type = st.isSymbolicLink() ? 'link' : st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
      out.set(path.relative(root, full), { type, size: type === 'dir' ? 0 : st.size, mtimeMs: type === 'dir' ? 0 : st.mtimeMs, ino: st.ino });
      if (type === 'dir') await walk(full);
    }
  };
  await walk(root);
  return out;
}

const within = (rel: string, folder: string) => rel === folder || rel.startsWith(folder + path.sep);

/**
 * What changed under the stand-in between two walks, outside the output folders (given
 * relative to the stand-in; an output folder and the folders above it may be created or
 * touched). Each change is named by its `/opt/ml/...` path, at most `limit` of them.
 */
export function changesOutside(before: Map<string, EntryState>, after: Map<string, EntryState>, outputFolders: string[], allowed: string[], standIn: string, limit = 20): string[] {
  const exempt = (rel: string) => outputFolders.some((o) => within(rel, o)) || allowed.includes(rel) || outputFolders.some((o) => o.startsWith(rel + path.sep));
  const changes: string[] = [];
  const show = (rel: string, what: string) => changes.push(`${optMlPathOf(path.join(standIn, rel), standIn)} (${what})`);
  for (const [rel, now] of after) {
    if (exempt(rel)) continue;
    const was = before.get(rel);
    if (!was) show(rel, now.type === 'dir' ? 'new folder' : 'new file');
    else if (was.type !== now.type || (now.type !== 'dir' && (was.size !== now.size || was.mtimeMs !== now.mtimeMs || was.ino !== now.ino))) show(rel, 'changed');
  }
  for (const rel of before.keys()) if (!after.has(rel) && !exempt(rel)) show(rel, 'removed');
  changes.sort();
  return changes.length > limit ? [...changes.slice(0, limit), `… and ${changes.length - limit} more`] : changes;
}

/** The error of a script that wrote outside its output folders. */
export function outsideError(changes: string[]): OrchardError {
  return new OrchardError('ORCH_PROCESSING_OUTPUT_OUTSIDE', {
    message: `The script wrote outside its output folders: ${changes.join(', ')}. Write results only under the output folders (/opt/ml/processing/output/<name>); use the working folder or TMPDIR for scratch files`,
    details: { paths: changes },
  });
}

/**
 * The files of an output folder, relative paths with `/`, sorted. A link is refused (it
 * could point anywhere); with `skipHidden`, names starting with `.` or `_` (what Spark and
 * Hadoop writers leave beside their data: `_SUCCESS`, `.crc` files) are left out.
 */
export async function outputFiles(dir: string, output: string, skipHidden: boolean): Promise<string[]> {
  const files: string[] = [];
  const walk = async (sub: string) => {
    const entries = await fs.readdir(path.join(dir, sub), { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw err;
    });
    for (const entry of entries) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (skipHidden && (entry.name.startsWith('.') || entry.name.startsWith('_'))) continue;
      if (entry.isSymbolicLink()) {
        throw new OrchardError('ORCH_PROCESSING_OUTPUT_INVALID', { message: `Output '${output}': ${rel} is a link; write the file itself`, details: { output, file: rel } });
      }
      if (entry.isDirectory()) await walk(rel);
      else if (entry.isFile()) files.push(rel);
    }
  };
  await walk('');
  return files.sort();
}

/** A dataset output's format from its files' extensions; one format per output. */
export function datasetFormatOf(output: string, files: string[]): 'csv' | 'jsonl' | 'parquet' {
  const formats = new Set<string>();
  const unknown: string[] = [];
  for (const f of files) {
    const ext = path.extname(f).toLowerCase();
    if (ext === '.csv') formats.add('csv');
    else if (ext === '.jsonl' || ext === '.ndjson' || ext === '.json') formats.add('jsonl');
    else if (ext === '.parquet') formats.add('parquet');
    else unknown.push(f);
  }
  if (unknown.length) {
    throw new OrchardError('ORCH_PROCESSING_OUTPUT_INVALID', {
      message: `Output '${output}' becomes a dataset, so its files are .csv, .parquet or .jsonl; found ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ', …' : ''}`,
      details: { output, files: unknown.slice(0, 50) },
    });
  }
  if (formats.size > 1) {
    throw new OrchardError('ORCH_PROCESSING_OUTPUT_INVALID', { message: `Output '${output}' mixes ${[...formats].sort().join(' and ')} files; one dataset version has one format`, details: { output } });
  }
  const [format] = formats;
  return (format ?? 'csv') as 'csv' | 'jsonl' | 'parquet';
}
