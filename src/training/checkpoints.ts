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

  /**
   * Copies the stored checkpoints into `dir`; returns how many files, and which were
   * left out. A file whose bytes do not match its record was cut off by the end of the
   * attempt that wrote it (killed between the object and its record): it is left out, so
   * the algorithm resumes from what is whole or starts over, rather than failing the retry.
   */
  async restore(dir: string): Promise<{ restored: number; torn: string[] }> {
    const stored = await this.artifacts.list(this.prefix);
    const torn: string[] = [];
    for (const info of stored) {
      const rel = info.key.slice(this.prefix.length + 1);
      const target = path.join(dir, rel);
      await fs.mkdir(path.dirname(target), { recursive: true });
      try {
        await pipeline(await this.artifacts.get(info.key), createWriteStream(target));
      } catch (err) {
        if ((err as { code?: unknown }).code !== 'ORCH_ARTIFACT_CHECKSUM_MISMATCH') throw err;
        await fs.rm(target, { force: true });
        torn.push(rel);
        continue;
      }
      this.synced.set(rel, `${info.size}`);
    }
    return { restored: stored.length - torn.length, torn };
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
