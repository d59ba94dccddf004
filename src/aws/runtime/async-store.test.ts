import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OrchardError } from '../../core/index.js';
import { MemoryArtifactStore } from '../../data/test-artifact-store.js';
import type { InvokeRequest, InvokeResult } from '../../serving/endpoints/index.js';
import type { MetadataStore } from '../../storage/index.js';
import { metadataTargets } from '../../../test/support/metadata.js';
import { AsyncInvoker } from './async-invoker.js';
import { AsyncInvocationStore } from './async-store.js';

/** An endpoint that echoes its input upper-cased, counting its calls; `ready` false answers as a starting endpoint does. */
function echo() {
  const state = { ready: true, calls: 0 };
  const endpoints = {
    async describe(name: string) {
      if (name !== 'ep') throw new OrchardError('ORCH_ENDPOINT_NOT_FOUND');
      return {} as never;
    },
    async invoke(_name: string, request: InvokeRequest): Promise<InvokeResult> {
      if (!state.ready) throw new OrchardError('ORCH_ENDPOINT_NOT_IN_SERVICE', { details: { status: 'Creating', retryAfterSeconds: 1 } });
      state.calls++;
      return { status: 200, contentType: 'text/plain', body: Buffer.from(request.body.toString('utf8').toUpperCase()), variant: 'A' };
    },
  };
  return { state, endpoints };
}

async function text(store: MemoryArtifactStore, key: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of await store.get(key)) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

for (const target of metadataTargets) {
  describe(`AsyncInvocationStore on ${target.name}`, () => {
    let metadata: MetadataStore;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ store: metadata, cleanup } = await target.open());
    });
    afterEach(async () => cleanup());

    it('gives a row to one server at a time, again once its lease runs out, and after a delay when released', async () => {
      const store = new AsyncInvocationStore(metadata);
      await store.insert({ id: 'r1', request: { endpointName: 'ep', inferenceId: 'i1' }, inputKey: 'in', outputKey: 'out', failureKey: 'fail' });
      const first = await store.claim<{ inferenceId: string }>('a', 60_000);
      expect(first).toMatchObject({ id: 'r1', request: { endpointName: 'ep', inferenceId: 'i1' }, inputKey: 'in', outputKey: 'out', failureKey: 'fail', attempts: 1 });
      expect(await store.claim('b', 60_000)).toBeNull();
      await store.release('b', 'r1');
      expect(await store.claim('b', 60_000)).toBeNull();
      // A lease that has run out: another server takes the row.
      await store.renew('a', ['r1'], -1000);
      expect(await store.claim('b', 60_000)).toMatchObject({ id: 'r1', attempts: 2 });
      await store.release('b', 'r1', 60_000);
      expect(await store.claim('a', 60_000)).toBeNull();
      expect(await store.count()).toBe(1);
      await store.remove('r1');
      expect(await store.count()).toBe(0);
    });

    it('keeps an accepted request across a restart and writes its output once', async () => {
      const artifacts = new MemoryArtifactStore();
      await artifacts.put('in/a.txt', 'hello');
      const log = (err: unknown) => {
        throw err;
      };
      // A server that records but runs nothing stops; the request waits in the table.
      const before = echo();
      const stopped = new AsyncInvoker({ endpoints: before.endpoints, artifacts, queue: new AsyncInvocationStore(metadata), concurrency: 0, log });
      stopped.start();
      const accepted = await stopped.submit({ endpointName: 'ep', inputLocation: 's3://orchard/in/a.txt', inferenceId: 'x' });
      await stopped.close();
      expect(await artifacts.head('endpoints/ep/async-outputs/x.out')).toBeUndefined();
      expect(await new AsyncInvocationStore(metadata).count()).toBe(1);

      // The next server starts with its endpoint not in service yet: the request waits for it.
      const after = echo();
      after.state.ready = false;
      const restarted = new AsyncInvoker({ endpoints: after.endpoints, artifacts, queue: new AsyncInvocationStore(metadata), retryMs: 50, sweepMs: 20, log });
      restarted.start();
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(await artifacts.head('endpoints/ep/async-outputs/x.out')).toBeUndefined();
      after.state.ready = true;
      await restarted.drained();
      await restarted.close();
      expect(accepted.outputLocation).toBe('s3://orchard/endpoints/ep/async-outputs/x.out');
      expect(await text(artifacts, 'endpoints/ep/async-outputs/x.out')).toBe('HELLO');
      expect(after.state.calls).toBe(1);
      expect(await artifacts.head('endpoints/ep/async-failures/x-error.out')).toBeUndefined();
    });

    it('writes the failure of a recorded request whose endpoint is gone after the restart', async () => {
      const artifacts = new MemoryArtifactStore();
      await artifacts.put('in/a.txt', 'hello');
      const first = new AsyncInvoker({ endpoints: echo().endpoints, artifacts, queue: new AsyncInvocationStore(metadata), concurrency: 0, log: () => undefined });
      const accepted = await first.submit({ endpointName: 'ep', inputLocation: 's3://orchard/in/a.txt', inferenceId: 'z' });
      await first.close();
      const gone = echo();
      gone.endpoints.invoke = async () => {
        throw new OrchardError('ORCH_ENDPOINT_NOT_FOUND', { message: "No endpoint named 'ep'" });
      };
      const restarted = new AsyncInvoker({ endpoints: gone.endpoints, artifacts, queue: new AsyncInvocationStore(metadata), log: () => undefined });
      restarted.start();
      await restarted.drained();
      await restarted.close();
      expect(accepted.failureLocation).toBe('s3://orchard/endpoints/ep/async-failures/z-error.out');
      expect(JSON.parse(await text(artifacts, 'endpoints/ep/async-failures/z-error.out'))).toMatchObject({ inferenceId: 'z', endpointName: 'ep', code: 'ORCH_ENDPOINT_NOT_FOUND' });
      expect(await artifacts.head('endpoints/ep/async-outputs/z.out')).toBeUndefined();
    });

    it('does not run again a request whose output was written before its server stopped', async () => {
      const artifacts = new MemoryArtifactStore();
      await artifacts.put('in/a.txt', 'hello');
      const store = new AsyncInvocationStore(metadata);
      const first = new AsyncInvoker({ endpoints: echo().endpoints, artifacts, queue: store, concurrency: 0, log: () => undefined });
      await first.submit({ endpointName: 'ep', inputLocation: 's3://orchard/in/a.txt', inferenceId: 'y' });
      // The stopped server had taken it and written the output, but not yet removed the row.
      const taken = await store.claim('gone', 60_000);
      expect(taken).not.toBeNull();
      await artifacts.put('endpoints/ep/async-outputs/y.out', 'WRITTEN BEFORE');
      await store.renew('gone', [taken!.id], -1000);
      const next = echo();
      const restarted = new AsyncInvoker({ endpoints: next.endpoints, artifacts, queue: store, log: () => undefined });
      restarted.start();
      await restarted.drained();
      await restarted.close();
      expect(next.state.calls).toBe(0);
      expect(await text(artifacts, 'endpoints/ep/async-outputs/y.out')).toBe('WRITTEN BEFORE');
    });
  });
}
