import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchard } from '../../src/sdk/index.js';
import { backends, writeClassificationCsv } from '../support/backends.js';
import { cliSuite } from '../support/cli-suite.js';
import { cli } from '../support/server.js';

type Step = { name: string; type: string; status: string; outputs: Record<string, any>; failureReason: string | null; resource: string | null };
type Execution = { id: string; status: string; failureReason: string | null; steps: Step[] };

/** A processing script: counts the input's rows per label and writes them as a CSV with a header. */
const COUNT_PY = `
import csv, glob, os
counts = {}
for f in sorted(glob.glob(os.path.join(os.environ['ORCHARD_PROCESSING_INPUT_RAW'], '*.csv'))):
    for row in csv.reader(open(f)):
        counts[row[0]] = counts.get(row[0], 0) + 1
with open(os.path.join(os.environ['ORCHARD_PROCESSING_OUTPUT_OUT'], 'counts.csv'), 'w') as fh:
    fh.write('label,n\\n')
    for k in sorted(counts):
        fh.write('%s,%d\\n' % (k, counts[k]))
print('counted', sum(counts.values()))
`;

/** A process that exists and is not a zombie. */
function running(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/** Three daily series with a weekly pattern over 91 days. */
function writeDailySales(file: string): string {
  const week = [10, 9, 9, 11, 13, 16, 12];
  const rows = ['sku,day,units'];
  for (let i = 0; i < 3; i++) for (let d = 0; d < 91; d++) rows.push(`sku-${i},${new Date(Date.UTC(2024, 0, 1 + d)).toISOString().slice(0, 10)},${week[d % 7] * (i + 1) + (d % 3)}`);
  fs.writeFileSync(file, rows.join('\n') + '\n');
  return file;
}

/** A receiver on 127.0.0.1 that answers 200 and keeps what it was sent. */
async function startReceiver() {
  const received: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { received, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe.each(backends)('pipeline steps that do work, through the CLI on $name', (backend) => {
  // A 6 s lease: a worker heartbeats every 2 s, so a stopped script's job hears of its cancellation within 2 s (not 10).
  const suite = cliSuite(backend, { prefix: 'orchard-pipeline-steps-', env: { ORCHARD_PIPELINE_POLL_MS: '200', ORCHARD_WORKERS: '2', ORCHARD_JOB_LEASE_MS: '6000' } });
  // The processing, tuning, deploy and forecast steps only call those capabilities' services, the same on
  // both backends: they run on the first only. PostgreSQL + S3 is covered for the pipeline engine by
  // pipelines-cli.test.ts, for processing steps by sagemaker-pipelines.test.ts (a SageMaker Processing step
  // is this step), for tuning, batch transform and endpoints by sagemaker-api.test.ts, and for predictors,
  // forecasts and exports by forecast-cli.test.ts. A script's time limit and its stop are the worker's and
  // the executor's, whatever the stores: on the first only too (sagemaker-pipelines.test.ts stops an
  // execution whose job is running on both).
  const first = backend === backends[0] ? it : it.skip;
  let admin: { url: string; token: string };
  let dir: string;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  async function ok(args: string[]) {
    const res = await cli([...args, '--json'], admin);
    expect(res.code, `${args.join(' ')}\n${res.stdout}${res.stderr}`).toBe(0);
    return res.json;
  }

  /** An artifact's text, through the SDK (one request; `artifacts get` is asserted in datasets-cli.test.ts). */
  async function artifact(key: string): Promise<string> {
    return (await buffer(await new Orchard(admin).artifacts.get(key))).toString('utf8');
  }

  /** Creates the pipeline (one SDK request; `pipelines create` through the CLI is asserted in pipelines-cli.test.ts) and runs it to its end with `pipelines start --wait`. */
  async function run(name: string, def: unknown, params: string[] = []): Promise<Execution> {
    await new Orchard(admin).pipelines.create({ name, definition: JSON.stringify(def, null, 2) });
    const res = await cli(['pipelines', 'start', name, ...params.flatMap((p) => ['--param', p]), '--wait', '--json'], admin);
    expect(res.json?.id, res.stdout + res.stderr).toBeTruthy();
    return res.json as Execution;
  }

  const step = (e: Execution, name: string) => e.steps.find((s) => s.name === name)!;
  const succeeded = (e: Execution) => expect(e.status, JSON.stringify(e.steps.map((s) => [s.name, s.status, s.failureReason]))).toBe('Succeeded');

  beforeAll(async () => {
    ({ admin, dir } = suite);
    receiver = await startReceiver();
    // Uploaded through the SDK: `datasets create` and `artifacts put` are asserted in datasets-cli.test.ts.
    const sdk = new Orchard(admin);
    const raw = writeClassificationCsv(path.join(dir, 'raw.csv'), 300, 5);
    await sdk.datasets.create({ name: 'raw', file: raw });
    // The same rows without their label: what a model scores.
    const features = fs.readFileSync(raw, 'utf8').trim().split('\n').slice(0, 40).map((l) => l.split(',').slice(1).join(','));
    fs.writeFileSync(path.join(dir, 'features.csv'), features.join('\n') + '\n');
    await sdk.datasets.create({ name: 'features', file: path.join(dir, 'features.csv') });
    fs.mkdirSync(path.join(dir, 'src'));
    fs.writeFileSync(path.join(dir, 'src', 'count.py'), COUNT_PY);
    await tar.c({ gzip: true, file: path.join(dir, 'count.tar.gz'), cwd: path.join(dir, 'src'), portable: true }, ['count.py']);
    await sdk.artifacts.put('sources/count/sourcedir.tar.gz', path.join(dir, 'count.tar.gz'));
  });
  afterAll(async () => {
    await receiver?.close();
  });

  first('runs a processing job named after the step; its output folder becomes the dataset the step reports', async () => {
    const e = await run('counting', {
      steps: [{ name: 'count', type: 'processing', script: { entryPoint: 'count.py', sourceKey: 'sources/count/sourcedir.tar.gz' }, inputs: [{ name: 'raw', dataset: 'raw' }], outputs: [{ name: 'out', dataset: 'label_counts' }], cpus: 1 }],
    });
    succeeded(e);
    const count = step(e, 'count');
    expect(count.outputs).toEqual({ jobName: count.resource, outputs: { out: 'label_counts@1' } });
    const job = await ok(['processing', 'describe', count.resource!]);
    expect(job).toMatchObject({ status: 'Completed', tags: { 'orchard:pipeline-execution': e.id, 'orchard:pipeline-step': count.resource } });
    const page = await ok(['datasets', 'query', 'select sum(n) as n from label_counts']);
    expect(Number(page.rows[0].n)).toBe(300);
  });

  first('tunes xgboost with two trials; the best trial, its objective and its model come out', async () => {
    const e = await run('tuned', {
      steps: [
        {
          name: 'tune', type: 'tuning', algorithm: 'xgboost', train: 'raw', validation: 'raw',
          staticHyperParameters: { objective: 'binary:logistic', num_round: 10 }, ranges: [{ name: 'eta', min: 0.1, max: 0.5 }],
          objective: { metric: 'validation:auc', type: 'Maximize' }, strategy: 'random', maxJobs: 2, maxParallel: 1, seed: 3, cpus: 1,
        },
      ],
    });
    succeeded(e);
    const out = step(e, 'tune').outputs;
    expect(Object.keys(out).sort()).toEqual(['bestObjective', 'bestTrainingJob', 'jobName', 'modelArtifact']);
    const tuning = await ok(['tunes', 'describe', out.jobName]);
    expect(tuning).toMatchObject({ status: 'Completed', trainingJobCounts: { completed: 2 }, bestTrainingJob: { name: out.bestTrainingJob, objective: out.bestObjective } });
    expect(out.bestObjective).toBeGreaterThan(0.5);
    expect(out.modelArtifact).toBe((await ok(['jobs', 'describe', out.bestTrainingJob])).modelArtifact);
  });

  // The file's longest chain (training, batch transform, an endpoint and a blue/green roll-out): more than the default 60 s on a loaded machine.
  first('trains, scores a dataset in batch and deploys an endpoint; a new model rolls out to it, the same model changes nothing', async () => {
    const e = await run('deploy', {
      steps: [
        { name: 'train', type: 'training', algorithm: 'xgboost', train: 'raw', hyperParameters: { objective: 'binary:logistic', num_round: 10 }, cpus: 1 },
        { name: 'model', type: 'create-model', from: { Get: 'Steps.train' } },
        { name: 'score', type: 'transform', model: { Get: 'Steps.model.model' }, input: 'features', joinSource: 'Input', outputFilter: '$[-1,0]' },
        { name: 'serve', type: 'endpoint', endpoint: 'pipe-ep', model: { Get: 'Steps.model.model' } },
      ],
    });
    succeeded(e);
    const model = step(e, 'model').outputs.model as string;
    const score = step(e, 'score');
    expect(score.outputs).toEqual({ jobName: score.resource, output: `${score.resource}@1` });
    const scored = await ok(['datasets', 'describe', score.resource!]);
    expect(scored.rowCount).toBe(40);
    // Joined to its input, then filtered: the prediction, then the first feature.
    expect(scored.columns.map((c: { name: string }) => c.name)).toEqual(['prediction', '_c0']);
    expect(step(e, 'serve').outputs).toEqual({ endpoint: 'pipe-ep', status: 'InService' });
    const answer = await ok(['endpoints', 'invoke', 'pipe-ep', '--body', '1.5,-0.2,0.3,0.1']);
    expect(Number(answer.body.trim())).toBeGreaterThanOrEqual(0);
    expect(Number(answer.body.trim())).toBeLessThanOrEqual(1);

    // Another model of the same job: the endpoint moves to it (blue/green, through the endpoint service's update).
    const job = step(e, 'train').resource!;
    const again = await run('redeploy', { steps: [{ name: 'model', type: 'create-model', from: job }, { name: 'serve', type: 'endpoint', endpoint: 'pipe-ep', model: { Get: 'Steps.model.model' } }] });
    succeeded(again);
    const next = step(again, 'model').outputs.model as string;
    expect(next).not.toBe(model);
    const ep = await ok(['endpoints', 'describe', 'pipe-ep']);
    expect(ep).toMatchObject({ status: 'InService', variants: [{ model: next }] });
    // Already on that model: done at once, nothing rolled out.
    const same = await run('same-model', { steps: [{ name: 'serve', type: 'endpoint', endpoint: 'pipe-ep', model: next }] });
    succeeded(same);
    expect((await ok(['endpoints', 'describe', 'pipe-ep'])).updatedAt).toBe(ep.updatedAt);
  }, 120_000);

  first('imports, trains a predictor, forecasts and exports, with the backtest metrics as numbers', async () => {
    await ok(['datasets', 'create', 'daily_sales', '--file', writeDailySales(path.join(dir, 'sales.csv')), '--header']);
    await ok(['forecast', 'groups', 'create', 'shop', '--frequency', 'D']);
    const e = await run('forecasting', {
      steps: [
        { name: 'import', type: 'forecast-import', group: 'shop', target: 'daily_sales', map: { item_id: 'sku', timestamp: 'day', target_value: 'units' } },
        { name: 'predictor', type: 'forecast-predictor', group: 'shop', algorithm: 'seasonal-naive', horizon: 7, dependsOn: ['import'] },
        { name: 'good', type: 'condition', if: { '<': [{ Get: 'Steps.predictor.metrics.wQL' }, 0.5] }, then: ['forecast'] },
        { name: 'forecast', type: 'forecast', predictor: { Get: 'Steps.predictor.predictor' } },
        { name: 'export', type: 'forecast-export', forecast: { Get: 'Steps.forecast.forecast' }, to: 'exports/shop' },
      ],
    });
    succeeded(e);
    const imported = step(e, 'import').outputs.import as string;
    expect(await ok(['forecast', 'imports', 'describe', imported])).toMatchObject({ group: 'shop', status: 'Active' });
    const predictor = step(e, 'predictor');
    expect(predictor.outputs.predictor).toBe(predictor.resource);
    expect(Object.keys(predictor.outputs.metrics).sort()).toEqual(['MAPE', 'MASE', 'RMSE', 'WAPE', 'wQL']);
    for (const v of Object.values(predictor.outputs.metrics)) expect(typeof v).toBe('number');
    const forecast = step(e, 'forecast');
    expect(forecast.outputs).toEqual({ forecast: forecast.resource, dataset: `${forecast.resource}@1` });
    const location = step(e, 'export').outputs.location as string;
    expect(location).toBe(`exports/shop/${forecast.resource}.csv`);
    const lines = (await artifact(location)).trim().split('\n');
    expect(lines).toHaveLength(1 + 3 * 7);
  });

  it('runs script steps in Python and JavaScript on the workers, each reading earlier outputs; bad JSON fails the step clearly', async () => {
    const py = "import json, sys\nx = json.load(sys.stdin)\nprint('squaring', x['n'], file=sys.stderr)\nprint(json.dumps({'square': x['n'] ** 2, 'tag': x['tag']}))";
    const js = "const x = JSON.parse(require('fs').readFileSync(0, 'utf8'));\nconsole.log(JSON.stringify({ total: x.square + x.extra, from: x.from }));";
    const e = await run('scripted', {
      parameters: { n: { type: 'integer', default: 7 } },
      steps: [
        { name: 'square', type: 'script', language: 'python', code: py, input: { n: { Get: 'Parameters.n' }, tag: { Get: 'Execution.id' } } },
        { name: 'add', type: 'script', language: 'javascript', code: js, input: { square: { Get: 'Steps.square.output.square' }, extra: 1, from: { Get: 'Steps.square.output.tag' } } },
      ],
    }, ['n=12']);
    succeeded(e);
    expect(step(e, 'square').outputs).toEqual({ output: { square: 144, tag: e.id } });
    expect(step(e, 'add').outputs).toEqual({ output: { total: 145, from: e.id } });
    // The log is kept beside the step's resource.
    expect(await artifact(`jobs/${step(e, 'square').resource}/pipeline-step/script-log.txt`)).toBe('squaring 12');

    const bad = await run('bad-script', { steps: [{ name: 'talk', type: 'script', language: 'python', code: "print('hello')" }] });
    expect(bad.status).toBe('Failed');
    expect(step(bad, 'talk').failureReason).toMatch(/^ORCH_PIPELINE_STEP_FAILED: the script's stdout is not one JSON value .*it began: hello/);
  });

  first('ends a script past its timeoutSeconds, and stops a running one with its execution', async () => {
    const slow = await run('slow-script', { steps: [{ name: 'nap', type: 'script', language: 'python', code: 'import time\ntime.sleep(120)', timeoutSeconds: 2 }] });
    expect(slow.status).toBe('Failed');
    expect(step(slow, 'nap').failureReason).toMatch(/^ORCH_PIPELINE_STEP_TIMEOUT: /);

    // The script says where it runs: a folder the unprivileged user may write.
    const pids = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-script-pids-'));
    fs.chmodSync(pids, 0o777);
    const file = path.join(dir, 'long.json');
    const code = `require('fs').writeFileSync('${pids}/pid', String(process.pid)); setTimeout(() => console.log('{}'), 120000);`;
    fs.writeFileSync(file, JSON.stringify({ steps: [{ name: 'nap', type: 'script', language: 'javascript', code }] }));
    await ok(['pipelines', 'create', 'long-script', '--file', file]);
    const started = await ok(['pipelines', 'start', 'long-script']);
    // Polled through the SDK: one request per poll, not an `orchard` process.
    const sdk = new Orchard(admin);
    let e: Execution = started;
    for (let i = 0; i < 300 && step(e, 'nap')?.status !== 'Executing'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      e = (await sdk.pipelines.execution(started.id)) as unknown as Execution;
    }
    await ok(['pipelines', 'stop', started.id]);
    for (let i = 0; i < 300 && e.status !== 'Stopped'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      e = (await sdk.pipelines.execution(started.id)) as unknown as Execution;
    }
    expect(e.status).toBe('Stopped');
    expect(step(e, 'nap').status).toBe('Stopped');
    // The job was cancelled, and its worker ended the script.
    const pid = Number(fs.readFileSync(path.join(pids, 'pid'), 'utf8'));
    for (let i = 0; i < 150 && running(pid); i++) await new Promise((r) => setTimeout(r, 200));
    expect(running(pid)).toBe(false);
    fs.rmSync(pids, { recursive: true, force: true });
  });

  it('notifies a webhook once, and ends when the delivery is Delivered', async () => {
    // The allow rule and the webhook through the SDK (their commands are asserted in webhooks-fleet.test.ts); the delivery through the CLI.
    const sdk = new Orchard(admin);
    await sdk.webhooks.allow({ pattern: '127.0.0.1' });
    await sdk.webhooks.create({ name: 'ops', url: receiver.url });
    const e = await run('notifying', {
      steps: [
        { name: 'note', type: 'pass', output: { forecast: 'demand@3' } },
        { name: 'tell', type: 'notify', webhook: 'ops', payload: { what: { Get: 'Steps.note.output.forecast' }, execution: { Get: 'Execution.id' } } },
      ],
    });
    succeeded(e);
    const tell = step(e, 'tell');
    expect(tell.outputs).toMatchObject({ status: 'Delivered' });
    const sent = receiver.received.map((r) => JSON.parse(r.body));
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ id: tell.outputs.deliveryId, event: 'pipeline.notify', source: tell.resource, payload: { what: 'demand@3', execution: e.id } });
    expect(await ok(['webhooks', 'delivery', tell.outputs.deliveryId])).toMatchObject({ status: 'Delivered', attempts: 1 });
  });
});
