import type { Readable } from 'node:stream';
// Types only: the SDK itself is imported inside the factory (see below).
import type { S3Client } from '@aws-sdk/client-s3';
import { OrchardError } from '../core/index.js';
import type { ArtifactInfo, ArtifactStore, CopyOptions, GetOptions, PutOptions } from './artifact-store.js';
import {
  ContentMeter,
  KeyedMutex,
  byInfoKey,
  copySource,
  encodeRecord,
  meteredBody,
  notFound,
  parseRecord,
  toReadable,
  verifiedStream,
  writeFailed,
} from './artifact-io.js';
import { RESERVED_PREFIX, normalizeKey, normalizePrefix } from './keys.js';

/** Multipart part size: S3's minimum is 5 MiB; 8 MiB is the AWS CLI's default. */
const PART_SIZE = 8 * 1024 * 1024;
/** Parts in flight at once; memory held by one upload is about (queue + 1) × part size. */
const QUEUE_SIZE = 2;
/** S3's limit on the length of an object key, in UTF-8 bytes. */
const MAX_S3_KEY_BYTES = 1024;
/** CopyObject's limit; larger objects are copied through this process. */
const MAX_COPY_BYTES = 5 * 1024 ** 3;
/** Records fetched in parallel by `list`. */
const LIST_CONCURRENCY = 8;

/** Options of {@link createS3ArtifactStore}. */
export interface S3ArtifactStoreOptions {
  /** Endpoint of an S3-compatible server (MinIO, Ceph, …); path-style addressing is used with it. Unset for AWS. */
  endpoint?: string;
  /** Region to sign requests for. */
  region: string;
  /**
   * Static credentials. Unset (the normal case): the SDK's default chain
   * (`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, profiles, instance roles, …).
   */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/**
 * Opens an artifact store in an S3 bucket, for `s3://bucket/optional/prefix` URLs.
 * Fails with `ORCH_CONFIG_INVALID` when the bucket cannot be reached.
 *
 * Layout: the object `a/b` is `<prefix>/a/b`; its record (size, sha256, createdAt)
 * is `<prefix>/.orchard/meta/a/b.json`, written after the data. Large bodies go up
 * as a multipart upload that completes only when the whole body has arrived and
 * matched the expectations, so a failed put never replaces what was there.
 *
 * Within one process, writers of a key are serialised, and readers wait for a
 * write of the same key in progress, so a record always describes the bytes it is
 * read with. Across processes, a reader that lands between a writer's data and
 * record sees `ORCH_ARTIFACT_CHECKSUM_MISMATCH` and may retry.
 *
 * A failed multipart upload is aborted; one cut short by a crash, or whose abort
 * fails, leaves invisible parts behind, so give the bucket a lifecycle rule that
 * aborts incomplete multipart uploads after a day or so.
 *
 * The AWS SDK is loaded on the first call, never by importing this module.
 *
 * @example
 * const store = await createS3ArtifactStore('s3://ml-artifacts/orchard', { region: 'eu-west-1' });
 */
export async function createS3ArtifactStore(url: string, options: S3ArtifactStoreOptions): Promise<ArtifactStore> {
  const { bucket, prefix } = parseS3Url(url);
  // Loaded here so that the embedded mode (file store only) never loads the SDK.
  const sdk = await import('@aws-sdk/client-s3');
  const { Upload } = await import('@aws-sdk/lib-storage');
  const client: S3Client = new sdk.S3Client({
    region: options.region,
    endpoint: options.endpoint,
    forcePathStyle: options.endpoint !== undefined,
    credentials: options.credentials,
    // The store computes and checks its own sha256. The SDK's default CRC32
    // trailers use aws-chunked uploads that many S3-compatible servers reject or
    // store verbatim, so checksums are sent only where an operation requires them.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  try {
    await client.send(new sdk.HeadBucketCommand({ Bucket: bucket }));
  } catch (err) {
    client.destroy();
    throw new OrchardError('ORCH_CONFIG_INVALID', {
      message: `Cannot open the artifacts bucket '${bucket}': ${s3ErrorName(err)}`,
      cause: err,
    });
  }

  const base = prefix ? `${prefix}/` : '';
  const metaBase = `${base}${RESERVED_PREFIX}/meta/`;
  const dataKey = (key: string) => base + key;
  const recordKey = (key: string) => `${metaBase}${key}.json`;
  const folder = (key: string) => (key ? `${key}/` : '');
  const locks = new KeyedMutex();

  function checkLength(key: string): void {
    if (Buffer.byteLength(recordKey(key)) > MAX_S3_KEY_BYTES) {
      throw new OrchardError('ORCH_ARTIFACT_INVALID_KEY', {
        message: `Invalid artifact key: too long for S3 once prefixed (${MAX_S3_KEY_BYTES} bytes at most)`,
        details: { key: key.slice(0, 200) },
      });
    }
  }

  async function readInfo(key: string): Promise<ArtifactInfo | undefined> {
    try {
      const res = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: recordKey(key) }));
      return parseRecord(key, (await res.Body?.transformToString('utf8')) ?? '');
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async function listKeys(keyPrefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new sdk.ListObjectsV2Command({ Bucket: bucket, Prefix: keyPrefix, ContinuationToken: token }),
      );
      for (const item of page.Contents ?? []) if (item.Key) keys.push(item.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  async function deleteKeys(keys: string[]): Promise<void> {
    // DeleteObjects takes at most 1000 keys per request.
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      const res = await client.send(
        new sdk.DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      if (res.Errors?.length) {
        const first = res.Errors[0];
        throw new OrchardError('ORCH_ARTIFACT_WRITE_FAILED', {
          message: `Deleting ${res.Errors.length} artifact object(s) failed, first '${first.Key}': ${first.Code}`,
          details: { failed: res.Errors.length },
        });
      }
    }
  }

  async function upload(key: string, meter: ContentMeter): Promise<void> {
    const transfer = new Upload({
      client,
      params: { Bucket: bucket, Key: dataKey(key), Body: meter },
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
      // Abort the multipart upload on failure so no parts are left billed and unseen.
      leavePartsOnError: false,
    });
    try {
      // Upload sends the last part (or the single PutObject) and completes only
      // after the body has ended; the meter errors the body before it ends on a
      // mismatch, so a refused or broken body never becomes the object.
      await transfer.done();
    } catch (err) {
      // When the abort itself fails, Upload reports that failure instead; the
      // body's own error is what the caller needs to see.
      const reason = meter.errored ?? err;
      meter.destroy(); // stops the caller's body too, when the upload failed first
      if (reason instanceof OrchardError) throw reason;
      throw writeFailed(key, describe(reason), reason);
    }
  }

  /** Writes the record of data just written; when that fails, the object is made absent. */
  async function writeRecord(info: ArtifactInfo): Promise<ArtifactInfo> {
    try {
      await client.send(
        new sdk.PutObjectCommand({
          Bucket: bucket,
          Key: recordKey(info.key),
          Body: encodeRecord(info),
          ContentType: 'application/json',
        }),
      );
    } catch (err) {
      // New data under an old record would read as corrupt: make the object absent instead.
      await client.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: recordKey(info.key) })).catch(() => {});
      await client.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: dataKey(info.key) })).catch(() => {});
      throw writeFailed(info.key, `its record could not be written: ${s3ErrorName(err)}`, err);
    }
    return info;
  }

  const store: ArtifactStore = {
    url,

    async put(rawKey: string, body: Readable | Buffer | string, options: PutOptions = {}): Promise<ArtifactInfo> {
      const { key, meter } = meteredBody(rawKey, body, options, checkLength);
      // The data is written in place (S3 has no rename), so the whole put holds the
      // key's lock: two writers of one key cannot pair one's data with the other's record.
      return locks.run(key, async () => {
        await upload(key, meter);
        return writeRecord({ key, size: meter.byteCount, sha256: meter.sha256, createdAt: new Date().toISOString() });
      });
    },

    async copy(rawFrom: string, rawTo: string, options: CopyOptions = {}): Promise<ArtifactInfo> {
      const from = normalizeKey(rawFrom);
      const key = normalizeKey(rawTo);
      checkLength(from);
      checkLength(key);
      // Onto itself: nothing to write (S3 refuses such a CopyObject).
      if (from === key) return copySource(from, await readInfo(from), options.expectedSha256);
      // As put, the whole copy holds the destination's lock. The source's record and bytes are
      // read apart (S3 has no lock): a writer of the source landing between them makes the copy
      // read as corrupt, as it would a get.
      return locks.run(key, async () => {
        const found = copySource(from, await readInfo(from), options.expectedSha256);
        if (found.size > MAX_COPY_BYTES) {
          // CopyObject stops at 5 GiB: larger objects stream through, checked against the source's record.
          await upload(key, meteredBody(key, await store.get(from, { verify: false }), { expectedSize: found.size, expectedSha256: found.sha256 }).meter);
        } else {
          try {
            const source = `${bucket}/${dataKey(from).split('/').map(encodeURIComponent).join('/')}`;
            await client.send(new sdk.CopyObjectCommand({ Bucket: bucket, Key: dataKey(key), CopySource: source }));
          } catch (err) {
            if (isNotFound(err)) throw notFound(from);
            throw writeFailed(key, `copying '${from}' failed: ${s3ErrorName(err)}`, err);
          }
        }
        return writeRecord({ key, size: found.size, sha256: found.sha256, createdAt: new Date().toISOString() });
      });
    },

    async get(rawKey: string, options: GetOptions = {}): Promise<Readable> {
      const key = normalizeKey(rawKey);
      checkLength(key);
      const { info, body } = await locks.run(key, async () => {
        const info = await readInfo(key);
        if (!info) throw notFound(key);
        try {
          const res = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: dataKey(key) }));
          // In Node the SDK's body is an http.IncomingMessage, i.e. a Readable.
          return { info, body: res.Body as Readable | undefined };
        } catch (err) {
          if (isNotFound(err)) throw notFound(key);
          throw err;
        }
      });
      const source = body ?? toReadable(Buffer.alloc(0));
      return options.verify === false ? source : verifiedStream(source, info);
    },

    async head(rawKey: string): Promise<ArtifactInfo | undefined> {
      const key = normalizeKey(rawKey);
      checkLength(key);
      return readInfo(key);
    },

    async list(rawPrefix?: string): Promise<ArtifactInfo[]> {
      const prefix = normalizePrefix(rawPrefix);
      const keys = (await listKeys(metaBase + folder(prefix)))
        .filter((k) => k.endsWith('.json'))
        .map((k) => k.slice(metaBase.length, -'.json'.length));
      const found: ArtifactInfo[] = [];
      let next = 0;
      const worker = async () => {
        while (next < keys.length) {
          const info = await readInfo(keys[next++]);
          if (info) found.push(info);
        }
      };
      await Promise.all(Array.from({ length: Math.min(LIST_CONCURRENCY, keys.length) }, worker));
      return found.sort(byInfoKey);
    },

    async delete(rawKey: string): Promise<void> {
      const key = normalizeKey(rawKey);
      checkLength(key);
      await locks.run(key, async () => {
        // Record first: from that moment the object is absent, whatever happens next.
        await client.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: recordKey(key) }));
        await client.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: dataKey(key) }));
      });
    },

    async deletePrefix(rawPrefix: string): Promise<void> {
      const prefix = normalizePrefix(rawPrefix);
      await deleteKeys(await listKeys(metaBase + folder(prefix)));
      // With an empty prefix the listing covers the store's own records folder too.
      const data = (await listKeys(base + folder(prefix))).filter((k) => !k.startsWith(`${base}${RESERVED_PREFIX}/`));
      await deleteKeys(data);
    },

    async close(): Promise<void> {
      client.destroy();
    },
  };
  return store;
}

function parseS3Url(url: string): { bucket: string; prefix: string } {
  const invalid = (why: string, cause?: unknown) =>
    new OrchardError('ORCH_CONFIG_INVALID', {
      message: `Invalid artifacts URL for the S3 store (expected s3://bucket/optional/prefix): ${why}`,
      cause,
    });
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (err) {
    throw invalid('not a URL', err);
  }
  if (parsed.protocol !== 's3:') throw invalid(`scheme is ${parsed.protocol}`);
  if (parsed.username || parsed.password) throw invalid('credentials do not belong in the URL');
  if (parsed.port || parsed.search || parsed.hash) throw invalid('port, query and fragment are not allowed');
  // Bucket naming rules (3–63 characters of a-z, 0-9, '.', '-').
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(parsed.hostname)) throw invalid('missing or invalid bucket name');
  let prefix: string;
  try {
    prefix = normalizePrefix(parsed.pathname.replace(/^\/+/, ''));
  } catch (err) {
    throw invalid('invalid prefix', err);
  }
  return { bucket: parsed.hostname, prefix };
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

function s3ErrorName(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
