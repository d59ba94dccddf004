import { mkdtemp, readdir, realpath, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { isOrchardError } from '../core/index.js';
import { createFileArtifactStore, openMetadataStore, type ArtifactStore, type MetadataStore } from '../storage/index.js';
import { createDatasetService } from './dataset-service.js';
import { MemoryArtifactStore } from './test-artifact-store.js';
import type { DatasetService } from './types.js';

/**
 * Test helper: a dataset service over a temporary work folder, a metadata store
 * (SQLite in memory unless a URL is given) and an artifact store (a file store in
 * a temporary folder, or the in-memory double for fault injection).
 */
export interface Harness {
  service: DatasetService;
  metadata: MetadataStore;
  artifacts: ArtifactStore;
  /** Set when the in-memory store is used. */
  memory?: MemoryArtifactStore;
  root: string;
  workDir: string;
  cleanup(): Promise<void>;
}

/** How to build a {@link Harness}; every field has a test-friendly default. */
export interface HarnessOptions {
  metadataUrl?: string;
  store?: 'file' | 'memory';
  maxUploadBytes?: number;
  queryTimeoutMs?: number;
  /** Runs before the metadata store closes (e.g. to drop a PostgreSQL schema). */
  onCleanup?: () => Promise<void>;
}

/** Opens a {@link Harness}; `cleanup()` closes everything and removes its folders. */
export async function openHarness(options: HarnessOptions = {}): Promise<Harness> {
  const root = await realpath(await mkdtemp(path.join(os.tmpdir(), 'orchard-data-')));
  const workDir = path.join(root, 'work');
  const metadata = await openMetadataStore(options.metadataUrl ?? 'sqlite::memory:');
  const memory = options.store === 'memory' ? new MemoryArtifactStore() : undefined;
  const artifacts = memory ?? (await createFileArtifactStore(pathToFileURL(path.join(root, 'artifacts')).href));
  const service = createDatasetService({
    config: { workDir, maxUploadBytes: options.maxUploadBytes ?? 1024 ** 3 },
    metadata,
    artifacts,
    queryTimeoutMs: options.queryTimeoutMs,
  });
  return {
    service,
    metadata,
    artifacts,
    memory,
    root,
    workDir,
    async cleanup() {
      await service.close();
      await artifacts.close();
      await options.onCleanup?.();
      await metadata.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** A body stream over a string or bytes, in chunks of `chunkSize` bytes. */
export function body(content: string | Buffer, chunkSize = 64 * 1024): Readable {
  const data = typeof content === 'string' ? Buffer.from(content) : content;
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += chunkSize) chunks.push(data.subarray(i, i + chunkSize));
  return Readable.from(chunks);
}

/** The `code` of a rejected promise (fails the test when it resolves). */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (isOrchardError(err)) return err.code;
    throw err;
  }
  throw new Error('expected the promise to reject');
}

/** The rejection of a promise (fails the test when it resolves). */
export async function errorOf(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected the promise to reject');
}

/** Files (not folders) under `dir`, relative, sorted; [] when it does not exist. */
export async function filesUnder(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries
      .filter((e) => !e.isDirectory())
      .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
      .sort();
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return [];
    throw err;
  }
}

/** Writes a Parquet file with DuckDB from a SELECT. */
export async function writeParquet(file: string, select: string): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(`COPY (${select}) TO '${file.replaceAll("'", "''")}' (FORMAT parquet)`);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
