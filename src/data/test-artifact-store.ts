import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { OrchardError } from '../core/index.js';
import { normalizeKey, normalizePrefix, type ArtifactInfo, type ArtifactStore, type CopyOptions, type PutOptions } from '../storage/index.js';

/** Knobs a test turns to make the store misbehave. */
export interface MemoryArtifactStoreFaults {
  /** `put` of a key matching this fails after reading the body. */
  failPut?: RegExp;
}

/**
 * Test helper: an in-memory {@link ArtifactStore} with the same key validation and
 * write checks (expected size and sha256) as the real stores. Not for production.
 */
export class MemoryArtifactStore implements ArtifactStore {
  readonly url = 'memory://artifacts';
  readonly faults: MemoryArtifactStoreFaults = {};
  private readonly objects = new Map<string, { data: Buffer; info: ArtifactInfo }>();

  async put(key: string, body: Readable | Buffer | string, options: PutOptions = {}): Promise<ArtifactInfo> {
    const normalized = normalizeKey(key);
    const data = typeof body === 'string' ? Buffer.from(body) : Buffer.isBuffer(body) ? body : await drain(normalized, body);
    if (this.faults.failPut?.test(normalized)) {
      throw new OrchardError('ORCH_ARTIFACT_WRITE_FAILED', { message: 'Injected write failure' });
    }
    const sha256 = createHash('sha256').update(data).digest('hex');
    // The same code and wording as the real stores, which the artifact-store contract checks.
    if (options.expectedSize !== undefined && options.expectedSize !== data.length) {
      throw writeFailed(normalized, `the body has ${data.length} bytes, expectedSize is ${options.expectedSize}`);
    }
    if (options.expectedSha256 !== undefined && options.expectedSha256.toLowerCase() !== sha256) {
      throw writeFailed(normalized, `the body's sha256 ${sha256} differs from expectedSha256 ${options.expectedSha256.toLowerCase()}`);
    }
    const info = { key: normalized, size: data.length, sha256, createdAt: new Date().toISOString() };
    this.objects.set(normalized, { data, info });
    return info;
  }

  async get(key: string): Promise<Readable> {
    const object = this.objects.get(normalizeKey(key));
    if (!object) throw new OrchardError('ORCH_ARTIFACT_NOT_FOUND');
    return Readable.from([object.data]);
  }

  async copy(fromKey: string, toKey: string, options: CopyOptions = {}): Promise<ArtifactInfo> {
    const from = normalizeKey(fromKey);
    const object = this.objects.get(from);
    if (!object) throw new OrchardError('ORCH_ARTIFACT_NOT_FOUND');
    if (options.expectedSha256 !== undefined && options.expectedSha256 !== object.info.sha256) throw new OrchardError('ORCH_ARTIFACT_CHECKSUM_MISMATCH', { message: `Artifact '${from}' changed before it could be copied` });
    const to = normalizeKey(toKey);
    if (to === from) return object.info;
    const info = { ...object.info, key: to, createdAt: new Date().toISOString() };
    this.objects.set(to, { data: object.data, info });
    return info;
  }

  async head(key: string): Promise<ArtifactInfo | undefined> {
    return this.objects.get(normalizeKey(key))?.info;
  }

  async list(prefix?: string): Promise<ArtifactInfo[]> {
    const p = normalizePrefix(prefix);
    return [...this.objects.values()]
      .map((o) => o.info)
      // A prefix names a folder: an object of that very key is not under it.
      .filter((info) => !p || info.key.startsWith(`${p}/`))
      .sort((a, b) => a.key.localeCompare(b.key));
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(normalizeKey(key));
  }

  async deletePrefix(prefix: string): Promise<void> {
    for (const info of await this.list(prefix)) this.objects.delete(info.key);
  }

  async close(): Promise<void> {}
}

async function drain(key: string, stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  } catch (err) {
    throw writeFailed(key, (err as Error).message, err);
  }
  return Buffer.concat(chunks);
}

function writeFailed(key: string, why: string, cause?: unknown): OrchardError {
  return new OrchardError('ORCH_ARTIFACT_WRITE_FAILED', { message: `Writing artifact '${key}' failed: ${why}`, cause, details: { key } });
}
