import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchard } from '../../src/sdk/index.js';
import { fleetBackend, writeClassificationCsv } from '../support/backends.js';
import { cli, startServer, startWorkerProcess, type RunningServer } from '../support/server.js';

const TOKEN = 'orch_shared_admin_token_for_the_review_fleet_0001';

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/**
 * Human review and labeling on a fleet: two servers that run no jobs, one `orchard worker`,
 * PostgreSQL + S3 + Redis. A flow created through one server reviews the endpoint's
 * invocations served by the other; labeling's job kinds (automated-labeling rounds and
 * their training jobs, consolidation) run on the worker.
 */
describe('human review and labeling on a fleet', () => {
  let a: RunningServer | undefined;
  let b: RunningServer | undefined;
  let worker: Awaited<ReturnType<typeof startWorkerProcess>> | undefined;
  let teardown: (() => Promise<void>) | undefined;
  let env: Record<string, string>;
  let dir: string;
  const sdk = (server: RunningServer, token = TOKEN) => new Orchard({ url: server.url, token });

  beforeAll(async () => {
    const fleet = await fleetBackend({ ORCHARD_TOKEN: TOKEN });
    teardown = fleet.teardown;
    env = { ...fleet.env, ORCHARD_WORKERS: '0' };
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-reviews-fleet-'));
    a = await startServer(env);
    worker = await startWorkerProcess(fleet.env);
    const admin = { url: a.url, token: TOKEN };
    const steps: string[][] = [
      ['datasets', 'create', 'train', '--file', writeClassificationCsv(path.join(dir, 'train.csv'), 400, 7)],
      ['train', '--name', 'gb', '--algorithm', 'xgboost', '--train', 'train', '--hp', 'objective=binary:logistic', '--hp', 'num_round=20', '--hp', 'max_depth=3', '--wait'],
      ['models', 'create', 'gb', '--from-job', 'gb'],
      ['endpoints', 'create', 'gb-ep', '--model', 'gb', '--wait'],
    ];
    for (const step of steps) {
      const res = await cli([...step, '--json'], admin);
      expect(res.code, `${step.join(' ')}: ${res.stdout}${res.stderr}`).toBe(0);
    }
    // The second server starts with the endpoint in service and no flow yet.
    b = await startServer(env);
    const admin2 = sdk(b);
    await admin2.users.create({ name: 'ann', role: 'labeler' });
  }, 300_000);
  afterAll(async () => {
    await worker?.stop();
    await b?.stop();
    await a?.stop();
    await teardown?.();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const invokeOn = async (server: RunningServer, inferenceId: string) => {
    const res = await fetch(`${server.url}/api/v1/endpoints/gb-ep/invocations`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/csv', 'x-amzn-sagemaker-inference-id': inferenceId }, body: '2,0,-2,0\n' });
    return res.status;
  };

  it('a flow created through one server reviews the invocations another serves, and its deletion reaches that one too', async () => {
    await until('the endpoint on the second server', async () => (await invokeOn(b!, 'warm-up')) === 200);
    await sdk(a!).reviews.flows.create({ name: 'every', endpoint: 'gb-ep', labels: ['neg', 'pos'], activation: { samplePercent: 100 } });
    // The second server learns of the flow from the store: invocations it serves start loops.
    let n = 0;
    const loop = await until('a loop from the second server', async () => {
      expect(await invokeOn(b!, `on-b-${++n}`)).toBe(200);
      await new Promise((r) => setTimeout(r, 200));
      return (await sdk(a!).reviews.list({ flow: 'every' })).items.find((l) => l.inferenceId?.startsWith('on-b-'));
    });
    expect(loop).toMatchObject({ source: 'sample', endpoint: 'gb-ep', predictedLabel: 'pos' });

    // Answered through the second server, exported through the first.
    const ann = sdk(b!, (await sdk(b!).tokens.create({ user: 'ann', name: 'review' })).token);
    for (let task = await ann.reviews.next('every'); task; task = await ann.reviews.next('every')) await ann.reviews.answer(task.loop, { label: 'pos' });
    const exported = await sdk(a!).reviews.flows.export('every', { dataset: 'every-reviewed' });
    expect(exported).toMatchObject({ format: 'csv', dataset: 'every-reviewed@1' });
    expect(exported.rows).toBeGreaterThanOrEqual(1);

    // Deleted through the first server: the second stops starting loops.
    await sdk(a!).reviews.flows.delete('every');
    await new Promise((r) => setTimeout(r, 6_000));
    expect(await invokeOn(b!, 'after-delete')).toBe(200);
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await sdk(a!).reviews.list({ endpoint: 'gb-ep' })).items.map((l) => l.inferenceId)).not.toContain('after-delete');
  }, 240_000);

  it("labeling's automated-labeling rounds and consolidation run on the fleet worker", async () => {
    const words = { pos: ['great', 'superb', 'fun', 'moving'], neg: ['dull', 'awful', 'bland', 'weak'] } as const;
    const items = Array.from({ length: 60 }, (_, i) => {
      const truth = i % 2 === 0 ? 'pos' : 'neg';
      return { source: `the ${words[truth][i % 4]} film was ${words[truth][(i + 1) % 4]}`, truth };
    });
    const file = path.join(dir, 'texts.jsonl');
    fs.writeFileSync(file, items.map((x) => JSON.stringify(x)).join('\n') + '\n');
    const admin = sdk(a!);
    await admin.datasets.create({ name: 'texts', file });
    const created = await cli(['labeling', 'jobs', 'create', 'txt', '--dataset', 'texts', '--task', 'text-classification', '--labels', 'pos,neg', '--auto-label', '--auto-label-accuracy', '0.8', '--auto-label-batch', '0.5', '--json'], { url: b!.url, token: TOKEN });
    expect(created.code, created.stdout + created.stderr).toBe(0);
    const ann = sdk(a!, (await admin.tokens.create({ user: 'ann', name: 'label' })).token);
    const label = async (n: number) => {
      let got = 0;
      for (let task = await ann.labeling.next('txt'); task && got < n; task = got < n ? await ann.labeling.next('txt') : null) {
        await ann.labeling.submit('txt', task.item, { label: String(task.source.truth) });
        got++;
      }
      return got;
    };
    expect(await label(30)).toBe(30);
    // The round's training jobs and its label step ran on the worker (the servers run no jobs).
    const round = await until('round 1', async () => {
      const j = await admin.labeling.describe('txt');
      return j.autoLabel!.rounds >= 1 && j.autoLabel!.state === 'Idle' && j;
    }, 240_000);
    expect(await admin.training.describe(round.autoLabel!.trainingJob ?? 'txt-auto-r1')).toMatchObject({ status: 'Completed', algorithm: 'linear-learner' });
    await label(Infinity);
    const done = await until('consolidation', async () => {
      const j = await admin.labeling.describe('txt');
      return ['Completed', 'Failed'].includes(j.status) && j;
    }, 240_000);
    expect(done.status, done.failureReason ?? '').toBe('Completed');
    expect(done.counts.labeled + done.counts.machineLabeled).toBe(60);
    expect((await admin.datasets.describe(done.output!)).rowCount).toBe(60);
  }, 480_000);
});
