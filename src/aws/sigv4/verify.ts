import { createHash, timingSafeEqual } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { OrchardError } from '../../core/index.js';
import { basicFormat, type SigV4Claim, type SignedRequest } from './parse.js';
import { canonicalRequest, hmacSha256, signingKey, stringToSign } from './canonical.js';

/** AWS accepts a signing time up to 15 minutes from its own clock, either way. */
export const MAX_SKEW_MS = 15 * 60 * 1000;

/** What a verified signature leaves for checks that follow (S3's chunk signatures chain from it). */
export interface SigningContext {
  signingKey: Buffer;
  scope: string;
  amzDate: string;
  /** The request's own signature: the seed of an `aws-chunked` body's chunk signatures. */
  seedSignature: string;
}

/**
 * Refuses a request signed too long ago or too far ahead (header auth: ±15 minutes), or a
 * presigned URL past its `X-Amz-Expires`, with the messages AWS gives.
 */
export function checkTime(claim: SigV4Claim, now: Date): void {
  const signed = claim.signedAt.getTime();
  const at = now.getTime();
  if (claim.kind === 'query') {
    if (at > signed + claim.expiresSeconds! * 1000) {
      throw new OrchardError('ORCH_SIGV4_EXPIRED', { message: 'Request has expired', details: { expires: new Date(signed + claim.expiresSeconds! * 1000).toISOString(), serverTime: now.toISOString() } });
    }
    if (signed - at > MAX_SKEW_MS) throw new OrchardError('ORCH_SIGV4_TIME_SKEWED', { message: 'Request is not yet valid', details: { requestTime: claim.signedAt.toISOString(), serverTime: now.toISOString() } });
    return;
  }
  if (at - signed > MAX_SKEW_MS) {
    throw new OrchardError('ORCH_SIGV4_TIME_SKEWED', {
      message: `Signature expired: ${claim.amzDate} is now earlier than ${basicFormat(new Date(at - MAX_SKEW_MS))} (${basicFormat(now)} - 15 min.)`,
      details: { requestTime: claim.signedAt.toISOString(), serverTime: now.toISOString() },
    });
  }
  if (signed - at > MAX_SKEW_MS) {
    throw new OrchardError('ORCH_SIGV4_TIME_SKEWED', {
      message: `Signature not yet current: ${claim.amzDate} is still later than ${basicFormat(new Date(at + MAX_SKEW_MS))} (${basicFormat(now)} + 15 min.)`,
      details: { requestTime: claim.signedAt.toISOString(), serverTime: now.toISOString() },
    });
  }
}

/**
 * Recomputes the signature with the key's secret and compares in constant time.
 * `payloadHash` is the last line of the canonical request: the declared
 * `x-amz-content-sha256` or the sha256 of the body received.
 */
export function verifySignature(claim: SigV4Claim, req: SignedRequest, secret: string, payloadHash: string, keys: (secret: string, claim: SigV4Claim) => Buffer = derivedKey): SigningContext {
  const canonical = canonicalRequest({
    method: (req.method ?? 'GET').toUpperCase(),
    rawPath: claim.rawPath,
    rawQuery: claim.rawQuery,
    signedHeaders: claim.signedHeaders,
    headers: headersOf(req),
    payloadHash,
    service: claim.service,
  });
  const toSign = stringToSign(claim.amzDate, claim.scope, canonical);
  const key = keys(secret, claim);
  if (!signatureMatches(claim.signature, hmacSha256(key, toSign))) {
    throw new OrchardError('ORCH_SIGV4_SIGNATURE_MISMATCH', {
      message:
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.' +
        `\n\nThe Canonical String for this request should have been\n'${canonical}'\n\nThe String-to-Sign should have been\n'${toSign}'\n`,
      details: { canonicalRequest: canonical, stringToSign: toSign, signatureProvided: claim.signature },
    });
  }
  return { signingKey: key, scope: claim.scope, amzDate: claim.amzDate, seedSignature: claim.signature };
}

/** The signature given, decoded into a buffer kept for it (a check allocates nothing for the compare). */
const given = Buffer.alloc(32);

/**
 * True when `signature` is the 64 hex digits of `expected`, compared in constant time. A
 * signature of another length, or with a character that is not a hex digit, never matches:
 * hex decoding stops at the first ASCII character that is not a digit (so fewer than 32
 * bytes are written), but it reads a character beyond ASCII by its low byte (`\u0161` as
 * `a`), so those are refused first.
 */
function signatureMatches(signature: string, expected: Buffer): boolean {
  if (signature.length !== 64) return false;
  for (let i = 0; i < 64; i++) if (signature.charCodeAt(i) > 0x7f) return false;
  if (given.write(signature, 0, 'hex') !== 32) return false;
  return timingSafeEqual(given, expected);
}

/**
 * A repeated header's values join with ',' in the canonical form; Node's `headers` joins
 * them with ', ' (or keeps the first), its `headersDistinct` keeps them apart. When no name
 * is repeated (as many names as lines received) `headers` holds each value as received,
 * and Node need not build `headersDistinct` for the request.
 */
function headersOf(req: SignedRequest): Record<string, string | string[] | undefined> {
  if (req.rawHeaders !== undefined && req.rawHeaders.length === 2 * Object.keys(req.headers).length) return req.headers;
  return req.headersDistinct ?? req.headers;
}

function derivedKey(secret: string, claim: SigV4Claim): Buffer {
  return signingKey(secret, claim.date, claim.region, claim.service);
}

/**
 * Derived signing keys by secret and scope: a key is the same for a whole day, region and
 * service, so a client signing many requests costs four HMACs once, not per request.
 */
export class SigningKeyCache {
  private readonly keys = new Map<string, Buffer>();
  /** The last key handed out: a busy client's requests ask for it again and again. */
  private last: { secret: string; scope: string; key: Buffer } | undefined;

  constructor(private readonly max = 1000) {}

  readonly get = (secret: string, claim: SigV4Claim): Buffer => {
    const last = this.last;
    // The cached access key and parsed scope are the same strings from request to request,
    // so this compares without building (and hashing) the map's key.
    if (last !== undefined && last.secret === secret && last.scope === claim.scope) return last.key;
    const id = `${secret}\n${claim.scope}`;
    let key = this.keys.get(id);
    if (key === undefined) {
      if (this.keys.size >= this.max) this.keys.clear();
      key = derivedKey(secret, claim);
      this.keys.set(id, key);
    }
    this.last = { secret, scope: claim.scope, key };
    return key;
  };
}

/** True for a declared payload hash that is a body's sha256 (not UNSIGNED-PAYLOAD or STREAMING-…). */
export function isSha256Hex(value: string | undefined): value is string {
  return value !== undefined && /^[0-9a-f]{64}$/i.test(value);
}

/**
 * A pass-through that hashes what flows through it. `digest()` is the hex sha256 once the
 * stream has ended, else undefined (the body was not read to its end).
 */
export class Sha256Stream extends Transform {
  private readonly hash = createHash('sha256');
  private hex: string | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.hex = this.hash.digest('hex');
    callback();
  }

  digest(): string | undefined {
    return this.hex;
  }
}

/**
 * A pass-through for a body signed with its sha256 (`x-amz-content-sha256: <hex>`) that a
 * route streams (S3 PutObject): it fails with `ORCH_SIGV4_PAYLOAD_MISMATCH` at the end when
 * the bytes do not hash to what was signed, so the route discards what it stored.
 */
export function payloadHashCheck(expectedHex: string): Transform {
  const hash = createHash('sha256');
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
    flush(callback) {
      const actual = hash.digest('hex');
      if (actual !== expectedHex.toLowerCase()) {
        callback(new OrchardError('ORCH_SIGV4_PAYLOAD_MISMATCH', { message: "The provided 'x-amz-content-sha256' header does not match what was computed.", details: { clientComputedContentSHA256: expectedHex, s3ComputedContentSHA256: actual } }));
      } else callback();
    },
  });
}
