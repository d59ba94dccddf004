import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryArtifactStore } from '../data/test-artifact-store.js';
import type { InvocationTap } from '../serving/endpoints/index.js';
import type { MetadataStore } from '../storage/index.js';
import { metadataTargets } from '../../test/support/metadata.js';
import { ReviewService } from './service.js';

/** One server of a fleet: its own taps, the shared store. */
function server(metadata: MetadataStore) {
  const taps = new Map<string, InvocationTap>();
  const service = new ReviewService({
    metadata,
    artifacts: new MemoryArtifactStore(),
    taps: { setTap: (endpoint, tap) => (tap ? taps.set(endpoint, tap) : taps.delete(endpoint)) },
    workforce: async () => ['ann'],
    datasets: { create: async () => { throw new Error('not used'); }, versions: async () => [] },
    log: () => undefined,
    refreshMs: 0,
  });
  return { taps, service };
}

for (const target of metadataTargets) {
  describe(`review flow taps across servers on ${target.name}`, () => {
    let metadata: MetadataStore;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ store: metadata, cleanup } = await target.open());
    });
    afterEach(async () => cleanup());

    it('a flow created or deleted through one server reaches the other’s taps on its refresh', async () => {
      const a = server(metadata);
      const b = server(metadata);
      await a.service.start();
      await b.service.start();
      await a.service.createFlow({ name: 'f', endpoint: 'ep', labels: ['neg', 'pos'], activation: { confidenceBelow: 0.7 } });
      await a.service.createFlow({ name: 'api-only', labels: ['x'] });
      expect([...a.taps.keys()]).toEqual(['ep']);
      expect(b.taps.size).toBe(0);
      await b.service.refreshTaps();
      expect([...b.taps.keys()]).toEqual(['ep']);
      const first = b.taps.get('ep');
      // Nothing changed: the tap stays the same function.
      await b.service.refreshTaps();
      expect(b.taps.get('ep')).toBe(first);

      // Deleted through A and created again with other conditions: B follows both.
      await a.service.deleteFlow('f');
      expect(a.taps.size).toBe(0);
      await b.service.refreshTaps();
      expect(b.taps.size).toBe(0);
      await a.service.createFlow({ name: 'g', endpoint: 'ep', labels: ['neg', 'pos'], activation: { samplePercent: 10 } });
      await b.service.refreshTaps();
      expect(b.taps.has('ep')).toBe(true);
      expect(b.taps.get('ep')).not.toBe(first);

      // B deleting A's flow: A keeps its tap until its refresh, then drops it.
      await b.service.deleteFlow('g');
      expect(b.taps.size).toBe(0);
      expect(a.taps.size).toBe(1);
      await a.service.refreshTaps();
      expect(a.taps.size).toBe(0);
      await a.service.close();
      await b.service.close();
    });
  });
}
