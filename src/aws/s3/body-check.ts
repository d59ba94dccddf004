import { createHash, type Hash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import { crc32 } from 'node:zlib';
import { S3Error } from './s3-error.js';

/** The `x-amz-checksum-<algorithm>` values S3 accepts. */
export const CHECKSUM_ALGORITHMS = ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

interface Digester {
  update(data: Buffer): void;
  /** The checksum in base64, as S3's headers carry it. */
  digest(): Promise<string>;
}

class Crc32Digester implements Digester {
  #value = 0;
  update(data: Buffer): void {
    this.#value = crc32(data, this.#value);
  }
  async digest(): Promise<string> {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(this.#value >>> 0);
    return out.toString('base64');
  }
}

class HashDigester implements Digester {
  readonly #hash: Hash;
  constructor(algorithm: string) {
    this.#hash = createHash(algorithm);
  }
  update(data: Buffer): void {
    this.#hash.update(data);
  }
  async digest(): Promise<string> {
    return this.#hash.digest('base64');
  }
}

/** CRC32C and CRC64NVME come from the AWS SDK's own implementations, loaded only when a client sends one. */
async function sdkDigester(algorithm: 'crc32c' | 'crc64nvme'): Promise<Digester> {
  const crc = await import('@aws-sdk/checksums/crc');
  const checksum = algorithm === 'crc32c' ? new crc.Crc32c() : new crc.Crc64Nvme();
  return {
    update: (data) => checksum.update(data),
    digest: async () => Buffer.from(await checksum.digest()).toString('base64'),
  };
}

async function digesterFor(algorithm: ChecksumAlgorithm): Promise<Digester> {
  if (algorithm === 'crc32') return new Crc32Digester();
  if (algorithm === 'sha1' || algorithm === 'sha256') return new HashDigester(algorithm);
  return sdkDigester(algorithm);
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The algorithm of a checksum a request announces: a header with its value, or one named by `x-amz-trailer`. */
export function announcedChecksum(headers: IncomingHttpHeaders): { algorithm: ChecksumAlgorithm; value?: string } | undefined {
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    const value = header(headers, `x-amz-checksum-${algorithm}`);
    if (value) return { algorithm, value };
  }
  const trailer = header(headers, 'x-amz-trailer')?.trim().toLowerCase();
  const named = trailer?.startsWith('x-amz-checksum-') ? trailer.slice('x-amz-checksum-'.length) : undefined;
  if (named && (CHECKSUM_ALGORITHMS as readonly string[]).includes(named)) return { algorithm: named as ChecksumAlgorithm };
  return undefined;
}

export interface BodyCheckOptions {
  /** `Content-MD5` as sent (base64). */
  contentMd5?: string;
  /** The hex sha256 the request was signed with (`x-amz-content-sha256`), when it is a hash. */
  sha256Hex?: string;
  /** A flexible checksum to verify; `value` absent means it arrives as a trailer. */
  checksum?: { algorithm: ChecksumAlgorithm; value?: string };
  /** The trailers of an aws-chunked body, read when the body has ended. */
  trailers?: () => Record<string, string>;
}

/**
 * Passes a body through while computing its MD5 (S3's ETag) and whatever digests the
 * request announced, and fails the stream before it ends when one does not match, so
 * the artifact store (whose writes commit only at the end) keeps nothing.
 */
export class BodyCheck extends Transform {
  readonly #md5 = createHash('md5');
  readonly #sha256: Hash | undefined;
  #md5Hex: string | undefined;
  /** The first failure, kept so the caller can answer it however the consumer wrapped it. */
  failure: S3Error | undefined;
  /** The checksum as verified (base64), for echoing it back. */
  checksumValue: string | undefined;

  private constructor(
    private readonly options: BodyCheckOptions,
    private readonly digester: Digester | undefined,
  ) {
    super();
    this.#sha256 = options.sha256Hex ? createHash('sha256') : undefined;
  }

  static async create(options: BodyCheckOptions): Promise<BodyCheck> {
    if (options.contentMd5 !== undefined && Buffer.from(options.contentMd5, 'base64').length !== 16) {
      throw new S3Error('InvalidDigest', 400, 'The Content-MD5 you specified was invalid.');
    }
    return new BodyCheck(options, options.checksum ? await digesterFor(options.checksum.algorithm) : undefined);
  }

  /** Hex MD5 of everything that passed; available once the stream has ended. */
  get md5Hex(): string {
    if (this.#md5Hex === undefined) throw new Error('BodyCheck: the body has not ended');
    return this.#md5Hex;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#md5.update(chunk);
    this.#sha256?.update(chunk);
    this.digester?.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.#verify().then(
      () => callback(),
      (err: unknown) => {
        this.failure = err instanceof S3Error ? err : undefined;
        callback(err as Error);
      },
    );
  }

  async #verify(): Promise<void> {
    const md5 = this.#md5.digest();
    this.#md5Hex = md5.toString('hex');
    const { contentMd5, sha256Hex, checksum } = this.options;
    if (contentMd5 !== undefined && !md5.equals(Buffer.from(contentMd5, 'base64'))) {
      throw new S3Error('BadDigest', 400, 'The Content-MD5 you specified did not match what we received.');
    }
    if (this.#sha256 && sha256Hex && this.#sha256.digest('hex') !== sha256Hex.toLowerCase()) {
      throw new S3Error('XAmzContentSHA256Mismatch', 400, "The provided 'x-amz-content-sha256' header does not match what was computed.");
    }
    if (checksum && this.digester) {
      const name = `x-amz-checksum-${checksum.algorithm}`;
      const expected = checksum.value ?? this.options.trailers?.()[name];
      if (!expected) throw new S3Error('InvalidRequest', 400, `The trailer ${name} announced by x-amz-trailer did not arrive.`);
      const actual = await this.digester.digest();
      if (actual !== expected) {
        throw new S3Error('BadDigest', 400, `The ${checksum.algorithm.toUpperCase()} you specified did not match the calculated checksum.`);
      }
      this.checksumValue = actual;
    }
  }
}
