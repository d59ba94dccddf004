import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ArtifactStore } from '../storage/index.js';

/**
 * Local copies of dataset Parquet files (`<workDir>/cache/datasets/<id>.parquet`),
 * for DuckDB queries, trainers and batch jobs. A version is immutable, so a copy
 * never goes stale; it is fetched with the store's checksum verification on and
 * written under a temporary name then renamed, so a reader never sees half a file
 * and a failed download leaves nothing behind.
 */
export class ParquetCache {
  private readonly inflight = new Map<string, Promise<string>>();

  constructor(
    private readonly dir: string,
    private readonly artifacts: ArtifactStore,
  ) {}

  pathFor(id: string): string {
    return path.join(this.dir, `${id}.parquet`);
  }

  /** The local path of version `id`'s Parquet copy, downloading `key` if needed. */
  async get(id: string, key: string): Promise<string> {
    const target = this.pathFor(id);
    if (await exists(target)) return target;
    // Concurrent queries over the same version share one download.
    let download = this.inflight.get(id);
    if (!download) {
      download = this.download(key, target).finally(() => this.inflight.delete(id));
      this.inflight.set(id, download);
    }
    return download;
  }

  /** Drops the local copy (after a purge). */
  async evict(id: string): Promise<void> {
    await rm(this.pathFor(id), { force: true });
  }

  private async download(key: string, target: string): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    const temp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      const body = await this.artifacts.get(key, { verify: true });
      await pipeline(body, createWriteStream(temp, { flags: 'wx' }));
      await rename(temp, target);
      return target;
    } finally {
      await rm(temp, { force: true });
    }
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
