/**
 * Batch transform over image files through the CLI on the built server: an
 * image-classification model trained on a few generated PNGs scores every PNG and JPEG
 * under an artifact prefix (`--input artifacts:<prefix> --content-type
 * application/x-image`), one output row per image with its key, the class probabilities
 * (the endpoint's answer) and, for a file that does not decode, no prediction and the
 * reason; then a manifest dataset's `source-ref`s with the input columns joined.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateModelCommand, CreateTransformJobCommand, DescribeTransformJobCommand, SageMakerClient, waitUntilTransformJobCompletedOrStopped } from '@aws-sdk/client-sagemaker';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchard } from '../../src/sdk/index.js';
import { backends, TEST_ATTEMPTS_DIR } from '../support/backends.js';
import { cli, startServer, type RunningServer } from '../support/server.js';
import { mulberry32 as random } from '../support/random.js';

const SIZE = 16;

/** Grey levels of a 16×16 image whose left (class 0) or right (class 1) half is bright. */
function grey(label: number, next: () => number): number[] {
  return Array.from({ length: SIZE * SIZE }, (_, i) => {
    const bright = (i % SIZE < SIZE / 2) === (label === 0);
    return Math.round(Math.max(0, Math.min(255, (bright ? 170 : 70) + (next() - 0.5) * 120)));
  });
}

function png(levels: number[]): Buffer {
  const p = new PNG({ width: SIZE, height: SIZE });
  levels.forEach((v, i) => p.data.set([v, v, v, 255], i * 4));
  return PNG.sync.write(p);
}

function jpg(levels: number[]): Buffer {
  const data = Buffer.alloc(SIZE * SIZE * 4);
  levels.forEach((v, i) => data.set([v, v, v, 255], i * 4));
  return jpeg.encode({ data, width: SIZE, height: SIZE }, 95).data;
}

const HP = ['num_classes=2', 'num_training_samples=40', 'image_shape=1,16,16', 'num_layers=8', 'epochs=6', 'optimizer=adam', 'learning_rate=0.01', 'mini_batch_size=8'];
const hps = (list: string[]) => list.flatMap((h) => ['--hp', h]);

describe.each(backends)('batch transform over images through the CLI on $name', (backend) => {
  let server: RunningServer;
  let teardown: () => Promise<void>;
  let admin: { url: string; token: string };
  let dir: string;
  let sdk: Orchard;
  const next = random(11);
  // Scored images: PNGs and JPEGs of both classes, by key.
  const scored = Array.from({ length: 8 }, (_, i) => ({ key: `ict/batch/${i % 2 === 0 ? 'a' : 'b'}/img${i}.${i < 4 ? 'png' : 'jpg'}`, label: i % 2, levels: grey(i % 2, next) }));

  beforeAll(async () => {
    const b = await backend.setup();
    teardown = b.teardown;
    server = await startServer({ ...b.env, ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR });
    admin = { url: server.url, token: server.adminToken };
    sdk = new Orchard(admin);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-ict-'));
    const upload = async (key: string, bytes: Buffer | string) => {
      const file = path.join(dir, key.replace(/\//g, '_'));
      fs.writeFileSync(file, bytes);
      await sdk.artifacts.put(key, file);
    };
    for (let i = 0; i < 40; i++) await upload(`ict/train/${i % 2 === 0 ? 'left' : 'right'}/img${i}.png`, png(grey(i % 2, next)));
    for (const s of scored) await upload(s.key, s.key.endsWith('.png') ? png(s.levels) : jpg(s.levels));
    await upload('ict/batch/b/broken.png', 'not an image');
    await upload('ict/batch/notes.txt', 'not read: not a PNG or JPEG name');
    const manifest = path.join(dir, 'manifest.jsonl');
    const lines = [...scored.slice(0, 3).map((s) => ({ 'source-ref': s.key, class: s.label })), { 'source-ref': 'ict/batch/missing.png', class: 0 }];
    fs.writeFileSync(manifest, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const ds = await cli(['datasets', 'create', 'ict-manifest', '--file', manifest, '--format', 'jsonl', '--json'], admin);
    expect(ds.code, ds.stdout + ds.stderr).toBe(0);
    fs.writeFileSync(path.join(dir, 'rows.csv'), '1,2\n3,4\n');
    expect((await cli(['datasets', 'create', 'ict-rows', '--file', path.join(dir, 'rows.csv'), '--json'], admin)).code).toBe(0);
    const job = await cli(['train', '--name', 'ict1', '--algorithm', 'image-classification', '--train', 'artifacts:ict/train/', ...hps(HP), '--wait', '--json'], admin);
    expect(job.code, job.stdout + job.stderr).toBe(0);
    expect((await cli(['models', 'create', 'ict-m', '--from-job', 'ict1', '--json'], admin)).code).toBe(0);
  }, 300_000);
  afterAll(async () => {
    await server?.stop();
    await teardown?.();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('scores every PNG and JPEG under a prefix, one row per image; a broken file gets its reason', async () => {
    const t = await cli(['transform', '--name', 'ict-t', '--model', 'ict-m', '--input', 'artifacts:ict/batch/', '--content-type', 'application/x-image', '--output', 'ict-scored', '--shard-rows', '5', '--wait', '--json'], admin);
    expect(t.code, t.stdout + t.stderr).toBe(0);
    expect(t.json.status, t.json.failureReason).toBe('Completed');
    expect(t.json.contentType).toBe('application/x-image');
    expect(t.json.splitType).toBe('None');
    expect(t.json.input).toMatchObject({ dataset: 'ict-t-images', rows: 9 });
    expect(t.json.shards.total).toBe(2);
    expect(t.json.failedRecords).toBe(1);
    const page = await sdk.datasets.query('SELECT "source-ref", prediction, error FROM "ict-scored"', { pageSize: 100 });
    const rows = page.rows as { 'source-ref': string; prediction: string | null; error: string | null }[];
    // Sorted by key, as listed.
    expect(rows.map((r) => r['source-ref'])).toEqual([...scored.map((s) => s.key), 'ict/batch/b/broken.png'].sort());
    const broken = rows.find((r) => r['source-ref'] === 'ict/batch/b/broken.png')!;
    expect(broken.prediction).toBeNull();
    expect(broken.error).toMatch(/"ict\/batch\/b\/broken.png": The request body is not an image this model reads: neither PNG nor JPEG/);
    let correct = 0;
    for (const s of scored) {
      const row = rows.find((r) => r['source-ref'] === s.key)!;
      expect(row.error).toBeNull();
      const probs = JSON.parse(row.prediction!) as number[];
      expect(probs).toHaveLength(2);
      expect(probs[0] + probs[1]).toBeCloseTo(1, 4);
      if (probs.indexOf(Math.max(...probs)) === s.label) correct++;
    }
    expect(correct).toBeGreaterThanOrEqual(7);
    const described = await cli(['transforms', 'describe', 'ict-t'], admin);
    expect(described.stdout).toMatch(/failed records\s+1/);
  });

  it("reads a manifest's source-refs with the input joined, and refuses inputs it cannot read", async () => {
    const t = await cli(['transform', '--name', 'ict-m1', '--model', 'ict-m', '--input', 'ict-manifest', '--content-type', 'application/x-image', '--join-source', 'Input', '--output', 'ict-scored-m', '--wait', '--json'], admin);
    expect(t.code, t.stdout + t.stderr).toBe(0);
    expect(t.json.failedRecords).toBe(1);
    const page = await sdk.datasets.query('SELECT "source-ref", class, prediction, error FROM "ict-scored-m"', { pageSize: 100 });
    const rows = page.rows as { 'source-ref': string; class: number; prediction: string | null; error: string | null }[];
    expect(rows.map((r) => r['source-ref'])).toEqual([...scored.slice(0, 3).map((s) => s.key), 'ict/batch/missing.png']);
    expect(rows.slice(0, 3).every((r) => r.error === null && (JSON.parse(r.prediction!) as number[]).length === 2)).toBe(true);
    expect(rows[3]).toMatchObject({ prediction: null, error: '"ict/batch/missing.png": no stored object' });

    const none = await cli(['transform', '--model', 'ict-m', '--input', 'artifacts:ict/nothing/', '--output', 'ict-x', '--json'], admin);
    expect(none.code).not.toBe(0);
    expect(none.json.code).toBe('ORCH_TRANSFORM_INVALID');
    expect(none.json.message).toMatch(/no PNG or JPEG objects/);
    const noRef = await cli(['transform', '--model', 'ict-m', '--input', 'ict-rows', '--content-type', 'application/x-image', '--output', 'ict-x', '--json'], admin);
    expect(noRef.json.code).toBe('ORCH_TRANSFORM_INVALID');
    expect(noRef.json.message).toMatch(/has no source-ref column/);
    const wrongType = await cli(['transform', '--model', 'ict-m', '--input', 'artifacts:ict/batch/', '--content-type', 'text/csv', '--output', 'ict-x', '--json'], admin);
    expect(wrongType.json.code).toBe('ORCH_TRANSFORM_INVALID');
    // An image job's output columns are fixed (its failure count and SageMaker's .out files read them).
    const filtered = await cli(['transform', '--model', 'ict-m', '--input', 'ict-manifest', '--content-type', 'application/x-image', '--join-source', 'Input', '--output-filter', '$[0,-2]', '--output', 'ict-x', '--json'], admin);
    expect(filtered.json.code).toBe('ORCH_TRANSFORM_INVALID');
    expect(filtered.json.details.errors).toEqual([expect.objectContaining({ field: 'outputFilter' })]);
  });

  it("answers SageMaker's CreateTransformJob over an S3Prefix of images with one <key>.out per image", async () => {
    const res = await fetch(`${admin.url}/api/v1/access-keys`, { method: 'POST', headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(201);
    const sm = new SageMakerClient({ endpoint: admin.url, region: 'us-east-1', credentials: (await res.json()) as { accessKeyId: string; secretAccessKey: string }, maxAttempts: 1 });
    try {
      await sm.send(new CreateModelCommand({ ModelName: 'ict-sm', ExecutionRoleArn: 'arn:aws:iam::000000000000:role/SageMakerRole', PrimaryContainer: { Image: '811284229777.dkr.ecr.us-east-1.amazonaws.com/image-classification:1', ModelDataUrl: 's3://orchard/jobs/ict1/output/model.tar.gz' } }));
      await sm.send(
        new CreateTransformJobCommand({
          TransformJobName: 'ict-sm-t',
          ModelName: 'ict-sm',
          TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://orchard/ict/batch/' } }, ContentType: 'application/x-image', SplitType: 'None' },
          TransformOutput: { S3OutputPath: 's3://orchard/ict-out' },
          TransformResources: { InstanceType: 'ml.p2.xlarge', InstanceCount: 1 },
        }),
      );
      expect((await waitUntilTransformJobCompletedOrStopped({ client: sm, minDelay: 1, maxDelay: 2, maxWaitTime: 300 }, { TransformJobName: 'ict-sm-t' })).state).toBe('SUCCESS');
      expect(await sm.send(new DescribeTransformJobCommand({ TransformJobName: 'ict-sm-t' }))).toMatchObject({ TransformJobStatus: 'Completed' });
      const outs = (await sdk.artifacts.list('ict-out/')).map((o) => o.key).sort();
      // Every image but the broken one, at its path below the input prefix.
      expect(outs).toEqual(scored.map((s) => `ict-out/${s.key.slice('ict/batch/'.length)}.out`).sort());
      const text = await new Response((await sdk.artifacts.get(outs[0])) as unknown as ReadableStream).text();
      const probs = JSON.parse(text) as number[];
      expect(probs).toHaveLength(2);
      expect(probs[0] + probs[1]).toBeCloseTo(1, 4);
    } finally {
      sm.destroy();
    }
  });
});
