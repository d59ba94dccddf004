import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { OrchardError } from '../core/index.js';
import { normalizeKey, normalizePrefix, type ArtifactInfo, type ArtifactStore, type PutOptions } from '../storage/index.js';

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
    const data = typeof body === 'string' ? Buffer.from(body) : Buffer.isBuffer(body) ? body : await drain(body);
    if (this.faults.failPut?.test(normalized)) {
      throw new OrchardError('ORCH_ARTIFACT_WRITE_FAILED', { message: 'Injected write failure' });
    }
    const sha256 = createHash('sha256').update(data).digest('hex');
    if (options.expectedSize !== undefined && options.expectedSize !== data.length) {
      throw new OrchardError('ORCH_ARTIFACT_WRITE_FAILED', { message: 'Size mismatch' });
    }
    if (options.expectedSha256 !== undefined && options.expectedSha256 !== sha256) {
      throw new OrchardError('ORCH_ARTIFACT_CHECKSUM_MISMATCH');
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

  async head(key: string): Promise<ArtifactInfo | undefined> {
    return this.objects.get(normalizeKey(key))?.info;
  }

  async list(prefix?: string): Promise<ArtifactInfo[]> {
    const p = normalizePrefix(prefix);
    return [...this.objects.values()]
      .map((o) => o.info)
      .filter((info) => !p || info.key === p || info.key.startsWith(`${p}/`))
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

async function drain(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}
