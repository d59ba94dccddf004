import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatasetService, type DatasetService } from '../data/index.js';
import { openJobQueue, startWorkerLoop, type JobQueue, type WorkerLoop } from '../jobs/index.js';
import { createFileArtifactStore, openMetadataStore, type ArtifactStore, type MetadataStore } from '../storage/index.js';
import { createTrainingService, trainingJobHandler, type TrainingService } from './index.js';
import type { TrainingJob } from './types.js';

/**
 * A metadata store that blinks: once a write marks a training job Completed, that write
 * and the next `failures - 1` queries fail as a dropped database connection does.
 */
function blinkingMetadata(inner: MetadataStore, failures: number): { store: MetadataStore; failed(): number } {
  let left = 0;
  let failed = 0;
  const wrap = (builder: object, trips: boolean): object =>
    new Proxy(builder, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function') return value;
        if (typeof prop === 'string' && prop.startsWith('execute')) {
          return async (...args: unknown[]) => {
            if (trips && failures > 0) {
              left = failures;
              failures = 0;
            }
            if (left > 0) {
              left--;
              failed++;
              throw new Error('Connection terminated unexpectedly');
            }
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        return (...args: unknown[]) => {
          const out = (value as (...a: unknown[]) => unknown).apply(target, args);
          const tripping = trips || (prop === 'set' && (args[0] as { status?: string })?.status === 'Completed');
          return out && typeof out === 'object' && 'execute' in out ? wrap(out, tripping) : out;
        };
      },
    });
  const db = new Proxy(inner.db, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const out = (value as (...a: unknown[]) => unknown).apply(target, args);
        return out && typeof out === 'object' && 'execute' in out ? wrap(out, false) : out;
      };
    },
  });
  const store = new Proxy(inner, {
    get(target, prop) {
      if (prop === 'db') return db;
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store, failed: () => failed };
}

let dir: string;
let metadata: MetadataStore;
let artifacts: ArtifactStore;
let datasets: DatasetService;
let queue: JobQueue;
let training: TrainingService;
let loop: WorkerLoop;
let blink: ReturnType<typeof blinkingMetadata>;
const messages: string[] = [];

async function until(name: string, done: (j: TrainingJob) => boolean): Promise<TrainingJob> {
  for (;;) {
    const job = await training.describe(name);
    if (done(job)) return job;
    await new Promise((r) => setTimeout(r, 100));
  }
}
const ended = (j: TrainingJob) => ['Completed', 'Failed', 'Stopped'].includes(j.status);

/** Packs `files` (and links) into a stored `sourcedir.tar.gz`; returns its key. */
async function storeSource(name: string, files: Record<string, string>, links: Record<string, string> = {}): Promise<string> {
  const src = fs.mkdtempSync(path.join(dir, 'src-'));
  for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(src, file), text);
  for (const [link, target] of Object.entries(links)) fs.symlinkSync(target, path.join(src, link));
  const archive = path.join(dir, `${name}.tar.gz`);
  await tar.c({ file: archive, gzip: true, cwd: src, portable: true }, fs.readdirSync(src));
  const key = `sources/${name}/sourcedir.tar.gz`;
  await artifacts.put(key, fs.createReadStream(archive));
  return key;
}

const WRITE_MODEL = `require('node:fs').writeFileSync(require('node:path').join(process.env.SM_MODEL_DIR, 'm.txt'), 'ok'); console.log('#metric loss=0.5 step=1');`;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-training-worker-'));
  fs.chmodSync(dir, 0o711);
  metadata = await openMetadataStore(`sqlite:${path.join(dir, 'o.db')}`);
  artifacts = await createFileArtifactStore(pathToFileURL(path.join(dir, 'artifacts')).href);
  datasets = createDatasetService({ config: { workDir: path.join(dir, 'work'), maxUploadBytes: 1 << 30 }, metadata, artifacts });
  queue = await openJobQueue('embedded', { metadata });
  training = createTrainingService({ metadata, queue, datasets, artifacts, experiments: { ensure: async () => undefined } });
  // The worker writes through a store that blinks 4 times once, right as an attempt is recorded Completed.
  blink = blinkingMetadata(metadata, 4);
  const handler = await trainingJobHandler({ metadata: blink.store, queue, datasets, artifacts, attemptsDir: path.join(dir, 'attempts') });
  loop = startWorkerLoop({ queue, handlers: [handler], slots: 1, cpus: 2, pollMs: 50, recordBackoffMs: 20, log: (m) => messages.push(m) });
  await datasets.create({ name: 'd', format: 'csv', body: Readable.from(['1,2\n3,4\n']) });
});

afterAll(async () => {
  await loop?.stop();
  await queue?.close();
  await datasets?.close();
  await artifacts?.close();
  await metadata?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('training worker', () => {
  it('keeps a finished attempt through a metadata store blink and records it, without running it again', async () => {
    const sourceKey = await storeSource('blink', { 'train.js': WRITE_MODEL });
    await training.create({ name: 'blink1', script: { entryPoint: 'train.js', sourceKey }, channels: { train: 'd' }, maxRetries: 2 });
    const job = await until('blink1', ended);
    expect(job.status, job.failureReason ?? '').toBe('Completed');
    expect(job.attempts).toBe(1);
    expect(blink.failed()).toBe(4);
    expect(messages.some((m) => m.includes('recording its outcome failed') && m.includes('Connection terminated'))).toBe(true);
    const logs = await training.logs('blink1');
    expect(logs.lines.filter((l) => l.line.includes('[orchard] attempt'))).toHaveLength(1);
  });

  it('tells the attempt its cpus: all of the worker\'s cores when the job names none', async () => {
    const sourceKey = await storeSource('cpus', { 'train.js': `console.log('cpus=' + process.env.SM_NUM_CPUS); ${WRITE_MODEL}` });
    await training.create({ name: 'cpus1', script: { entryPoint: 'train.js', sourceKey }, channels: { train: 'd' } });
    await training.create({ name: 'cpus2', script: { entryPoint: 'train.js', sourceKey }, channels: { train: 'd' }, cpus: 1 });
    for (const [name, cpus] of [['cpus1', 2], ['cpus2', 1]] as const) {
      expect((await until(name, ended)).status).toBe('Completed');
      const lines = (await training.logs(name)).lines.map((l) => l.line);
      expect(lines).toContain(`cpus=${cpus}`);
      expect(lines.some((l) => l.includes(`: ${cpus} cpu(s)`))).toBe(true);
    }
  });

  it('fails a job whose source archive holds an absolute link as the user\'s error, without retrying', async () => {
    const sourceKey = await storeSource('abslink', { 'train.js': WRITE_MODEL }, { passwd: '/etc/passwd' });
    await training.create({ name: 'abslink1', script: { entryPoint: 'train.js', sourceKey }, channels: { train: 'd' }, maxRetries: 2 });
    const job = await until('abslink1', ended);
    expect(job.status).toBe('Failed');
    expect(job.failureReason).toMatch(/^ORCH_TRAINING_SOURCE_INVALID: The source archive cannot be unpacked/);
    expect(job.attempts).toBe(1);
  });

  it('stores the model folder packed as model.tar.gz (empty when nothing was written), and fails an attempt whose folder cannot be packed', async () => {
    const sourceKey = await storeSource('pack', { 'train.js': WRITE_MODEL, 'gone.js': `require('node:fs').rmSync(process.env.SM_MODEL_DIR, { recursive: true });`, 'nothing.js': '' });
    await training.create({ name: 'pack1', script: { entryPoint: 'train.js', sourceKey }, channels: { train: 'd' } });
    // A job that writes no model completes with an empty archive, as on SageMaker.
    await training.create({ name: 'pack0', script: { entryPoint: 'nothing.js', sourceKey }, channels: { train: 'd' } });
    expect((await until('pack0', ended)).status).toBe('Completed');
    expect(await artifacts.head('jobs/pack0/output/model.tar.gz')).toBeDefined();
    await training.create({ name: 'pack2', script: { entryPoint: 'gone.js', sourceKey }, channels: { train: 'd' }, maxRetries: 1 });
    expect((await until('pack1', ended)).status).toBe('Completed');
    const out = fs.mkdtempSync(path.join(dir, 'model-'));
    const unpack = tar.x({ cwd: out, strict: true });
    const written = new Promise((resolve, reject) => unpack.on('close', resolve).on('error', reject));
    (await artifacts.get('jobs/pack1/output/model.tar.gz')).pipe(unpack);
    await written;
    expect(fs.readFileSync(path.join(out, 'm.txt'), 'utf8')).toBe('ok');

    const job = await until('pack2', ended);
    expect(job.status).toBe('Failed');
    expect(job.failureReason).toMatch(/^AlgorithmError: the model folder could not be packed/);
    expect(job.attempts).toBe(2);
    expect(await artifacts.head('jobs/pack2/output/model.tar.gz')).toBeUndefined();
  });
});
