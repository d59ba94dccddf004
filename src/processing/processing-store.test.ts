import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metadataTargets } from '../../test/support/metadata.js';
import type { MetadataStore } from '../storage/index.js';
import { ProcessingStore } from './processing-store.js';

describe.each(metadataTargets)('processing store on $name', (target) => {
  let metadata: MetadataStore;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ store: metadata, cleanup } = await target.open());
  });
  afterAll(async () => cleanup?.());

  it('keeps every instance final metrics when they merge at the same moment', async () => {
    const store = new ProcessingStore(metadata);
    await store.insert('merge', { script: 'x' } as never, 8, null);
    await Promise.all(Array.from({ length: 8 }, (_, i) => store.mergeFinalMetrics('merge', { [`algo-${i + 1}:rows`]: i })));
    const job = await store.describe('merge');
    expect(Object.keys(job.finalMetrics).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `algo-${i + 1}:rows`).sort());
  });
});
