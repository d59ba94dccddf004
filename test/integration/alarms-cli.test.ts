import { createHmac, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchard, type Alarm } from '../../src/sdk/index.js';
import { backends, writeClassificationCsv } from '../support/backends.js';
import { cliSuite } from '../support/cli-suite.js';
import { cli } from '../support/server.js';

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver on 127.0.0.1 that keeps what it is sent and answers 200. */
async function startReceiver() {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { received, url: `http://127.0.0.1:${port}/alarms`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** The receiver's check: the HMAC of `<timestamp>.<body>` under the webhook's secret. */
function verified(secret: string, r: Received): boolean {
  const timestamp = Number(r.headers['orchard-webhook-timestamp']);
  const expected = Buffer.from(`v1=${createHmac('sha256', secret).update(`${timestamp}.${r.body}`).digest('hex')}`);
  const given = Buffer.from(String(r.headers['orchard-webhook-signature']));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Polls `fn` (an SDK request or a local read, no `orchard` process) every 250 ms until it answers something. */
async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A training script that keeps a core busy for two minutes (unless stopped). */
const BUSY = `const end = Date.now() + 120000; let x = 0; while (Date.now() < end) { x += Math.sqrt(x + 1); } console.log(x);`;

describe.each(backends)('alarms through the CLI on $name', (backend) => {
  // The server evaluates alarms every half second and writes metrics every 300 ms.
  const suite = cliSuite(backend, { prefix: 'orchard-alarms-', env: { ORCHARD_ALARM_INTERVAL_MS: '500', ORCHARD_METRICS_FLUSH_MS: '300', ORCHARD_METRICS_SAMPLE_MS: '300' } });
  // The CPU alarm's job burns a core until stopped: it runs on the first backend only. On PostgreSQL,
  // alarms are evaluated and their actions run in the 4xx case here, a training job's CPU is stored in
  // metrics-cli.test.ts, and a running job is stopped by its Debugger rule in debugger-cli.test.ts.
  const first = backend === backends[0] ? it : it.skip;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let secret: string;
  let row: string;
  let sdk: Orchard;
  const run = async (args: string[]) => {
    const res = await cli([...args, '--json'], suite.admin);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    return res.json;
  };

  beforeAll(async () => {
    receiver = await startReceiver();
    // What the alarms watch and act on, made through the SDK (one request each): the dataset, the
    // training job, the model, the endpoint, the webhook and the pipeline commands have CLI suites of their own.
    sdk = new Orchard(suite.admin);
    const csv = writeClassificationCsv(path.join(suite.dir, 'tr.csv'), 300, 3);
    row = fs.readFileSync(csv, 'utf8').split('\n')[0].split(',').slice(1).join(',');
    await sdk.datasets.create({ name: 'tr', file: csv });
    await sdk.training.create({ name: 'gb', algorithm: 'xgboost', channels: { train: 'tr' }, hyperParameters: { objective: 'binary:logistic', num_round: '3' } });
    expect((await sdk.training.waitFor('gb', { pollMs: 250 })).status).toBe('Completed');
    await sdk.models.create({ name: 'm', fromJob: 'gb' });
    await sdk.endpoints.create({ name: 'ep', variants: [{ name: 'AllTraffic', model: 'm', instances: 1, weight: 1 }] });
    expect((await sdk.endpoints.waitFor('ep', { pollMs: 250 })).status).toBe('InService');
    // The receiver is on loopback: an admin allows it, as the webhooks' own tests do.
    await sdk.webhooks.allow({ pattern: '127.0.0.1' });
    secret = (await sdk.webhooks.create({ name: 'hook', url: receiver.url })).secret;
    // A pipeline the alarm starts: it echoes the parameters it was given.
    await sdk.pipelines.create({ name: 'echo', definition: JSON.stringify({ parameters: { reason: { type: 'string', default: 'none' }, rounds: { type: 'integer', default: 1 } }, steps: [{ name: 'echo', type: 'pass', output: { reason: { Get: 'Parameters.reason' } } }] }) });
  });
  afterAll(async () => {
    await receiver?.close();
  });

  it('refuses an alarm with every problem listed', async () => {
    const res = await cli(
      ['alarms', 'create', 'bad', '--endpoint', 'nope', '--metric', 'Latency', '--stat', 'p99', '--period', '90', '--threshold', '100', '--comparison', 'GreaterThanThreshold', '--evaluation-periods', '2', '--datapoints-to-alarm', '3', '--action', 'webhook:ghost', '--action', 'stop-training:ghost', '--action', 'pipeline:ghost', '--json'],
      suite.admin,
    );
    expect(res.code).toBe(1);
    expect(res.json.code).toBe('ORCH_ALARM_INVALID');
    const fields = (res.json.details.errors as Array<{ field: string }>).map((e) => e.field).sort();
    expect(fields).toEqual(['actions[0]', 'actions[1]', 'actions[2]', 'datapointsToAlarm', 'dimensions.endpoint', 'metric', 'period']);
    const human = await cli(['alarms', 'describe', 'bad'], suite.admin);
    expect(human.code).toBe(1);
    expect(human.stderr).toContain('ORCH_ALARM_NOT_FOUND');
  });

  it('goes to ALARM on 4xx errors, delivers a signed alarm.state-change to the webhook and starts a pipeline, once', async () => {
    const created = await run(['alarms', 'create', 'errors', '--endpoint', 'ep', '--metric', 'Invocation4XXErrors', '--stat', 'sum', '--period', '60', '--threshold', '1', '--comparison', 'GreaterThanOrEqualToThreshold', '--evaluation-periods', '2', '--datapoints-to-alarm', '1', '--treat-missing-data', 'notBreaching', '--action', 'webhook:hook', '--action', 'pipeline:echo?reason=errors&rounds=3']);
    expect(created).toMatchObject({ name: 'errors', state: 'INSUFFICIENT_DATA', namespace: 'endpoint', dimensions: { endpoint: 'ep' }, actions: ['webhook:hook', 'pipeline:echo?reason=errors&rounds=3'] });
    // Good requests only: the alarm settles OK.
    for (let i = 0; i < 3; i++) {
      const ok = await fetch(`${suite.admin.url}/api/v1/endpoints/ep/invocations`, { method: 'POST', headers: { authorization: `Bearer ${suite.admin.token}`, 'content-type': 'text/csv' }, body: `${row}\n` });
      expect(ok.status).toBe(200);
      await ok.text();
    }
    await until('the alarm to be OK', async () => (await sdk.alarms.describe('errors')).state === 'OK');
    // Requests the model cannot read: 400s.
    for (let i = 0; i < 3; i++) {
      const bad = await fetch(`${suite.admin.url}/api/v1/endpoints/ep/invocations`, { method: 'POST', headers: { authorization: `Bearer ${suite.admin.token}`, 'content-type': 'text/csv' }, body: '0.1,abc,0.3\n' });
      expect(bad.status).toBe(400);
      await bad.text();
    }
    const alarm = await until('the alarm to go to ALARM', async () => {
      const a = await sdk.alarms.describe('errors');
      return a.state === 'ALARM' && a;
    });
    expect(alarm.stateReason).toContain('greater than or equal to the threshold (1)');
    const sent = await until('the delivery', async () => receiver.received.find((r) => JSON.parse(r.body).event === 'alarm.state-change'));
    expect(verified(secret, sent)).toBe(true);
    const body = JSON.parse(sent.body);
    expect(body).toMatchObject({ event: 'alarm.state-change', source: 'alarm:errors', payload: { alarm: 'errors', state: 'ALARM', previousState: 'OK', metric: { namespace: 'endpoint', metric: 'Invocation4XXErrors', dimensions: { endpoint: 'ep' } }, threshold: 1 } });
    // The alarm fires as soon as a flush holds one error (the three may straddle a flush or a minute).
    // It looks at two one-minute periods, one of which must hold an error: so it stays in ALARM for
    // the checks below even when a minute ends among them.
    expect(Math.max(...body.payload.datapoints.map((d: { value: number }) => d.value))).toBeGreaterThanOrEqual(1);
    const described = await run(['alarms', 'describe', 'errors']);
    const [delivery, started] = described.history[0].actions;
    expect(described.history[0]).toMatchObject({ from: 'OK', to: 'ALARM' });
    expect(delivery).toEqual({ action: 'webhook:hook', status: 'Done', resource: body.id, error: null });
    expect(started).toMatchObject({ action: 'pipeline:echo?reason=errors&rounds=3', status: 'Done', error: null });
    // The pipeline was started once, with the action's parameters typed by its definition (read through the SDK).
    const executions = (await sdk.pipelines.executions({ pipeline: 'echo' })).items;
    expect(executions).toHaveLength(1);
    expect(executions[0]).toMatchObject({ id: started.resource, parameters: { reason: 'errors', rounds: 3 }, trigger: { kind: 'alarm', name: 'errors', state: 'ALARM' } });
    // Once per transition: later evaluations in ALARM send nothing more.
    await run(['alarms', 'evaluate', 'errors']);
    expect(receiver.received.filter((r) => JSON.parse(r.body).event === 'alarm.state-change')).toHaveLength(1);
    expect((await sdk.pipelines.executions({ pipeline: 'echo' })).items).toHaveLength(1);
    const listed = await run(['alarms', 'list', '--state', 'ALARM']);
    expect(listed.items.map((a: { name: string }) => a.name)).toEqual(['errors']);
    const text = await cli(['alarms', 'describe', 'errors'], suite.admin);
    expect(text.stdout).toContain('OK → ALARM');
  });

  first('stops a training job whose CPU crosses the threshold', async () => {
    // The job, its waits, the alarm's creation and the reads after through the SDK (`alarms create`,
    // `describe` and `list` run through the CLI above); disable and delete through the CLI.
    // The busy script, packed as `train --script` packs it.
    const src = path.join(suite.dir, 'busy');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'train.js'), BUSY);
    await tar.c({ gzip: true, file: path.join(suite.dir, 'busy.tar.gz'), cwd: src, portable: true }, ['train.js']);
    await sdk.artifacts.put('sources/busy/sourcedir.tar.gz', path.join(suite.dir, 'busy.tar.gz'));
    await sdk.training.create({ name: 'busy', script: { entryPoint: 'train.js', sourceKey: 'sources/busy/sourcedir.tar.gz' }, channels: { train: 'tr' } });
    await until('the job to run', async () => (await sdk.training.describe('busy')).status === 'InProgress');
    await sdk.alarms.create({ name: 'runaway', namespace: 'job', metric: 'CPUUtilization', dimensions: { job: 'busy' }, stat: 'max', period: 60, threshold: 20, comparison: 'GreaterThanThreshold', evaluationPeriods: 1, actions: ['stop-training:busy'] });
    const job = await until('the job to be stopped', async () => {
      const j = await sdk.training.describe('busy');
      return j.status === 'Stopped' && j;
    }, 60_000);
    expect(job.status).toBe('Stopped');
    const alarm: Alarm = await sdk.alarms.describe('runaway');
    expect(alarm.state).toBe('ALARM');
    expect(alarm.history[0].actions).toEqual([{ action: 'stop-training:busy', status: 'Done', resource: 'busy', error: null }]);
    await run(['alarms', 'disable', 'runaway']);
    await run(['alarms', 'delete', 'runaway']);
    expect((await sdk.alarms.list()).items.map((a) => a.name)).toEqual(['errors']);
  }, 90_000);
});
