import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OrchardError } from '../core/index.js';
import { MemoryArtifactStore } from '../data/test-artifact-store.js';
import type { CreateDatasetInput, DatasetVersion } from '../data/index.js';
import type { MetadataStore } from '../storage/index.js';
import { metadataTargets } from '../../test/support/metadata.js';
import { ReviewService } from './service.js';

/** A dataset catalog that keeps each version's body and tags. */
function datasets() {
  const versions: { version: DatasetVersion; body: string }[] = [];
  return {
    versions,
    port: {
      async create(input: CreateDatasetInput): Promise<DatasetVersion> {
        let body = '';
        for await (const c of input.body as AsyncIterable<string | Buffer>) body += c.toString();
        const version = { name: input.name, version: versions.filter((v) => v.version.name === input.name).length + 1, tags: input.tags ?? {} } as DatasetVersion;
        versions.push({ version, body });
        return version;
      },
      async versions(name: string): Promise<DatasetVersion[]> {
        const mine = versions.filter((v) => v.version.name === name).map((v) => v.version);
        if (mine.length === 0) throw new OrchardError('ORCH_DATASET_NOT_FOUND');
        return mine;
      },
    },
  };
}

async function until(what: string, fn: () => boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (fn()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

for (const target of metadataTargets) {
  describe(`a flow's automatic export on ${target.name}`, () => {
    let metadata: MetadataStore;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ store: metadata, cleanup } = await target.open());
    });
    afterEach(async () => cleanup());

    it('writes a version each time the period’s loops have completed, each loop once', async () => {
      const catalog = datasets();
      const reviews = new ReviewService({ metadata, artifacts: new MemoryArtifactStore(), taps: { setTap: () => undefined }, workforce: async () => ['ann'], datasets: catalog.port, log: () => undefined, refreshMs: 0 });
      const flow = await reviews.createFlow({ name: 'docs', labels: ['ok', 'bad'], autoExport: { dataset: 'docs-reviewed', everyLoops: 2 } });
      expect(flow.autoExport).toEqual({ dataset: 'docs-reviewed', everyLoops: 2 });
      const review = async (i: number) => {
        await reviews.startLoop({ name: `doc-${i}`, flow: 'docs', inputContent: { text: `document ${i}` } });
        const task = await reviews.next('ann', 'docs');
        expect(task?.loop).toBe(`doc-${i}`);
        expect((await reviews.submit(`doc-${i}`, 'ann', { label: i % 2 ? 'bad' : 'ok' })).status).toBe('Completed');
      };
      await review(1);
      await new Promise((r) => setTimeout(r, 200));
      expect(catalog.versions).toHaveLength(0);
      await review(2);
      await until('the first export', () => catalog.versions.length === 1);
      await review(3);
      await review(4);
      await review(5);
      await until('the second export', () => catalog.versions.length === 2);
      await reviews.close();
      const loopsOf = (body: string) => body.trim().split('\n').map((l) => (JSON.parse(l) as { 'label-metadata': { 'human-loop-name': string } })['label-metadata']['human-loop-name']);
      expect(loopsOf(catalog.versions[0].body)).toEqual(['doc-1', 'doc-2']);
      // The lines after the first export: the second holds 3 and 4 (5 alone was not yet a period's worth) or 3 to 5.
      expect(loopsOf(catalog.versions[1].body).slice(0, 2)).toEqual(['doc-3', 'doc-4']);
      expect(catalog.versions[1].version).toMatchObject({ version: 2, tags: { 'orchard:review-flow': 'docs' } });
    });
  });
}
