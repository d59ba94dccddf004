import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { AwsChunkedDecoder, type ChunkSigner } from './aws-chunked.js';
import { BodyCheck, announcedChecksum, type BodyCheckOptions } from './body-check.js';
import { S3Error, malformedXml } from './s3-error.js';
import { parseXml } from './xml.js';

/** Largest XML document a request may send (DeleteObjects of 1,000 long keys fits). */
const MAX_XML_BYTES = 2 * 1024 * 1024;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** A request's body as its decoded bytes, with the checks it announced and its decoded size. */
export interface RequestBody {
  stream: Readable;
  size?: number;
  check: BodyCheckOptions;
}

/**
 * The body of a write: aws-chunked framing removed (`Content-Encoding: aws-chunked` or a
 * `STREAMING-…` payload hash; chunk signatures checked when `signer` is given), and the
 * checks the request announced: `Content-MD5`, a hex `x-amz-content-sha256`, an
 * `x-amz-checksum-*` header or trailer.
 */
export function requestBody(raw: Readable | undefined, headers: IncomingHttpHeaders, signer?: ChunkSigner): RequestBody {
  const source = raw ?? Readable.from([]);
  const payloadHash = header(headers, 'x-amz-content-sha256');
  const chunked = /(^|,)\s*aws-chunked\s*(,|$)/i.test(header(headers, 'content-encoding') ?? '') || Boolean(payloadHash?.startsWith('STREAMING-'));
  const check: BodyCheckOptions = {
    contentMd5: header(headers, 'content-md5'),
    sha256Hex: payloadHash && /^[0-9a-fA-F]{64}$/.test(payloadHash) ? payloadHash : undefined,
    checksum: announcedChecksum(headers),
  };
  const sizeHeader = chunked ? header(headers, 'x-amz-decoded-content-length') : header(headers, 'content-length');
  const size = sizeHeader !== undefined && /^\d+$/.test(sizeHeader) ? Number(sizeHeader) : undefined;
  if (!chunked) return { stream: source, size, check };
  const signed = payloadHash === 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' || payloadHash === 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';
  const decoder = new AwsChunkedDecoder(signed ? signer : undefined);
  source.on('error', (err) => decoder.destroy(err));
  return { stream: source.pipe(decoder), size, check: { ...check, trailers: () => decoder.trailers } };
}

/** Reads and checks a small XML request body (DeleteObjects, CompleteMultipartUpload). */
export async function readXmlBody(body: RequestBody): Promise<Record<string, unknown>> {
  const check = await BodyCheck.create(body.check);
  let refused: S3Error | undefined;
  body.stream.on('error', (err) => {
    if (err instanceof S3Error) refused ??= err;
    check.destroy(err);
  });
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of body.stream.pipe(check) as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > MAX_XML_BYTES) throw new S3Error('MaxMessageLengthExceeded', 400, 'Your request was too big.');
      chunks.push(chunk);
    }
  } catch (err) {
    throw refused ?? check.failure ?? err;
  }
  const doc = parseXml(Buffer.concat(chunks).toString('utf8'));
  if (!doc) throw malformedXml();
  return doc;
}
