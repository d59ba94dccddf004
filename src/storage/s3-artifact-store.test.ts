import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startS3Server, type TestS3Server } from '../../test/support/s3-server.js';
import type { ArtifactStore } from './artifact-store.js';
import { describeArtifactStoreContract, expectCode, generated, readAll } from './artifact-store.contract.js';
import { openArtifactStore } from './open-artifact-store.js';
import { createS3ArtifactStore } from './s3-artifact-store.js';

const MiB = 1024 * 1024;
let server: TestS3Server;
/** A client of its own, to look at and corrupt objects behind the store's back. */
let admin: S3Client;

beforeAll(async () => {
  server = await startS3Server();
  admin = new S3Client({
    endpoint: server.endpoint,
    region: server.region,
    forcePathStyle: true,
    credentials: server.credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
});
afterAll(async () => {
  admin?.destroy();
  await server?.stop();
});

const open = (prefix: string, bucket = server.bucket) =>
  createS3ArtifactStore(`s3://${bucket}/${prefix}`, {
    endpoint: server.endpoint,
    region: server.region,
    credentials: server.credentials,
  });

/** Object keys under `prefix/`, relative to it, sorted. */
async function objectsUnder(prefix: string, bucket = server.bucket): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await admin.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix ? `${prefix}/` : '', ContinuationToken: token }),
    );
    for (const item of page.Contents ?? []) keys.push(prefix ? item.Key!.slice(prefix.length + 1) : item.Key!);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}

describeArtifactStoreContract('s3 (s3rver)', async () => {
  const prefix = `contract/${randomUUID()}`;
  return {
    store: await open(prefix),
    cleanup: async () => {
      for (const key of await objectsUnder(prefix)) {
        await admin.send(new DeleteObjectCommand({ Bucket: server.bucket, Key: `${prefix}/${key}` }));
      }
    },
    raw: {
      list: () => objectsUnder(prefix),
      write: async (p, content) => {
        await admin.send(new PutObjectCommand({ Bucket: server.bucket, Key: `${prefix}/${p}`, Body: content }));
      },
      remove: async (p) => {
        await admin.send(new DeleteObjectCommand({ Bucket: server.bucket, Key: `${prefix}/${p}` }));
      },
    },
  };
});

describe('s3 artifact store', () => {
  let store: ArtifactStore;
  let prefix: string;
  afterEach(async () => {
    await store?.close();
  });
  const openFresh = async () => {
    prefix = `s3-only/${randomUUID()}`;
    store = await open(prefix);
  };

  it('uploads a 20 MiB stream as a multipart upload and reads it back verified', async () => {
    await openFresh();
    const body = generated(20 * MiB + 17);
    const info = await store.put('big/model.bin', body.stream);
    expect(info).toMatchObject({ key: 'big/model.bin', size: 20 * MiB + 17, sha256: body.digest() });
    // s3rver reports a completed multipart upload as ObjectCreated:Post, a PutObject as :Put.
    const events = server.events().filter((e) => e.key === `${prefix}/big/model.bin`);
    expect(events.map((e) => e.name)).toEqual(['ObjectCreated:Post']);
    const back = await readAll(await store.get('big/model.bin'));
    expect(back.length).toBe(info.size);
    expect(await objectsUnder(prefix)).toEqual(['.orchard/meta/big/model.bin.json', 'big/model.bin']);
  });

  it('leaves the previous object when a multipart upload fails midway', async () => {
    await openFresh();
    const old = await store.put('big/model.bin', 'previous version');
    const failing = Readable.from(
      (async function* () {
        for (let i = 0; i < 12; i++) yield Buffer.alloc(MiB, i); // more than one 8 MiB part
        throw new Error('upstream connection reset');
      })(),
    );
    const err = await expectCode(store.put('big/model.bin', failing), 'ORCH_ARTIFACT_WRITE_FAILED');
    // s3rver cannot abort multipart uploads; the body's error must still be the one reported.
    expect(err.message).toContain('upstream connection reset');
    expect(await store.head('big/model.bin')).toEqual(old);
    expect((await readAll(await store.get('big/model.bin'))).toString()).toBe('previous version');
  });

  it('refuses a multipart body that does not match expectedSha256, before completing it', async () => {
    await openFresh();
    const body = generated(17 * MiB);
    const err = await expectCode(
      store.put('big/other.bin', body.stream, { expectedSha256: '0'.repeat(64) }),
      'ORCH_ARTIFACT_WRITE_FAILED',
    );
    expect(err.message).toContain('expectedSha256');
    expect(await store.head('big/other.bin')).toBeUndefined();
    expect(await objectsUnder(prefix)).toEqual([]);
  });

  it('refuses keys too long for S3 once prefixed', async () => {
    await openFresh();
    await expectCode(store.put('k'.repeat(1000), 'x'), 'ORCH_ARTIFACT_INVALID_KEY');
  });

  it('works at the root of a bucket, keeping its records out of listings and prefix deletes', async () => {
    const bucket = `orchard-root-${randomUUID().slice(0, 8)}`;
    await admin.send(new CreateBucketCommand({ Bucket: bucket }));
    store = await createS3ArtifactStore(`s3://${bucket}`, {
      endpoint: server.endpoint,
      region: server.region,
      credentials: server.credentials,
    });
    await store.put('a/x', '1');
    await store.put('b', '2');
    expect(await objectsUnder('', bucket)).toEqual(['.orchard/meta/a/x.json', '.orchard/meta/b.json', 'a/x', 'b']);
    expect((await store.list()).map((i) => i.key)).toEqual(['a/x', 'b']);
    await store.deletePrefix('');
    expect(await objectsUnder('', bucket)).toEqual([]);
  });

  it('rejects malformed URLs and unreachable buckets with ORCH_CONFIG_INVALID', async () => {
    const opts = { endpoint: server.endpoint, region: server.region, credentials: server.credentials };
    for (const url of ['s3://', 's3://UPPER/x', 's3://b/x', 's3://bucket/x?v=1', 's3://key:secret@bucket/x', 's3://bucket/../x']) {
      await expectCode(createS3ArtifactStore(url, opts), 'ORCH_CONFIG_INVALID', url);
    }
    await expectCode(createS3ArtifactStore('s3://no-such-bucket/x', opts), 'ORCH_CONFIG_INVALID');
  });

  it('is opened by openArtifactStore for s3: URLs, with credentials from the environment', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', server.credentials.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', server.credentials.secretAccessKey);
    try {
      store = await openArtifactStore({
        artifactsUrl: server.url(`opened/${randomUUID()}`),
        s3Endpoint: server.endpoint,
        s3Region: server.region,
      });
      expect((await store.put('k', 'v')).size).toBe(1);
      expect((await readAll(await store.get('k'))).toString()).toBe('v');
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('lazy loading', () => {
  it('loads no AWS SDK module when only the file store is used', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'orchard-lazy-'));
    const indexUrl = pathToFileURL(fileURLToPath(new URL('./index.ts', import.meta.url))).href;
    // A fresh process: this test file itself has loaded the SDK.
    const script = `
      import { createRequire } from 'node:module';
      const { openArtifactStore } = await import(${JSON.stringify(indexUrl)});
      const store = await openArtifactStore({ artifactsUrl: ${JSON.stringify(pathToFileURL(dir).href)}, s3Endpoint: undefined, s3Region: 'us-east-1' });
      await store.put('k', 'v');
      const loaded = Object.keys(createRequire(import.meta.url).cache).filter((m) => m.includes('@aws-sdk'));
      console.log(JSON.stringify(loaded));
    `;
    try {
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: fileURLToPath(new URL('../..', import.meta.url)),
      });
      expect(JSON.parse(stdout.trim())).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
