import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchard, type Endpoint } from '../../src/sdk/index.js';
import { TEST_ATTEMPTS_DIR, writeClassificationCsv } from '../support/backends.js';
import { cli, startServer, type RunningServer } from '../support/server.js';

/** A process that runs (an exited one its dead parent has not reaped yet does not). */
const alive = (pid: number) => {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1][0] !== 'Z';
  } catch {
    return false;
  }
};

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Failure behaviour of endpoints: model timeouts, crashed model servers, load shedding,
 * autoscaling and a platform restart. These concern the server's processes, not the
 * metadata or artifact backends, so they run on the embedded defaults only. A slow model
 * is simulated by the test-only ORCHARD_ENDPOINT_TEST_DELAYS knob: model servers then
 * wait as long as the `x-orchard-test-delay-ms` header asks before answering.
 */
describe('endpoint failures, load shedding, autoscaling and restarts (embedded mode)', () => {
  let server: RunningServer;
  let home: string;
  let admin: { url: string; token: string };
  let sdk: Orchard;
  const row = '0.5,-1.2,0.3,1.1\n';
  const env = {
    ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR,
    ORCHARD_ENDPOINT_TEST_DELAYS: '1',
    ORCHARD_ENDPOINT_TIMEOUT_MS: '1500',
    ORCHARD_ENDPOINT_AUTOSCALE_INTERVAL_MS: '300',
    ORCHARD_WORKERS: '1',
  };

  const post = (name: string, headers: Record<string, string> = {}) =>
    fetch(`${admin.url}/api/v1/endpoints/${name}/invocations`, { method: 'POST', headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'text/csv', ...headers }, body: row });

  const create = async (args: string[]): Promise<Endpoint> => {
    const res = await cli(['endpoints', 'create', ...args, '--wait', '--json'], admin);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    return res.json as Endpoint;
  };

  beforeAll(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-endpoint-faults-'));
    server = await startServer(env, home);
    admin = { url: server.url, token: server.adminToken };
    sdk = new Orchard(admin);
    const csv = writeClassificationCsv(path.join(home, 'tr.csv'), 600, 3);
    expect((await cli(['datasets', 'create', 'tr', '--file', csv, '--json'], admin)).code).toBe(0);
    const job = await cli(['train', '--name', 'gb', '--algorithm', 'xgboost', '--train', 'tr', '--hp', 'objective=binary:logistic', '--hp', 'num_round=5', '--wait', '--json'], admin);
    expect(job.code, job.stdout + job.stderr).toBe(0);
    expect((await cli(['models', 'create', 'm', '--from-job', 'gb', '--json'], admin)).code).toBe(0);
  });
  afterAll(async () => server?.stop());

  it('answers 504 with a clear code when the model takes longer than the limit', async () => {
    await create(['slow', '--model', 'm']);
    const res = await post('slow', { 'x-orchard-test-delay-ms': '5000' });
    expect(res.status).toBe(504);
    expect(await res.json()).toMatchObject({ code: 'ORCH_ENDPOINT_MODEL_TIMEOUT', details: { timeoutMs: 1500, variant: 'AllTraffic' } });
    expect((await post('slow')).status).toBe(200);
    expect((await sdk.endpoints.describe('slow')).variants[0].counters).toMatchObject({ timeouts: 1, serverErrors: 1, invocations: 2 });
  });

  it('answers 503 for requests in flight when a model server is killed, and restarts it', async () => {
    const before = (await sdk.endpoints.describe('slow')).variants[0].instances[0];
    const inFlight = Array.from({ length: 4 }, () => post('slow', { 'x-orchard-test-delay-ms': '1000' }));
    await until('requests in flight', async () => (await sdk.endpoints.describe('slow')).variants[0].instances[0].inFlight === 4);
    process.kill(before.pid!, 'SIGKILL');
    for (const res of await Promise.all(inFlight)) {
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(((await res.json()) as { code: string }).code).toBe('ORCH_ENDPOINT_INSTANCE_FAILED');
    }
    const after = await until('the restarted instance', async () => {
      const i = (await sdk.endpoints.describe('slow')).variants[0].instances[0];
      return i.status === 'InService' && i.restarts === 1 && i;
    });
    expect(after.pid).not.toBe(before.pid);
    expect((await post('slow')).status).toBe(200);
    expect((await sdk.endpoints.describe('slow')).status).toBe('InService');
  });

  it('sheds load beyond capacity with 429 and Retry-After', async () => {
    await create(['tiny', '--model', 'm', '--max-concurrency', '1', '--max-queue', '1']);
    const responses = await Promise.all(Array.from({ length: 6 }, () => post('tiny', { 'x-orchard-test-delay-ms': '800' })));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 429, 429, 429, 429]);
    for (const r of responses.filter((x) => x.status === 429)) {
      expect(r.headers.get('retry-after')).toBe('1');
      expect(((await r.json()) as { code: string }).code).toBe('ORCH_ENDPOINT_THROTTLED');
    }
    expect((await sdk.endpoints.describe('tiny')).variants[0].counters.throttled).toBe(4);
  });

  it('scales a variant out on invocations per instance and back within its bounds', async () => {
    const res = await cli(['endpoints', 'autoscale', 'tiny', '--variant', 'AllTraffic', '--min', '1', '--max', '2', '--target', '20', '--scale-out-cooldown', '0', '--json'], admin);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.json.variants[0].autoscaling).toEqual({ minInstances: 1, maxInstances: 2, targetInvocationsPerInstance: 20, scaleInCooldownS: 300, scaleOutCooldownS: 0 });
    for (let i = 0; i < 60; i++) expect((await post('tiny')).status).toBe(200);
    const scaled = await until('two instances in service', async () => {
      const e = await sdk.endpoints.describe('tiny');
      return e.variants[0].currentInstances === 2 && e;
    });
    expect(scaled.variants[0].desiredInstances).toBe(2);
    // A minimum above the current count applies at once, and the count is stored.
    await sdk.endpoints.autoscale('tiny', { variant: 'AllTraffic', minInstances: 3, maxInstances: 3, targetInvocationsPerInstance: 20 });
    await until('three instances', async () => (await sdk.endpoints.describe('tiny')).variants[0].currentInstances === 3);
    const off = await cli(['endpoints', 'autoscale', 'tiny', '--variant', 'AllTraffic', '--off', '--json'], admin);
    expect(off.json.variants[0]).toMatchObject({ autoscaling: null, desiredInstances: 3 });
  });

  it('brings endpoints and their model servers back after the platform restarts, captured data flushed', async () => {
    // Capture is flushed every 10 s by default: these records reach the store only because shutdown flushes.
    await sdk.endpoints.update('slow', { capturePercent: 100 });
    expect((await sdk.endpoints.waitFor('slow', { pollMs: 100 })).dataCapture).toEqual({ percent: 100, destination: 'endpoints/slow/capture/' });
    for (let i = 0; i < 3; i++) expect((await post('slow')).status).toBe(200);
    const before = await sdk.endpoints.describe('tiny');
    const pids = before.variants[0].instances.map((i) => i.pid!);
    expect(pids).toHaveLength(3);
    await server.stop();
    await until('model servers stopped', async () => pids.every((p) => !alive(p)), 15_000);
    server = await startServer(env, home);
    admin = { url: server.url, token: server.adminToken };
    sdk = new Orchard(admin);
    const back = await until('endpoints back in service', async () => {
      const items = (await sdk.endpoints.list()).items;
      return items.length === 2 && items.every((e) => e.status === 'InService' && e.variants[0].currentInstances === e.variants[0].desiredInstances) && items;
    });
    expect(back.map((e) => [e.name, e.variants[0].currentInstances])).toEqual([
      ['tiny', 3],
      ['slow', 1],
    ]);
    expect((await post('tiny')).status).toBe(200);
    expect((await post('slow')).status).toBe(200);
    const captured = await sdk.artifacts.list('endpoints/slow/capture/AllTraffic/');
    let records = 0;
    for (const f of captured) {
      const text = await new Promise<string>(async (resolve, reject) => {
        let t = '';
        (await sdk.artifacts.get(f.key)).on('data', (c: Buffer) => (t += c)).on('end', () => resolve(t)).on('error', reject);
      });
      records += text.trim().split('\n').length;
    }
    expect(records).toBeGreaterThanOrEqual(3);
  });

  it('stops its model servers when the platform is killed, and brings them back', async () => {
    const pids = (await sdk.endpoints.list()).items.flatMap((e) => e.variants[0].instances.map((i) => i.pid!));
    expect(pids).toHaveLength(4);
    server.process.kill('SIGKILL');
    await until('model servers gone with their parent', async () => pids.every((p) => !alive(p)), 15_000);
    server = await startServer(env, home);
    admin = { url: server.url, token: server.adminToken };
    sdk = new Orchard(admin);
    await until('endpoints back in service', async () => {
      const items = (await sdk.endpoints.list()).items;
      return items.every((e) => e.status === 'InService' && e.variants[0].currentInstances === e.variants[0].desiredInstances);
    });
    expect((await post('tiny')).status).toBe(200);
  });
});
