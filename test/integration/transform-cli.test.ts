import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAlgorithm, registerBuiltins } from '../../src/algorithms/index.js';
import { Orchard } from '../../src/sdk/index.js';
import { backends, TEST_ATTEMPTS_DIR, writeClassificationCsv } from '../support/backends.js';
import { cli, startServer, type RunningServer } from '../support/server.js';

describe.each(backends)('batch transform through the CLI on $name', (backend) => {
  let server: RunningServer;
  let teardown: () => Promise<void>;
  let admin: { url: string; token: string };
  let dir: string;

  beforeAll(async () => {
    const b = await backend.setup();
    teardown = b.teardown;
    server = await startServer({ ...b.env, ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR });
    admin = { url: server.url, token: server.adminToken };
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-transform-'));
    const res = await cli(['datasets', 'create', 'tr', '--file', writeClassificationCsv(path.join(dir, 'tr.csv'), 2500, 1), '--json'], admin);
    expect(res.code, res.stdout).toBe(0);
    const job = await cli(['train', '--name', 'gb1', '--algorithm', 'xgboost', '--train', 'tr', '--hp', 'objective=binary:logistic', '--hp', 'num_round=15', '--wait', '--json'], admin);
    expect(job.code, job.stdout + job.stderr).toBe(0);
    expect((await cli(['models', 'create', 'm1', '--from-job', 'gb1', '--json'], admin)).code).toBe(0);
  });
  afterAll(async () => {
    await server?.stop();
    await teardown?.();
  });

  it('predicts every row in input order, joined to the input, in several shards', async () => {
    const res = await cli(['transform', '--name', 't1', '--model', 'm1', '--input', 'tr', '--output', 'scored', '--input-filter', '$[1:]', '--join-source', 'Input', '--shard-rows', '700', '--wait', '--json'], admin);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.json).toMatchObject({ name: 't1', status: 'Completed', model: 'm1', output: { dataset: 'scored', version: 1 }, shards: { total: 4, completed: 4 }, rowsProcessed: 2500, features: ['_c1', '_c2', '_c3', '_c4'] });

    const sdk = new Orchard(admin);
    const out = await sdk.datasets.describe('scored');
    expect(out.rowCount).toBe(2500);
    expect(out.columns.map((c) => c.name)).toEqual(['_c0', '_c1', '_c2', '_c3', '_c4', 'prediction']);
    expect(out.tags).toMatchObject({ transformJob: 't1', model: 'm1' });
    // The output is stored once, as the version's data; the job's own folder is left empty.
    expect(await sdk.artifacts.list('transforms/t1/')).toEqual([]);

    // Same numbers as the model loaded here, row for row, and rows in input order.
    const modelDir = path.join(dir, 'm1');
    fs.mkdirSync(modelDir);
    const archive = path.join(dir, 'm1.tar.gz');
    const stream = await sdk.artifacts.get((await sdk.models.describe('m1')).artifactKey);
    await new Promise<void>((resolve, reject) => stream.pipe(fs.createWriteStream(archive)).on('finish', resolve).on('error', reject));
    await tar.x({ file: archive, cwd: modelDir });
    registerBuiltins();
    const predictor = await getAlgorithm('xgboost').load(modelDir);
    const page = await sdk.datasets.query('SELECT * FROM scored', { pageSize: 2500 });
    const inputLines = fs.readFileSync(path.join(dir, 'tr.csv'), 'utf8').trim().split('\n');
    expect(page.rows.length).toBe(2500);
    const features = new Float32Array(2500 * 4);
    page.rows.forEach((r, i) => {
      expect(String(r._c1)).toBe(String(Number(inputLines[i].split(',')[1])));
      for (let c = 0; c < 4; c++) features[i * 4 + c] = Number(r[`_c${c + 1}`]);
    });
    const expected = predictor.predict(features, 2500).values;
    page.rows.forEach((r, i) => expect(Number(r.prediction)).toBeCloseTo(expected[i], 5));

    // SageMaker's OutputFilter over the joined row (the input's columns, then the prediction), an index and a slice: the label and the prediction only.
    const kept = await cli(['transform', '--name', 't2', '--model', 'm1', '--input', 'tr', '--output', 'kept', '--input-filter', '$[1:]', '--join-source', 'Input', '--output-filter', '$[0, -1:]', '--shard-rows', '1000', '--wait', '--json'], admin);
    expect(kept.code, kept.stdout + kept.stderr).toBe(0);
    expect(kept.json).toMatchObject({ name: 't2', status: 'Completed', outputFilter: '$[0, -1:]', joinSource: 'Input', shards: { total: 3, completed: 3 } });
    expect((await sdk.datasets.describe('kept')).columns.map((c) => c.name)).toEqual(['_c0', 'prediction']);
    const keptRows = (await sdk.datasets.query('SELECT * FROM kept', { pageSize: 2500 })).rows;
    expect(keptRows.length).toBe(2500);
    keptRows.forEach((r, i) => {
      expect(Object.keys(r)).toEqual(['_c0', 'prediction']);
      expect(Number(r._c0)).toBe(Number(inputLines[i].split(',')[0]));
      expect(Number(r.prediction)).toBeCloseTo(expected[i], 5);
    });
    expect((await cli(['transforms', 'describe', 't2'], admin)).stdout).toMatch(/output filter +\$\[0, -1:\]/);
  });

  it('writes predictions alone without a join, and a new version on a second run', async () => {
    const res = await cli(['transform', '--model', 'm1', '--input', 'tr', '--output', 'scored', '--input-filter', '$[1:]', '--batch-strategy', 'SingleRecord', '--shard-rows', '100000', '--wait', '--json'], admin);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.json).toMatchObject({ status: 'Completed', output: { dataset: 'scored', version: 2 }, batchStrategy: 'SingleRecord', shards: { total: 1 } });
    expect(res.json.name).toMatch(/^m1-\d{14}$/);
    const out = await new Orchard(admin).datasets.describe('scored@2');
    expect(out.columns.map((c) => c.name)).toEqual(['prediction']);
    expect(out.rowCount).toBe(2500);
  });

  it('fails with the reason when rows do not fit the model', async () => {
    // Five columns (label included) against a four-feature model.
    const wrongWidth = await cli(['transform', '--name', 't3', '--model', 'm1', '--input', 'tr', '--output', 'bad', '--wait', '--json'], admin);
    expect(wrongWidth.code).not.toBe(0);
    expect(wrongWidth.json.status).toBe('Failed');
    expect(wrongWidth.json.failureReason).toMatch(/expects 4 features; the input gives 5/);

    const lines = fs.readFileSync(path.join(dir, 'tr.csv'), 'utf8').trim().split('\n').slice(0, 50);
    lines[36] = '1,0.5,abc,0.1,0.2';
    fs.writeFileSync(path.join(dir, 'dirty.csv'), lines.join('\n') + '\n');
    expect((await cli(['datasets', 'create', 'dirty', '--file', path.join(dir, 'dirty.csv'), '--json'], admin)).code).toBe(0);
    const dirty = await cli(['transform', '--name', 't4', '--model', 'm1', '--input', 'dirty', '--output', 'bad', '--input-filter', '$[1:]', '--wait', '--json'], admin);
    expect(dirty.json.status).toBe('Failed');
    expect(dirty.json.failureReason).toMatch(/Row 37: column _c2 is not a number/);
    // An output filter index beyond the written row (one prediction column) is known only once the model answers.
    const outside = await cli(['transform', '--name', 't5', '--model', 'm1', '--input', 'tr', '--output', 'bad', '--input-filter', '$[1:]', '--output-filter', '$[0,1]', '--wait', '--json'], admin);
    expect(outside.json.status).toBe('Failed');
    expect(outside.json.failureReason).toMatch(/Invalid output filter '\$\[0,1\]' \(outputFilter\): column 1 is outside 0\.\.0 \(one column: prediction\)/);
    const bad = await new Orchard(admin).datasets.list({ prefix: 'bad' });
    expect(bad.items).toEqual([]);
  });

  it('refuses bad requests with stable codes', async () => {
    const cases: Array<[string[], string]> = [
      [['--model', 'absent', '--input', 'tr', '--output', 'o'], 'ORCH_MODEL_NOT_FOUND'],
      [['--model', 'm1', '--input', 'absent', '--output', 'o'], 'ORCH_DATASET_NOT_FOUND'],
      [['--model', 'm1', '--input', 'tr', '--output', 'bad name'], 'ORCH_DATASET_INVALID_NAME'],
      [['--model', 'm1', '--input', 'tr', '--output', 'o', '--input-filter', '$[9]'], 'ORCH_TRANSFORM_INVALID'],
      [['--model', 'm1', '--input', 'tr', '--output', 'o', '--input-filter', 'cols 1-3'], 'ORCH_TRANSFORM_INVALID'],
      [['--model', 'm1', '--input', 'tr', '--output', 'o', '--output-filter', '$.id'], 'ORCH_TRANSFORM_INVALID'],
      [['--model', 'm1', '--input', 'tr', '--output', 'o', '--output-filter', '$[3:1]'], 'ORCH_TRANSFORM_INVALID'],
      [['--name', 't1', '--model', 'm1', '--input', 'tr', '--output', 'o'], 'ORCH_TRANSFORM_EXISTS'],
    ];
    for (const [args, code] of cases) {
      const res = await cli(['transform', ...args, '--json'], admin);
      expect(res.code, args.join(' ')).not.toBe(0);
      expect(res.json.code, args.join(' ')).toBe(code);
      if (args.includes('--output-filter')) expect(res.json.details.errors, args.join(' ')).toEqual([expect.objectContaining({ field: 'outputFilter' })]);
    }
    expect((await cli(['transforms', 'describe', 'nope', '--json'], admin)).json.code).toBe('ORCH_TRANSFORM_NOT_FOUND');
    const listed = await cli(['transforms', 'list', '--json'], admin);
    expect(listed.json.items.map((j: { name: string }) => j.name)).toContain('t1');
  });
});
