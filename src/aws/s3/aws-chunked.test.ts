import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { EMPTY_SHA256, signatureOf, signingKey } from '../sigv4/index.js';
import { AwsChunkedDecoder, type ChunkSigner } from './aws-chunked.js';
import { BodyCheck, type BodyCheckOptions, type ChecksumAlgorithm } from './body-check.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Decodes `body` fed in pieces of `step` bytes (framing split anywhere must not matter). */
async function decode(body: Buffer, signer?: ChunkSigner, step = body.length): Promise<{ data: Buffer; trailers: Record<string, string> }> {
  const pieces: Buffer[] = [];
  for (let i = 0; i < body.length; i += step) pieces.push(body.subarray(i, i + step));
  const decoder = new AwsChunkedDecoder(signer);
  const out: Buffer[] = [];
  for await (const chunk of Readable.from(pieces).pipe(decoder) as AsyncIterable<Buffer>) out.push(chunk);
  return { data: Buffer.concat(out), trailers: decoder.trailers };
}

/** An aws-chunked body as the SDKs frame it; with a signer, each chunk signed in the chain from the seed. */
function frame(chunks: Buffer[], options: { signer?: ChunkSigner; trailer?: string } = {}): Buffer {
  let previous = options.signer?.seedSignature;
  const parts: Buffer[] = [];
  for (const chunk of [...chunks, Buffer.alloc(0)]) {
    let ext = '';
    if (options.signer) {
      const toSign = ['AWS4-HMAC-SHA256-PAYLOAD', options.signer.amzDate, options.signer.scope, previous, EMPTY_SHA256, sha256(chunk)].join('\n');
      previous = signatureOf(options.signer.signingKey, toSign);
      ext = `;chunk-signature=${previous}`;
    }
    parts.push(Buffer.from(`${chunk.length.toString(16)}${ext}\r\n`), chunk);
    if (chunk.length > 0) parts.push(Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(options.trailer ? `${options.trailer}\r\n\r\n` : '\r\n'));
  return Buffer.concat(parts);
}

const signer: ChunkSigner = {
  signingKey: signingKey('secret-of-the-test-0000000000000000000000', '20261202', 'us-east-1', 's3'),
  amzDate: '20261202T120000Z',
  scope: '20261202/us-east-1/s3/aws4_request',
  seedSignature: 'a'.repeat(64),
};

describe('aws-chunked bodies', () => {
  const chunks = [Buffer.alloc(65_536, 7), Buffer.from('tail bytes')];

  it('decodes unsigned chunks with a trailing checksum, however the bytes arrive', async () => {
    const body = frame(chunks, { trailer: 'x-amz-checksum-crc32:AbCdEf==' });
    for (const step of [1, 7, 4096, body.length]) {
      const { data, trailers } = await decode(body, undefined, step);
      expect(data.equals(Buffer.concat(chunks)), `step ${step}`).toBe(true);
      expect(trailers).toEqual({ 'x-amz-checksum-crc32': 'AbCdEf==' });
    }
  });

  it('checks the chain of chunk signatures from the request signature', async () => {
    const body = frame(chunks, { signer });
    const { data } = await decode(body, signer, 1000);
    expect(data.equals(Buffer.concat(chunks))).toBe(true);

    // One byte changed in the data: its chunk's signature no longer matches.
    const tampered = Buffer.from(body);
    tampered[200] ^= 1;
    await expect(decode(tampered, signer)).rejects.toMatchObject({ s3Code: 'SignatureDoesNotMatch' });
    // Chunks signed from another seed (a replayed body) are refused too.
    await expect(decode(frame(chunks, { signer: { ...signer, seedSignature: 'b'.repeat(64) } }), signer)).rejects.toMatchObject({ s3Code: 'SignatureDoesNotMatch' });
    // A signed upload whose chunks carry no signature.
    await expect(decode(frame(chunks), signer)).rejects.toMatchObject({ s3Code: 'SignatureDoesNotMatch' });
  });

  it('refuses a body cut before its last chunk and bad framing', async () => {
    const body = frame(chunks);
    await expect(decode(body.subarray(0, 30_000))).rejects.toMatchObject({ s3Code: 'IncompleteBody' });
    await expect(decode(Buffer.from('zz\r\nabc\r\n0\r\n\r\n'))).rejects.toMatchObject({ s3Code: 'InvalidRequest' });
    await expect(decode(Buffer.from('3\r\nabcX\r\n0\r\n\r\n'))).rejects.toMatchObject({ s3Code: 'InvalidRequest' });
  });
});

describe('body checks', () => {
  const check = async (data: string, options: BodyCheckOptions) => {
    const body = await BodyCheck.create(options);
    const out: Buffer[] = [];
    for await (const chunk of Readable.from([Buffer.from(data)]).pipe(body) as AsyncIterable<Buffer>) out.push(chunk);
    return body;
  };

  it('verifies every checksum algorithm S3 clients send (check values of "123456789")', async () => {
    const vectors: Record<string, string> = {
      crc32: Buffer.from('cbf43926', 'hex').toString('base64'),
      crc32c: Buffer.from('e3069283', 'hex').toString('base64'),
      crc64nvme: Buffer.from('ae8b14860a799888', 'hex').toString('base64'),
      sha1: createHash('sha1').update('123456789').digest('base64'),
      sha256: createHash('sha256').update('123456789').digest('base64'),
    };
    for (const [algorithm, value] of Object.entries(vectors)) {
      const body = await check('123456789', { checksum: { algorithm: algorithm as ChecksumAlgorithm, value } });
      expect(body.checksumValue, algorithm).toBe(value);
      expect(body.md5Hex).toBe(createHash('md5').update('123456789').digest('hex'));
      await expect(check('123456780', { checksum: { algorithm: algorithm as ChecksumAlgorithm, value } }), algorithm).rejects.toMatchObject({ s3Code: 'BadDigest' });
    }
  });

  it('checks Content-MD5 and a signed x-amz-content-sha256', async () => {
    await expect(check('abc', { contentMd5: createHash('md5').update('abd').digest('base64') })).rejects.toMatchObject({ s3Code: 'BadDigest' });
    await expect(check('abc', { contentMd5: 'not-an-md5' })).rejects.toMatchObject({ s3Code: 'InvalidDigest' });
    await expect(check('abc', { sha256Hex: sha256(Buffer.from('abd')) })).rejects.toMatchObject({ s3Code: 'XAmzContentSHA256Mismatch' });
    await expect(check('abc', { sha256Hex: sha256(Buffer.from('abc')), contentMd5: createHash('md5').update('abc').digest('base64') })).resolves.toBeInstanceOf(BodyCheck);
  });
});
