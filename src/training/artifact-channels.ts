/**
 * Channels of objects rather than rows, for the built-ins that read images: a channel
 * given as `artifacts:<prefix>` is every object stored under that prefix, copied into the
 * channel folder at its path below the prefix (SageMaker's `S3Prefix` channel: class
 * folders, a `.lst` file and its images); and an augmented manifest dataset (JSON Lines
 * with `source-ref` keys, as a labeling job writes it) given to such an algorithm brings
 * the objects its lines name, at their keys below the channel folder.
 */
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { OrchardError } from '../core/index.js';
import type { ArtifactStore } from '../storage/index.js';

export const ARTIFACT_CHANNEL = 'artifacts:';

/** The content type an artifact channel is handed to the algorithm with. */
export const ARTIFACT_CHANNEL_TYPE = 'application/x-image';

/** At most this many objects are copied into one channel. */
const MAX_OBJECTS = 1_000_000;

export function isArtifactChannel(ref: string): boolean {
  return ref.startsWith(ARTIFACT_CHANNEL);
}

/** The prefix of `artifacts:<prefix>`, checked to hold objects (create time). */
export async function checkArtifactChannel(artifacts: ArtifactStore, channel: string, ref: string): Promise<string> {
  const prefix = ref.slice(ARTIFACT_CHANNEL.length);
  const listed = prefix === '' || prefix.split('/').includes('..') ? [] : await artifacts.list(prefix);
  if (listed.length === 0) {
    throw new OrchardError('ORCH_TRAINING_DATA_INVALID', { message: `Channel '${channel}': no stored objects under ${JSON.stringify(prefix)}`, details: { field: `channels.${channel}`, channel } });
  }
  return prefix;
}

async function copy(artifacts: ArtifactStore, key: string, file: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await pipeline(await artifacts.get(key), createWriteStream(file));
}

/** Copies every object under `prefix` into `dir`, at its path below the prefix. */
export async function downloadArtifactPrefix(artifacts: ArtifactStore, prefix: string, dir: string): Promise<void> {
  const listed = await artifacts.list(prefix);
  if (listed.length > MAX_OBJECTS) throw new OrchardError('ORCH_TRAINING_DATA_INVALID', { message: `${listed.length} objects under ${JSON.stringify(prefix)}; a channel holds at most ${MAX_OBJECTS}` });
  // A prefix that ends inside a name ("img/tr") keeps the rest of the name's folder.
  const cut = prefix.endsWith('/') ? prefix.length : prefix.lastIndexOf('/') + 1;
  await fs.mkdir(dir, { recursive: true });
  for (const o of listed) await copy(artifacts, o.key, path.join(dir, o.key.slice(cut)));
}

/**
 * Copies the objects a manifest's lines name in `source-ref` (a key, or `s3://bucket/key`)
 * to `<dir>/<key>`; a line that names none is left for the algorithm to report.
 */
export async function downloadManifestObjects(artifacts: ArtifactStore, manifest: string, dir: string, attribute = 'source-ref'): Promise<void> {
  const keys = new Set<string>();
  for (const line of (await fs.readFile(manifest, 'utf8')).split('\n')) {
    if (line.trim() === '') continue;
    let ref: unknown;
    try {
      ref = (JSON.parse(line) as Record<string, unknown>)?.[attribute];
    } catch {
      continue;
    }
    if (typeof ref !== 'string') continue;
    const s3 = /^s3:\/\/[^/]+\/(.+)$/.exec(ref);
    keys.add((s3 ? s3[1] : ref).replace(/^\/+/, ''));
  }
  for (const key of keys) {
    if (!(await artifacts.head(key).catch(() => null))) continue;
    await copy(artifacts, key, path.join(dir, key));
  }
}
