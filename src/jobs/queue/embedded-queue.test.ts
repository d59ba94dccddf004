import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openMetadataStore, type MetadataStore } from '../../storage/index.js';
import { isolatedPgUrl } from '../../../test/support/metadata.js';
import { createEmbeddedJobQueue } from './embedded-queue.js';
import type { JobQueue } from './job-queue.js';
import { describeJobQueueContract, type JobQueueHarness } from './job-queue.contract.js';

/**
 * Each handle gets a metadata store of its own on one database, so concurrent claims
 * really race (separate SQLite connections to one file; separate PostgreSQL pools).
 */
function harnessOn(url: string, dropDatabase: () => Promise<void>): JobQueueHarness {
  const stores: MetadataStore[] = [];
  const queues: JobQueue[] = [];
  const closeAll = async () => {
    await Promise.all(queues.splice(0).map((q) => q.close()));
    await Promise.all(stores.splice(0).map((s) => s.close()));
  };
  return {
    async open() {
      const store = await openMetadataStore(url);
      stores.push(store);
      const queue = createEmbeddedJobQueue(store);
      queues.push(queue);
      return queue;
    },
    restart: closeAll,
    async cleanup() {
      await closeAll();
      await dropDatabase();
    },
  };
}

describeJobQueueContract('embedded on SQLite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-queue-'));
  return harnessOn(`sqlite:${path.join(dir, 'meta.db')}`, async () => fs.rmSync(dir, { recursive: true, force: true }));
});

describeJobQueueContract('embedded on PostgreSQL', async () => {
  const { url, drop } = isolatedPgUrl();
  return harnessOn(url, drop);
});
