import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../core/index.js';
import { createDatasetService, openDuckDB, sqlString, type DatasetService } from '../data/index.js';
import { openJobQueue, startWorkerLoop, type JobQueue, type WorkerLoop } from '../jobs/index.js';
import { createFileArtifactStore, openMetadataStore, type ArtifactStore, type MetadataStore } from '../storage/index.js';
import { crawlerJobHandler } from './crawler-worker.js';
import { CrawlerService } from './crawler-service.js';
import { crawlJobId } from './types.js';

let dir: string;
let root: string;
let metadata: MetadataStore;
let artifacts: ArtifactStore;
let datasets: DatasetService;
let queue: JobQueue;
let loop: WorkerLoop | undefined;
let crawlers: CrawlerService;
let config: ReturnType<typeof resolveConfig>;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-crawlers-'));
  root = path.join(dir, 'data');
  fs.mkdirSync(root);
  config = resolveConfig({ home: path.join(dir, 'home'), crawlerRoots: [root] });
  metadata = await openMetadataStore(`sqlite:${path.join(dir, 'o.db')}`);
  artifacts = await createFileArtifactStore(pathToFileURL(path.join(dir, 'artifacts')).href);
  datasets = createDatasetService({ config, metadata, artifacts });
  queue = await openJobQueue('embedded', { metadata });
  crawlers = new CrawlerService({ metadata, queue, artifacts, config });
});
afterAll(async () => {
  await loop?.stop();
  await queue?.close();
  await datasets?.close();
  await metadata?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function write(rel: string, content: string): string {
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

async function startWorker(): Promise<void> {
  const handler = await crawlerJobHandler({ metadata, queue, datasets, artifacts, config, workDir: path.join(dir, 'work') });
  loop = startWorkerLoop({ queue, handlers: [handler], slots: 1, cpus: 2, pollMs: 50, log: () => undefined });
}

async function runToEnd(name: string) {
  const started = await crawlers.startRun(name);
  for (;;) {
    const run = await crawlers.describeRun(name, started.run);
    if (['Completed', 'Failed', 'Stopped'].includes(run.status)) return run;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('crawlers over CSV, JSON Lines and Parquet', () => {
  it('stops a queued run at once and refuses a second active run', async () => {
    write('mixed/a.csv', 'id,v\n1,2\n');
    await crawlers.create({ name: 'queued', source: pathToFileURL(path.join(root, 'mixed')).href });
    const first = await crawlers.startRun('queued');
    await expect(crawlers.startRun('queued')).rejects.toMatchObject({ code: 'ORCH_CRAWLER_RUNNING' });
    await expect(crawlers.delete('queued')).rejects.toMatchObject({ code: 'ORCH_CRAWLER_RUNNING' });
    expect((await crawlers.describe('queued')).state).toBe('Running');
    // Lost by the queue: requeued under the same id.
    await metadata.db.deleteFrom('queue_jobs').execute();
    expect(await crawlers.requeueLost()).toBe(1);
    expect(await queue.get(crawlJobId('queued', first.run))).toMatchObject({ kind: 'crawl', state: 'queued' });
    const stopped = await crawlers.stop('queued');
    expect(stopped.state).toBe('Ready');
    expect((await crawlers.describeRun('queued', first.run)).status).toBe('Stopped');
    await crawlers.delete('queued');
  });

  it('reads every format into one table, widening and rejecting per file', async () => {
    await startWorker();
    write('mixed/a.csv', '1,2.5,x\n3,4,y\n'); // no header: _c0, _c1, _c2
    write('mixed/b.jsonl', '{"_c0": 5, "_c1": 6, "extra": true}\n{"_c0": 7, "_c1": null, "extra": false}\n');
    const db = await openDuckDB();
    try {
      await db.exec(`COPY (SELECT 9::INTEGER AS _c0, 1.25::DOUBLE AS _c1) TO ${sqlString(path.join(root, 'mixed', 'c.parquet'))} (FORMAT parquet)`);
    } finally {
      db.close();
    }
    write('mixed/d.parquet', 'not parquet at all');
    write('mixed/e.jsonl', '{"_c0": "text"}\n');
    write('mixed/.hidden.csv', 'ignored\n');
    await crawlers.create({ name: 'mixed', source: pathToFileURL(path.join(root, 'mixed')).href, dataset: 'mixed_table' });
    const run = await runToEnd('mixed');
    expect(run).toMatchObject({ status: 'Completed', dataset: 'mixed_table@1', newFiles: 3, filesSeen: 5 });
    expect(run.rejectedFiles.map((f) => f.path)).toEqual(['d.parquet', 'e.jsonl']);
    expect(run.rejectedFiles[0].reason).toMatch(/^unparseable as parquet/);
    expect(run.rejectedFiles[0].reason).not.toContain(root);
    expect(run.rejectedFiles[1].reason).toMatch(/column '_c0' is VARCHAR here but BIGINT in the table/);
    const version = await datasets.describe('mixed_table@1');
    expect(version.rowCount).toBe(5);
    const crawler = await crawlers.describe('mixed');
    expect(crawler.columns).toEqual([
      { name: '_c0', type: 'BIGINT' },
      { name: '_c1', type: 'DOUBLE' },
      { name: '_c2', type: 'VARCHAR' },
      { name: 'extra', type: 'BOOLEAN' },
    ]);
    expect(crawler.files).toEqual({ included: 3, rejected: 2 });
  });

  it('replaces the rows of a changed file and fixes a rejected one once it changes', async () => {
    write('mixed/a.csv', '100,1\n');
    write('mixed/e.jsonl', '{"_c0": 11, "_c1": 2}\n');
    // Changed files are told by their modification time: make sure it moves.
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(path.join(root, 'mixed/a.csv'), later, later);
    fs.utimesSync(path.join(root, 'mixed/e.jsonl'), later, later);
    const run = await runToEnd('mixed');
    expect(run).toMatchObject({ status: 'Completed', dataset: 'mixed_table@2', newFiles: 2, rejectedFiles: [] });
    // The changed a.csv lost its third column, which no other file has.
    expect(run.schemaChanges).toEqual([{ column: '_c2', change: 'removed', from: 'VARCHAR', to: null }]);
    const res = await datasets.query('SELECT _c0 FROM "mixed_table@2" ORDER BY _c0');
    expect(res.rows.map((r) => Number(r._c0))).toEqual([5, 7, 9, 11, 100]);
    expect((await crawlers.describe('mixed')).files).toEqual({ included: 4, rejected: 1 });
  });

  it('fails a run whose folder has gone, with a reason', async () => {
    write('gone/a.csv', 'a\n1\n');
    await crawlers.create({ name: 'gone', source: pathToFileURL(path.join(root, 'gone')).href });
    fs.rmSync(path.join(root, 'gone'), { recursive: true });
    await expect(crawlers.startRun('gone')).rejects.toMatchObject({ code: 'ORCH_CRAWLER_SOURCE_NOT_FOUND' });
  });
});
