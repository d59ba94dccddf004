import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Orchard } from '../../src/sdk/index.js';
import { backends, TEST_ATTEMPTS_DIR, writeClassificationCsv } from '../support/backends.js';
import { cli, startServer, type RunningServer } from '../support/server.js';

/** A SQL step, a training job long enough to be killed during, and a step after it. */
const DEFINITION = {
  parameters: {},
  steps: [
    { name: 'prep', type: 'sql', query: 'select * from raw', output: 'prepared' },
    { name: 'train', type: 'training', algorithm: 'xgboost', train: { Get: 'Steps.prep.dataset' }, hyperParameters: { objective: 'binary:logistic', num_round: 60, max_depth: 6 } },
    { name: 'after', type: 'pass', output: { model: { Get: 'Steps.train.modelArtifact' } } },
  ],
};

type Who = { url: string; token: string };
type Execution = { id: string; status: string; failureReason: string | null; steps: Array<{ name: string; status: string; attempts: number; resource: string | null }> };

async function ok(args: string[], who: Who) {
  const res = await cli([...args, '--json'], who);
  expect(res.code, `${args.join(' ')}\n${res.stdout}${res.stderr}`).toBe(0);
  return res.json;
}

/**
 * Polls the execution through the SDK (one HTTP request, not a `orchard` process per poll;
 * `pipelines execution` itself is covered by the pipelines CLI suite). A server that is
 * down for the moment (restarting, or killed) is asked again.
 */
async function until(id: string, who: () => Who, done: (e: Execution) => boolean): Promise<Execution> {
  for (let i = 0; i < 1200; i++) {
    const e = (await new Orchard(who()).pipelines.execution(id).catch(() => null)) as Execution | null;
    if (e && done(e)) return e;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`execution ${id} never got there`);
}

/** What the execution created: training jobs named after it, versions of its SQL output tagged with it. */
async function created(id: string, who: Who) {
  const jobs = (await ok(['jobs', 'list', '--limit', '1000'], who)).items.filter((j: { name: string }) => j.name.startsWith(id));
  const versions = (await ok(['datasets', 'versions', 'prepared'], who)).items.filter((v: { tags: Record<string, string> }) => v.tags['orchard:pipeline-execution'] === id);
  return { jobs: jobs.map((j: { name: string }) => j.name), versions: versions.length };
}

// On SQLite + files; on PostgreSQL the same kill -9 is the leader's death below.
describe.each(backends.slice(0, 1))('a pipeline execution through kill -9 of the server on $name', (backend) => {
  let server: RunningServer | undefined;
  let teardown: (() => Promise<void>) | undefined;
  afterAll(async () => {
    await server?.stop();
    await teardown?.();
  });

  it('carries on where it was after a restart: no step repeated, nothing created twice', async () => {
    const b = await backend.setup();
    teardown = b.teardown;
    const env = { ...b.env, ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR, ORCHARD_PIPELINE_POLL_MS: '200', ORCHARD_JOB_LEASE_MS: '1500' };
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-pipe-kill-'));
    server = await startServer(env, home);
    const token = server.adminToken;
    let url = server.url;
    const who = () => ({ url, token });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-pipe-kill-data-'));
    await ok(['datasets', 'create', 'raw', '--file', writeClassificationCsv(path.join(dir, 'raw.csv'), 3000, 5, 8)], who());
    fs.writeFileSync(path.join(dir, 'def.json'), JSON.stringify(DEFINITION));
    await ok(['pipelines', 'create', 'durable', '--file', path.join(dir, 'def.json')], who());
    const started = await ok(['pipelines', 'start', 'durable'], who());

    // Killed while the training step runs its job.
    await until(started.id, who, (e) => e.steps.some((s) => s.name === 'train' && s.status === 'Executing'));
    server.process.kill('SIGKILL');
    await new Promise((r) => server!.process.once('exit', r));
    server = await startServer(env, home);
    url = server.url;

    const e = await until(started.id, who, (x) => ['Succeeded', 'Failed', 'Stopped'].includes(x.status));
    expect(e.status, e.failureReason ?? '').toBe('Succeeded');
    expect(e.steps.map((s) => [s.name, s.status, s.attempts])).toEqual([
      ['prep', 'Succeeded', 1],
      ['train', 'Succeeded', 1],
      ['after', 'Succeeded', 1],
    ]);
    expect(await created(started.id, who())).toEqual({ jobs: [`${started.id}-train`], versions: 1 });
    fs.rmSync(dir, { recursive: true, force: true });
  }, 240_000);
});

describe('two servers on one PostgreSQL: the pipeline controller moves when its leader dies', () => {
  const servers: RunningServer[] = [];
  let teardown: (() => Promise<void>) | undefined;
  afterAll(async () => {
    for (const s of servers) await s.stop();
    await teardown?.();
  });

  it('the second server takes over within seconds and the execution ends once', async () => {
    const b = await backends[1].setup();
    teardown = b.teardown;
    const env = { ...b.env, ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR, ORCHARD_PIPELINE_POLL_MS: '200', ORCHARD_TOKEN: 'orch_shared_admin_token_for_both_servers_0001' };
    const leader = await startServer(env);
    servers.push(leader);
    const token = leader.adminToken;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-pipe-ha-'));
    fs.writeFileSync(
      path.join(dir, 'def.json'),
      JSON.stringify({ parameters: {}, steps: [{ name: 'first', type: 'pass' }, { name: 'pause', type: 'wait', seconds: 4, dependsOn: ['first'] }, { name: 'last', type: 'pass', dependsOn: ['pause'] }] }),
    );
    await ok(['pipelines', 'create', 'ha', '--file', path.join(dir, 'def.json')], { url: leader.url, token });
    // An execution finished while the first server is alone: it holds the leadership.
    const warmup = await ok(['pipelines', 'start', 'ha'], { url: leader.url, token });
    expect((await until(warmup.id, () => ({ url: leader.url, token }), (e) => e.status === 'Succeeded')).status).toBe('Succeeded');
    const standby = await startServer(env);
    servers.push(standby);
    const viaStandby = () => ({ url: standby.url, token });
    // Started through the standby: the leader drives it.
    const started = await ok(['pipelines', 'start', 'ha'], viaStandby());
    await until(started.id, viaStandby, (e) => e.steps.some((s) => s.name === 'pause' && s.status === 'Waiting'));
    leader.process.kill('SIGKILL');
    await new Promise((r) => leader.process.once('exit', r));
    servers.splice(servers.indexOf(leader), 1);
    const e = await until(started.id, viaStandby, (x) => x.status === 'Succeeded' || x.status === 'Failed');
    expect(e.status).toBe('Succeeded');
    // Only the standby is left: it took the controller over.
    expect(e.steps.map((s) => [s.name, s.status, s.attempts])).toEqual([
      ['first', 'Succeeded', 1],
      ['pause', 'Succeeded', 1],
      ['last', 'Succeeded', 1],
    ]);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 240_000);
});
