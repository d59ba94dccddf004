import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHarness, type Harness } from '../data/test-harness.js';
import { openJobQueue, startWorkerLoop, type JobQueue, type WorkerLoop } from '../jobs/index.js';
import { ProcessingService } from './processing-service.js';
import { processingJobHandler } from './processing-worker.js';
import type { ProcessingJob } from './types.js';

let h: Harness;
let queue: JobQueue;
let loop: WorkerLoop;
let service: ProcessingService;
let dir: string;

/** Stores a one-file source archive and returns the script reference. */
async function source(name: string, file: string, body: string) {
  const src = path.join(dir, name);
  fs.mkdirSync(src, { recursive: true });
  fs.writeFileSync(path.join(src, file), body);
  const archive = path.join(dir, `${name}.tar.gz`);
  await tar.c({ gzip: true, file: archive, cwd: src, portable: true }, [file]);
  const sourceKey = `sources/processing/${name}/sourcedir.tar.gz`;
  await h.artifacts.put(sourceKey, fs.createReadStream(archive));
  return { entryPoint: file, sourceKey };
}

async function until(name: string, done: (j: ProcessingJob) => boolean, ms = 60_000): Promise<ProcessingJob> {
  const end = Date.now() + ms;
  for (;;) {
    const job = await service.describe(name);
    if (done(job)) return job;
    if (Date.now() > end) throw new Error(`timed out: ${JSON.stringify(job)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  h = await openHarness();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-processing-worker-'));
  const attemptsDir = path.join(dir, 'attempts');
  fs.chmodSync(dir, 0o711);
  queue = await openJobQueue('embedded', { metadata: h.metadata });
  service = new ProcessingService({ metadata: h.metadata, queue, datasets: h.service, artifacts: h.artifacts });
  const handler = await processingJobHandler({ metadata: h.metadata, queue, datasets: h.service, artifacts: h.artifacts, attemptsDir, workDir: path.join(dir, 'work') });
  loop = startWorkerLoop({ queue, handlers: [handler], slots: 2, cpus: 2, leaseMs: 5000, pollMs: 50, log: () => undefined });
  await h.service.create({ name: 'nums', format: 'csv', body: Readable.from(['1,10\n2,20\n3,30\n4,40\n']) });
});
afterAll(async () => {
  await loop?.stop();
  await queue?.close();
  await h?.cleanup();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('processing jobs on the worker loop', () => {
  it('runs a TypeScript script and registers its CSV output as one version', async () => {
    const body = [
      "import fs from 'node:fs';",
      "import path from 'node:path';",
      "const rows: string[] = fs.readFileSync(path.join(process.env.ORCHARD_PROCESSING_INPUT_NUMS!, 'part-00000.csv'), 'utf8').trim().split('\\n');",
      "fs.writeFileSync(path.join(process.env.ORCHARD_PROCESSING_OUTPUT_OUT!, 'out.csv'), ['n,tenfold', ...rows].join('\\n') + '\\n');",
      "console.log(`#metric rows=${rows.length}`);",
    ].join('\n');
    const script = await source('ts', 'prep.ts', body);
    await service.create({ name: 'ts-ok', script, inputs: [{ name: 'nums', dataset: 'nums' }], outputs: [{ name: 'out', dataset: 'from-ts' }], cpus: 1 });
    const job = await until('ts-ok', (j) => j.status !== 'InProgress');
    expect(job).toMatchObject({ status: 'Completed', outputs: { out: 'from-ts@1' }, finalMetrics: { rows: 4 } });
    const version = await h.service.describe('from-ts');
    expect(version).toMatchObject({ format: 'csv', header: true, rowCount: 4 });
    expect(version.columns.map((c) => c.name)).toEqual(['n', 'tenfold']);
    expect(await h.artifacts.list('jobs/ts-ok/processing/algo-1/')).toEqual([]);
  });

  it('a stop ends a running instance; the job is Stopped and registers nothing', async () => {
    const script = await source('sleepy', 'sleepy.py', "import os, time\nopen(os.path.join(os.environ['ORCHARD_PROCESSING_OUTPUT_OUT'], 'a.csv'), 'w').write('1,2\\n')\nprint('started', flush=True)\ntime.sleep(60)\n");
    await service.create({ name: 'stop-me', script, inputs: [{ name: 'nums', dataset: 'nums' }], outputs: [{ name: 'out', dataset: 'never-stopped' }], cpus: 1 });
    await until('stop-me', (j) => j.instances[0].status === 'InProgress');
    // Wait for the script's first line: the process runs.
    for (let i = 0; i < 600 && !(await service.logs('stop-me')).lines.some((l) => l.line === 'started'); i++) await new Promise((r) => setTimeout(r, 100));
    expect((await service.stop('stop-me')).status).toBe('Stopping');
    const job = await until('stop-me', (j) => j.status === 'Stopped');
    expect(job.instances[0].status).toBe('Stopped');
    expect(job.outputs).toEqual({});
    expect(await h.service.versions('never-stopped').catch(() => [])).toEqual([]);
  });

  it('an instance past its time limit stops the job as MaxRuntimeExceeded', async () => {
    const script = await source('slow', 'slow.py', 'import time\ntime.sleep(60)\n');
    await service.create({ name: 'too-slow', script, maxRuntimeSeconds: 1, cpus: 1 });
    const job = await until('too-slow', (j) => j.status === 'Stopped');
    expect(job.failureReason).toMatch(/^MaxRuntimeExceeded: algo-1 ran longer than 1 s/);
  });

  it('an input changed by the script fails the job as a write outside the outputs, without retries', async () => {
    const script = await source('tamper', 'tamper.py', "import os\nd = os.environ['ORCHARD_PROCESSING_INPUT_NUMS']\nopen(os.path.join(d, 'part-00000.csv'), 'a').write('5,50\\n')\n");
    await service.create({ name: 'tamper', script, inputs: [{ name: 'nums', dataset: 'nums' }], maxRetries: 3, cpus: 1 });
    const job = await until('tamper', (j) => j.status === 'Failed');
    expect(job.failureReason).toContain('ORCH_PROCESSING_OUTPUT_OUTSIDE');
    expect(job.failureReason).toContain('/opt/ml/processing/input/nums/part-00000.csv (changed)');
    expect(job.instances[0].attempts).toBe(1);
  });

  it('one failing instance of two fails the job; the other’s output is not registered', async () => {
    const script = await source('half', 'half.py', "import os, sys\nopen(os.path.join(os.environ['ORCHARD_PROCESSING_OUTPUT_OUT'], 'a.csv'), 'w').write('1,2\\n')\nif os.environ['ORCHARD_CURRENT_HOST'] == 'algo-2': sys.exit('algo-2 gives up')\n");
    await service.create({ name: 'half', script, outputs: [{ name: 'out', dataset: 'never-half' }], instanceCount: 2, cpus: 1 });
    const job = await until('half', (j) => j.status === 'Failed');
    expect(job.failureReason).toMatch(/^algo-2: AlgorithmError: .*algo-2 gives up/s);
    expect(job.instances.find((i) => i.host === 'algo-2')?.status).toBe('Failed');
    expect(await h.service.versions('never-half').catch(() => [])).toEqual([]);
    // The job ends first; the instances' staged files go as each comes to rest.
    const job2 = await until('half', (j) => j.instances.every((i) => i.status !== 'InProgress' && i.status !== 'Pending'));
    expect(job2.status).toBe('Failed');
    let left = await h.artifacts.list('jobs/half/');
    for (let i = 0; i < 100 && left.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      left = await h.artifacts.list('jobs/half/');
    }
    expect(left).toEqual([]);
  });
});
