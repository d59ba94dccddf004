import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchard } from '../../src/sdk/index.js';
import { backends, TEST_ATTEMPTS_DIR, writeClassificationCsv } from '../support/backends.js';
import { cli, startServer, type RunningServer } from '../support/server.js';

describe.each(backends)('models and the registry through the CLI on $name', (backend) => {
  let server: RunningServer;
  let teardown: () => Promise<void>;
  let admin: { url: string; token: string };
  let dir: string;

  beforeAll(async () => {
    const b = await backend.setup();
    teardown = b.teardown;
    server = await startServer({ ...b.env, ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR });
    admin = { url: server.url, token: server.adminToken };
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-models-'));
    for (const [name, rows, seed] of [['tr', 1500, 1], ['va', 400, 2]] as const) {
      const res = await cli(['datasets', 'create', name, '--file', writeClassificationCsv(path.join(dir, `${name}.csv`), rows, seed), '--json'], admin);
      expect(res.code, res.stdout).toBe(0);
    }
    const res = await cli(['train', '--name', 'gb1', '--algorithm', 'xgboost', '--train', 'tr', '--validation', 'va', '--hp', 'objective=binary:logistic', '--hp', 'num_round=20', '--wait', '--json'], admin);
    expect(res.code, res.stdout + res.stderr).toBe(0);
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
      lineage: { source: 'training-job', trainingJob: 'gb1', datasets: { train: { dataset: 'tr', version: 1 }, validation: { dataset: 'va', version: 1 } }, hyperParameters: { num_round: '20' } },
    });
    expect(res.json.metrics['validation:auc']).toBeGreaterThan(0.8);
    expect(res.json.artifactKey).toMatch(/^models\/m1\/[^/]+\/model\.tar\.gz$/);
    // The model is a copy: its bytes are what the job produced.
    const job = await cli(['jobs', 'describe', 'gb1', '--json'], admin);
    const jobArtifact = await new Orchard(admin).artifacts.list('jobs/gb1/output/');
    expect(jobArtifact[0].sha256).toBe(res.json.sha256);
    expect(job.json.status).toBe('Completed');

    const listed = await cli(['models', 'list', '--json'], admin);
    expect(listed.json.items.map((m: { name: string }) => m.name)).toContain('m1');
    const described = await cli(['models', 'describe', 'm1'], admin);
    expect(described.stdout).toContain('train=tr@1');
  });

  it('creates a model from an artifact read by a built-in, and refuses one that is not', async () => {
    const sdk = new Orchard(admin);
    const tarball = path.join(dir, 'gb1.tar.gz');
    const stream = await sdk.artifacts.get('jobs/gb1/output/model.tar.gz');
    await new Promise<void>((resolve, reject) => stream.pipe(fs.createWriteStream(tarball)).on('finish', resolve).on('error', reject));
    await cli(['artifacts', 'put', 'mine/model.tar.gz', '--file', tarball], admin);
    const ok = await cli(['models', 'create', 'm2', '--artifact', 'mine/model.tar.gz', '--algorithm', 'xgboost', '--json'], admin);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.json).toMatchObject({ format: 'algorithm', algorithm: 'xgboost', lineage: { source: 'artifact', artifactKey: 'mine/model.tar.gz' } });

    const wrongAlgorithm = await cli(['models', 'create', 'm3', '--artifact', 'mine/model.tar.gz', '--algorithm', 'kmeans', '--json'], admin);
    expect(wrongAlgorithm.code).not.toBe(0);
    expect(wrongAlgorithm.json.code).toBe('ORCH_MODEL_INVALID');

    fs.writeFileSync(path.join(dir, 'junk.tar.gz'), 'not a tarball at all');
    await cli(['artifacts', 'put', 'mine/junk.tar.gz', '--file', path.join(dir, 'junk.tar.gz')], admin);
    const junk = await cli(['models', 'create', 'm3', '--artifact', 'mine/junk.tar.gz', '--algorithm', 'xgboost', '--json'], admin);
    expect(junk.json.code).toBe('ORCH_MODEL_INVALID');
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
    const sdk = new Orchard(admin);
    const creates: Array<[Record<string, string>, string]> = [
      [{ name: 'bad_name!', fromJob: 'gb1' }, 'ORCH_API_BAD_REQUEST'],
      [{ name: 'm9', fromJob: 'nope' }, 'ORCH_JOB_NOT_FOUND'],
      [{ name: 'm9', artifactKey: 'mine/model.tar.gz' }, 'ORCH_MODEL_SOURCE_INVALID'],
      [{ name: 'm9', artifactKey: 'mine/absent.tar.gz', algorithm: 'xgboost' }, 'ORCH_ARTIFACT_NOT_FOUND'],
      [{ name: 'm9', artifactKey: 'mine/model.tar.gz', algorithm: 'nope' }, 'ORCH_ALGORITHM_UNKNOWN'],
    ];
    for (const [input, code] of creates) {
      await expect(sdk.models.create(input as unknown as Parameters<typeof sdk.models.create>[0]), JSON.stringify(input)).rejects.toMatchObject({ code });
    }
    const stillRunning = await cli(['train', '--name', 'slow1', '--algorithm', 'xgboost', '--train', 'tr', '--hp', 'num_round=5', '--json'], admin);
    expect(stillRunning.code).toBe(0);
    const notDone = await cli(['models', 'create', 'm9', '--from-job', 'slow1', '--json'], admin);
    // The job may finish quickly; while it is not Completed the model is refused.
    if (notDone.code !== 0) expect(notDone.json.code).toBe('ORCH_MODEL_SOURCE_INVALID');
  });

  it('versions models in a group with approval by whom and when; refuses deleting what is registered', async () => {
    const v1 = await cli(['registry', 'register', 'churn', '--model', 'm1', '--description', 'baseline', '--json'], admin);
    expect(v1.code, v1.stdout).toBe(0);
    expect(v1.json).toMatchObject({ group: 'churn', version: 1, ref: 'churn@1', modelName: 'm1', approvalStatus: 'PendingManualApproval', lineage: { trainingJob: 'gb1', algorithm: 'xgboost' } });
    expect(v1.json.metrics['validation:auc']).toBeGreaterThan(0.8);
    const v2 = await cli(['registry', 'register', 'churn', '--model', 'm2', '--json'], admin);
    expect(v2.json.version).toBe(2);

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
    const gone = await cli(['models', 'describe', 'm1', '--json'], admin);
    expect(gone.json.code).toBe('ORCH_MODEL_NOT_FOUND');
    const sdk = new Orchard(admin);
    expect(await sdk.artifacts.list('models/m1/')).toEqual([]);
  });

  it('lets a viewer read but not create, approve or delete', async () => {
    const sdk = new Orchard(admin);
    await sdk.users.create({ name: 'vic', role: 'viewer' });
    const token = (await sdk.tokens.create({ name: 'vic-t', user: 'vic' })).token;
    const viewer = { url: server.url, token };
    expect((await cli(['models', 'list', '--json'], viewer)).code).toBe(0);
    expect((await cli(['registry', 'describe', 'churn@2', '--json'], viewer)).code).toBe(0);
    for (const args of [
      ['models', 'create', 'm5', '--from-job', 'gb1'],
      ['registry', 'approve', 'churn@2'],
      ['models', 'delete', 'm2'],
    ]) {
      const res = await cli([...args, '--json'], viewer);
      expect(res.json.code, args.join(' ')).toBe('ORCH_AUTH_FORBIDDEN');
    }
  });
});
