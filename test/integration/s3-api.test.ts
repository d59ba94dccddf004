import { createHash, randomBytes } from 'node:crypto';
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMPTY_SHA256, signatureOf, signingKey } from '../../src/aws/sigv4/index.js';
import { testSigner } from '../../src/aws/sigv4/test-signer.js';
import { backends } from '../support/backends.js';
import { startServer, type RunningServer } from '../support/server.js';
import { createAccessKey, s3Credentials, type S3Credentials } from '../support/s3-api.js';

const md5 = (data: Buffer | string) => createHash('md5').update(data).digest('hex');
const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** Debian's AWS CLI (`apt-get install awscli`), when installed. */
const AWS_CLI = '/usr/bin/aws';
const hasAwsCli = fs.existsSync(AWS_CLI);

/** Debian's boto3 (`apt-get install python3-boto3`), when installed. */
const PYTHON = '/usr/bin/python3';
const hasBoto3 = fs.existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import boto3'], { stdio: 'ignore' }).status === 0;

/** The boto3 side of the test: upload (multipart above 8 MiB), list with url-encoded keys, ranges, presign, errors. */
const BOTO3_SCRIPT = `
import boto3, json, os, sys, urllib.request
from botocore.config import Config
endpoint, key_id, secret, folder = sys.argv[1:5]
def client(secret):
    return boto3.client('s3', endpoint_url=endpoint, region_name='us-east-1', aws_access_key_id=key_id, aws_secret_access_key=secret,
                        config=Config(signature_version='s3v4', s3={'addressing_style': 'path'}, retries={'max_attempts': 0}))
s3 = client(secret)
out = {}
big = os.urandom(9 * 1024 * 1024 + 5)
open(os.path.join(folder, 'big.bin'), 'wb').write(big)
s3.upload_file(os.path.join(folder, 'big.bin'), 'orchard', 'py/big file+plus.bin')
s3.put_object(Bucket='orchard', Key='py/small \u00e9.txt', Body=b'hello', ContentType='text/plain')
out['keys'] = [[o['Key'], o['Size']] for o in s3.list_objects_v2(Bucket='orchard', Prefix='py/')['Contents']]
out['etag'] = s3.head_object(Bucket='orchard', Key='py/big file+plus.bin')['ETag']
s3.download_file('orchard', 'py/big file+plus.bin', os.path.join(folder, 'back.bin'))
out['same'] = open(os.path.join(folder, 'back.bin'), 'rb').read() == big
out['range'] = s3.get_object(Bucket='orchard', Key='py/small \u00e9.txt', Range='bytes=1-2')['Body'].read().decode()
url = s3.generate_presigned_url('get_object', Params={'Bucket': 'orchard', 'Key': 'py/small \u00e9.txt'}, ExpiresIn=60)
out['presigned'] = urllib.request.urlopen(url).read().decode()
try:
    s3.get_object(Bucket='orchard', Key='py/none')
except s3.exceptions.NoSuchKey:
    out['missing'] = 'NoSuchKey'
try:
    client('x' * 40).list_objects_v2(Bucket='orchard')
except Exception as e:
    out['badSecret'] = e.response['Error']['Code']
print(json.dumps(out))
`;

/** A request sent with its path exactly as given (fetch would resolve `%2e%2e` segments before sending). */
function rawRequest(base: string, path: string, init: { method: string; token: string; body?: string }): Promise<{ status: number; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path, method: init.method, headers: { authorization: `Bearer ${init.token}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/** The error a call raised, for asserting on its S3 code. */
async function failure(promise: Promise<unknown>): Promise<S3ServiceException> {
  try {
    await promise;
  } catch (err) {
    return err as S3ServiceException;
  }
  throw new Error('expected the call to fail');
}

for (const backend of backends) {
  describe(`S3-compatible API at /s3 with the AWS SDK (${backend.name})`, () => {
    let server: RunningServer;
    let teardown: () => Promise<void>;
    let endpoint: string;
    let creds: S3Credentials;
    let s3: S3Client;
    const bearer = (init: RequestInit = {}): RequestInit => ({ ...init, headers: { authorization: `Bearer ${server.adminToken}`, ...(init.headers as Record<string, string>) } });

    beforeAll(async () => {
      const env = await backend.setup();
      teardown = env.teardown;
      server = await startServer(env.env);
      const health = (await (await fetch(`${server.url}/healthz`)).json()) as { s3Endpoint: string; s3Bucket: string };
      expect(health.s3Bucket).toBe('orchard');
      endpoint = health.s3Endpoint;
      creds = await s3Credentials(server);
      s3 = creds.client(endpoint);
    }, 60_000);
    afterAll(async () => {
      s3?.destroy();
      await server?.stop();
      await teardown?.();
    });

    it('reports its endpoint in /healthz, lists the one bucket and answers HeadBucket', async () => {
      expect(endpoint).toBe(`${server.url}/s3`);
      const buckets = await s3.send(new ListBucketsCommand({}));
      expect(buckets.Buckets?.map((b) => b.Name)).toEqual(['orchard']);
      await s3.send(new HeadBucketCommand({ Bucket: 'orchard' }));
      const missing = await failure(s3.send(new HeadBucketCommand({ Bucket: 'other-bucket' })));
      expect(missing.$metadata.httpStatusCode).toBe(404);
      const missingList = await failure(s3.send(new ListObjectsV2Command({ Bucket: 'other-bucket' })));
      expect(missingList.name).toBe('NoSuchBucket');
    });

    it('puts an object and gets it back whole, by range and by HeadObject, with its ETag, type and metadata', async () => {
      const body = 'label,x\n1,0.5\n0,0.25\n';
      const put = await s3.send(new PutObjectCommand({ Bucket: 'orchard', Key: 'data/train v1.csv', Body: body, ContentType: 'text/csv', Metadata: { origin: 'test' } }));
      expect(put.ETag).toBe(`"${md5(body)}"`);

      const got = await s3.send(new GetObjectCommand({ Bucket: 'orchard', Key: 'data/train v1.csv' }));
      expect(await got.Body!.transformToString()).toBe(body);
      expect(got.ETag).toBe(`"${md5(body)}"`);
      expect(got.ContentType).toBe('text/csv');
      expect(got.ContentLength).toBe(Buffer.byteLength(body));
      expect(got.Metadata).toEqual({ origin: 'test' });
      expect(got.LastModified).toBeInstanceOf(Date);

      const range = await s3.send(new GetObjectCommand({ Bucket: 'orchard', Key: 'data/train v1.csv', Range: 'bytes=8-12' }));
      expect(range.$metadata.httpStatusCode).toBe(206);
      expect(range.ContentRange).toBe(`bytes 8-12/${Buffer.byteLength(body)}`);
      expect(await range.Body!.transformToString()).toBe(body.slice(8, 13));
      const suffix = await s3.send(new GetObjectCommand({ Bucket: 'orchard', Key: 'data/train v1.csv', Range: 'bytes=-5' }));
      expect(await suffix.Body!.transformToString()).toBe(body.slice(-5));
      const beyond = await failure(s3.send(new GetObjectCommand({ Bucket: 'orchard', Key: 'data/train v1.csv', Range: 'bytes=1000-' })));
      expect(beyond.name).toBe('InvalidRange');

      const head = await s3.send(new HeadObjectCommand({ Bucket: 'orchard', Key: 'data/train v1.csv' }));
      expect(head.ContentLength).toBe(Buffer.byteLength(body));
      expect(head.ETag).toBe(`"${md5(body)}"`);

      // The object is the artifact store's: the artifacts API reads the same bytes.
      const viaApi = await fetch(`${server.url}/api/v1/artifacts/data/train%20v1.csv`, bearer());
      expect(await viaApi.text()).toBe(body);
    });

    it('answers NoSuchKey for a missing object, and NotFound for its HEAD', async () => {
      const missing = await failure(s3.send(new GetObjectCommand({ Bucket: 'orchard', Key: 'nothing/here.bin' })));
      expect(missing.name).toBe('NoSuchKey');
      expect(missing.$metadata.httpStatusCode).toBe(404);
      expect(missing.$metadata.requestId).toMatch(/^[0-9A-F]{16}$/);
      const head = await failure(s3.send(new HeadObjectCommand({ Bucket: 'orchard', Key: 'nothing/here.bin' })));
      expect(head.name).toBe('NotFound');
    });

    it('lists with a delimiter (common prefixes) and pages with continuation tokens', async () => {
      const keys = ['list/a/1.txt', 'list/a/2.txt', 'list/b/1.txt', 'list/c.txt', 'list/d.txt', 'list/e/f/g.txt'];
      for (const key of keys) await s3.send(new PutObjectCommand({ Bucket: 'orchard', Key: key, Body: key }));

      const top = await s3.send(new ListObjectsV2Command({ Bucket: 'orchard', Prefix: 'list/', Delimiter: '/' }));
      expect(top.Contents?.map((o) => o.Key)).toEqual(['list/c.txt', 'list/d.txt']);
      expect(top.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['list/a/', 'list/b/', 'list/e/']);
      expect(top.KeyCount).toBe(5);
      expect(top.Contents?.[0].ETag).toBe(`"${md5('list/c.txt')}"`);
      expect(top.Contents?.[0].Size).toBe('list/c.txt'.length);

      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: 'orchard', Prefix: 'list/', Delimiter: '/', MaxKeys: 2, ContinuationToken: token }));
        seen.push(...(page.CommonPrefixes ?? []).map((p) => p.Prefix!), ...(page.Contents ?? []).map((o) => o.Key!));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
        pages += 1;
      } while (token);
      expect(pages).toBe(3);
      expect(seen.sort()).toEqual(['list/a/', 'list/b/', 'list/c.txt', 'list/d.txt', 'list/e/']);

      const all = await s3.send(new ListObjectsV2Command({ Bucket: 'orchard', Prefix: 'list/', StartAfter: 'list/b/1.txt' }));
      expect(all.Contents?.map((o) => o.Key)).toEqual(['list/c.txt', 'list/d.txt', 'list/e/f/g.txt']);
      const partial = await s3.send(new ListObjectsV2Command({ Bucket: 'orchard', Prefix: 'list/a/1' }));
      expect(partial.Contents?.map((o) => o.Key)).toEqual(['list/a/1.txt']);
    });

    it('deletes one object and several at once, and copies one', async () => {
      await s3.send(new PutObjectCommand({ Bucket: 'orchard', Key: 'del/one', Body: 'one', ContentType: 'text/plain' }));
      await s3.send(new PutObjectCommand({ Bucket: 'orchard', Key: 'del/two', Body: 'two' }));
      await s3.send(new PutObjectCommand({ Bucket: 'orchard', Key: 'del/three', Body: 'three' }));

      const copied = await s3.send(new CopyObjectCommand({ Bucket: 'orchard', Key: 'del/copy', CopySource: 'orchard/del/one' }));
      expect(copied.CopyObjectResult?.ETag).toBe(`"${md5('one')}"`);
      const copy = await s3.send(new GetObjectCommand({ Bucket: 'orchard', Key: 'del/copy' }));
      expect(await copy.Body!.transformToString()).toBe('one');
      expect(copy.ContentType).toBe('text/plain');

      await s3.send(new DeleteObjectCommand({ Bucket: 'orchard', Key: 'del/one' }));
      expect((await failure(s3.send(new HeadObjectCommand({ Bucket: 'orchard', Key: 'del/one' })))).name).toBe('NotFound');
      const many = await s3.send(new DeleteObjectsCommand({ Bucket: 'orchard', Delete: { Objects: [{ Key: 'del/two' }, { Key: 'del/three' }, { Key: 'datasets/x' }] } }));
      expect(many.Deleted?.map((d) => d.Key).sort()).toEqual(['del/three', 'del/two']);
      expect(many.Errors?.map((e) => [e.Key, e.Code])).toEqual([['datasets/x', 'AccessDenied']]);
      const left = await s3.send(new ListObjectsV2Command({ Bucket: 'orchard', Prefix: 'del/' }));
      expect(left.Contents?.map((o) => o.Key)).toEqual(['del/copy']);
    });

    it('uploads more than 5 MiB in parts with lib-storage, with S3’s multipart ETag, and leaves no parts behind', async () => {
      const data = randomBytes(11 * 1024 * 1024 + 123);
      const upload = new Upload({ client: s3, params: { Bucket: 'orchard', Key: 'big/blob.bin', Body: data, ContentType: 'application/x-test' }, partSize: 5 * 1024 * 1024, queueSize: 2 });
      const done = await upload.done();
      const parts = [data.subarray(0, 5 << 20), data.subarray(5 << 20, 10 << 20), data.subarray(10 << 20)];
      const expected = `"${createHash('md5').update(Buffer.concat(parts.map((p) => createHash('md5').update(p).digest()))).digest('hex')}-3"`;
      expect(done.ETag).toBe(expected);

      const head = await s3.send(new HeadObjectCommand({ Bucket: 'orchard', Key: 'big/blob.bin' }));
      expect(head.ContentLength).toBe(data.length);
      expect(head.ETag).toBe(expected);
      expect(head.ContentType).toBe('application/x-test');
      const got = await s3.send(new GetObjectCommand({ Bucket: 'orchard', Key: 'big/blob.bin' }));
      expect(sha256(Buffer.from(await got.Body!.transformToByteArray()))).toBe(sha256(data));

      const leftovers = (await (await fetch(`${server.url}/api/v1/artifacts?prefix=s3-uploads`, bearer())).json()) as { items: unknown[] };
      expect(leftovers.items).toEqual([]);
    }, 60_000);

    it('lists the parts of an upload, refuses a wrong part ETag and aborts', async () => {
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'orchard', Key: 'mp/aborted.bin' }));
      const part = await s3.send(new UploadPartCommand({ Bucket: 'orchard', Key: 'mp/aborted.bin', UploadId, PartNumber: 1, Body: 'part one' }));
      expect(part.ETag).toBe(`"${md5('part one')}"`);
      const listed = await s3.send(new ListPartsCommand({ Bucket: 'orchard', Key: 'mp/aborted.bin', UploadId }));
      expect(listed.Parts?.map((p) => [p.PartNumber, p.ETag, p.Size])).toEqual([[1, part.ETag, 8]]);

      const { CompleteMultipartUploadCommand } = await import('@aws-sdk/client-s3');
      const wrong = await failure(
        s3.send(new CompleteMultipartUploadCommand({ Bucket: 'orchard', Key: 'mp/aborted.bin', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: `"${md5('other')}"` }] } })),
      );
      expect(wrong.name).toBe('InvalidPart');

      await s3.send(new AbortMultipartUploadCommand({ Bucket: 'orchard', Key: 'mp/aborted.bin', UploadId }));
      const gone = await failure(s3.send(new ListPartsCommand({ Bucket: 'orchard', Key: 'mp/aborted.bin', UploadId })));
      expect(gone.name).toBe('NoSuchUpload');
      const leftovers = (await (await fetch(`${server.url}/api/v1/artifacts?prefix=s3-uploads`, bearer())).json()) as { items: unknown[] };
      expect(leftovers.items).toEqual([]);
    });

    it('refuses traversal keys, platform folders and folder markers, and checks Content-MD5', async () => {
      for (const path of ['/s3/orchard/a/../../escape.txt', '/s3/orchard/a/%2e%2e/%2e%2e/escape.txt', '/s3/orchard/a/..%2F..%2Fescape.txt', '/s3/orchard/.orchard/meta/x', '/s3/orchard/a%5Cb', '/s3/orchard/a%00b']) {
        const res = await rawRequest(server.url, path, { method: 'PUT', token: server.adminToken, body: 'x' });
        expect(res.status, path).toBe(400);
        expect(res.body, path).toMatch(/<Code>InvalidArgument<\/Code>/);
      }
      const system = await failure(s3.send(new PutObjectCommand({ Bucket: 'orchard', Key: 'datasets/forged.csv', Body: 'x' })));
      expect(system.name).toBe('AccessDenied');
      const uploads = await failure(s3.send(new GetObjectCommand({ Bucket: 'orchard', Key: 's3-uploads/x/00001' })));
      expect(uploads.name).toBe('NoSuchKey');
      const marker = await failure(s3.send(new PutObjectCommand({ Bucket: 'orchard', Key: 'folder/', Body: '' })));
      expect(marker.name).toBe('InvalidArgument');
      if (backend.name.startsWith('SQLite')) {
        // The file store holds objects as files: `list/c.txt` is one, so it cannot be a folder too.
        const conflict = await failure(s3.send(new PutObjectCommand({ Bucket: 'orchard', Key: 'list/c.txt/inner', Body: 'x' })));
        expect(conflict.name).toBe('InvalidArgument');
        expect(conflict.$metadata.httpStatusCode).toBe(400);
      }

      const bad = await fetch(`${server.url}/s3/orchard/md5/checked.txt`, bearer({ method: 'PUT', body: 'hello', headers: { 'content-md5': createHash('md5').update('other').digest('base64') } }));
      expect(bad.status).toBe(400);
      const text = await bad.text();
      expect(text).toMatch(/<Code>BadDigest<\/Code>/);
      expect(bad.headers.get('x-amz-request-id')).toMatch(/^[0-9A-F]{16}$/);
      expect((await failure(s3.send(new HeadObjectCommand({ Bucket: 'orchard', Key: 'md5/checked.txt' })))).name).toBe('NotFound');
      const good = await fetch(`${server.url}/s3/orchard/md5/checked.txt`, bearer({ method: 'PUT', body: 'hello', headers: { 'content-md5': createHash('md5').update('hello').digest('base64') } }));
      expect(good.status).toBe(200);
      expect(good.headers.get('etag')).toBe(`"${md5('hello')}"`);
    });

    it('streams a body of unknown checksum as aws-chunked with a trailing CRC32, and refuses a wrong checksum', async () => {
      const chunks = [Buffer.alloc(70_000, 1), Buffer.alloc(3, 2), randomBytes(100_000)];
      const all = Buffer.concat(chunks);
      const put = await s3.send(new PutObjectCommand({ Bucket: 'orchard', Key: 'stream/body.bin', Body: Readable.from(chunks), ContentLength: all.length }));
      expect(put.ETag).toBe(`"${md5(all)}"`);
      const got = await s3.send(new GetObjectCommand({ Bucket: 'orchard', Key: 'stream/body.bin' }));
      expect(sha256(Buffer.from(await got.Body!.transformToByteArray()))).toBe(sha256(all));

      const wrong = await failure(s3.send(new PutObjectCommand({ Bucket: 'orchard', Key: 'stream/wrong.bin', Body: 'abc', ChecksumCRC32: 'AAAAAA==' })));
      expect(wrong.name).toBe('BadDigest');
      expect((await failure(s3.send(new HeadObjectCommand({ Bucket: 'orchard', Key: 'stream/wrong.bin' })))).name).toBe('NotFound');
    });

    it('takes a body whose every chunk is signed (STREAMING-AWS4-HMAC-SHA256-PAYLOAD), and refuses it with one byte changed', async () => {
      const chunks = [randomBytes(64 * 1024), randomBytes(1000)];
      const put = async (key: string, tamper: boolean) => {
        const url = new URL(`${endpoint}/orchard/${key}`);
        const header = (size: number) => `${size.toString(16)};chunk-signature=${'0'.repeat(64)}\r\n`;
        const framedLength = [...chunks, Buffer.alloc(0)].reduce((n, c) => n + header(c.length).length + c.length + (c.length ? 2 : 0), 0) + 2;
        const signed = await testSigner({ service: 's3', accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey }).sign({
          method: 'PUT',
          protocol: 'http:',
          hostname: url.hostname,
          port: Number(url.port),
          path: url.pathname,
          query: {},
          headers: {
            host: url.host,
            'content-encoding': 'aws-chunked',
            'content-length': String(framedLength),
            'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
            'x-amz-decoded-content-length': String(chunks.reduce((n, c) => n + c.length, 0)),
          },
        });
        const amzDate = signed.headers['x-amz-date'];
        const scope = `${amzDate.slice(0, 8)}/us-east-1/s3/aws4_request`;
        const key4 = signingKey(creds.secretAccessKey, amzDate.slice(0, 8), 'us-east-1', 's3');
        let previous = /Signature=([0-9a-f]{64})/.exec(signed.headers.authorization)![1];
        const parts: Buffer[] = [];
        for (const chunk of [...chunks, Buffer.alloc(0)]) {
          previous = signatureOf(key4, ['AWS4-HMAC-SHA256-PAYLOAD', amzDate, scope, previous, EMPTY_SHA256, sha256(chunk)].join('\n'));
          parts.push(Buffer.from(`${chunk.length.toString(16)};chunk-signature=${previous}\r\n`), chunk, Buffer.from(chunk.length ? '\r\n' : ''));
        }
        parts.push(Buffer.from('\r\n'));
        const body = Buffer.concat(parts);
        expect(body.length).toBe(framedLength);
        if (tamper) body[500] ^= 1;
        const { host: _host, ...headers } = signed.headers;
        return fetch(url, { method: 'PUT', headers, body });
      };
      const ok = await put('chunked/signed.bin', false);
      expect(ok.status, await ok.clone().text()).toBe(200);
      const got = await s3.send(new GetObjectCommand({ Bucket: 'orchard', Key: 'chunked/signed.bin' }));
      expect(sha256(Buffer.from(await got.Body!.transformToByteArray()))).toBe(sha256(Buffer.concat(chunks)));
      const bad = await put('chunked/tampered.bin', true);
      expect(bad.status).toBe(403);
      expect(await bad.text()).toMatch(/<Code>SignatureDoesNotMatch<\/Code>/);
      expect((await failure(s3.send(new HeadObjectCommand({ Bucket: 'orchard', Key: 'chunked/tampered.bin' })))).name).toBe('NotFound');
    });

    it('serves presigned GET and PUT URLs to plain fetch, and refuses them tampered with or expired', async () => {
      await s3.send(new PutObjectCommand({ Bucket: 'orchard', Key: 'shared/report.txt', Body: 'for your eyes' }));
      const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'orchard', Key: 'shared/report.txt' }), { expiresIn: 300 });
      expect(url).toContain('X-Amz-Signature=');
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('for your eyes');
      const tampered = await fetch(url.replace('shared/report.txt', 'shared/other.txt'));
      expect(tampered.status).toBe(403);
      expect(await tampered.text()).toMatch(/<Code>SignatureDoesNotMatch<\/Code>/);
      // A presigned PUT: the body is not signed (UNSIGNED-PAYLOAD), the key and expiry are.
      const putUrl = await getSignedUrl(s3, new PutObjectCommand({ Bucket: 'orchard', Key: 'shared/upload.txt' }), { expiresIn: 300 });
      const uploaded = await fetch(putUrl, { method: 'PUT', body: 'sent by a browser' });
      expect(uploaded.status, await uploaded.clone().text()).toBe(200);
      const back = await s3.send(new GetObjectCommand({ Bucket: 'orchard', Key: 'shared/upload.txt' }));
      expect(await back.Body!.transformToString()).toBe('sent by a browser');
      // Signed ten minutes ago for five minutes: expired.
      const old = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'orchard', Key: 'shared/report.txt' }), { expiresIn: 300, signingDate: new Date(Date.now() - 10 * 60_000) });
      const expired = await fetch(old);
      expect(expired.status).toBe(403);
      expect(await expired.text()).toMatch(/<Code>AccessDenied<\/Code><Message>Request has expired/);
    });

    it('raises the SDK’s SignatureDoesNotMatch for a wrong secret, InvalidAccessKeyId for an unknown key and RequestTimeTooSkewed for a slow clock', async () => {
      const wrong = creds.client(endpoint, { secretAccessKey: 'x'.repeat(40) });
      const err = await failure(wrong.send(new ListObjectsV2Command({ Bucket: 'orchard' })));
      expect(err.name).toBe('SignatureDoesNotMatch');
      expect(err.$metadata.httpStatusCode).toBe(403);
      const putErr = await failure(wrong.send(new PutObjectCommand({ Bucket: 'orchard', Key: 'forged/by-wrong-secret.txt', Body: 'x' })));
      expect(putErr.name).toBe('SignatureDoesNotMatch');
      wrong.destroy();
      const unknown = new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'AKORUNKNOWN000000000', secretAccessKey: 'x'.repeat(40) } });
      expect((await failure(unknown.send(new ListObjectsV2Command({ Bucket: 'orchard' })))).name).toBe('InvalidAccessKeyId');
      unknown.destroy();
      const none = await failure(s3.send(new HeadObjectCommand({ Bucket: 'orchard', Key: 'forged/by-wrong-secret.txt' })));
      expect(none.name).toBe('NotFound');
      // A client whose clock is 20 minutes slow (the SDK would correct and retry; one attempt shows the error).
      const late = new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1', maxAttempts: 1, systemClockOffset: -20 * 60_000, credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey } });
      expect((await failure(late.send(new ListObjectsV2Command({ Bucket: 'orchard' })))).name).toBe('RequestTimeTooSkewed');
      late.destroy();
    });

    it('lets a viewer read but not write, as the artifacts API does', async () => {
      const made = await fetch(`${server.url}/api/v1/users`, bearer({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'viewer-s3', role: 'viewer' }) }));
      expect(made.status).toBe(201);
      const key = await createAccessKey(server, 'viewer-s3');
      const viewer = new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1', maxAttempts: 1, credentials: key });
      const listed = await viewer.send(new ListObjectsV2Command({ Bucket: 'orchard', Prefix: 'list/' }));
      expect(listed.KeyCount).toBeGreaterThan(0);
      const refused = await failure(viewer.send(new PutObjectCommand({ Bucket: 'orchard', Key: 'viewer/x.txt', Body: 'x' })));
      expect(refused.name).toBe('AccessDenied');
      expect(refused.$metadata.httpStatusCode).toBe(403);
      viewer.destroy();
    });

    it.skipIf(!hasAwsCli)('copies files up and down with the AWS CLI (aws s3 cp, multipart above 8 MiB) and lists them', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-awscli-'));
      const run = promisify(execFile);
      // Only this key and region: no profile or config file of the machine is read.
      const env = {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: dir,
        AWS_ACCESS_KEY_ID: creds.accessKeyId,
        AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_CONFIG_FILE: path.join(dir, 'none'),
        AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'none'),
      };
      const aws = (...args: string[]) => run(AWS_CLI, ['--endpoint-url', endpoint, ...args], { env });
      try {
        const big = randomBytes(9 * 1024 * 1024 + 17);
        fs.writeFileSync(path.join(dir, 'big.bin'), big);
        fs.writeFileSync(path.join(dir, 'small.csv'), '1,2\n3,4\n');
        await aws('s3', 'cp', '--no-progress', path.join(dir, 'big.bin'), 's3://orchard/cli/big.bin');
        await aws('s3', 'cp', '--no-progress', path.join(dir, 'small.csv'), 's3://orchard/cli/small.csv');
        const { stdout } = await aws('s3', 'ls', 's3://orchard/cli/');
        expect(stdout).toMatch(new RegExp(`\\s${big.length} big\\.bin`));
        expect(stdout).toMatch(/\s8 small\.csv/);
        const head = await s3.send(new HeadObjectCommand({ Bucket: 'orchard', Key: 'cli/big.bin' }));
        expect(head.ETag).toMatch(/-2"$/);
        await aws('s3', 'cp', '--no-progress', 's3://orchard/cli/big.bin', path.join(dir, 'back.bin'));
        expect(sha256(fs.readFileSync(path.join(dir, 'back.bin')))).toBe(sha256(big));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }, 120_000);

    it.skipIf(!hasBoto3)('works with boto3 (Debian python3-boto3): upload_file and download_file in parts, url-encoded listing, presigned URL', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-boto3-'));
      try {
        const { stdout } = await promisify(execFile)(PYTHON, ['-c', BOTO3_SCRIPT, endpoint, creds.accessKeyId, creds.secretAccessKey, dir], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir } });
        expect(JSON.parse(stdout)).toEqual({
          keys: [['py/big file+plus.bin', 9 * 1024 * 1024 + 5], ['py/small é.txt', 5]],
          etag: expect.stringMatching(/^"[0-9a-f]{32}-2"$/),
          same: true,
          range: 'el',
          presigned: 'hello',
          missing: 'NoSuchKey',
          badSecret: 'SignatureDoesNotMatch',
        });
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }, 120_000);
    it.skipIf(hasBoto3)('works with boto3 — skipped: /usr/bin/python3 cannot import boto3 (apt-get install -y python3-boto3)', () => undefined);
    it.skipIf(hasAwsCli)(`copies files with the AWS CLI — skipped: ${AWS_CLI} is missing (apt-get install -y awscli)`, () => undefined);

    it('refuses a caller without credentials in S3’s XML, and still takes a Bearer token', async () => {
      const res = await fetch(`${server.url}/s3/orchard?list-type=2`);
      expect(res.status).toBe(403);
      expect(await res.text()).toMatch(/<Code>AccessDenied<\/Code>/);
      const withToken = await fetch(`${server.url}/s3/orchard?list-type=2&prefix=list/c`, bearer());
      expect(withToken.status).toBe(200);
      expect(await withToken.text()).toContain('<Key>list/c.txt</Key>');
    });
  });
}
