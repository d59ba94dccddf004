import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { Orchard, type CreateTriggerRequest } from '../../src/sdk/index.js';
import { backends, writeClassificationCsv } from '../support/backends.js';
import { cliSuite } from '../support/cli-suite.js';
import { cli } from '../support/server.js';
import { refusedBySdk } from '../support/refusals.js';

/** A pipeline that echoes what its triggers pass. */
const ECHO = {
  parameters: { dataset: { type: 'string', default: 'none' }, package: { type: 'string', default: 'none' }, rounds: { type: 'integer', default: 1 } },
  steps: [{ name: 'echo', type: 'pass', output: { dataset: { Get: 'Parameters.dataset' }, package: { Get: 'Parameters.package' }, rounds: { Get: 'Parameters.rounds' } } }],
};

type Execution = { id: string; status: string; parameters: Record<string, unknown>; trigger: { kind?: string; name?: string; event?: Record<string, unknown> }; steps: Array<{ name: string; outputs: Record<string, unknown> }> };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(backends)('pipeline triggers on $name', (backend) => {
  // The registry and crawler kinds read other capabilities through their services, the
  // same on both backends: they run on the first only, to keep the suite short.
  const first = backend === backends[0] ? it : it.skip;
  // A 100 ms sweep: the trigger watcher looks every 200 ms.
  const suite = cliSuite(backend, { prefix: 'orchard-triggers-', env: { ORCHARD_PIPELINE_POLL_MS: '100', ORCHARD_CRAWLER_ROOTS: os.tmpdir() } });
  let sdk: Orchard;
  let dir: string;
  let landing: string;
  let csv = 0;

  async function ok(args: string[]) {
    const res = await cli([...args, '--json'], suite.admin);
    expect(res.code, `${args.join(' ')}\n${res.stdout}${res.stderr}`).toBe(0);
    return res.json;
  }

  async function refused(args: string[], code: string) {
    const res = await cli([...args, '--json'], suite.admin);
    expect(res.code, `${args.join(' ')}\n${res.stdout}${res.stderr}`).not.toBe(0);
    expect(res.json.code, `${args.join(' ')}: ${res.json.message}`).toBe(code);
    return res.json;
  }

  /** Executions the trigger started, oldest first (one SDK request, or the CLI's `pipelines executions`). */
  async function firedBy(trigger: string, via: 'sdk' | 'cli' = 'sdk'): Promise<Execution[]> {
    const page = via === 'cli' ? await ok(['pipelines', 'executions', '--pipeline', 'echo']) : await sdk.pipelines.executions({ pipeline: 'echo' });
    return (page.items as unknown as Execution[]).filter((e) => e.trigger.name === trigger).reverse();
  }

  async function until(trigger: string, count: number): Promise<Execution[]> {
    for (let i = 0; i < 600; i++) {
      const fired = await firedBy(trigger);
      if (fired.length >= count && fired.every((e) => e.status === 'Succeeded')) return fired;
      await sleep(150);
    }
    throw new Error(`trigger ${trigger} never fired ${count} time(s): ${JSON.stringify(await firedBy(trigger))}`);
  }

  function newCsv(): string {
    csv += 1;
    return writeClassificationCsv(path.join(dir, `data-${csv}.csv`), 30, csv);
  }

  /** A new version of `sales` through the SDK (one upload, no `orchard` process; `datasets create` runs through the CLI in the suite's setup). */
  async function newSalesVersion(): Promise<void> {
    await sdk.datasets.create({ name: 'sales', file: newCsv() });
  }

  beforeAll(async () => {
    dir = suite.dir;
    sdk = new Orchard(suite.admin);
    landing = path.join(dir, 'landing');
    fs.mkdirSync(landing, { recursive: true });
    fs.writeFileSync(path.join(dir, 'echo.json'), JSON.stringify(ECHO));
    await ok(['pipelines', 'create', 'echo', '--file', path.join(dir, 'echo.json')]);
    await ok(['datasets', 'create', 'sales', '--file', newCsv()]);
  });

  it('a dataset trigger fires once per new version, with the version as a parameter, not for versions before it', async () => {
    const t = await ok(['triggers', 'create', 'on-sales', '--pipeline', 'echo', '--kind', 'dataset', '--dataset', 'sales', '--map', 'dataset=dataset', '--param', 'rounds=7']);
    expect(t).toMatchObject({ name: 'on-sales', pipeline: 'echo', kind: 'dataset', source: { dataset: 'sales' }, map: { dataset: 'dataset' }, parameters: { rounds: '7' }, enabled: true });
    // Several rounds of the watcher (every 200 ms here): sales@1 existed before the trigger and does not fire.
    await sleep(1000);
    expect(await firedBy('on-sales', 'cli')).toEqual([]);

    await newSalesVersion();
    await newSalesVersion();
    const fired = await until('on-sales', 2);
    expect(fired.map((e) => e.parameters.dataset)).toEqual(['sales@2', 'sales@3']);
    expect(fired[0].parameters.rounds).toBe(7);
    expect(fired[0].trigger).toMatchObject({ kind: 'dataset', name: 'on-sales', event: { dataset: 'sales@2', name: 'sales', version: 2 } });
    const run = await ok(['pipelines', 'execution', fired[1].id]);
    expect(run.steps.find((s: { name: string }) => s.name === 'echo').outputs).toEqual({ output: { dataset: 'sales@3', package: 'none', rounds: 7 } });
    const described = await ok(['triggers', 'describe', 'on-sales']);
    expect(described.lastFired).toMatchObject({ execution: fired[1].id, event: { dataset: 'sales@3' } });
    // Nothing fires twice.
    await sleep(1000);
    expect(await firedBy('on-sales')).toHaveLength(2);

    // Disabled, a new version does not fire; enabled again, only later versions do.
    await ok(['triggers', 'disable', 'on-sales']);
    await newSalesVersion();
    await sleep(1000);
    expect(await firedBy('on-sales')).toHaveLength(2);
    expect((await ok(['triggers', 'enable', 'on-sales'])).enabled).toBe(true);
    await newSalesVersion();
    expect((await until('on-sales', 3)).map((e) => e.parameters.dataset)).toEqual(['sales@2', 'sales@3', 'sales@5']);
  });

  first('a registry trigger fires when `orchard registry approve` approves a version', async () => {
    // The version to approve, made through the SDK (one request each); the trigger and the approval go through the CLI.
    await sdk.datasets.create({ name: 'tr', file: writeClassificationCsv(path.join(dir, 'tr.csv'), 200, 3) });
    await sdk.training.create({ name: 'gb-trig', algorithm: 'xgboost', channels: { train: 'tr' }, hyperParameters: { objective: 'binary:logistic', num_round: '3' } });
    expect((await sdk.training.waitFor('gb-trig', { pollMs: 200 })).status).toBe('Completed');
    await sdk.models.create({ name: 'm-trig', fromJob: 'gb-trig' });
    await sdk.registry.register('churn', { model: 'm-trig' });
    await ok(['triggers', 'create', 'on-approve', '--pipeline', 'echo', '--kind', 'registry', '--group', 'churn', '--map', 'package=package']);
    await sleep(1000);
    expect(await firedBy('on-approve')).toEqual([]);
    await ok(['registry', 'approve', 'churn@1', '--reason', 'ship it']);
    const [fired, ...more] = await until('on-approve', 1);
    expect(more).toEqual([]);
    expect(fired.parameters.package).toBe('churn@1');
    expect(fired.trigger).toMatchObject({ kind: 'registry', name: 'on-approve', event: { package: 'churn@1', group: 'churn', version: 1, model: 'm-trig', approvedBy: 'admin' } });
  });

  first('a crawler trigger runs the crawler and fires when a file lands in the folder', async () => {
    fs.writeFileSync(path.join(landing, 'a.csv'), 'id,amount\n1,10\n2,20\n');
    await ok(['crawlers', 'create', 'landing', '--from', pathToFileURL(landing).href]);
    expect(await ok(['crawlers', 'run', 'landing', '--wait'])).toMatchObject({ status: 'Completed', dataset: 'landing@1' });
    // The file lands after the crawler's last run, before the trigger exists: nothing registers it but the
    // run the trigger starts at its first check. (Written after the create, it could miss that run and wait
    // the 10 s for the next.)
    fs.writeFileSync(path.join(landing, 'b.csv'), 'id,amount\n3,30\n');
    await ok(['triggers', 'create', 'on-landing', '--pipeline', 'echo', '--kind', 'crawler', '--crawler', 'landing', '--every', '10s', '--map', 'dataset=dataset']);
    const [fired] = await until('on-landing', 1);
    expect(fired.parameters.dataset).toBe('landing@2');
    expect(fired.trigger).toMatchObject({ kind: 'crawler', event: { dataset: 'landing@2', crawler: 'landing', version: 2 } });
  });

  it('a schedule trigger knows its next time in its zone', async () => {
    const t = await ok(['triggers', 'create', 'weekday-6am', '--pipeline', 'echo', '--kind', 'schedule', '--cron', '0 6 * * 1-5', '--timezone', 'Europe/Paris']);
    expect(t.source).toEqual({ cron: '0 6 * * 1-5', timezone: 'Europe/Paris' });
    const next = new Date(t.nextFireAt);
    expect(next.getTime()).toBeGreaterThan(Date.now());
    const local = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(next);
    expect(local).toMatch(/^(Mon|Tue|Wed|Thu|Fri) 06:00$/);
    const listed = await ok(['triggers', 'list', '--pipeline', 'echo']);
    expect(listed.items.map((i: { name: string }) => i.name)).toContain('weekday-6am');
    await ok(['triggers', 'delete', 'weekday-6am']);
    await refused(['triggers', 'describe', 'weekday-6am'], 'ORCH_TRIGGER_NOT_FOUND');
  });

  it('refuses bad triggers, each with its code', async () => {
    // A refusal's exit code and JSON through the CLI once (`triggers describe` of a deleted one above is another);
    // the other bad inputs through the SDK: one request each, not an `orchard` process.
    await refused(['triggers', 'create', 't1', '--pipeline', 'echo', '--kind', 'dataset', '--dataset', 'sales', '--param', 'rounds=many'], 'ORCH_PIPELINE_PARAMETER_INVALID');
    await refusedBySdk(sdk.triggers.enable('absent'), 'ORCH_TRIGGER_NOT_FOUND');
    await refusedBySdk(sdk.triggers.list({ pipeline: 'absent' }), 'ORCH_PIPELINE_NOT_FOUND');

    const request = (name: string, fields: Omit<CreateTriggerRequest, 'name' | 'pipeline'>, pipeline = 'echo') => sdk.triggers.create({ name, pipeline, ...fields } as CreateTriggerRequest);
    await refusedBySdk(request('t1', { kind: 'dataset', dataset: 'sales' }, 'nope'), 'ORCH_PIPELINE_NOT_FOUND');
    await refusedBySdk(request('t1', { kind: 'dataset', dataset: 'missing' }), 'ORCH_DATASET_NOT_FOUND');
    await refusedBySdk(request('t1', { kind: 'crawler', crawler: 'missing', every: '5m' }), 'ORCH_CRAWLER_NOT_FOUND');
    await refusedBySdk(request('t1', { kind: 'registry', group: 'missing' }), 'ORCH_REGISTRY_GROUP_NOT_FOUND');
    await refusedBySdk(request('t1', { kind: 'dataset', dataset: 'sales', parameters: { undeclared: '1' } }), 'ORCH_PIPELINE_PARAMETER_INVALID');
    await refusedBySdk(request('t1', { kind: 'dataset', dataset: 'sales', map: { dataset: 'package' } }), 'ORCH_TRIGGER_INVALID');
    await refusedBySdk(request('t1', { kind: 'dataset' }), 'ORCH_TRIGGER_INVALID');
    await refusedBySdk(request('t1', { kind: 'dataset', dataset: 'sales', cron: '* * * * *' }), 'ORCH_TRIGGER_INVALID');
    await refusedBySdk(request('t1', { kind: 'schedule', cron: '61 * * * *' }), 'ORCH_TRIGGER_INVALID');
    await refusedBySdk(request('t1', { kind: 'schedule', cron: '0 6 * * *', timezone: 'Mars/Olympus' }), 'ORCH_TRIGGER_INVALID');
    // The crawler exists on the first backend only (made by the crawler trigger's test).
    if (backend === backends[0]) await refusedBySdk(request('t1', { kind: 'crawler', crawler: 'landing', every: 'often' }), 'ORCH_TRIGGER_INVALID');
    await refusedBySdk(request('t1', { kind: 'lunar' as CreateTriggerRequest['kind'], dataset: 'sales' }), 'ORCH_API_BAD_REQUEST');
    await refusedBySdk(request('on-sales', { kind: 'dataset', dataset: 'sales' }), 'ORCH_TRIGGER_EXISTS');
    // Nothing refused was stored.
    expect((await sdk.triggers.list({ pipeline: 'echo' })).items.map((t) => t.name)).not.toContain('t1');
  });
});
