/**
 * The pieces of AWS Signature Version 4 (AWS General Reference, "Create a canonical
 * request for Signature Version 4" and "Create a string to sign"), computed from a
 * request as the server received it.
 */
import crypto, { createHash, createHmac } from 'node:crypto';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
/** The hex sha256 of no bytes (a GET's payload hash). */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

const UNRESERVED = /^[A-Za-z0-9\-_.~]*$/;

/** RFC 3986 percent-encoding of everything but the unreserved characters `A-Za-z0-9-_.~`. */
export function escapeUri(value: string): string {
  if (UNRESERVED.test(value)) return value;
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Percent-decoding that leaves a malformed sequence as it is (AWS compares what was sent). */
function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * The canonical URI. `rawPath` is the path as received, still percent-encoded. Every
 * service but S3 normalises it (empty and `.` segments dropped, `..` removes one) and
 * encodes it again, since clients sign the encoded path encoded once more; S3 signs the
 * encoded path as it is.
 */
export function canonicalPath(rawPath: string, service: string): string {
  if (rawPath === '') return '/';
  if (service === 's3') return rawPath;
  // Invocations repeat a few paths: each is normalised once.
  let known = canonicalPaths.get(rawPath);
  if (known === undefined) {
    known = normalisedPath(rawPath);
    if (canonicalPaths.size >= 1000) canonicalPaths.clear();
    canonicalPaths.set(rawPath, known);
  }
  return known;
}

const canonicalPaths = new Map<string, string>();

function normalisedPath(rawPath: string): string {
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const leading = rawPath.startsWith('/') ? '/' : '';
  const trailing = segments.length > 0 && rawPath.endsWith('/') ? '/' : '';
  return leading + segments.map(escapeUri).join('/') + trailing;
}

/**
 * The canonical query string: every parameter decoded then encoded strictly, sorted by
 * name then value, `X-Amz-Signature` left out (a presigned URL carries its signature there).
 * A `+` is a plus, not a space, as clients encode a space `%20`.
 */
export function canonicalQuery(rawQuery: string): string {
  if (rawQuery === '') return '';
  const pairs: [string, string][] = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = escapeUri(decode(eq < 0 ? part : part.slice(0, eq)));
    if (name === 'X-Amz-Signature') continue;
    pairs.push([name, escapeUri(decode(eq < 0 ? '' : part.slice(eq + 1)))]);
  }
  pairs.sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([n, v]) => `${n}=${v}`).join('&');
}

/** A header's canonical value: repeated fields joined by commas, spaces trimmed and collapsed. */
export function canonicalHeaderValue(value: string | string[] | undefined): string {
  if (!Array.isArray(value)) return trimValue(value ?? '');
  return value.length === 1 ? trimValue(value[0]) : value.map(trimValue).join(',');
}

/** Nothing to trim: no line breaks or tabs, no run of spaces, none at either end. */
const CLEAN_VALUE = /^(?:[^\s]+(?: [^\s]+)*)?$/;

function trimValue(value: string): string {
  if (CLEAN_VALUE.test(value)) return value;
  return value.replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').replace(/^ | $/g, '');
}

export interface CanonicalRequestParts {
  method: string;
  rawPath: string;
  rawQuery: string;
  /** Lower-case names, as the request lists them in SignedHeaders. */
  signedHeaders: readonly string[];
  headers: Record<string, string | string[] | undefined>;
  payloadHash: string;
  service: string;
}

export function canonicalRequest(parts: CanonicalRequestParts): string {
  // One string grown in place: no array per line, no joins (this runs on every signed request).
  const names = parts.signedHeaders;
  let text = `${parts.method}\n${canonicalPath(parts.rawPath, parts.service)}\n${parts.rawQuery === '' ? '' : canonicalQuery(parts.rawQuery)}\n`;
  let list = '';
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    text += `${name}:${canonicalHeaderValue(parts.headers[name])}\n`;
    list += i === 0 ? name : `;${name}`;
  }
  return `${text}\n${list}\n${parts.payloadHash}`;
}

/** Node's one-shot hash (20.12 and later): a third of the CPU of a Hash object for short inputs. */
const oneShot = typeof crypto.hash === 'function' ? crypto.hash : undefined;

export function sha256Hex(data: string | Buffer): string {
  return oneShot ? oneShot('sha256', data, 'hex') : createHash('sha256').update(data).digest('hex');
}

export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return `${ALGORITHM}\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`;
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"). */
export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
}

export function signatureOf(key: Buffer, toSign: string): string {
  return hmacSha256Hex(key, toSign);
}

const BLOCK = 64;
const MAX_FAST_MESSAGE = 2048;
const innerBlock = Buffer.alloc(BLOCK + MAX_FAST_MESSAGE * 3);
const outerBlock = Buffer.alloc(BLOCK + 32);
/**
 * The key whose pads fill the first block of `innerBlock` and `outerBlock`: a client's
 * requests are signed with one derived key (the cache's same Buffer, never written to), so
 * its pads are computed once, not per request.
 */
let padded: Buffer | undefined;
let paddedLength = -1;

/**
 * HMAC-SHA256 in hex (RFC 2104: H((K ^ opad) || H((K ^ ipad) || m))) over the one-shot
 * hash, for a key of at most one block and a short message (a string to sign): a third
 * less CPU than an Hmac object, which a request pays for each signature it checks. Other
 * inputs, and Node without the one-shot hash, take `createHmac`.
 */
export function hmacSha256Hex(key: Buffer, message: string): string {
  if (!oneShot || key.length > BLOCK || message.length > MAX_FAST_MESSAGE) return createHmac('sha256', key).update(message, 'utf8').digest('hex');
  return oneShot('sha256', outerHashInput(key, message), 'hex');
}

/** `hmacSha256Hex` as the 32 bytes of the digest (what a verifier compares). */
export function hmacSha256(key: Buffer, message: string): Buffer {
  if (!oneShot || key.length > BLOCK || message.length > MAX_FAST_MESSAGE) return createHmac('sha256', key).update(message, 'utf8').digest();
  return oneShot('sha256', outerHashInput(key, message), 'buffer') as unknown as Buffer;
}

/** (K ^ opad) || H((K ^ ipad) || m), in `outerBlock`. */
function outerHashInput(key: Buffer, message: string): Buffer {
  if (key !== padded || key.length !== paddedLength) {
    for (let i = 0; i < BLOCK; i++) {
      const k = i < key.length ? key[i] : 0;
      innerBlock[i] = k ^ 0x36;
      outerBlock[i] = k ^ 0x5c;
    }
    padded = key;
    paddedLength = key.length;
  }
  const length = innerBlock.write(message, BLOCK, 'utf8');
  outerBlock.write(oneShot!('sha256', innerBlock.subarray(0, BLOCK + length), 'hex'), BLOCK, 'hex');
  return outerBlock;
}
