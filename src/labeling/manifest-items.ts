/**
 * A labeling job's input manifest, checked line by line before anything is stored: each
 * line an object with `source` (text) or `source-ref` (an image's key, which must exist and
 * be a PNG or JPEG, whose size is read from its header).
 */
import type { Readable } from 'node:stream';
import type { RequestProblem } from '../core/index.js';
import type { ArtifactStore } from '../storage/index.js';
import { HEADER_BYTES, readImageHeader } from './image-header.js';

/** Problems listed per field at most. */
export const MAX_LISTED = 20;

/** An item of the input manifest, checked: its line, and an image's size. */
export interface CheckedItem {
  source: Record<string, unknown>;
  width: number | null;
  height: number | null;
}

/** Each line must be an object with `source` (text) or `source-ref` (an image's key, which must exist and be a PNG or JPEG). */
export async function checkItems(artifacts: ArtifactStore, lines: unknown[], image: boolean, field: string, out: CheckedItem[], problems: RequestProblem[]): Promise<void> {
  const key = image ? 'source-ref' : 'source';
  let listed = 0;
  const add = (at: string, message: string, code: RequestProblem['code']) => {
    if (listed++ < MAX_LISTED) problems.push({ field: at, code, message: `${at}: ${message}` });
  };
  for (let i = 0; i < lines.length; i++) {
    const at = `${field}[${i}]`;
    const line = lines[i];
    if (line === null || typeof line !== 'object' || Array.isArray(line)) {
      add(at, 'must be a JSON object', 'ORCH_LABELING_INVALID');
      continue;
    }
    const source = line as Record<string, unknown>;
    const value = source[key];
    if (typeof value !== 'string' || value.length === 0) {
      add(at, `must have "${key}" (a non-empty string)${image ? ': the image’s key in the artifact store' : ': the text to label'}`, 'ORCH_LABELING_INVALID');
      continue;
    }
    if (!image) {
      out.push({ source, width: null, height: null });
      continue;
    }
    const objectKey = keyOf(artifacts, value);
    const info = await artifacts.head(objectKey);
    if (!info) {
      add(`${at}.source-ref`, `no stored object '${value.slice(0, 200)}'`, 'ORCH_LABELING_SOURCE_MISSING');
      continue;
    }
    const header = readImageHeader(await readPrefix(await artifacts.get(objectKey), HEADER_BYTES));
    if ('problem' in header) {
      add(`${at}.source-ref`, `'${value.slice(0, 200)}' is ${header.problem}`, 'ORCH_LABELING_IMAGE_INVALID');
      continue;
    }
    out.push({ source, width: header.width, height: header.height });
  }
}

/** An artifact key from a stored location: the store's own URL prefix (or an `s3://bucket/` one) removed. */
export function keyOf(artifacts: ArtifactStore, ref: string): string {
  if (ref.startsWith(`${artifacts.url}/`)) return ref.slice(artifacts.url.length + 1);
  return ref.replace(/^\/+/, '');
}

async function readPrefix(stream: Readable, bytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of stream) {
    chunks.push(chunk as Buffer);
    n += (chunk as Buffer).length;
    if (n >= bytes) break;
  }
  stream.destroy();
  return Buffer.concat(chunks).subarray(0, bytes);
}

/** The manifest's lines parsed (blank lines skipped); a line that is not JSON stays as its text, reported by the check. */
export async function readLines(stream: Readable): Promise<unknown[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => {
      try {
        return JSON.parse(l) as unknown;
      } catch {
        return l;
      }
    });
}
