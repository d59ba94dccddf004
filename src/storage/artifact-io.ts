import { createHash } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline as pipelineCb } from 'node:stream';
import { OrchardError } from '../core/index.js';
import type { ArtifactInfo, PutOptions } from './artifact-store.js';
import { normalizeKey } from './keys.js';

// Stream and record helpers shared by the artifact stores. This module never imports a
// cloud SDK, so the embedded mode can load it freely.

const SHA256_HEX = /^[0-9a-f]{64}$/;
const RECORD_VERSION = 1;

/** @internal A put body as a byte stream. A string is written as UTF-8. */
export function toReadable(body: Readable | Buffer | string): Readable {
  if (body instanceof Readable) return body;
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return Readable.from(bytes.length ? [bytes] : [], { objectMode: false });
}

/**
 * @internal Validates a put's key and options and starts metering its body at once,
 * before the put awaits anything: a body that errors while the put waits (for a
 * lock, a folder check) is then handled, not an uncaught error. Read the body from
 * `meter`; destroying `meter` destroys the body too.
 */
export function meteredBody(
  rawKey: string,
  body: Readable | Buffer | string,
  options: PutOptions,
  checkKey?: (key: string) => void,
): { key: string; meter: ContentMeter } {
  const source = toReadable(body);
  let key: string, meter: ContentMeter;
  try {
    key = normalizeKey(rawKey);
    checkKey?.(key);
    meter = new ContentMeter(key, options);
  } catch (err) {
    // The store owns the body from the call on: a refused put does not leave it half-open.
    source.destroy();
    throw err;
  }
  pipelineCb(source, meter, () => {});
  return { key, meter };
}

/**
 * @internal Counts and hashes the bytes passing through and enforces
 * `expectedSize` / `expectedSha256`. A mismatch errors the stream before it ends,
 * so whatever consumes it (a temp file, a multipart upload) never commits.
 */
export class ContentMeter extends Transform {
  // Not called `size` or `length`: lib-storage's Upload reads those off a body as
  // its total length, and a running count there makes it miscount the parts.
  byteCount = 0;
  sha256 = '';
  readonly #hash = createHash('sha256');
  readonly #key: string;
  readonly #expectedSize: number | undefined;
  readonly #expectedSha256: string | undefined;

  constructor(key: string, options: PutOptions) {
    super();
    const { expectedSize, expectedSha256 } = options;
    if (expectedSize !== undefined && !(Number.isSafeInteger(expectedSize) && expectedSize >= 0)) {
      throw writeFailed(key, 'expectedSize must be a non-negative integer');
    }
    if (expectedSha256 !== undefined && !SHA256_HEX.test(expectedSha256.toLowerCase())) {
      throw writeFailed(key, 'expectedSha256 must be 64 hex digits');
    }
    this.#key = key;
    this.#expectedSize = expectedSize;
    this.#expectedSha256 = expectedSha256?.toLowerCase();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.byteCount += chunk.length;
    if (this.#expectedSize !== undefined && this.byteCount > this.#expectedSize) {
      // Fail at the first extra byte instead of reading the rest of a long stream.
      done(writeFailed(this.#key, `the body is longer than expectedSize (${this.#expectedSize} bytes)`));
      return;
    }
    this.#hash.update(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    this.sha256 = this.#hash.digest('hex');
    if (this.#expectedSize !== undefined && this.byteCount !== this.#expectedSize) {
      done(writeFailed(this.#key, `the body has ${this.byteCount} bytes, expectedSize is ${this.#expectedSize}`));
    } else if (this.#expectedSha256 !== undefined && this.sha256 !== this.#expectedSha256) {
      done(writeFailed(this.#key, `the body's sha256 ${this.sha256} differs from expectedSha256 ${this.#expectedSha256}`));
    } else {
      done();
    }
  }
}

/**
 * @internal `source` checked against its record while it streams: more bytes than
 * recorded, or a size or sha256 that differs at the end, destroys the returned
 * stream with `ORCH_ARTIFACT_CHECKSUM_MISMATCH`.
 */
export function verifiedStream(source: Readable, info: ArtifactInfo): Readable {
  const hash = createHash('sha256');
  let size = 0;
  const mismatch = (sha256: string) =>
    new OrchardError('ORCH_ARTIFACT_CHECKSUM_MISMATCH', {
      message: `Artifact '${info.key}' does not match its recorded size and sha256`,
      details: { key: info.key, expectedSize: info.size, actualSize: size, expectedSha256: info.sha256, actualSha256: sha256 },
    });
  const check = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > info.size) return done(mismatch('(not computed: too many bytes)'));
      hash.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      const sha256 = hash.digest('hex');
      done(size === info.size && sha256 === info.sha256 ? undefined : mismatch(sha256));
    },
  });
  // pipeline() hands a source error on to `check`, and destroys the source (closing
  // the file or the HTTP response) when the consumer stops reading early.
  return pipelineCb(source, check, () => {});
}

/** @internal The JSON record stored beside each object. */
export function encodeRecord(info: ArtifactInfo): Buffer {
  return Buffer.from(JSON.stringify({ version: RECORD_VERSION, ...info }) + '\n', 'utf8');
}

/** @internal A record's info, or undefined when it is unreadable or names another key. */
export function parseRecord(key: string, bytes: Buffer | string): ArtifactInfo | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString());
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  const valid =
    r.version === RECORD_VERSION &&
    r.key === key &&
    Number.isSafeInteger(r.size) &&
    (r.size as number) >= 0 &&
    typeof r.sha256 === 'string' &&
    SHA256_HEX.test(r.sha256) &&
    typeof r.createdAt === 'string';
  return valid ? { key, size: r.size as number, sha256: r.sha256 as string, createdAt: r.createdAt as string } : undefined;
}

/** @internal Serialises async sections per key (one promise chain per busy key). */
export class KeyedMutex {
  readonly #tails = new Map<string, Promise<void>>();

  async run<T>(key: string, section: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const tail = previous.then(() => new Promise<void>((resolve) => (release = resolve)));
    this.#tails.set(key, tail);
    await previous;
    try {
      return await section();
    } finally {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}

/** @internal Sort order of `list`: by key, in UTF-16 code unit order. */
export function byInfoKey(a: ArtifactInfo, b: ArtifactInfo): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** @internal */
export function writeFailed(key: string, why: string, cause?: unknown): OrchardError {
  return new OrchardError('ORCH_ARTIFACT_WRITE_FAILED', {
    message: `Writing artifact '${key}' failed: ${why}`,
    cause,
    details: { key },
  });
}

/**
 * @internal A copy's source as the store holds it now: absent is `ORCH_ARTIFACT_NOT_FOUND`,
 * and a sha256 other than the caller's `expectedSha256` (the object was replaced since the
 * caller looked) is `ORCH_ARTIFACT_CHECKSUM_MISMATCH`.
 */
export function copySource(key: string, info: ArtifactInfo | undefined, expectedSha256: string | undefined): ArtifactInfo {
  if (!info) throw notFound(key);
  if (expectedSha256 !== undefined && info.sha256 !== expectedSha256) {
    throw new OrchardError('ORCH_ARTIFACT_CHECKSUM_MISMATCH', {
      message: `Artifact '${key}' changed before it could be copied`,
      details: { key, expectedSha256, actualSha256: info.sha256 },
    });
  }
  return info;
}

/** @internal */
export function notFound(key: string): OrchardError {
  return new OrchardError('ORCH_ARTIFACT_NOT_FOUND', { message: `No artifact '${key}'`, details: { key } });
}

/** @internal The `code` of a Node system error. */
export function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
