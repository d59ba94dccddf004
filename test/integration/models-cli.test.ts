import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchard } from '../../src/sdk/index.js';
import { backends, TEST_ATTEMPTS_DIR, writeClassificationCsv } from '../support/backends.js';
import { codeOf } from '../support/refusals.js';
import { cli, startServer, type RunningServer } from '../support/server.js';

describe.each(backends)('models and the registry through the CLI on $name', (backend) => {
  let server: RunningServer;
  let teardown: () => Promise<void>;
  let admin: { url: string; token: string };
  let sdk: Orchard;
  let dir: string;

  beforeAll(async () => {
    const b = await backend.setup();
    teardown = b.teardown;
    server = await startServer({ ...b.env, ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR });
    admin = { url: server.url, token: server.adminToken };
    sdk = new Orchard(admin);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-models-'));
    // The job the models come from, made through the SDK (`datasets create` and `train` run
    // through the CLI in datasets-cli.test.ts and training-cli.test.ts): small data, few rounds.
    for (const [name, rows, seed] of [['tr', 300, 1], ['va', 100, 2]] as const) {
      await sdk.datasets.create({ name, file: writeClassificationCsv(path.join(dir, `${name}.csv`), rows, seed) });
    }
    await sdk.training.create({ name: 'gb1', algorithm: 'xgboost', channels: { train: 'tr', validation: 'va' }, hyperParameters: { objective: 'binary:logistic', num_round: '6' } });
    const job = await sdk.training.waitFor('gb1', { pollMs: 200 });
    expect(job.status, job.failureReason ?? '').toBe('Completed');
  });
  afterAll(async () => {
    await server?.stop();
    await teardown?.();
  });

  it('creates a model from a completed job, with lineage and metrics', async () => {
    const res = await cli(['models', 'create', 'm1', '--from-job', 'gb1', '--description', 'first', '--tag', 'team=risk', '--json'], admin);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.json).toMatchObject({
      name: 'm1',
      format: 'algorithm',
      algorithm: 'xgboost',
      description: 'first',
      tags: { team: 'risk' },
      createdBy: 'admin',
      lineage: { source: 'training-job', trainingJob: 'gb1', datasets: { train: { dataset: 'tr', version: 1 }, validation: { dataset: 'va', version: 1 } }, hyperParameters: { num_round: '6' } },
    });
    expect(res.json.metrics['validation:auc']).toBeGreaterThan(0.8);
    expect(res.json.artifactKey).toMatch(/^models\/m1\/[^/]+\/model\.tar\.gz$/);
    // The model is a copy: its bytes are what the job produced.
    const job = await sdk.training.describe('gb1');
    const jobArtifact = await sdk.artifacts.list('jobs/gb1/output/');
    expect(jobArtifact[0].sha256).toBe(res.json.sha256);
    expect(job.status).toBe('Completed');

    const listed = await cli(['models', 'list', '--json'], admin);
    expect(listed.json.items.map((m: { name: string }) => m.name)).toContain('m1');
    const described = await cli(['models', 'describe', 'm1'], admin);
    expect(described.stdout).toContain('train=tr@1');
  });

  it('creates a model from an artifact read by a built-in, and refuses one that is not', async () => {
    // The artifacts go up through the SDK (`artifacts put` runs through the CLI in datasets-cli.test.ts).
    const tarball = path.join(dir, 'gb1.tar.gz');
    const stream = await sdk.artifacts.get('jobs/gb1/output/model.tar.gz');
    await new Promise<void>((resolve, reject) => stream.pipe(fs.createWriteStream(tarball)).on('finish', resolve).on('error', reject));
    await sdk.artifacts.put('mine/model.tar.gz', tarball);
    const ok = await cli(['models', 'create', 'm2', '--artifact', 'mine/model.tar.gz', '--algorithm', 'xgboost', '--json'], admin);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.json).toMatchObject({ format: 'algorithm', algorithm: 'xgboost', lineage: { source: 'artifact', artifactKey: 'mine/model.tar.gz' } });

    // `models create`'s refusal through the CLI is in the next case; these two through the SDK, the request the CLI sends.
    expect(await codeOf(sdk.models.create({ name: 'm3', artifactKey: 'mine/model.tar.gz', algorithm: 'kmeans' }))).toBe('ORCH_MODEL_INVALID');
    fs.writeFileSync(path.join(dir, 'junk.tar.gz'), 'not a tarball at all');
    await sdk.artifacts.put('mine/junk.tar.gz', path.join(dir, 'junk.tar.gz'));
    expect(await codeOf(sdk.models.create({ name: 'm3', artifactKey: 'mine/junk.tar.gz', algorithm: 'xgboost' }))).toBe('ORCH_MODEL_INVALID');
    const models = await sdk.models.list();
    expect(models.items.map((m) => m.name)).not.toContain('m3');
  });

  it('refuses bad requests with stable codes', async () => {
    // Each command's refusal through the CLI (exit code, the `--json` error's code) once; the
    // other bad `models create` requests through the SDK, with the request the CLI sends.
    const cases: Array<[string[], string]> = [
      [['models', 'create', 'm1', '--from-job', 'gb1'], 'ORCH_MODEL_EXISTS'],
      [['models', 'describe', 'absent'], 'ORCH_MODEL_NOT_FOUND'],
      [['registry', 'register', 'g1', '--model', 'absent'], 'ORCH_MODEL_NOT_FOUND'],
      [['registry', 'describe', 'nogroup@1'], 'ORCH_REGISTRY_GROUP_NOT_FOUND'],
    ];
    for (const [args, code] of cases) {
      const res = await cli([...args, '--json'], admin);
      expect(res.code, args.join(' ')).not.toBe(0);
      expect(res.json.code, args.join(' ')).toBe(code);
    }
    const creates: Array<[Record<string, string>, string]> = [
      [{ name: 'bad_name!', fromJob: 'gb1' }, 'ORCH_API_BAD_REQUEST'],
      [{ name: 'm9', fromJob: 'nope' }, 'ORCH_JOB_NOT_FOUND'],
      [{ name: 'm9', artifactKey: 'mine/model.tar.gz' }, 'ORCH_MODEL_SOURCE_INVALID'],
      [{ name: 'm9', artifactKey: 'mine/absent.tar.gz', algorithm: 'xgboost' }, 'ORCH_ARTIFACT_NOT_FOUND'],
      [{ name: 'm9', artifactKey: 'mine/model.tar.gz', algorithm: 'nope' }, 'ORCH_ALGORITHM_UNKNOWN'],
    ];
    for (const [input, code] of creates) {
      expect(await codeOf(sdk.models.create(input as unknown as Parameters<typeof sdk.models.create>[0])), JSON.stringify(input)).toBe(code);
    }
    await sdk.training.create({ name: 'slow1', algorithm: 'xgboost', channels: { train: 'tr' }, hyperParameters: { num_round: '5' } });
    const notDone = await sdk.models.create({ name: 'm9', fromJob: 'slow1' }).then(
      () => null,
      (err: unknown) => err as { code?: string },
    );
    // The job may finish quickly; while it is not Completed the model is refused.
    if (notDone !== null) expect(notDone.code).toBe('ORCH_MODEL_SOURCE_INVALID');
  });

  it('versions models in a group with approval by whom and when; refuses deleting what is registered', async () => {
    const v1 = await cli(['registry', 'register', 'churn', '--model', 'm1', '--description', 'baseline', '--json'], admin);
    expect(v1.code, v1.stdout).toBe(0);
    expect(v1.json).toMatchObject({ group: 'churn', version: 1, ref: 'churn@1', modelName: 'm1', approvalStatus: 'PendingManualApproval', lineage: { trainingJob: 'gb1', algorithm: 'xgboost' } });
    expect(v1.json.metrics['validation:auc']).toBeGreaterThan(0.8);
    // `registry register` ran through the CLI just above; the second version through the SDK.
    expect((await sdk.registry.register('churn', { model: 'm2' })).version).toBe(2);

    const approved = await cli(['registry', 'approve', 'churn@2', '--reason', 'beats baseline', '--json'], admin);
    expect(approved.json.approvalStatus).toBe('Approved');
    expect(approved.json.approvalHistory.map((c: { status: string }) => c.status)).toEqual(['PendingManualApproval', 'Approved']);
    expect(approved.json.approvalHistory[1]).toMatchObject({ by: 'admin', description: 'beats baseline' });
    expect(Date.parse(approved.json.approvalHistory[1].at)).not.toBeNaN();
    await cli(['registry', 'reject', 'churn@1', '--json'], admin);

    const onlyApproved = await cli(['registry', 'list', 'churn', '--approval-status', 'Approved', '--json'], admin);
    expect(onlyApproved.json.map((v: { ref: string }) => v.ref)).toEqual(['churn@2']);
    const latest = await cli(['registry', 'describe', 'churn', '--json'], admin);
    expect(latest.json.ref).toBe('churn@2');
    const groups = await cli(['registry', 'groups', '--json'], admin);
    expect(groups.json).toEqual([expect.objectContaining({ name: 'churn', versionCount: 2, latestVersion: 2 })]);

    const inUse = await cli(['models', 'delete', 'm1', '--json'], admin);
    expect(inUse.json.code).toBe('ORCH_MODEL_IN_USE');
    const notEmpty = await cli(['registry', 'delete', 'churn', '--json'], admin);
    expect(notEmpty.json.code).toBe('ORCH_REGISTRY_GROUP_NOT_EMPTY');
    expect((await cli(['registry', 'delete', 'churn@1'], admin)).code).toBe(0);
    expect((await cli(['models', 'delete', 'm1'], admin)).code).toBe(0);
    // `models describe`'s CLI refusal is in the bad-requests case.
    expect(await codeOf(sdk.models.describe('m1'))).toBe('ORCH_MODEL_NOT_FOUND');
    expect(await sdk.artifacts.list('models/m1/')).toEqual([]);
  });

  it('lets a viewer read but not create, approve or delete', async () => {
    await sdk.users.create({ name: 'vic', role: 'viewer' });
    const token = (await sdk.tokens.create({ name: 'vic-t', user: 'vic' })).token;
    const viewer = { url: server.url, token };
    const asViewer = new Orchard(viewer);
    // The viewer's token through the CLI once for a read and once for a refusal; the rest through the SDK.
    expect((await cli(['registry', 'describe', 'churn@2', '--json'], viewer)).code).toBe(0);
    expect((await asViewer.models.list()).items.map((m) => m.name)).toContain('m2');
    const approve = await cli(['registry', 'approve', 'churn@2', '--json'], viewer);
    expect(approve.json.code, 'registry approve').toBe('ORCH_AUTH_FORBIDDEN');
    expect(await codeOf(asViewer.models.create({ name: 'm5', fromJob: 'gb1' })), 'models create').toBe('ORCH_AUTH_FORBIDDEN');
    expect(await codeOf(asViewer.models.delete('m2')), 'models delete').toBe('ORCH_AUTH_FORBIDDEN');
  });
});
