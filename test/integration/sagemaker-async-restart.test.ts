import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvokeEndpointAsyncCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { afterAll, describe, expect, it } from 'vitest';
import { Orchard } from '../../src/sdk/index.js';
import { backends, TEST_ATTEMPTS_DIR, writeClassificationCsv } from '../support/backends.js';
import { cli, startServer, type RunningServer } from '../support/server.js';

/** The key's content once it exists in the store (null: not there). */
async function read(admin: Orchard, key: string): Promise<{ text: string; createdAt: string } | null> {
  const info = (await admin.artifacts.list(key.slice(0, key.lastIndexOf('/') + 1))).find((a) => a.key === key);
  if (!info) return null;
  const chunks: Buffer[] = [];
  for await (const c of await admin.artifacts.get(key)) chunks.push(c as Buffer);
  return { text: Buffer.concat(chunks).toString('utf8'), createdAt: info.createdAt };
}

describe.each(backends)('InvokeEndpointAsync across a restart on $name', (backend) => {
  let server: RunningServer | undefined;
  let teardown: (() => Promise<void>) | undefined;
  afterAll(async () => {
    await server?.stop();
    await teardown?.();
  });

  it('runs a request accepted before the server stopped once the server is back, and writes its output once', async () => {
    const b = await backend.setup();
    teardown = b.teardown;
    const env = { ...b.env, ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR };
    // The first server records async requests but runs none.
    server = await startServer({ ...env, ORCHARD_ASYNC_INVOCATIONS: '0' });
    const home = server.home;
    let auth = { url: server.url, token: server.adminToken };
    let admin = new Orchard(auth);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-async-restart-'));
    const csv = writeClassificationCsv(path.join(dir, 'tr.csv'), 200, 5);
    const row = fs.readFileSync(csv, 'utf8').split('\n')[0].split(',').slice(1).join(',');
    expect((await cli(['datasets', 'create', 'tr', '--file', csv, '--json'], auth)).code).toBe(0);
    const trained = await cli(['train', '--name', 'ar1', '--algorithm', 'xgboost', '--train', 'tr', '--hp', 'objective=binary:logistic', '--hp', 'num_round=3', '--wait', '--json'], auth);
    expect(trained.code, trained.stdout + trained.stderr).toBe(0);
    expect((await cli(['models', 'create', 'am', '--from-job', 'ar1', '--json'], auth)).code).toBe(0);
    const deployed = await cli(['endpoints', 'create', 'ar', '--variant', 'A:am:1:1', '--wait', '--json'], auth);
    expect(deployed.code, deployed.stdout + deployed.stderr).toBe(0);
    const key = await admin.accessKeys.create({});
    fs.writeFileSync(path.join(dir, 'in.csv'), `${row}\n${row}\n`);
    await admin.artifacts.put('async-restart/in.csv', path.join(dir, 'in.csv'));

    const runtime = (url: string) => new SageMakerRuntimeClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey }, maxAttempts: 1 });
    const accepted = await runtime(server.url).send(new InvokeEndpointAsyncCommand({ EndpointName: 'ar', InputLocation: 's3://orchard/async-restart/in.csv', ContentType: 'text/csv', Accept: 'text/csv', InferenceId: 'kept-1' }));
    expect(accepted.$metadata.httpStatusCode).toBe(202);
    const outputKey = accepted.OutputLocation!.replace('s3://orchard/', '');
    const failureKey = accepted.FailureLocation!.replace('s3://orchard/', '');
    // Accepted, not run: the server stops with the request only recorded.
    expect(await read(admin, outputKey)).toBeNull();
    await server.stop();

    // Back on the same home, running requests again: the endpoint comes back and the request runs.
    server = await startServer(env, home);
    auth = { url: server.url, token: server.adminToken };
    admin = new Orchard(auth);
    let output: Awaited<ReturnType<typeof read>> = null;
    for (const deadline = Date.now() + 90_000; !output && Date.now() < deadline; ) {
      output = await read(admin, outputKey);
      if (!output) await new Promise((r) => setTimeout(r, 250));
    }
    expect(output, `no output; server log:\n${server.stderr()}`).not.toBeNull();
    const lines = output!.text.trim().split('\n').map(Number);
    expect(lines).toHaveLength(2);
    expect(lines.every((p) => p >= 0 && p <= 1)).toBe(true);
    expect(await read(admin, failureKey)).toBeNull();

    // Answered means forgotten: another restart writes nothing again.
    await server.stop();
    server = await startServer(env, home);
    admin = new Orchard({ url: server.url, token: server.adminToken });
    // Once the endpoint answers again, a request still recorded would have run.
    let answered = false;
    for (const deadline = Date.now() + 90_000; !answered && Date.now() < deadline; ) {
      answered = await admin.endpoints.invoke('ar', { body: Buffer.from(`${row}\n`) }).then(
        () => true,
        () => false,
      );
      if (!answered) await new Promise((r) => setTimeout(r, 250));
    }
    expect(answered).toBe(true);
    expect(await read(admin, outputKey)).toEqual(output);
  });
});
