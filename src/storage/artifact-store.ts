import type { Readable } from 'node:stream';

/** What a store knows about one object. */
export interface ArtifactInfo {
  /** The validated, normalised key. */
  key: string;
  size: number;
  /** Hex sha256 of the content, recorded on write. */
  sha256: string;
  /** ISO-8601 time of the write. */
  createdAt: string;
}

export interface PutOptions {
  /** Expected size in bytes; a stream that ends short or long fails the write. */
  expectedSize?: number;
  /** Expected sha256; a mismatch fails the write and leaves nothing behind. */
  expectedSha256?: string;
}

export interface CopyOptions {
  /**
   * The sha256 the source must have (from an earlier `head`): when it was replaced since,
   * the copy fails with `ORCH_ARTIFACT_CHECKSUM_MISMATCH` and writes nothing.
   */
  expectedSha256?: string;
}

export interface GetOptions {
  /** Verify the content against the recorded sha256 while streaming. @default true */
  verify?: boolean;
}

/**
 * Where artifacts and dataset files live. Keys are slash-separated relative paths,
 * validated by `normalizeKey`. Writes are atomic: a reader sees the whole object or
 * none of it. Each object's sha256 is recorded on write and checked on read (a
 * mismatch makes the read stream fail with `ORCH_ARTIFACT_CHECKSUM_MISMATCH`).
 */
export interface ArtifactStore {
  /** URL this store was opened with (`file://…`, `s3://…`). */
  readonly url: string;
  put(key: string, body: Readable | Buffer | string, options?: PutOptions): Promise<ArtifactInfo>;
  get(key: string, options?: GetOptions): Promise<Readable>;
  /**
   * Copies an object inside the store (a file copy, S3's CopyObject) without the bytes
   * passing through the caller; the copy keeps the source's size and sha256. Atomic as a put.
   */
  copy(fromKey: string, toKey: string, options?: CopyOptions): Promise<ArtifactInfo>;
  /** Info of an object, or undefined when absent (or its write never completed). */
  head(key: string): Promise<ArtifactInfo | undefined>;
  /** Objects whose key starts with `prefix` (a folder-like prefix), sorted by key. */
  list(prefix?: string): Promise<ArtifactInfo[]>;
  /** Deletes an object; deleting an absent one is not an error. */
  delete(key: string): Promise<void>;
  /** Deletes every object under a prefix. */
  deletePrefix(prefix: string): Promise<void>;
  close(): Promise<void>;
}
