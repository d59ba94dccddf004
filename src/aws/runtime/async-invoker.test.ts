import { describe, expect, it } from 'vitest';
import { OrchardError } from '../../core/index.js';
import { MemoryArtifactStore } from '../../data/test-artifact-store.js';
import type { InvokeRequest, InvokeResult } from '../../serving/endpoints/index.js';
import { AsyncInvoker } from './async-invoker.js';

/** An endpoint that answers the sum of each CSV row, and 400 for a row it cannot read. */
const summing = {
  calls: [] as InvokeRequest[],
  async describe(name: string) {
    if (name !== 'ep') throw new OrchardError('ORCH_ENDPOINT_NOT_FOUND');
    return {} as never;
  },
  async invoke(_name: string, request: InvokeRequest): Promise<InvokeResult> {
    summing.calls.push(request);
    const rows = request.body.toString('utf8').trim().split('\n');
    if (rows.some((r) => r.split(',').some((v) => Number.isNaN(Number(v))))) return { status: 400, contentType: 'application/json', body: Buffer.from('{"code":"ORCH_ENDPOINT_BAD_INPUT"}'), variant: 'A' };
    return { status: 200, contentType: 'text/csv', body: Buffer.from(rows.map((r) => r.split(',').reduce((s, v) => s + Number(v), 0)).join('\n') + '\n'), variant: 'A' };
  },
};

async function text(store: MemoryArtifactStore, key: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of await store.get(key)) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

describe('AsyncInvoker', () => {
  it("writes outputs under the endpoint's folder, or where its config says", async () => {
    const artifacts = new MemoryArtifactStore();
    await artifacts.put('in/rows.csv', '1,2\n3,4\n');
    const configs: Record<string, { outputPath?: string; failurePath?: string }> = {};
    const invoker = new AsyncInvoker({ endpoints: summing, artifacts, outputConfig: async (name) => configs[name], log: () => undefined });
    const first = await invoker.submit({ endpointName: 'ep', inputLocation: 's3://orchard/in/rows.csv', contentType: 'text/csv', inferenceId: 'a/1' });
    expect(first).toEqual({ inferenceId: 'a/1', outputLocation: 's3://orchard/endpoints/ep/async-outputs/a_1.out', failureLocation: 's3://orchard/endpoints/ep/async-failures/a_1-error.out' });
    configs.ep = { outputPath: 's3://orchard/results/ep/', failurePath: 's3://orchard/results/failed' };
    const second = await invoker.submit({ endpointName: 'ep', inputLocation: 's3://orchard/in/rows.csv', inferenceId: 'b' });
    expect(second.outputLocation).toBe('s3://orchard/results/ep/b.out');
    expect(second.failureLocation).toBe('s3://orchard/results/failed/b-error.out');
    await invoker.drained();
    expect(await text(artifacts, 'endpoints/ep/async-outputs/a_1.out')).toBe('3\n7\n');
    expect(await text(artifacts, 'results/ep/b.out')).toBe('3\n7\n');
    expect(summing.calls[0].contentType).toBe('text/csv');
  });

  it('writes a failure for a model error or a missing input, and refuses what it cannot take at once', async () => {
    const artifacts = new MemoryArtifactStore();
    await artifacts.put('in/bad.csv', 'x,y\n');
    const invoker = new AsyncInvoker({ endpoints: summing, artifacts, bucket: 'data', log: () => undefined });
    const bad = await invoker.submit({ endpointName: 'ep', inputLocation: 's3://data/in/bad.csv', inferenceId: 'bad' });
    const missing = await invoker.submit({ endpointName: 'ep', inputLocation: 's3://data/in/none.csv', inferenceId: 'missing' });
    await invoker.drained();
    expect(JSON.parse(await text(artifacts, bad.failureLocation.replace('s3://data/', '')))).toMatchObject({ inferenceId: 'bad', status: 400, message: expect.stringContaining('ORCH_ENDPOINT_BAD_INPUT') });
    expect(JSON.parse(await text(artifacts, missing.failureLocation.replace('s3://data/', '')))).toMatchObject({ inferenceId: 'missing', code: 'ORCH_ARTIFACT_NOT_FOUND' });
    await expect(invoker.submit({ endpointName: 'nope', inputLocation: 's3://data/in/bad.csv' })).rejects.toMatchObject({ code: 'ORCH_ENDPOINT_NOT_FOUND' });
    await expect(invoker.submit({ endpointName: 'ep', inputLocation: 's3://orchard/in/bad.csv' })).rejects.toMatchObject({ code: 'ORCH_ARTIFACT_INVALID_KEY' });
    await expect(invoker.submit({ endpointName: 'ep', inputLocation: 's3://data/../etc/passwd' })).rejects.toMatchObject({ code: 'ORCH_ARTIFACT_INVALID_KEY' });
  });
});
