import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openJobQueue, type JobQueue } from '../../src/jobs/index.js';
import type { MetadataStore } from '../../src/storage/index.js';
import { Orchard, type PipelineStepEvent, type PlatformEvent } from '../../src/sdk/index.js';
import { fleetBackend, writeClassificationCsv } from '../support/backends.js';
import { cli, startServer, startWorkerProcess, type RunningServer } from '../support/server.js';

type Execution = { id: string; status: string; failureReason: string | null; steps: Array<{ name: string; status: string; attempts: number; resource: string | null; outputs: Record<string, unknown> }> };

const TOKEN = 'orch_shared_admin_token_for_the_pipeline_fleet_01';

describe('pipelines on the fleet: SQL steps on orchard worker processes, step events through any server (PostgreSQL + S3 + Redis)', () => {
  let env: Record<string, string>;
  let teardown: (() => Promise<void>) | undefined;
  let leader: RunningServer | undefined;
  let standby: RunningServer | undefined;
  let worker: Awaited<ReturnType<typeof startWorkerProcess>> | undefined;
  let queue: JobQueue | undefined;
  let dir: string;
  let home: string;
  let url: string;
  const who = () => ({ url, token: TOKEN });

  async function ok(args: string[], via = who()) {
    const res = await cli([...args, '--json'], via);
    expect(res.code, `${args.join(' ')}\n${res.stdout}${res.stderr}`).toBe(0);
    return res.json;
  }

  async function until(id: string, done: (e: Execution) => boolean): Promise<Execution> {
    // Through the SDK: one request per poll, not an `orchard` process (the command is covered by the pipelines CLI suite).
    for (let i = 0; i < 600; i++) {
      const e = (await new Orchard(who()).pipelines.execution(id).catch(() => null)) as Execution | null;
      if (e && done(e)) return e;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`execution ${id} never got there`);
  }

  /**
   * A step's queue entry once it has ended: the worker loop records the job's end a little
   * after the step's outcome is visible, so the entry is polled, not read at once.
   */
  async function ended(resource: string) {
    for (let i = 0; i < 600; i++) {
      const job = await queue!.get(resource);
      if (job && job.state !== 'queued' && job.state !== 'running') return job;
      await new Promise((r) => setTimeout(r, 50));
    }
    return queue!.get(resource);
  }

  beforeAll(async () => {
    const fleet = await fleetBackend({ ORCHARD_PIPELINE_POLL_MS: '200', ORCHARD_TOKEN: TOKEN });
    teardown = fleet.teardown;
    env = fleet.env;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-pipe-fleet-'));
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-pipe-fleet-home-'));
    // The server runs no jobs: whatever a step's work is, a fleet worker does it.
    leader = await startServer({ ...env, ORCHARD_WORKERS: '0' }, home);
    url = leader.url;
    // The queue as the platform sees it (a Redis queue needs no metadata store).
    queue = await openJobQueue(env.ORCHARD_QUEUE_URL, { metadata: undefined as unknown as MetadataStore });
    await ok(['datasets', 'create', 'raw', '--file', writeClassificationCsv(path.join(dir, 'raw.csv'), 300, 11)]);
  }, 120_000);
  afterAll(async () => {
    await worker?.stop();
    await standby?.stop();
    await leader?.stop();
    await queue?.close();
    await teardown?.();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("a SQL step is a pipeline-sql job: it waits for a worker, outlives the controller's kill -9 and runs once, on the worker", async () => {
    fs.writeFileSync(
      path.join(dir, 'sql.json'),
      JSON.stringify({ parameters: {}, steps: [{ name: 'prep', type: 'sql', query: 'select * from raw limit 120', output: 'prepared' }, { name: 'after', type: 'pass', output: { dataset: { Get: 'Steps.prep.dataset' } } }] }),
    );
    await ok(['pipelines', 'create', 'fleet-sql', '--file', path.join(dir, 'sql.json')]);
    const started = await ok(['pipelines', 'start', 'fleet-sql']);
    const resource = `${started.id}-prep`;
    await until(started.id, (e) => e.steps.some((s) => s.name === 'prep' && s.status === 'Executing'));
    // No worker yet: the query waits in the queue, not in the controller's process.
    expect(await queue!.get(resource)).toMatchObject({ kind: 'pipeline-sql', state: 'queued', attempt: 0, payload: { resource, output: 'prepared', execution: started.id } });
    leader!.process.kill('SIGKILL');
    await new Promise((r) => leader!.process.once('exit', r));
    leader = await startServer({ ...env, ORCHARD_WORKERS: '0' }, home);
    url = leader.url;
    worker = await startWorkerProcess(env);
    const e = await until(started.id, (x) => ['Succeeded', 'Failed', 'Stopped'].includes(x.status));
    expect(e.status, e.failureReason ?? '').toBe('Succeeded');
    expect(e.steps.map((s) => [s.name, s.status, s.attempts])).toEqual([
      ['prep', 'Succeeded', 1],
      ['after', 'Succeeded', 1],
    ]);
    const versions = (await ok(['datasets', 'versions', 'prepared'])).items as Array<{ version: number; rowCount: number; tags: Record<string, string> }>;
    expect(versions.map((v) => v.tags['orchard:pipeline-step'])).toEqual([resource]);
    expect(e.steps[0].outputs).toEqual({ dataset: 'prepared@1', datasetName: 'prepared', version: 1, rows: versions[0].rowCount });
    // One job, one attempt, run by the worker process (the servers run no jobs).
    const job = await ended(resource);
    expect(job).toMatchObject({ kind: 'pipeline-sql', state: 'succeeded', attempt: 1, result: { dataset: 'prepared@1' } });
    expect(job!.workerId).toBe(`${os.hostname()}-${worker.process.pid}`);
    expect(job!.workerId).not.toBe(`${os.hostname()}-${leader.process.pid}`);
  }, 240_000);

  it("a refused query fails the step with the dataset service's code, told by the worker", async () => {
    fs.writeFileSync(path.join(dir, 'bad.json'), JSON.stringify({ parameters: {}, steps: [{ name: 'prep', type: 'sql', query: 'select * from missing_table', output: 'never' }] }));
    await ok(['pipelines', 'create', 'fleet-bad-sql', '--file', path.join(dir, 'bad.json')]);
    const started = await ok(['pipelines', 'start', 'fleet-bad-sql']);
    const e = await until(started.id, (x) => ['Succeeded', 'Failed', 'Stopped'].includes(x.status));
    expect(e.status).toBe('Failed');
    expect(e.failureReason).toMatch(/step 'prep' failed: ORCH_QUERY_UNKNOWN_DATASET: .*missing_table/);
    expect(await ended(`${started.id}-prep`)).toMatchObject({ state: 'failed', attempt: 1, lastError: expect.stringMatching(/^ORCH_QUERY_UNKNOWN_DATASET: /) });
  }, 120_000);

  it("a client of another server gets the execution's step events, in order", async () => {
    // The second server does not lead: the leader drives the execution, the standby only reads the database.
    standby = await startServer({ ...env, ORCHARD_WORKERS: '0' });
    fs.writeFileSync(
      path.join(dir, 'fed.json'),
      JSON.stringify({ parameters: {}, steps: [{ name: 'prep', type: 'sql', query: 'select * from raw limit 10', output: 'fed' }, { name: 'pause', type: 'wait', seconds: 1, dependsOn: ['prep'] }, { name: 'last', type: 'pass', dependsOn: ['pause'] }] }),
    );
    await ok(['pipelines', 'create', 'fleet-fed', '--file', path.join(dir, 'fed.json')]);
    const feed = new Orchard({ url: standby.url, token: TOKEN }).events.feed({ since: new Date() });
    const first = feed.next();
    await new Promise((r) => setTimeout(r, 500));
    const started = await ok(['pipelines', 'start', 'fleet-fed']);
    const events: PlatformEvent[] = [];
    try {
      for (let next = await first; !next.done; next = await feed.next()) {
        const e = next.value;
        if (e.type === 'pipeline-step' ? e.execution !== started.id : e.name !== started.id) continue;
        events.push(e);
        if (e.type === 'status' && ['Succeeded', 'Failed', 'Stopped'].includes(e.status)) break;
      }
    } finally {
      await feed.return(undefined);
    }
    expect(events.at(-1)).toMatchObject({ kind: 'pipeline-execution', status: 'Succeeded' });
    const steps = events.filter((e): e is PipelineStepEvent => e.type === 'pipeline-step');
    const order = ['Pending', 'Starting', 'Executing', 'Waiting', 'Retrying', 'Succeeded'];
    for (const name of ['prep', 'pause', 'last']) {
      const mine = steps.filter((e) => e.step === name);
      expect(mine.at(-1), name).toMatchObject({ status: 'Succeeded', attempt: 1 });
      expect(mine.map((e) => order.indexOf(e.status)), name).toEqual(mine.map((e) => order.indexOf(e.status)).sort((a, b) => a - b));
    }
    expect(steps.findLastIndex((e) => e.step === 'prep')).toBeLessThan(steps.findIndex((e) => e.step === 'pause'));
    expect(steps.findLastIndex((e) => e.step === 'pause')).toBeLessThan(steps.findIndex((e) => e.step === 'last'));
    expect(steps.find((e) => e.step === 'prep' && e.status === 'Succeeded')).toMatchObject({ stepType: 'sql', resource: `${started.id}-prep`, pipeline: 'fleet-fed' });
  }, 120_000);
});
