import { createHash, createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { testSigner } from './test-signer.js';
import type { Principal } from '../../auth/index.js';
import { OrchardError } from '../../core/index.js';
import { SigV4Authenticator, type AccessKeySource } from './authenticator.js';
import { canonicalPath, canonicalQuery, hmacSha256, hmacSha256Hex } from './canonical.js';
import { isSigV4Request, type SignedRequest } from './parse.js';

const KEY_ID = 'AKORTESTKEY000000001';
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';


/** Signs as botocore signs JSON services: no x-amz-content-sha256 header, the signature covers the body. */
function signer(service: string, secret = SECRET, region = 'eu-north-1') {
  return testSigner({ service, region, accessKeyId: KEY_ID, secretAccessKey: secret, applyChecksum: false });
}

const principal: Principal = { user: { id: 'usr_1', name: 'ana', role: 'member', hasPassword: false, createdAt: '2026-01-01T00:00:00.000Z', disabledAt: null }, tokenId: null, accessKeyId: KEY_ID };

function keys(overrides: Partial<AccessKeySource> = {}): AccessKeySource & { touched: string[] } {
  const touched: string[] = [];
  return {
    touched,
    async resolve(id) {
      if (id !== KEY_ID) throw new OrchardError('ORCH_SIGV4_UNKNOWN_KEY');
      return { secretAccessKey: SECRET, principal };
    },
    async touch(id) {
      touched.push(id);
    },
    ...overrides,
  };
}

interface Outgoing {
  method: string;
  path: string;
  query?: Record<string, string | string[]>;
  headers: Record<string, string>;
  body?: string;
}

/** The request as a server receives it: the path as sent, the query string as sent, lower-case headers. */
function received(req: { method: string; path: string; query?: Record<string, string | string[]>; headers: Record<string, string> }): SignedRequest {
  const pairs: string[] = [];
  for (const [k, v] of Object.entries(req.query ?? {})) for (const value of Array.isArray(v) ? v : [v]) pairs.push(`${encodeURIComponent(k)}=${encodeURIComponent(value)}`);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = v;
  return { method: req.method, url: req.path + (pairs.length ? `?${pairs.join('&')}` : ''), headers };
}

async function signed(service: string, out: Outgoing, options: { secret?: string; signingDate?: Date; region?: string } = {}): Promise<SignedRequest> {
  const request = { protocol: 'http:', hostname: '127.0.0.1', port: 8080, query: {}, ...out, headers: { host: '127.0.0.1:8080', ...out.headers } };
  const result = await signer(service, options.secret, options.region).sign(request, { signingDate: options.signingDate });
  return received(result as unknown as Outgoing);
}

async function presigned(service: string, out: Outgoing, options: { signingDate?: Date; expiresIn?: number } = {}): Promise<SignedRequest> {
  const request = { protocol: 'http:', hostname: '127.0.0.1', port: 8080, query: {}, ...out, headers: { host: '127.0.0.1:8080', ...out.headers } };
  const result = await signer(service).presign(request, { signingDate: options.signingDate, expiresIn: options.expiresIn ?? 300 });
  return received(result as unknown as Outgoing);
}

async function refusal(promise: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (err) {
    return (err as OrchardError).code;
  }
  return 'accepted';
}

const JSON_BODY = '{"EndpointName":"churn","Body":"1,2,3"}';

describe('SigV4 verification against the real signer', () => {
  it('accepts a JSON-protocol request whose signature covers the body, and only with that body', async () => {
    const source = keys();
    const auth = new SigV4Authenticator(source);
    const req = await signed('sagemaker', { method: 'POST', path: '/', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'SageMaker.ListEndpoints' }, body: JSON_BODY });
    expect(isSigV4Request(req)).toBe(true);
    const pending = await auth.authenticate(req);
    expect(pending.needsBodyHash).toBe(true);
    expect(pending.verified).toBe(false);
    expect(pending.principal.user.name).toBe('ana');
    pending.complete(Buffer.from(JSON_BODY));
    expect(pending.verified).toBe(true);
    expect(source.touched).toEqual([KEY_ID]);
    // The same headers with another body: the signature no longer matches.
    expect(await refusal(() => auth.authenticate(req, Buffer.from(JSON_BODY.replace('churn', 'other'))))).toBe('ORCH_SIGV4_SIGNATURE_MISMATCH');
  });

  it('accepts any region and service name', async () => {
    const auth = new SigV4Authenticator(keys());
    for (const [service, region] of [['sagemaker', 'us-east-1'], ['sagemaker', 'orchard'], ['execute-api', 'ap-southeast-2']]) {
      const req = await signed(service, { method: 'POST', path: '/endpoints/churn/invocations', headers: { 'content-type': 'text/csv' }, body: '1,2' }, { region });
      expect((await auth.authenticate(req, Buffer.from('1,2'))).verified).toBe(true);
    }
  });

  it('rejects tampering with the method, path, query, a signed header, the scope or the signature', async () => {
    const auth = new SigV4Authenticator(keys());
    const req = await signed('sagemaker', { method: 'POST', path: '/endpoints/churn/invocations', query: { a: '1' }, headers: { 'content-type': 'text/csv', 'x-amzn-sagemaker-target-variant': 'blue' }, body: '1,2' });
    const body = Buffer.from('1,2');
    expect((await auth.authenticate(req, body)).verified).toBe(true);
    const tampered: SignedRequest[] = [
      { ...req, method: 'PUT' },
      { ...req, url: req.url!.replace('churn', 'churm') },
      { ...req, url: req.url!.replace('a=1', 'a=2') },
      { ...req, url: `${req.url}&b=1` },
      { ...req, headers: { ...req.headers, 'x-amzn-sagemaker-target-variant': 'green' } },
      { ...req, headers: { ...req.headers, host: 'evil.example:8080' } },
      { ...req, headers: { ...req.headers, authorization: (req.headers.authorization as string).replace('eu-north-1', 'eu-west-1') } },
      { ...req, headers: { ...req.headers, authorization: (req.headers.authorization as string).replace(/Signature=(.)/, (_m, c: string) => `Signature=${c === '0' ? '1' : '0'}`) } },
    ];
    for (const t of tampered) expect(await refusal(auth.authenticate(t, body))).toBe('ORCH_SIGV4_SIGNATURE_MISMATCH');
    // An unsigned header may change (a proxy adds some): it is not part of the signature.
    expect((await auth.authenticate({ ...req, headers: { ...req.headers, 'x-forwarded-for': '10.0.0.1' } }, body)).verified).toBe(true);
  });

  it('refuses a wrong secret, an unknown key and a malformed header with their own codes', async () => {
    const auth = new SigV4Authenticator(keys());
    const bad = await signed('sagemaker', { method: 'POST', path: '/', headers: { 'x-amz-target': 'SageMaker.ListEndpoints' }, body: '{}' }, { secret: 'not-the-secret' });
    expect(await refusal(auth.authenticate(bad, Buffer.from('{}')))).toBe('ORCH_SIGV4_SIGNATURE_MISMATCH');
    const unknown = { ...bad, headers: { ...bad.headers, authorization: (bad.headers.authorization as string).replace(KEY_ID, 'AKORNOSUCHKEY0000000') } };
    expect(await refusal(auth.authenticate(unknown, Buffer.from('{}')))).toBe('ORCH_SIGV4_UNKNOWN_KEY');
    const noSignature = { ...bad, headers: { ...bad.headers, authorization: (bad.headers.authorization as string).replace(/, Signature=.*/, '') } };
    expect(await refusal(auth.authenticate(noSignature))).toBe('ORCH_SIGV4_MALFORMED');
    const hostUnsigned = { ...bad, headers: { ...bad.headers, authorization: (bad.headers.authorization as string).replace('SignedHeaders=host;', 'SignedHeaders=') } };
    expect(await refusal(auth.authenticate(hostUnsigned))).toBe('ORCH_SIGV4_MALFORMED');
  });

  it('allows 15 minutes of clock skew either way, not more', async () => {
    const now = new Date('2026-12-02T22:00:00Z');
    const auth = new SigV4Authenticator(keys(), { now: () => now });
    const at = async (offsetMinutes: number) => {
      const req = await signed('sagemaker', { method: 'POST', path: '/', headers: {}, body: '{}' }, { signingDate: new Date(now.getTime() + offsetMinutes * 60_000) });
      return refusal(auth.authenticate(req, Buffer.from('{}')));
    };
    expect(await at(-14)).toBe('accepted');
    expect(await at(14)).toBe('accepted');
    expect(await at(-20)).toBe('ORCH_SIGV4_TIME_SKEWED');
    expect(await at(16)).toBe('ORCH_SIGV4_TIME_SKEWED');
    const old = await signed('sagemaker', { method: 'POST', path: '/', headers: {}, body: '{}' }, { signingDate: new Date(now.getTime() - 20 * 60_000) });
    await expect(auth.authenticate(old, Buffer.from('{}'))).rejects.toThrow(/^Signature expired: \d{8}T\d{6}Z is now earlier than/);
  });

  it('double-encodes the path for every service but S3, as the signers do', async () => {
    const auth = new SigV4Authenticator(keys());
    // A name the client percent-encodes once on the wire (the runtime's EndpointName is plain; S3 keys are not).
    const runtime = await signed('sagemaker', { method: 'POST', path: '/endpoints/a%20b/./invocations', headers: {}, body: 'x' });
    expect((await auth.authenticate(runtime, Buffer.from('x'))).verified).toBe(true);
    expect(canonicalPath('/endpoints/a%20b/./invocations', 'sagemaker')).toBe('/endpoints/a%2520b/invocations');
    const s3 = await signed('s3', { method: 'PUT', path: '/s3/orchard/data/my%20file%2Bv1.csv', headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    const verified = await auth.authenticate(s3);
    expect(verified.verified).toBe(true);
    expect(canonicalPath('/s3/orchard/data/my%20file%2Bv1.csv', 's3')).toBe('/s3/orchard/data/my%20file%2Bv1.csv');
  });

  it('verifies an S3 request at once from x-amz-content-sha256: a hex hash, UNSIGNED-PAYLOAD or a STREAMING value', async () => {
    const auth = new SigV4Authenticator(keys());
    const body = 'a,b\n1,2\n';
    const hash = createHash('sha256').update(body).digest('hex');
    const put = await signed('s3', { method: 'PUT', path: '/s3/orchard/train.csv', headers: { 'x-amz-content-sha256': hash, 'content-type': 'text/csv' }, body });
    const verified = await auth.authenticate(put);
    expect(verified.verified).toBe(true);
    expect(verified.expectedBodySha256).toBe(hash);
    expect(() => verified.complete(Buffer.from('other'))).toThrow(expect.objectContaining({ code: 'ORCH_SIGV4_PAYLOAD_MISMATCH' }));
    verified.complete(Buffer.from(body));
    // A declared hash is part of the signature: changing it breaks the signature.
    const swapped = { ...put, headers: { ...put.headers, 'x-amz-content-sha256': createHash('sha256').update('x').digest('hex') } };
    expect(await refusal(auth.authenticate(swapped))).toBe('ORCH_SIGV4_SIGNATURE_MISMATCH');
    for (const declared of ['STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'STREAMING-UNSIGNED-PAYLOAD-TRAILER']) {
      const req = await signed('s3', { method: 'PUT', path: '/s3/orchard/big.bin', headers: { 'x-amz-content-sha256': declared, 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': '10' } });
      const ok = await auth.authenticate(req);
      expect(ok.verified).toBe(true);
      expect(ok.expectedBodySha256).toBeUndefined();
      expect(ok.signing.seedSignature).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('accepts presigned URLs until X-Amz-Expires, then refuses them as expired', async () => {
    const now = new Date('2026-12-02T22:00:00Z');
    let clock = now;
    const auth = new SigV4Authenticator(keys(), { now: () => clock });
    // As S3 clients presign: the payload is UNSIGNED-PAYLOAD (the signer hoists the header into the query).
    const get = await presigned('s3', { method: 'GET', path: '/s3/orchard/model.tar.gz', query: { 'response-content-type': 'application/gzip' }, headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } }, { signingDate: now, expiresIn: 600 });
    expect(get.url).toContain('X-Amz-Signature=');
    expect((await auth.authenticate(get)).verified).toBe(true);
    const edited = { ...get, url: get.url!.replace('application%2Fgzip', 'text%2Fhtml') };
    expect(await refusal(auth.authenticate(edited))).toBe('ORCH_SIGV4_SIGNATURE_MISMATCH');
    clock = new Date(now.getTime() + 601_000);
    expect(await refusal(auth.authenticate(get))).toBe('ORCH_SIGV4_EXPIRED');
  });

  it('accepts a presigned URL of a JSON service, whose body hash is the body', async () => {
    const auth = new SigV4Authenticator(keys());
    const req = await presigned('sagemaker', { method: 'POST', path: '/', headers: {}, body: '' });
    expect((await auth.authenticate(req, Buffer.alloc(0))).verified).toBe(true);
  });

  it("joins a repeated header's values with commas, as received apart", async () => {
    const auth = new SigV4Authenticator(keys());
    // The client signs the values joined by ','; Node's `headers` would join them with ', '.
    const req = await signed('sagemaker', { method: 'POST', path: '/', headers: { 'x-amz-meta-tag': 'a,b' }, body: '{}' });
    const received: SignedRequest = { ...req, headers: { ...req.headers, 'x-amz-meta-tag': 'a, b' }, headersDistinct: { ...Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, [v as string]])), 'x-amz-meta-tag': ['a', 'b'] } };
    expect((await auth.authenticate(received, Buffer.from('{}'))).verified).toBe(true);
    // With Node's raw lines: a repeated name takes the values apart; none repeated, `headers` as they are.
    const raw = (h: Record<string, string | string[] | undefined>) => Object.entries(h).flatMap(([k, v]) => (Array.isArray(v) ? v.flatMap((x) => [k, x]) : [k, v as string]));
    expect((await auth.authenticate({ ...received, rawHeaders: raw(received.headersDistinct!) }, Buffer.from('{}'))).verified).toBe(true);
    const single = await signed('sagemaker', { method: 'POST', path: '/', headers: { 'x-amz-meta-tag': 'a,b' }, body: '{}' });
    expect((await auth.authenticate({ ...single, rawHeaders: raw(single.headers), headersDistinct: {} }, Buffer.from('{}'))).verified).toBe(true);
  });

  it('checks every request whose header text before the signature it has read already (the repeated part is parsed once)', async () => {
    const auth = new SigV4Authenticator(keys());
    const at = new Date();
    const first = await signed('sagemaker', { method: 'POST', path: '/endpoints/churn/invocations', headers: { 'content-type': 'text/csv' }, body: '1,2' }, { signingDate: at });
    const second = await signed('sagemaker', { method: 'POST', path: '/endpoints/churn/invocations', headers: { 'content-type': 'text/csv' }, body: '3,4' }, { signingDate: at });
    const prefix = (h: SignedRequest) => (h.headers.authorization as string).split(', Signature=')[0];
    expect(prefix(first)).toBe(prefix(second));
    // A signature may be repeated within its 15 minutes, as AWS allows.
    for (let i = 0; i < 2; i++) expect((await auth.authenticate(first, Buffer.from('1,2'))).verified).toBe(true);
    expect((await auth.authenticate(second, Buffer.from('3,4'))).verified).toBe(true);
    // Same prefix: the body, the signing time and the signature are still checked.
    expect(await refusal(auth.authenticate(first, Buffer.from('3,4')))).toBe('ORCH_SIGV4_SIGNATURE_MISMATCH');
    expect(await refusal(auth.authenticate({ ...first, headers: { ...first.headers, authorization: second.headers.authorization } }, Buffer.from('1,2')))).toBe('ORCH_SIGV4_SIGNATURE_MISMATCH');
    const later = new Date(at.getTime() + 1000);
    const laterDate = later.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
    expect(await refusal(auth.authenticate({ ...first, headers: { ...first.headers, 'x-amz-date': laterDate } }, Buffer.from('1,2')))).toBe('ORCH_SIGV4_SIGNATURE_MISMATCH');
    expect(await refusal(auth.authenticate({ ...first, headers: { ...first.headers, 'x-amz-date': '20200101T000000Z' } }, Buffer.from('1,2')))).toBe('ORCH_SIGV4_MALFORMED');
    const upper = (first.headers.authorization as string).replace(/Signature=([0-9a-f]+)/, (_m, sig: string) => `Signature=${sig.toUpperCase()}`);
    expect((await auth.authenticate({ ...first, headers: { ...first.headers, authorization: upper } }, Buffer.from('1,2'))).verified).toBe(true);
  });

  it('refuses a signature that is not 64 hex digits after a header text it has read already, with AWS-shaped codes and no exception', async () => {
    const auth = new SigV4Authenticator(keys());
    const req = await signed('sagemaker', { method: 'POST', path: '/endpoints/churn/invocations', headers: { 'content-type': 'text/csv' }, body: '1,2' });
    const body = Buffer.from('1,2');
    // Read once: the text before the signature is known from here on.
    expect((await auth.authenticate(req, body)).verified).toBe(true);
    const header = req.headers.authorization as string;
    const signature = header.slice(header.length - 64);
    const withSignature = (value: string): SignedRequest => ({ ...req, headers: { ...req.headers, authorization: header.slice(0, header.length - 64) + value } });
    const wrong = [
      `${signature.slice(0, 63)}g`, // a non-hex digit where hex decoding stops
      `${signature.slice(0, 62)}zz`,
      `${signature.slice(0, 32)}${' '.repeat(32)}`,
      `${signature.slice(0, 50)}, Foo=bar12345`, // 64 characters, another field inside
      `${signature.slice(0, 63)}${String.fromCharCode(0x100 | signature.charCodeAt(63))}`, // beyond ASCII, its low byte the right digit
      signature.slice(0, 63), // one digit short
      `${signature}0`, // one digit long
      `${signature}${signature}`,
      '',
    ];
    for (const value of wrong) {
      const code = await refusal(auth.authenticate(withSignature(value), body));
      expect(['ORCH_SIGV4_SIGNATURE_MISMATCH', 'ORCH_SIGV4_MALFORMED'], `signature ${JSON.stringify(value)} gave ${code}`).toContain(code);
    }
    // A header in another layout (extra spaces, fields in another order) is read in full and still checked.
    const spaced = header.replace(', Signature=', ',   Signature=');
    expect((await auth.authenticate({ ...req, headers: { ...req.headers, authorization: spaced } }, body)).verified).toBe(true);
    const reordered = `AWS4-HMAC-SHA256 Signature=${signature}, ${header.slice('AWS4-HMAC-SHA256 '.length, header.length - 64 - ', Signature='.length)}`;
    expect((await auth.authenticate({ ...req, headers: { ...req.headers, authorization: reordered } }, body)).verified).toBe(true);
    // The known text with a signature for another body is still refused, and the original still accepted.
    expect(await refusal(auth.authenticate(req, Buffer.from('3,4')))).toBe('ORCH_SIGV4_SIGNATURE_MISMATCH');
    expect((await auth.authenticate(req, body)).verified).toBe(true);
  });

  it('computes HMAC-SHA256 for keys used in turn (the pads of the last key are kept) as node:crypto does', () => {
    const keysInTurn = [randomBytes(32), randomBytes(32), randomBytes(16)];
    for (let round = 0; round < 3; round++) {
      for (const key of [...keysInTurn, keysInTurn[0], keysInTurn[0]]) {
        const message = `AWS4-HMAC-SHA256\n20261203T000000Z\nscope\n${round}`;
        expect(hmacSha256Hex(key, message)).toBe(createHmac('sha256', key).update(message, 'utf8').digest('hex'));
        expect(hmacSha256(key, message).equals(createHmac('sha256', key).update(message, 'utf8').digest())).toBe(true);
      }
    }
  });

  it('computes HMAC-SHA256 as node:crypto does, for short and long messages', () => {
    const key = randomBytes(32);
    for (const message of ['', 'AWS4-HMAC-SHA256\n20261203T000000Z\nscope\nabc', 'é✓'.repeat(300), 'x'.repeat(5000)]) {
      expect(hmacSha256Hex(key, message)).toBe(createHmac('sha256', key).update(message, 'utf8').digest('hex'));
    }
    const longKey = randomBytes(80);
    expect(hmacSha256Hex(longKey, 'm')).toBe(createHmac('sha256', longKey).update('m').digest('hex'));
  });

  it('builds the canonical query as the specification says', () => {
    expect(canonicalQuery('b=2&a=3&a=1&c&X-Amz-Signature=abc&sp%20ace=a+b')).toBe('a=1&a=3&b=2&c=&sp%20ace=a%2Bb');
    expect(canonicalQuery('k=%7E%2a')).toBe('k=~%2A');
  });
});
