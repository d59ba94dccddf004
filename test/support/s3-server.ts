import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** The part of s3rver's API used here (the package ships no type declarations). */
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  on(event: 'event', listener: (event: S3rverEvent) => void): void;
}
interface S3rverEvent {
  Records: Array<{ eventName: string; s3: { object: { key: string } } }>;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;

/** Credentials s3rver accepts; pass them to clients explicitly, nothing is put in process.env. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** A running local S3-protocol server with one empty bucket. */
export interface TestS3Server {
  /** `http://127.0.0.1:<port>`: use as the client endpoint, with path-style addressing. */
  endpoint: string;
  bucket: string;
  region: string;
  credentials: typeof S3RVER_CREDENTIALS;
  /** `s3://<bucket>/<prefix>` */
  url(prefix: string): string;
  /**
   * Object events seen so far, e.g. `ObjectCreated:Put` for a PutObject and
   * `ObjectCreated:Post` for a completed multipart upload.
   */
  events(): Array<{ name: string; key: string }>;
  stop(): Promise<void>;
}

/**
 * Starts s3rver on 127.0.0.1 on a free port (port 0), storing into a fresh temp
 * folder, silent, with one bucket. `stop()` closes it and removes the folder.
 */
export async function startS3Server(): Promise<TestS3Server> {
  // createRequire: s3rver is CommonJS without types; this keeps the import typed locally.
  const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;
  const directory = await mkdtemp(path.join(os.tmpdir(), 'orchard-s3rver-'));
  const bucket = 'orchard-test';
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const seen: Array<{ name: string; key: string }> = [];
  server.on('event', (event) => {
    for (const record of event.Records) seen.push({ name: record.eventName, key: record.s3.object.key });
  });
  let address: AddressInfo;
  try {
    address = await server.run();
  } catch (err) {
    await rm(directory, { recursive: true, force: true });
    throw err;
  }
  const endpoint = `http://127.0.0.1:${address.port}`;
  return {
    endpoint,
    bucket,
    region: 'us-east-1',
    credentials: S3RVER_CREDENTIALS,
    url: (prefix) => `s3://${bucket}/${prefix.replace(/^\/+/, '')}`,
    events: () => [...seen],
    async stop() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
