import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvokeEndpointAsyncCommand, InvokeEndpointCommand, ModelError, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testSigner } from '../../src/aws/sigv4/test-signer.js';
import { Orchard, type CreatedAccessKey } from '../../src/sdk/index.js';
import { CreateEndpointCommand, CreateEndpointConfigCommand, CreateModelCommand, SageMakerClient, waitUntilEndpointInService } from '@aws-sdk/client-sagemaker';
import { backends, TEST_ATTEMPTS_DIR, writeClassificationCsv } from '../support/backends.js';
import { cli, startServer, type RunningServer } from '../support/server.js';

const PYTHON = '/usr/bin/python3';
/** Debian's AWS CLI (`apt-get install awscli`), when installed. */
const AWS_CLI = '/usr/bin/aws';
const hasAwsCli = fs.existsSync(AWS_CLI);
const hasBoto3 = fs.existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import boto3'], { stdio: 'ignore' }).status === 0;

/** What the SDK rejected with: its class name, AWS code and HTTP status. */
async function rejection(promise: Promise<unknown>): Promise<{ name: string; status: number | undefined; message: string; error: any }> {
  try {
    await promise;
  } catch (error: any) {
    return { name: error.name, status: error.$metadata?.httpStatusCode, message: error.message, error };
  }
  throw new Error('expected a rejection');
}

describe.each(backends)('SageMaker Runtime with the real AWS clients on $name', (backend) => {
  let server: RunningServer;
  let teardown: () => Promise<void>;
  let admin: Orchard;
  let key: CreatedAccessKey;
  let viewerKey: CreatedAccessKey;
  let viewerToken: string;
  let row: string;

  const runtime = (k: { accessKeyId: string; secretAccessKey: string }, region = 'us-east-1') =>
    new SageMakerRuntimeClient({ endpoint: server.url, region, credentials: { accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey }, maxAttempts: 1 });
  const invoke = (client: SageMakerRuntimeClient, input: Partial<ConstructorParameters<typeof InvokeEndpointCommand>[0]> = {}) =>
    client.send(new InvokeEndpointCommand({ EndpointName: 'rt', Body: Buffer.from(`${row}\n`), ContentType: 'text/csv', Accept: 'text/csv', ...input }));

  beforeAll(async () => {
    const b = await backend.setup();
    teardown = b.teardown;
    server = await startServer({ ...b.env, ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR });
    const auth = { url: server.url, token: server.adminToken };
    admin = new Orchard(auth);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-runtime-'));
    const csv = writeClassificationCsv(path.join(dir, 'tr.csv'), 300, 11);
    row = fs.readFileSync(csv, 'utf8').split('\n')[0].split(',').slice(1).join(',');
    expect((await cli(['datasets', 'create', 'tr', '--file', csv, '--json'], auth)).code).toBe(0);
    const trained = await cli(['train', '--name', 'rt1', '--algorithm', 'xgboost', '--train', 'tr', '--hp', 'objective=binary:logistic', '--hp', 'num_round=3', '--wait', '--json'], auth);
    expect(trained.code, trained.stdout + trained.stderr).toBe(0);
    expect((await cli(['models', 'create', 'm1', '--from-job', 'rt1', '--json'], auth)).code).toBe(0);
    const deployed = await cli(['endpoints', 'create', 'rt', '--variant', 'A:m1:1:1', '--variant', 'B:m1:1:1', '--wait', '--json'], auth);
    expect(deployed.code, deployed.stdout + deployed.stderr).toBe(0);

    const created = await cli(['access-keys', 'create', '--description', 'tests', '--json'], auth);
    expect(created.code, created.stdout + created.stderr).toBe(0);
    key = created.json;
    await admin.users.create({ name: 'vera', role: 'viewer' });
    viewerKey = await admin.accessKeys.create({ user: 'vera' });
    viewerToken = (await admin.tokens.create({ user: 'vera' })).token;
  });
  afterAll(async () => {
    await server?.stop();
    await teardown?.();
  });

  it('creates, lists, disables, enables and deletes access keys from the CLI', async () => {
    const auth = { url: server.url, token: server.adminToken };
    expect(key).toMatchObject({ accessKeyId: expect.stringMatching(/^AKOR[A-Z2-7]{16}$/), secretAccessKey: expect.any(String), userName: 'admin', status: 'Active' });
    expect(key.secretAccessKey).toHaveLength(40);
    const extra = (await cli(['access-keys', 'create', '--user', 'vera', '--json'], auth)).json;
    const listed = await cli(['access-keys', 'list', '--all', '--json'], auth);
    expect(listed.json.items.map((k: any) => k.accessKeyId)).toEqual(expect.arrayContaining([key.accessKeyId, viewerKey.accessKeyId, extra.accessKeyId]));
    expect(listed.stdout).not.toContain(key.secretAccessKey);
    expect((await cli(['access-keys', 'disable', extra.accessKeyId, '--json'], auth)).json.status).toBe('Inactive');
    expect((await cli(['access-keys', 'enable', extra.accessKeyId, '--json'], auth)).json.status).toBe('Active');
    expect((await cli(['access-keys', 'delete', extra.accessKeyId, '--json'], auth)).code).toBe(0);
    expect((await cli(['access-keys', 'list', '--user', 'vera', '--json'], auth)).json.items.map((k: any) => k.accessKeyId)).toEqual([viewerKey.accessKeyId]);
    // A member manages only their own keys.
    const vera = new Orchard({ url: server.url, token: viewerToken });
    expect((await vera.accessKeys.list()).map((k) => k.accessKeyId)).toEqual([viewerKey.accessKeyId]);
    await expect(vera.accessKeys.list({ all: true })).rejects.toMatchObject({ code: 'ORCH_AUTH_FORBIDDEN' });
    await expect(vera.accessKeys.disable(key.accessKeyId)).rejects.toMatchObject({ code: 'ORCH_AUTH_FORBIDDEN' });
  });

  it('invokes with the SDK: the chosen variant, custom attributes and the prediction come back', async () => {
    const out = await invoke(runtime(key), { TargetVariant: 'B', CustomAttributes: 'trace-id=42', InferenceId: 'inf-1' });
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(out.InvokedProductionVariant).toBe('B');
    expect(out.CustomAttributes).toBe('trace-id=42');
    expect(out.ContentType).toBe('text/csv');
    const p = Number(Buffer.from(out.Body!).toString('utf8').trim());
    expect(p).toBeGreaterThanOrEqual(0);
    expect(p).toBeLessThanOrEqual(1);
    // Any region name signs as well.
    expect((await invoke(runtime(key, 'eu-central-1'))).InvokedProductionVariant).toMatch(/^[AB]$/);
  });

  it("raises the SDK's ModelError with the model's own status and message", async () => {
    const r = await rejection(invoke(runtime(key), { Body: Buffer.from('1,2\n') }));
    expect(r.error).toBeInstanceOf(ModelError);
    expect(r.status).toBe(424);
    expect(r.error.OriginalStatusCode).toBe(400);
    expect(r.error.OriginalMessage).toContain('ORCH_ENDPOINT_BAD_INPUT');
  });

  it('answers validation problems as ValidationError', async () => {
    const missing = await rejection(invoke(runtime(key), { EndpointName: 'no-such-endpoint' }));
    expect(missing).toMatchObject({ name: 'ValidationError', status: 400 });
    const variant = await rejection(invoke(runtime(key), { TargetVariant: 'Z' }));
    expect(variant).toMatchObject({ name: 'ValidationError', status: 400 });
  });

  it('refuses a wrong secret, an unknown key and a disabled key with the errors AWS gives', async () => {
    expect(await rejection(invoke(runtime({ ...key, secretAccessKey: 'x'.repeat(40) })))).toMatchObject({ name: 'InvalidSignatureException', status: 403 });
    expect(await rejection(invoke(runtime({ ...key, accessKeyId: 'AKORNOSUCHKEY0000000' })))).toMatchObject({ name: 'UnrecognizedClientException', status: 403 });
    await admin.accessKeys.disable(key.accessKeyId);
    try {
      expect(await rejection(invoke(runtime(key)))).toMatchObject({ name: 'UnrecognizedClientException', status: 403 });
    } finally {
      await admin.accessKeys.enable(key.accessKeyId);
    }
    expect((await invoke(runtime(key))).$metadata.httpStatusCode).toBe(200);
  });

  it('refuses a request signed 20 minutes ago as expired', async () => {
    const signer = testSigner({ service: 'sagemaker', accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey });
    const host = new URL(server.url).host;
    const body = `${row}\n`;
    const signed = await signer.sign(
      { method: 'POST', protocol: 'http:', hostname: new URL(server.url).hostname, path: '/endpoints/rt/invocations', query: {}, headers: { host, 'content-type': 'text/csv' }, body },
      { signingDate: new Date(Date.now() - 20 * 60_000) },
    );
    const { host: _host, ...headers } = signed.headers;
    const res = await fetch(`${server.url}/endpoints/rt/invocations`, { method: 'POST', headers, body });
    expect(res.status).toBe(403);
    expect(res.headers.get('x-amzn-errortype')).toBe('InvalidSignatureException');
    expect(((await res.json()) as { message: string }).message).toMatch(/^Signature expired: /);
    // The same request signed now passes.
    const fresh = await signer.sign({ method: 'POST', protocol: 'http:', hostname: new URL(server.url).hostname, path: '/endpoints/rt/invocations', query: {}, headers: { host, 'content-type': 'text/csv' }, body });
    const { host: _h, ...freshHeaders } = fresh.headers;
    expect((await fetch(`${server.url}/endpoints/rt/invocations`, { method: 'POST', headers: freshHeaders, body })).status).toBe(200);
  });

  it("refuses a role without endpoints:invoke, as that user's token is refused", async () => {
    expect(await rejection(invoke(runtime(viewerKey)))).toMatchObject({ name: 'AccessDeniedException', status: 403 });
    const byToken = await fetch(`${server.url}/api/v1/endpoints/rt/invocations`, { method: 'POST', headers: { authorization: `Bearer ${viewerToken}`, 'content-type': 'text/csv' }, body: `${row}\n` });
    expect(byToken.status).toBe(403);
  });

  it('keeps Bearer tokens working on the new route, and access keys on the Orchard API', async () => {
    const res = await fetch(`${server.url}/endpoints/rt/invocations`, { method: 'POST', headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'text/csv', 'x-amzn-sagemaker-target-variant': 'A' }, body: `${row}\n` });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-amzn-invoked-production-variant')).toBe('A');
    const unsigned = await fetch(`${server.url}/endpoints/rt/invocations`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: `${row}\n` });
    expect(unsigned.status).toBe(403);
    expect(unsigned.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    // The Orchard API's own invocation route, signed with the key.
    const signer = testSigner({ service: 'sagemaker', accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey });
    const url = new URL(server.url);
    const signed = await signer.sign({ method: 'POST', protocol: 'http:', hostname: url.hostname, path: '/api/v1/endpoints/rt/invocations', query: {}, headers: { host: url.host, 'content-type': 'text/csv' }, body: `${row}\n` });
    const { host: _host, ...headers } = signed.headers;
    const viaApi = await fetch(`${server.url}/api/v1/endpoints/rt/invocations`, { method: 'POST', headers, body: `${row}\n` });
    expect(viaApi.status, await viaApi.clone().text()).toBe(200);
  });

  it('runs InvokeEndpointAsync: the input from the store, the output (or the failure) written where the answer said', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-async-'));
    fs.writeFileSync(path.join(dir, 'in.csv'), `${row}\n${row}\n`);
    fs.writeFileSync(path.join(dir, 'bad.csv'), '1,2\n');
    await admin.artifacts.put('async/in.csv', path.join(dir, 'in.csv'));
    await admin.artifacts.put('async/bad.csv', path.join(dir, 'bad.csv'));
    const readKey = async (key: string) => {
      for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
        if ((await admin.artifacts.list(key.slice(0, key.lastIndexOf('/') + 1))).some((a) => a.key === key)) {
          const chunks: Buffer[] = [];
          for await (const c of await admin.artifacts.get(key)) chunks.push(c as Buffer);
          return Buffer.concat(chunks).toString('utf8');
        }
      }
      throw new Error(`${key} never appeared`);
    };
    const client = runtime(key);
    const ok = await client.send(new InvokeEndpointAsyncCommand({ EndpointName: 'rt', InputLocation: 's3://orchard/async/in.csv', ContentType: 'text/csv', Accept: 'text/csv', InferenceId: 'job-1' }));
    expect(ok.$metadata.httpStatusCode).toBe(202);
    expect(ok).toMatchObject({ InferenceId: 'job-1', OutputLocation: 's3://orchard/endpoints/rt/async-outputs/job-1.out', FailureLocation: 's3://orchard/endpoints/rt/async-failures/job-1-error.out' });
    const lines = (await readKey('endpoints/rt/async-outputs/job-1.out')).trim().split('\n').map(Number);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBeGreaterThanOrEqual(0);

    const bad = await client.send(new InvokeEndpointAsyncCommand({ EndpointName: 'rt', InputLocation: 's3://orchard/async/bad.csv', ContentType: 'text/csv' }));
    expect(bad.InferenceId).toMatch(/^[0-9a-f-]{36}$/);
    const failure = JSON.parse(await readKey(bad.FailureLocation!.replace('s3://orchard/', '')));
    expect(failure).toMatchObject({ inferenceId: bad.InferenceId, endpointName: 'rt', status: 400 });

    expect(await rejection(client.send(new InvokeEndpointAsyncCommand({ EndpointName: 'no-such', InputLocation: 's3://orchard/async/in.csv' })))).toMatchObject({ name: 'ValidationError', status: 400 });
    expect(await rejection(client.send(new InvokeEndpointAsyncCommand({ EndpointName: 'rt', InputLocation: 's3://elsewhere/in.csv' })))).toMatchObject({ name: 'ValidationError', status: 400 });
    expect(await rejection(runtime(viewerKey).send(new InvokeEndpointAsyncCommand({ EndpointName: 'rt', InputLocation: 's3://orchard/async/in.csv' })))).toMatchObject({ name: 'AccessDeniedException' });
  });

  it("writes async outputs where the endpoint config's AsyncInferenceConfig says (an endpoint made through the control plane)", async () => {
    const credentials = { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
    const sm = new SageMakerClient({ endpoint: server.url, region: 'us-east-1', credentials, maxAttempts: 1 });
    await sm.send(new CreateModelCommand({ ModelName: 'rt-async-model', ExecutionRoleArn: 'arn:aws:iam::000000000000:role/SageMakerRole', PrimaryContainer: { ModelDataUrl: 's3://orchard/jobs/rt1/output/model.tar.gz' } }));
    await sm.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'rt-async-config',
        ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'rt-async-model', InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }],
        AsyncInferenceConfig: { OutputConfig: { S3OutputPath: 's3://orchard/async-results/', S3FailurePath: 's3://orchard/async-failed' } },
      }),
    );
    await sm.send(new CreateEndpointCommand({ EndpointName: 'rt-async', EndpointConfigName: 'rt-async-config' }));
    await waitUntilEndpointInService({ client: sm, minDelay: 1, maxDelay: 2, maxWaitTime: 120 }, { EndpointName: 'rt-async' });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-async-'));
    fs.writeFileSync(path.join(dir, 'in.csv'), `${row}\n`);
    await admin.artifacts.put('async/one.csv', path.join(dir, 'in.csv'));
    const out = await runtime(key).send(new InvokeEndpointAsyncCommand({ EndpointName: 'rt-async', InputLocation: 's3://orchard/async/one.csv', ContentType: 'text/csv', InferenceId: 'cfg-1' }));
    expect(out).toMatchObject({ OutputLocation: 's3://orchard/async-results/cfg-1.out', FailureLocation: 's3://orchard/async-failed/cfg-1-error.out' });
    for (const deadline = Date.now() + 30_000; !(await admin.artifacts.list('async-results/')).some((a) => a.key === 'async-results/cfg-1.out'); ) {
      if (Date.now() > deadline) throw new Error('the output never appeared');
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  it.skipIf(!hasBoto3)('invokes with boto3 (Debian python3-boto3)', () => {
    const script = `
import boto3, json, sys
from botocore.config import Config
rt = boto3.client('sagemaker-runtime', endpoint_url=sys.argv[1], region_name='us-east-1',
                  aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3], config=Config(retries={'max_attempts': 0}))
out = {}
r = rt.invoke_endpoint(EndpointName='rt', Body=sys.argv[4].encode(), ContentType='text/csv', Accept='text/csv',
                       TargetVariant='A', CustomAttributes='from=boto3')
out['variant'] = r['InvokedProductionVariant']
out['attributes'] = r.get('CustomAttributes')
out['body'] = r['Body'].read().decode()
try:
    rt.invoke_endpoint(EndpointName='rt', Body=b'1,2', ContentType='text/csv')
except rt.exceptions.ModelError as e:
    out['modelError'] = e.response['OriginalStatusCode']
bad = boto3.client('sagemaker-runtime', endpoint_url=sys.argv[1], region_name='us-east-1',
                   aws_access_key_id=sys.argv[2], aws_secret_access_key='x' * 40, config=Config(retries={'max_attempts': 0}))
try:
    bad.invoke_endpoint(EndpointName='rt', Body=sys.argv[4].encode(), ContentType='text/csv')
except Exception as e:
    out['badSecret'] = e.response['Error']['Code']
print(json.dumps(out))
`;
    const res = spawnSync(PYTHON, ['-c', script, server.url, key.accessKeyId, key.secretAccessKey, `${row}\n`], { encoding: 'utf8', timeout: 60_000 });
    expect(res.status, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out).toMatchObject({ variant: 'A', attributes: 'from=boto3', modelError: 400, badSecret: 'InvalidSignatureException' });
    expect(Number(out.body.trim())).toBeGreaterThanOrEqual(0);
  });
  it.skipIf(!hasAwsCli)('invokes with the AWS CLI (aws sagemaker-runtime invoke-endpoint)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-awscli-'));
    fs.writeFileSync(path.join(dir, 'row.csv'), `${row}\n`);
    // Only this key and region: no profile or config file of the machine is read.
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: dir,
      AWS_ACCESS_KEY_ID: key.accessKeyId,
      AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_CONFIG_FILE: path.join(dir, 'none'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'none'),
    };
    const args = ['--endpoint-url', server.url, 'sagemaker-runtime', 'invoke-endpoint', '--endpoint-name', 'rt', '--content-type', 'text/csv', '--custom-attributes', 'from=cli', '--target-variant', 'B', '--body', `fileb://${path.join(dir, 'row.csv')}`, path.join(dir, 'out.csv')];
    const res = spawnSync(AWS_CLI, args, { env, encoding: 'utf8', timeout: 60_000 });
    expect(res.status, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ InvokedProductionVariant: 'B', CustomAttributes: 'from=cli' });
    expect(Number(fs.readFileSync(path.join(dir, 'out.csv'), 'utf8').trim())).toBeGreaterThanOrEqual(0);
    const bad = spawnSync(AWS_CLI, args, { env: { ...env, AWS_SECRET_ACCESS_KEY: 'x'.repeat(40) }, encoding: 'utf8', timeout: 60_000 });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('InvalidSignatureException');
  });
  it.skipIf(hasAwsCli)(`invokes with the AWS CLI — skipped: ${AWS_CLI} is missing (apt-get install -y awscli)`, () => undefined);
  it.skipIf(hasBoto3)('invokes with boto3 — skipped: /usr/bin/python3 cannot import boto3 (apt-get install -y python3-boto3)', () => undefined);
});
