import { createHash, timingSafeEqual } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { EMPTY_SHA256, signatureOf } from '../sigv4/index.js';
import { S3Error } from './s3-error.js';

/** What a streaming SigV4 upload needs to check each chunk's signature (AWS's "SigV4 streaming" chain). */
export interface ChunkSigner {
  /** The derived signing key of the request's credential scope. */
  readonly signingKey: Buffer;
  /** `x-amz-date` of the request (`YYYYMMDDTHHMMSSZ`). */
  readonly amzDate: string;
  /** `date/region/service/aws4_request`. */
  readonly scope: string;
  /** The request's own (header) signature: the first chunk chains from it. */
  readonly seedSignature: string;
}

/** A chunk header line longer than this is not aws-chunked framing. */
const MAX_LINE = 4096;

const incomplete = () => new S3Error('IncompleteBody', 400, 'The request body terminated unexpectedly');
const badFraming = (why: string) => new S3Error('InvalidRequest', 400, `Invalid aws-chunked body: ${why}`);
const badChunkSignature = () =>
  new S3Error('SignatureDoesNotMatch', 403, 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');

/**
 * Decodes an `aws-chunked` body (`Content-Encoding: aws-chunked`, what S3 clients send
 * with `x-amz-content-sha256: STREAMING-…`): `<hex size>[;chunk-signature=<sig>]\r\n<data>\r\n`
 * … `0…\r\n<trailers>\r\n`. Emits the decoded bytes; the trailing headers (the
 * `x-amz-checksum-*` the client computed while sending) are in `trailers` once it ends.
 * With a `signer`, each chunk's signature is checked against the chain that starts at
 * the request's signature, and a wrong one fails the stream (`SignatureDoesNotMatch`).
 */
export class AwsChunkedDecoder extends Transform {
  readonly trailers: Record<string, string> = {};
  #buffer: Buffer = Buffer.alloc(0);
  /** Bytes of the current chunk's data still to come; -1 while reading a header line. */
  #remaining = -1;
  #afterData = false;
  #done = false;
  #chunkHash = createHash('sha256');
  #expectedSignature: string | undefined;
  #previousSignature: string | undefined;
  #pendingTrailers = '';

  constructor(private readonly signer?: ChunkSigner) {
    super();
    this.#previousSignature = signer?.seedSignature;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.#done) {
      this.#pendingTrailers += chunk.toString('latin1');
      return callback(this.#pendingTrailers.length > MAX_LINE ? badFraming('trailers too long') : undefined);
    }
    this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, chunk]) : chunk;
    try {
      this.#parse();
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    if (!this.#done) return callback(incomplete());
    this.#collectTrailers();
    callback();
  }

  #parse(): void {
    while (this.#buffer.length > 0 && !this.#done) {
      if (this.#remaining > 0) {
        const take = Math.min(this.#remaining, this.#buffer.length);
        const data = this.#buffer.subarray(0, take);
        if (this.signer) this.#chunkHash.update(data);
        this.push(data);
        this.#buffer = this.#buffer.subarray(take);
        this.#remaining -= take;
        if (this.#remaining === 0) {
          this.#afterData = true;
          this.#remaining = -1;
        }
        continue;
      }
      if (this.#afterData) {
        if (this.#buffer.length < 2) return;
        if (this.#buffer[0] !== 0x0d || this.#buffer[1] !== 0x0a) throw badFraming('no CRLF after a chunk');
        this.#buffer = this.#buffer.subarray(2);
        this.#afterData = false;
        this.#endChunk();
        continue;
      }
      const line = this.#line();
      if (line === undefined) return;
      this.#header(line);
    }
  }

  /** One CRLF-terminated line off the buffer, or undefined until it has arrived. */
  #line(): string | undefined {
    const end = this.#buffer.indexOf('\r\n');
    if (end < 0) {
      if (this.#buffer.length > MAX_LINE) throw badFraming('chunk header too long');
      return undefined;
    }
    const line = this.#buffer.subarray(0, end).toString('latin1');
    this.#buffer = this.#buffer.subarray(end + 2);
    return line;
  }

  #header(line: string): void {
    const [sizeText, ...extensions] = line.split(';');
    if (!/^[0-9a-fA-F]{1,16}$/.test(sizeText.trim())) throw badFraming('bad chunk size');
    const size = Number.parseInt(sizeText.trim(), 16);
    const signature = extensions.map((e) => /^\s*chunk-signature=([0-9a-f]{64})\s*$/.exec(e)?.[1]).find(Boolean);
    if (this.signer && !signature) throw badChunkSignature();
    this.#expectedSignature = signature;
    if (size === 0) {
      this.#endChunk();
      this.#readTrailers();
      return;
    }
    this.#remaining = size;
  }

  /** The final (zero-size) chunk's signature covers no data; every other one its chunk's bytes. */
  #endChunk(): void {
    if (!this.signer) return;
    const hash = this.#chunkHash.digest('hex');
    this.#chunkHash = createHash('sha256');
    const stringToSign = ['AWS4-HMAC-SHA256-PAYLOAD', this.signer.amzDate, this.signer.scope, this.#previousSignature, EMPTY_SHA256, hash].join('\n');
    const expected = Buffer.from(signatureOf(this.signer.signingKey, stringToSign), 'hex');
    const given = Buffer.from(this.#expectedSignature ?? '', 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw badChunkSignature();
    this.#previousSignature = this.#expectedSignature;
  }

  /** Trailing headers after the last chunk, up to the empty line (or the body's end). */
  #readTrailers(): void {
    this.#done = true;
    const rest = this.#buffer.toString('latin1');
    this.#buffer = Buffer.alloc(0);
    this.#pendingTrailers = rest;
  }

  #collectTrailers(): void {
    for (const line of this.#pendingTrailers.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      this.trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
  }
}
