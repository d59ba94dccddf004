import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ArtifactStore } from '../storage/index.js';

/**
 * Managed-spot style checkpoints: the attempt's `checkpoints/` folder is copied to the
 * artifact store while it runs and restored into the next attempt's folder, so a retry
 * after a lost worker resumes instead of starting over.
 */
export class CheckpointSync {
  private readonly synced = new Map<string, string>();
  private syncing: Promise<void> = Promise.resolve();

  constructor(
    private readonly artifacts: ArtifactStore,
    private readonly prefix: string,
  ) {}

  /** Copies the stored checkpoints into `dir`; returns how many files. */
  async restore(dir: string): Promise<number> {
    const stored = await this.artifacts.list(this.prefix);
    for (const info of stored) {
      const rel = info.key.slice(this.prefix.length + 1);
      const target = path.join(dir, rel);
      await fs.mkdir(path.dirname(target), { recursive: true });
      await pipeline(await this.artifacts.get(info.key), createWriteStream(target));
      this.synced.set(rel, `${info.size}`);
    }
    return stored.length;
  }

  /** Uploads files that are new or changed since the last sync (one sync at a time). */
  sync(dir: string): Promise<void> {
    this.syncing = this.syncing.then(() => this.upload(dir)).catch(() => undefined);
    return this.syncing;
  }

  private async upload(dir: string): Promise<void> {
    const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const file = path.join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name);
      const rel = path.relative(dir, file).split(path.sep).join('/');
      const stat = await fs.stat(file).catch(() => undefined);
      if (!stat) continue;
      const stamp = `${stat.size}:${stat.mtimeMs}`;
      if (this.synced.get(rel) === stamp) continue;
      await this.artifacts.put(`${this.prefix}/${rel}`, createReadStream(file));
      this.synced.set(rel, stamp);
    }
  }
}
