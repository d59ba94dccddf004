import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchard, type CreateProcessingJobRequest, type ProcessingJob } from '../../src/sdk/index.js';
import { backends, fleetBackend } from '../support/backends.js';
import { cliSuite } from '../support/cli-suite.js';
import { refusedBySdk } from '../support/refusals.js';
import { cli, startServer, startWorkerProcess, type RunningServer } from '../support/server.js';

/** A SageMaker-style preparation script: paths come as arguments, the config file is read, a metric is printed. */
const PREP_PY = `
import argparse, csv, glob, json, os, sys
p = argparse.ArgumentParser()
p.add_argument('--input')
p.add_argument('--output')
p.add_argument('--min', type=float)
a = p.parse_args()
rows = []
for f in sorted(glob.glob(os.path.join(a.input, '*.csv'))):
    with open(f, newline='') as fh:
        rows += [r for r in csv.DictReader(fh)]
kept = [r for r in rows if float(r['value']) >= a.min]
with open(os.path.join(a.output, 'clean.csv'), 'w', newline='') as fh:
    w = csv.DictWriter(fh, fieldnames=['id', 'value', 'label'])
    w.writeheader()
    w.writerows(kept)
report = os.environ['ORCHARD_PROCESSING_OUTPUT_REPORT']
with open('/opt/ml/config/processingjobconfig.json'.replace('/opt/ml', os.environ['ORCHARD_OPT_ML'])) as fh:
    config = json.load(fh)
with open(os.path.join(report, 'config.json'), 'w') as fh:
    json.dump({'config': config, 'argv': sys.argv[1:], 'cwd': os.getcwd(), 'inputs': sorted(os.listdir(a.input))}, fh)
print('kept %d of %d rows' % (len(kept), len(rows)))
print('#metric kept=%d' % len(kept))
`;

/** Each instance: the part files it sees, and its rows doubled (no header, numbers only). */
const SHARD_PY = `
import glob, os
host = os.environ['ORCHARD_CURRENT_HOST']
src = os.environ['ORCHARD_PROCESSING_INPUT_NUMS']
files = sorted(os.listdir(src))
print('%s sees %s' % (host, ','.join(files)))
n = 0
with open(os.path.join(os.environ['ORCHARD_PROCESSING_OUTPUT_OUT'], 'rows.csv'), 'w') as out:
    for f in files:
        for line in open(os.path.join(src, f)):
            i, v = line.strip().split(',')
            out.write('%s,%d\\n' % (i, int(v) * 2))
            n += 1
print('#metric rows=%d' % n)
print('#metric files=%d' % len(files))
`;

/** A JavaScript script: reads its input folder from the environment, writes JSON Lines. */
const TO_JSONL_JS = `
const fs = require('node:fs');
const path = require('node:path');
const dir = process.env.ORCHARD_PROCESSING_INPUT_RAW;
const out = process.env.ORCHARD_PROCESSING_OUTPUT_RECORDS;
const lines = [];
for (const f of fs.readdirSync(dir).sort()) {
  const [head, ...rows] = fs.readFileSync(path.join(dir, f), 'utf8').trim().split('\\n');
  const keys = head.split(',');
  for (const r of rows) lines.push(JSON.stringify(Object.fromEntries(r.split(',').map((v, i) => [keys[i], keys[i] === 'label' ? v : Number(v)]))));
}
fs.mkdirSync(path.join(out, 'nested'), { recursive: true });
fs.writeFileSync(path.join(out, 'nested', 'records.jsonl'), lines.join('\\n') + '\\n');
fs.writeFileSync(path.join(out, '_SUCCESS'), '');
console.log('wrote ' + lines.length + ' records');
`;

const STRAY_PY = `
import os
root = os.environ['ORCHARD_OPT_ML']
with open(os.path.join(os.environ['ORCHARD_PROCESSING_OUTPUT_CLEAN'], 'ok.csv'), 'w') as fh:
    fh.write('1,2\\n')
with open(os.path.join(root, 'processing', 'stray.txt'), 'w') as fh:
    fh.write('not an output')
`;

const FAIL_PY = `
import sys
print('reading the input')
sys.exit('bad input: no usable rows')
`;

function writeScripts(dir: string): Record<string, string> {
  const files = { prep: 'prep.py', shard: 'shard.py', jsonl: 'to-jsonl.js', stray: 'stray.py', fail: 'fail.py' };
  const bodies = { prep: PREP_PY, shard: SHARD_PY, jsonl: TO_JSONL_JS, stray: STRAY_PY, fail: FAIL_PY };
  const out: Record<string, string> = {};
  for (const [k, f] of Object.entries(files)) {
    const sub = path.join(dir, k);
    fs.mkdirSync(sub, { recursive: true });
    fs.writeFileSync(path.join(sub, f), bodies[k as keyof typeof bodies]);
    out[k] = path.join(sub, f);
  }
  return out;
}

/** Packs a script's folder as `orchard process` does and stores it; answers the request's `script`. */
async function packScript(sdk: Orchard, script: string): Promise<CreateProcessingJobRequest['script']> {
  const archive = `${script}.tar.gz`;
  await tar.c({ gzip: true, file: archive, cwd: path.dirname(script), portable: true }, [path.basename(script)]);
  const sourceKey = `sources/processing-it/${path.basename(path.dirname(script))}/sourcedir.tar.gz`;
  await sdk.artifacts.put(sourceKey, archive);
  fs.rmSync(archive);
  return { entryPoint: path.basename(script), sourceKey };
}

/** 20 rows with a header; the values of ids 3, 6, 9, … are negative. */
function writeRawCsv(file: string): string {
  const lines = ['id,value,label'];
  for (let i = 1; i <= 20; i++) lines.push(`${i},${i % 3 === 0 ? -i : i / 2},${i % 2 ? 'odd' : 'even'}`);
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/** 10 rows `i,i*10`, no header. */
function writeNumsCsv(file: string): string {
  fs.writeFileSync(file, Array.from({ length: 10 }, (_, i) => `${i + 1},${(i + 1) * 10}`).join('\n') + '\n');
  return file;
}

describe.each(backends)('processing jobs through the CLI on $name', (backend) => {
  const suite = cliSuite(backend, { prefix: 'orchard-processing-', env: { ORCHARD_WORKERS: '2' } });
  let admin: { url: string; token: string };
  let dir: string;
  let scripts: Record<string, string>;
  let sdk: Orchard;
  /** The scripts run through the SDK, packed and stored once. */
  const packed: Record<string, CreateProcessingJobRequest['script']> = {};

  /**
   * A job through the SDK (the request `orchard process` sends), waited for by polling every 200 ms.
   * `process --wait` runs through the CLI for a job that completes, one that fails and a refusal
   * (and for the fleet's job below); the others need no `orchard` process each.
   */
  async function processed(request: Omit<CreateProcessingJobRequest, 'script'>, script: string): Promise<ProcessingJob> {
    await sdk.processing.create({ ...request, script: packed[script] });
    return sdk.processing.waitFor(request.name, { pollMs: 200 });
  }

  beforeAll(async () => {
    ({ admin, dir } = suite);
    scripts = writeScripts(dir);
    // Through the SDK: `datasets create` is the datasets suite's.
    sdk = new Orchard(admin);
    await sdk.datasets.create({ name: 'raw', file: writeRawCsv(path.join(dir, 'raw.csv')), header: true });
    await sdk.datasets.create({ name: 'nums', file: writeNumsCsv(path.join(dir, 'nums.csv')) });
    for (const k of ['jsonl', 'shard', 'fail']) packed[k] = await packScript(sdk, scripts[k]);
  });

  it('runs a Python script over a CSV dataset; its output folder becomes a dataset version', async () => {
    const res = await cli(
      [
        'process', '--name', 'prep-1', '--script', scripts.prep,
        '--input', 'raw=raw',
        '--output', 'clean=clean', '--output', 'report=artifacts/reports/prep-1',
        '--arguments', '--input /opt/ml/processing/input/raw --output=/opt/ml/processing/output/clean --min 0',
        '--cpus', '1', '--wait', '--json',
      ],
      admin,
    );
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.json).toMatchObject({ name: 'prep-1', status: 'Completed', outputs: { clean: 'clean@1' }, finalMetrics: { kept: 14 }, instanceCount: 1, instances: [{ host: 'algo-1', status: 'Completed', attempts: 1 }] });
    expect(res.json.outputs.report).toMatch(/\/reports\/prep-1\/$/);

    const clean = await sdk.datasets.describe('clean');
    expect(clean).toMatchObject({ version: 1, format: 'csv', header: true, rowCount: 14 });
    expect(clean.columns.map((c) => c.name)).toEqual(['id', 'value', 'label']);
    expect(clean.tags).toMatchObject({ processingJob: 'prep-1', processingOutput: 'clean' });
    const page = await sdk.datasets.query('SELECT id, value, label FROM clean ORDER BY id', { pageSize: 100 });
    expect(page.rows.map((r) => Number(r.id))).toEqual([1, 2, 4, 5, 7, 8, 10, 11, 13, 14, 16, 17, 19, 20]);
    expect(page.rows.every((r) => Number(r.value) >= 0)).toBe(true);

    // What the script saw: /opt/ml paths mapped to its attempt, SageMaker's config with real local paths.
    const chunks: Buffer[] = [];
    for await (const c of await sdk.artifacts.get('reports/prep-1/config.json')) chunks.push(c as Buffer);
    const seen = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const [inputFlag, inputPath, outputArg, minFlag, minValue] = seen.argv;
    expect([inputFlag, minFlag, minValue]).toEqual(['--input', '--min', '0']);
    expect(inputPath).toMatch(/\/opt\/ml\/processing\/input\/raw$/);
    expect(inputPath).not.toBe('/opt/ml/processing/input/raw');
    expect(outputArg).toMatch(/^--output=\/.+\/opt\/ml\/processing\/output\/clean$/);
    expect(seen.inputs).toEqual(['part-00000.csv']);
    expect(seen.cwd.startsWith(inputPath.slice(0, inputPath.indexOf('/opt/ml/')))).toBe(true);
    const config = seen.config;
    expect(config.ProcessingJobName).toBe('prep-1');
    expect(config.AppSpecification.ContainerArguments).toEqual(seen.argv);
    const raw = config.ProcessingInputs.find((i: { InputName: string }) => i.InputName === 'raw');
    expect(raw.S3Input).toMatchObject({ LocalPath: inputPath, S3InputMode: 'File', S3DataDistributionType: 'FullyReplicated', S3Uri: 'orchard://datasets/raw@1' });
    expect(config.ProcessingInputs.map((i: { InputName: string }) => i.InputName)).toEqual(['raw', 'code']);
    expect(config.ProcessingOutputConfig.Outputs.map((o: { OutputName: string; S3Output: { LocalPath: string } }) => [o.OutputName, o.S3Output.LocalPath.replace(/^.*\/opt\/ml\//, '/opt/ml/')])).toEqual([
      ['clean', '/opt/ml/processing/output/clean'],
      ['report', '/opt/ml/processing/output/report'],
    ]);
    expect(config.ProcessingResources.ClusterConfig.InstanceCount).toBe(1);

    const logs = await cli(['processing', 'logs', 'prep-1'], admin);
    expect(logs.stdout).toMatch(/\[algo-1\] kept 14 of 20 rows/);
    const described = await cli(['processing', 'describe', 'prep-1'], admin);
    expect(described.stdout).toMatch(/clean@1/);
  });

  it('runs a JavaScript script; JSON Lines files of an output folder (and its subfolders) make one version', async () => {
    const job = await processed({ name: 'to-jsonl', inputs: [{ name: 'raw', dataset: 'raw' }], outputs: [{ name: 'records', dataset: 'records' }], cpus: 1 }, 'jsonl');
    expect(job, job.failureReason ?? '').toMatchObject({ status: 'Completed', outputs: { records: 'records@1' } });
    const records = await sdk.datasets.describe('records');
    expect(records).toMatchObject({ format: 'jsonl', rowCount: 20 });
    expect(records.columns.map((c) => c.name).sort()).toEqual(['id', 'label', 'value']);
  });

  it('shards the input across two instances (ShardedByS3Key); the output holds every instance’s rows', async () => {
    const job = await processed({ name: 'shard-2', inputs: [{ name: 'nums', dataset: 'nums', distribution: 'ShardedByS3Key' }], outputs: [{ name: 'out', dataset: 'doubled' }], instanceCount: 2, cpus: 1 }, 'shard');
    expect(job, job.failureReason ?? '').toMatchObject({ status: 'Completed', outputs: { out: 'doubled@1' }, instanceCount: 2, finalMetrics: { 'algo-1:rows': 5, 'algo-2:rows': 5, 'algo-1:files': 1, 'algo-2:files': 1 } });
    expect(job.processingInputs[0]).toMatchObject({ distribution: 'ShardedByS3Key' });
    const page = await sdk.datasets.query('SELECT _c0, _c1 FROM doubled ORDER BY _c0', { pageSize: 100 });
    expect(page.rows.map((r) => [Number(r._c0), Number(r._c1)])).toEqual(Array.from({ length: 10 }, (_, i) => [i + 1, (i + 1) * 20]));
    // Each instance's lines, as `processing logs` prints them (run through the CLI in the first case).
    let logs = '';
    for await (const l of sdk.processing.allLogs('shard-2')) logs += `[${l.host}] ${l.line}\n`;
    expect(logs).toMatch(/\[algo-1\] algo-1 sees part-00000\.csv\n/);
    expect(logs).toMatch(/\[algo-2\] algo-2 sees part-00001\.csv\n/);

    // FullyReplicated: each instance gets every part.
    const full = await processed({ name: 'full-2', inputs: [{ name: 'nums', dataset: 'nums' }], outputs: [{ name: 'out', dataset: 'doubled' }], instanceCount: 2, cpus: 1 }, 'shard');
    expect(full).toMatchObject({ status: 'Completed', outputs: { out: 'doubled@2' }, finalMetrics: { 'algo-1:rows': 10, 'algo-2:rows': 10, 'algo-1:files': 2 } });
    expect((await sdk.datasets.describe('doubled@2')).rowCount).toBe(20);
  });

  it('fails a script that writes outside its output folders, naming the path, and registers nothing', async () => {
    const res = await cli(['process', '--name', 'stray', '--script', scripts.stray, '--output', 'clean=never', '--max-retries', '2', '--cpus', '1', '--wait', '--json'], admin);
    expect(res.code).toBe(1);
    expect(res.json.status).toBe('Failed');
    expect(res.json.failureReason).toMatch(/ORCH_PROCESSING_OUTPUT_OUTSIDE/);
    expect(res.json.failureReason).toContain('/opt/ml/processing/stray.txt (new file)');
    // Not the kind of failure a retry mends.
    expect(res.json.instances[0]).toMatchObject({ status: 'Failed', attempts: 1 });
    expect(res.json.outputs).toEqual({});
    expect((await sdk.datasets.list({ prefix: 'never' })).items).toEqual([]);
  });

  it('marks a failing script Failed with its reason, after its retries', async () => {
    // Through the SDK: `process --wait` exiting 1 on a failed job is the CLI's in the case above.
    const job = await processed({ name: 'fails', inputs: [{ name: 'raw', dataset: 'raw' }], outputs: [{ name: 'x', dataset: 'never2' }], maxRetries: 1, cpus: 1 }, 'fail');
    expect(job.status).toBe('Failed');
    expect(job.failureReason).toMatch(/^algo-1: AlgorithmError: the script exited with code 1/);
    expect(job.failureReason).toContain('bad input: no usable rows');
    expect(job.instances[0]).toMatchObject({ status: 'Failed', attempts: 2 });
    expect((await sdk.datasets.list({ prefix: 'never2' })).items).toEqual([]);
    const listed = await cli(['processing', 'list', '--status', 'Failed', '--json'], admin);
    expect(listed.json.items.map((j: { name: string }) => j.name).sort()).toEqual(['fails', 'stray']);
  });

  it('refuses bad requests with stable codes, every problem listed', async () => {
    const res = await cli(['process', '--name', 'bad-1', '--script', scripts.prep, '--input', 'raw=absent', '--output', 'a=artifacts/datasets/x', '--output', 'b=clean', '--output', 'c=clean', '--json'], admin);
    expect(res.code).not.toBe(0);
    expect(res.json.code).toBe('ORCH_DATASET_NOT_FOUND');
    expect(res.json.details.errors.map((e: { field: string; code: string }) => [e.field, e.code])).toEqual([
      ['inputs[0].dataset', 'ORCH_DATASET_NOT_FOUND'],
      ['outputs[0].artifactPrefix', 'ORCH_ARTIFACT_INVALID_KEY'],
      ['outputs', 'ORCH_PROCESSING_INVALID'],
    ]);
    // The command's CLI refusal is the one above; these through the SDK (the requests it sends).
    const nested = await refusedBySdk(
      sdk.processing.create({ name: 'bad-2', script: packed.jsonl, inputs: [{ name: 'raw', dataset: 'raw', localPath: '/opt/ml/processing/output/clean/in' }], outputs: [{ name: 'clean', dataset: 'clean' }] }),
      'ORCH_PROCESSING_INVALID',
    );
    expect(nested.message).toMatch(/output 'clean' \(\/opt\/ml\/processing\/output\/clean\) overlaps input 'raw'/);
    await refusedBySdk(sdk.processing.create({ name: 'prep-1', script: packed.jsonl }), 'ORCH_PROCESSING_EXISTS');
    expect((await cli(['processing', 'describe', 'nope', '--json'], admin)).json.code).toBe('ORCH_PROCESSING_NOT_FOUND');
  });
});

describe('processing on the fleet: a server without workers, two orchard worker processes, PostgreSQL + S3 + Redis', () => {
  let server: RunningServer;
  let workers: Array<Awaited<ReturnType<typeof startWorkerProcess>>> = [];
  let teardown: () => Promise<void>;
  let admin: { url: string; token: string };
  let dir: string;

  beforeAll(async () => {
    const fleet = await fleetBackend();
    teardown = fleet.teardown;
    server = await startServer({ ...fleet.env, ORCHARD_WORKERS: '0' });
    workers = [await startWorkerProcess(fleet.env), await startWorkerProcess(fleet.env)];
    admin = { url: server.url, token: server.adminToken };
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-processing-fleet-'));
    await new Orchard(admin).datasets.create({ name: 'nums', file: writeNumsCsv(path.join(dir, 'nums.csv')) });
  });
  afterAll(async () => {
    for (const w of workers) await w.stop();
    await server?.stop();
    await teardown?.();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs two sharded instances on the workers and assembles one version', async () => {
    const scripts = writeScripts(dir);
    const res = await cli(['process', '--name', 'fleet-shard', '--script', scripts.shard, '--input', 'nums=nums', '--output', 'out=doubled', '--instance-count', '2', '--distribution', 'nums=ShardedByS3Key', '--wait', '--json'], admin);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.json).toMatchObject({ status: 'Completed', outputs: { out: 'doubled@1' }, finalMetrics: { 'algo-1:rows': 5, 'algo-2:rows': 5 } });
    const page = await new Orchard(admin).datasets.query('SELECT _c0 FROM doubled ORDER BY _c0', { pageSize: 100 });
    expect(page.rows.map((r) => Number(r._c0))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});
