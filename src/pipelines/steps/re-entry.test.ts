import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metadataTargets } from '../../../test/support/metadata.js';
import { Readable } from 'node:stream';
import { createDatasetService, type DatasetService } from '../../data/index.js';
import { forecastJobHandler, ForecastService } from '../../forecast/index.js';
import { startWorkerLoop, type JobQueue, type WorkerLoop } from '../../jobs/index.js';
import { createMemoryJobQueue } from '../../jobs/queue/index.js';
import { createFileArtifactStore, type ArtifactStore, type MetadataStore } from '../../storage/index.js';
import { SecretBox, WebhookService, webhookJobHandler, type Resolver } from '../../webhooks/index.js';
import type { StepContext, StepResult } from '../engine/step-runner.js';
import { PipelineStore } from '../pipeline-store.js';
import { forecastImportStep } from './forecast-steps.js';
import { notifyStep } from './notify-step.js';
import type { PipelinePorts } from './ports.js';
import { pipelineScriptJobHandler } from './script-job.js';
import { scriptJobsOwner, scriptStep, stepJobsOwner } from './script-step.js';
import { enqueueSql, sqlPayloadOf, sqlStep } from './data-steps.js';
import { pipelineSqlJobHandler } from './sql-job.js';
import { StepFailure } from '../engine/step-runner.js';
import { stepTags } from './ports.js';

const resolve: Resolver = async () => [{ address: '127.0.0.1', family: 4 }];

/**
 * A step re-entered after a crash calls `start` again with the same resource: these runners
 * must find what the first call made (the real queue, artifact store, metadata and webhook
 * service underneath), and the platform's lost-jobs watch must not run a finished script again.
 */
describe.each(metadataTargets)('work steps re-entered on $name', (target) => {
  let metadata: MetadataStore;
  let cleanup: () => Promise<void>;
  let queue: JobQueue;
  let artifacts: ArtifactStore;
  let store: PipelineStore;
  let webhooks: WebhookService;
  let loop: WorkerLoop;
  let ports: PipelinePorts;
  let datasets: DatasetService;
  let forecast: ForecastService;
  let receiver: http.Server;
  const bodies: string[] = [];
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-step-reentry-'));
  // Scripts may run as an unprivileged user: their folders' parent is traversable, the counter folder writable.
  fs.chmodSync(root, 0o711);
  const counters = path.join(root, 'counters');
  const exec = `pe-${randomBytes(6).toString('hex')}`;

  const ctx = (step: string, inputs: Record<string, unknown>): StepContext => ({ execution: { id: exec, pipeline: 'p', version: 1 }, step, resource: `${exec}-${step}`, attempt: 1, inputs, createdBy: 'ann' });
  async function until(run: () => Promise<StepResult>): Promise<StepResult> {
    for (;;) {
      const r = await run();
      if (r.status === 'done') return r;
      await new Promise((res) => setTimeout(res, 20));
    }
  }

  /** The job once the worker loop has recorded its end: a handler stores its outcome, which a step's poll reads, just before. */
  async function ended(id: string) {
    for (let i = 0; i < 500; i++) {
      const job = await queue.get(id);
      if (job && job.state !== 'running' && job.state !== 'queued') return job;
      await new Promise((res) => setTimeout(res, 20));
    }
    return queue.get(id);
  }

  beforeAll(async () => {
    ({ store: metadata, cleanup } = await target.open());
    fs.mkdirSync(counters, { mode: 0o777 });
    fs.chmodSync(counters, 0o777);
    queue = createMemoryJobQueue();
    artifacts = await createFileArtifactStore(pathToFileURL(fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-step-artifacts-'))).href);
    store = new PipelineStore(metadata);
    const box = new SecretBox(randomBytes(32));
    webhooks = new WebhookService({ metadata, queue, secrets: async () => box, resolve });
    const now = new Date().toISOString();
    const definition = { schemaVersion: 1, parameters: {}, steps: [{ name: 'count', type: 'script', language: 'python', code: '', timeoutSeconds: 20 }] };
    await store.insertPipeline({ name: 'p', description: null, latest_version: 1, overlap: 'allow', created_by: null, created_at: now, updated_at: now }, JSON.stringify(definition));
    datasets = createDatasetService({ config: { workDir: path.join(root, 'work'), maxUploadBytes: 1 << 30 }, metadata, artifacts });
    forecast = new ForecastService({ metadata, artifacts, queue, datasets, workDir: path.join(root, 'forecast') });
    const forecastJobs = await forecastJobHandler({ metadata, artifacts, queue, datasets, workDir: path.join(root, 'forecast-jobs') });
    loop = startWorkerLoop({
      queue,
      handlers: [pipelineScriptJobHandler({ queue, artifacts, attemptsDir: path.join(root, 'attempts') }), pipelineSqlJobHandler({ queue, datasets, artifacts }), webhookJobHandler({ metadata, queue, secrets: async () => box, resolve }), forecastJobs],
      slots: 2,
      cpus: 2,
      pollMs: 20,
      log: () => undefined,
    });
    ports = { queue, artifacts, pipelines: store, webhooks, datasets, forecast } as unknown as PipelinePorts;
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        bodies.push(body);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    await loop?.stop();
    await new Promise((r) => receiver.close(r));
    await datasets?.close();
    await artifacts?.close();
    await cleanup();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('runs a script once: a second start finds its job, and after the end its stored result', async () => {
    const code = `import json, sys\nx = json.load(sys.stdin)\nopen('${counters}/count', 'a').write('run\\n')\nprint(json.dumps({'twice': x['n'] * 2}))`;
    const step = ctx('count', { language: 'python', code, input: { n: 4 } });
    expect(await scriptStep.start(step, ports)).toEqual({ status: 'running' });
    expect(await scriptStep.start(step, ports)).toMatchObject({ status: expect.stringMatching(/running|done/) });
    expect(await until(() => scriptStep.poll!(step, ports))).toEqual({ status: 'done', outputs: { output: { twice: 8 } } });
    // Re-entered after it ended: the stored result, nothing run again.
    expect(await scriptStep.start(step, ports)).toEqual({ status: 'done', outputs: { output: { twice: 8 } } });
    // One job, one attempt, with the step's own timeoutSeconds from the definition.
    expect(await ended(step.resource)).toMatchObject({ attempt: 1, state: 'succeeded', payload: { timeoutSeconds: 20 } });
    expect(fs.readFileSync(path.join(counters, 'count'), 'utf8')).toBe('run\n');
  });

  it('enqueues again only the script jobs the queue lost, not one that has left its result', async () => {
    const now = new Date().toISOString();
    await store.insertExecution({ name: exec, pipeline: 'p', version: 1, status: 'Executing', parameters_json: '{}', trigger_json: '{}', failure_reason: null, stop_requested: 0, created_by: null, created_at: now, started_at: now, ended_at: null, updated_at: now });
    const row = (step: string, inputs: unknown) => ({ execution: exec, step, type: 'script', status: 'Executing', attempts: 1, runs: 1, resource: `${exec}-${step}`, inputs_json: JSON.stringify(inputs), outputs_json: null, failure_code: null, failure_reason: null, caught: 0, cache_hit: 0, next_at: null, started_at: now, ended_at: null, updated_at: now });
    // `count` ran above and stored its result; `lost` has a row but no job (as after a Redis without persistence restarted).
    await store.putStep(row('count', { language: 'python', code: 'print(1)' }), null);
    await store.putStep(row('lost', { language: 'javascript', code: 'console.log(JSON.stringify({ back: true }))' }), null);
    const owner = scriptJobsOwner(store, queue, artifacts);
    expect(await owner.requeueLost()).toBe(1);
    expect(await queue.get(`${exec}-lost`)).toMatchObject({ kind: 'pipeline-script', payload: { resource: `${exec}-lost`, language: 'javascript', timeoutSeconds: 300 } });
    expect(await owner.requeueLost()).toBe(0);
    const lost = ctx('lost', { language: 'javascript', code: '' });
    expect(await until(() => scriptStep.poll!(lost, ports))).toEqual({ status: 'done', outputs: { output: { back: true } } });
    expect(fs.readFileSync(path.join(counters, 'count'), 'utf8')).toBe('run\n');
  });

  it('runs a SQL step as one pipeline-sql job: a second start finds it, the version is registered once', async () => {
    await datasets.create({ name: 'raw', format: 'csv', header: true, body: Readable.from(['label,x\n1,2\n0,3\n1,4\n']) });
    const step = ctx('prep', { query: 'select * from raw where x > 2', output: 'prepared' });
    expect(await sqlStep.start(step, ports)).toEqual({ status: 'running' });
    expect(await sqlStep.start(step, ports)).toMatchObject({ status: expect.stringMatching(/running|done/) });
    const outputs = { dataset: 'prepared@1', datasetName: 'prepared', version: 1, rows: 2 };
    expect(await until(() => sqlStep.poll!(step, ports))).toEqual({ status: 'done', outputs });
    // The query ran on the worker loop, as a job named by the step's resource.
    expect(await ended(step.resource)).toMatchObject({ kind: 'pipeline-sql', attempt: 1, state: 'succeeded', result: outputs });
    expect(await sqlStep.start(step, ports)).toEqual({ status: 'done', outputs });
    expect((await datasets.versions('prepared')).map((v) => v.tags['orchard:pipeline-step'])).toEqual([step.resource]);
  });

  it('a SQL job whose last worker died after the publish registers nothing more', async () => {
    const step = ctx('again', { query: 'select * from raw', output: 'prepared' });
    // The version the dead worker published; its outcome was never stored nor reported.
    const made = await datasets.createFromQuery({ name: 'prepared', sql: 'select * from raw', tags: stepTags(step) });
    await enqueueSql(queue, sqlPayloadOf(step));
    for (let i = 0; i < 500 && (await queue.get(step.resource))?.state !== 'succeeded'; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await queue.get(step.resource)).toMatchObject({ state: 'succeeded', result: { dataset: `prepared@${made.version}`, rows: 3 } });
    expect(await until(() => sqlStep.poll!(step, ports))).toEqual({ status: 'done', outputs: { dataset: `prepared@${made.version}`, datasetName: 'prepared', version: made.version, rows: 3 } });
    expect((await datasets.versions('prepared')).length).toBe(2);
  });

  it("a refused query fails the step with the dataset service's code, and the job with its text", async () => {
    const step = ctx('bad', { query: 'select * from nowhere', output: 'never' });
    expect(await sqlStep.start(step, ports)).toEqual({ status: 'running' });
    const failure = await until(() => sqlStep.poll!(step, ports)).then(
      () => null,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(StepFailure);
    expect(failure).toMatchObject({ code: 'ORCH_QUERY_UNKNOWN_DATASET', retryable: false });
    expect(await ended(step.resource)).toMatchObject({ kind: 'pipeline-sql', state: 'failed', lastError: expect.stringMatching(/^ORCH_QUERY_UNKNOWN_DATASET: .*nowhere/) });
  });

  it('enqueues again a SQL job the queue lost', async () => {
    const now = new Date().toISOString();
    const row = { execution: exec, step: 'lost-sql', type: 'sql', status: 'Executing', attempts: 1, runs: 1, resource: `${exec}-lost-sql`, inputs_json: JSON.stringify({ query: 'select label from raw', output: 'labels' }), outputs_json: null, failure_code: null, failure_reason: null, caught: 0, cache_hit: 0, next_at: null, started_at: now, ended_at: null, updated_at: now };
    await store.putStep(row, null);
    const owner = stepJobsOwner(store, queue, artifacts);
    expect(await owner.requeueLost()).toBe(1);
    expect(await queue.get(row.resource)).toMatchObject({ kind: 'pipeline-sql', payload: { query: 'select label from raw', output: 'labels', execution: exec } });
    const lost = ctx('lost-sql', { query: 'select label from raw', output: 'labels' });
    expect(await until(() => sqlStep.poll!(lost, ports))).toMatchObject({ status: 'done', outputs: { dataset: 'labels@1', rows: 3 } });
    expect(await owner.requeueLost()).toBe(0);
  });

  it('notifies once: a re-entered notify step answers the delivery it made', async () => {
    await webhooks.addAllowRule('127.0.0.1', undefined, 'admin');
    await webhooks.create({ name: 'ops', url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook` });
    const step = ctx('tell', { webhook: 'ops', payload: { done: true } });
    await notifyStep.start(step, ports);
    await notifyStep.start(step, ports);
    const done = await until(() => notifyStep.poll!(step, ports));
    expect(done).toEqual({ status: 'done', outputs: { deliveryId: expect.stringMatching(/^whd-/), status: 'Delivered' } });
    expect(await notifyStep.start(step, ports)).toEqual(done);
    expect((await webhooks.deliveries('ops')).items).toHaveLength(1);
    expect(bodies.map((b) => JSON.parse(b))).toEqual([expect.objectContaining({ event: 'pipeline.notify', source: step.resource, payload: { done: true } })]);
  });

  it('finds the forecast import a first start made before it could keep its id, and keeps it', async () => {
    const rows = ['item_id,timestamp,target_value', ...Array.from({ length: 30 }, (_, d) => `a,${new Date(Date.UTC(2024, 0, 1 + d)).toISOString().slice(0, 10)},${d % 7}`)];
    await datasets.create({ name: 'daily', format: 'csv', header: true, body: Readable.from([rows.join('\n') + '\n']) });
    await forecast.createGroup({ name: 'shop', frequency: 'D' });
    // The row written before a start (that start's attempt began then).
    const starting = async (step: StepContext) => {
      const now = new Date().toISOString();
      await store.putStep({ execution: exec, step: step.step, type: 'forecast-import', status: 'Starting', attempts: 1, runs: 1, resource: step.resource, inputs_json: JSON.stringify(step.inputs), outputs_json: null, failure_code: null, failure_reason: null, caught: 0, cache_hit: 0, next_at: null, started_at: now, ended_at: null, updated_at: now }, null);
    };
    const count = async () => (await forecast.listImports({ group: 'shop' })).total;
    // An import of this user's made before the step started is not the step's: it makes its own.
    const older = await forecast.createImport({ group: 'shop', target: 'daily', createdBy: 'ann' });
    await new Promise((r) => setTimeout(r, 10));
    const fresh = ctx('fresh', { group: 'shop', target: 'daily' });
    await starting(fresh);
    await forecastImportStep.start(fresh, ports);
    const made = (await until(() => forecastImportStep.poll!(fresh, ports))) as { status: 'done'; outputs: { import: string } };
    expect(made.outputs.import).not.toBe(older.id);
    expect(await count()).toBe(2);

    // A first start that created the import and died before keeping its id; another user's import of the same data meanwhile.
    const step = ctx('imp', { group: 'shop', target: 'daily' });
    await starting(step);
    await forecast.createImport({ group: 'shop', target: 'daily', createdBy: 'bob' });
    const first = await forecast.createImport({ group: 'shop', target: 'daily', createdBy: 'ann' });
    await new Promise((r) => setTimeout(r, 10));
    await forecastImportStep.start(step, ports);
    const done = await until(() => forecastImportStep.poll!(step, ports));
    expect(done).toEqual({ status: 'done', outputs: { import: first.id } });
    expect(await count()).toBe(4);
    // Its id is kept: started again, it is the same import.
    expect(await forecastImportStep.start(step, ports)).toEqual(done);
    expect(await count()).toBe(4);
  });
});
