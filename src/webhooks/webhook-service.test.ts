import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metadataTargets } from '../../test/support/metadata.js';
import { resolveConfig } from '../core/index.js';
import { startWorkerLoop, type JobQueue, type WorkerLoop } from '../jobs/index.js';
import { createMemoryJobQueue } from '../jobs/queue/index.js';
import type { MetadataStore } from '../storage/index.js';
import { webhookJobHandler } from './delivery-worker.js';
import type { Resolver } from './http-sender.js';
import { SecretBox } from './secret-box.js';
import { deliveryJobId } from './types.js';
import { WebhookService } from './webhook-service.js';

/** Names that resolve as the test says, so no test depends on real DNS. */
const names: Record<string, string[]> = { 'hooks.test': ['127.0.0.1'], 'mixed.test': ['93.184.216.34', '10.0.0.7'], 'v6.test': ['::ffff:169.254.169.254'] };
const resolve: Resolver = async (host) => {
  const addresses = names[host];
  if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

describe.each(metadataTargets)('WebhookService on $name', (target) => {
  let metadata: MetadataStore;
  let cleanup: () => Promise<void>;
  let queue: JobQueue;
  let service: WebhookService;
  let loop: WorkerLoop | undefined;
  let receiver: http.Server;
  let port: number;
  const bodies: string[] = [];
  const box = new SecretBox(randomBytes(32));
  const secrets = async () => box;

  beforeAll(async () => {
    ({ store: metadata, cleanup } = await target.open());
    queue = createMemoryJobQueue();
    service = new WebhookService({ metadata, queue, secrets, resolve });
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        bodies.push(body);
        res.writeHead(req.url === '/busy' ? 503 : 204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    port = (receiver.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await loop?.stop();
    await new Promise((r) => receiver.close(r));
    await cleanup();
  });

  it('reports every problem of a create at once, the refused address first', async () => {
    await expect(service.create({ name: '-bad', url: `http://hooks.test:${port}/`, events: ['ok', 'no spaces'] })).rejects.toMatchObject({
      code: 'ORCH_WEBHOOK_ADDRESS_REFUSED',
      message: expect.stringContaining('hooks.test resolves to 127.0.0.1, a loopback address, not in the allow-list'),
      details: { errors: [{ field: 'url' }, { field: 'name' }, { field: 'events' }] },
    });
    await expect(service.create({ name: 'mixed', url: 'https://mixed.test/' })).rejects.toThrow(/mixed\.test resolves to 10\.0\.0\.7, a private address/);
    await expect(service.create({ name: 'v6', url: 'https://v6.test/' })).rejects.toThrow(/IPv4-mapped form of 169\.254\.169\.254, a link-local address/);
    await expect(service.create({ name: 'nx', url: 'https://nowhere.test/' })).rejects.toMatchObject({ code: 'ORCH_WEBHOOK_INVALID', message: expect.stringContaining('does not resolve (ENOTFOUND)') });
  });

  it('admits a host by an allow rule; the secret is sealed and opens only for its webhook', async () => {
    await service.addAllowRule('Hooks.Test', undefined, 'admin');
    expect((await service.allowRules()).items).toEqual([expect.objectContaining({ pattern: 'hooks.test', port: null, createdBy: 'admin' })]);
    const created = await service.create({ name: 'hook', url: `http://hooks.test:${port}/in`, events: ['pipeline.*'], createdBy: 'ann' });
    expect(created).toMatchObject({ name: 'hook', events: ['pipeline.*'], enabled: true, createdBy: 'ann' });
    expect(await service.secretOf('hook')).toBe(created.secret);
    expect(await service.describe('hook')).not.toHaveProperty('secret');
    await service.create({ name: 'busy', url: `http://hooks.test:${port}/busy` });
    await service.create({ name: 'off', url: `http://hooks.test:${port}/in`, enabled: false });
  });

  it('refuses a delivery with every problem listed, an event the webhook does not take, a disabled webhook', async () => {
    await expect(service.deliver({ webhook: 'hook', event: 'alarm.fired' })).rejects.toMatchObject({ code: 'ORCH_WEBHOOK_INVALID', message: expect.stringContaining("does not take event 'alarm.fired' (it takes pipeline.*)") });
    await expect(service.deliver({ webhook: 'hook', event: 'bad event', maxAttempts: 0, payload: 'x'.repeat(300_000) })).rejects.toMatchObject({
      details: { errors: [{ field: 'event' }, { field: 'maxAttempts' }, { field: 'payload' }] },
    });
    await expect(service.deliver({ webhook: 'off', event: 'pipeline.notify' })).rejects.toMatchObject({ code: 'ORCH_WEBHOOK_DISABLED' });
    await expect(service.deliver({ webhook: 'none', event: 'pipeline.notify' })).rejects.toMatchObject({ code: 'ORCH_WEBHOOK_NOT_FOUND' });
  });

  it("queues a pipeline's notify, and the worker delivers it; a 503 is retried until attempts run out", async () => {
    const sent = await service.deliver({ webhook: 'hook', event: 'pipeline.notify', payload: { forecast: 'f-1' }, source: 'exec-1/notify' });
    expect(sent).toEqual({ deliveryId: expect.stringMatching(/^whd-/), status: 'Pending' });
    const busy = await service.deliver({ webhook: 'busy', event: 'pipeline.notify', maxAttempts: 3, backoffMs: 20 });
    expect(await queue.get(deliveryJobId(sent.deliveryId))).toMatchObject({ kind: 'webhook-delivery', maxAttempts: 8 });
    loop = startWorkerLoop({ queue, handlers: [webhookJobHandler({ metadata, queue, secrets, resolve })], slots: 2, cpus: 2, pollMs: 20, log: () => undefined });
    const until = async (id: string) => {
      for (;;) {
        const d = await service.delivery(id);
        if (d.status !== 'Pending') return d;
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const delivered = await until(sent.deliveryId);
    expect(delivered).toMatchObject({ status: 'Delivered', attempts: 1, lastStatusCode: 204, source: 'exec-1/notify', nextAttemptAt: null });
    expect(bodies.map((b) => JSON.parse(b))).toContainEqual({ id: sent.deliveryId, event: 'pipeline.notify', createdAt: delivered.createdAt, source: 'exec-1/notify', payload: { forecast: 'f-1' } });
    const failed = await until(busy.deliveryId);
    expect(failed).toMatchObject({ status: 'Failed', attempts: 3, lastStatusCode: 503, lastError: 'HTTP 503', nextAttemptAt: null });
    expect(failed.attemptLog.map((a) => a.statusCode)).toEqual([503, 503, 503]);
    expect((await service.deliveries('busy')).items.map((d) => d.id)).toEqual([busy.deliveryId]);
  });

  it('answers the first delivery again for a repeated idempotency key, and refuses a payload that is not JSON', async () => {
    const first = await service.deliver({ webhook: 'hook', event: 'pipeline.notify', source: 'exec-2/notify', idempotencyKey: 'exec-2/notify/1' });
    const again = await service.deliver({ webhook: 'hook', event: 'pipeline.notify', source: 'exec-2/notify', idempotencyKey: 'exec-2/notify/1' });
    expect(again.deliveryId).toBe(first.deliveryId);
    const other = await service.deliver({ webhook: 'hook', event: 'pipeline.notify', idempotencyKey: 'exec-2/notify/2' });
    expect(other.deliveryId).not.toBe(first.deliveryId);
    await expect(service.deliver({ webhook: 'hook', event: 'pipeline.notify', payload: { n: 1n } })).rejects.toMatchObject({ code: 'ORCH_WEBHOOK_INVALID', message: expect.stringContaining('cannot be written as JSON') });
  });

  it('enqueues again a Pending delivery the queue lost', async () => {
    await loop?.stop();
    loop = undefined;
    const lostQueue = createMemoryJobQueue();
    const other = new WebhookService({ metadata, queue: lostQueue, secrets, resolve });
    const pending = await service.deliver({ webhook: 'hook', event: 'pipeline.notify' });
    expect(await lostQueue.get(deliveryJobId(pending.deliveryId))).toBeNull();
    expect(await other.requeueLost()).toBeGreaterThanOrEqual(1);
    expect(await lostQueue.get(deliveryJobId(pending.deliveryId))).toMatchObject({ state: 'queued' });
    expect(await other.requeueLost()).toBe(0);
  });

  it('ends the attempt of a delivery whose webhook was deleted meanwhile, writing nothing', async () => {
    await service.create({ name: 'brief', url: `http://hooks.test:${port}/in` });
    const { deliveryId } = await service.deliver({ webhook: 'brief', event: 'pipeline.notify' });
    const q = createMemoryJobQueue();
    const handler = webhookJobHandler({ metadata, queue: q, secrets, resolve });
    await q.enqueue('webhook-delivery', { delivery: deliveryId }, { jobId: 'brief-1' });
    const job = (await q.claim<{ delivery: string }>(['webhook-delivery'], { workerId: 'w', leaseMs: 30_000 }))!;
    const ctx = { signal: new AbortController().signal, cpus: 1, workerId: 'w', stillHeld: async () => true };
    const outcome = await handler.run(job, ctx);
    await service.delete('brief');
    await handler.record(job, outcome, ctx);
    expect(await q.get('brief-1')).toMatchObject({ state: 'succeeded' });
    await expect(service.delivery(deliveryId)).rejects.toMatchObject({ code: 'ORCH_WEBHOOK_DELIVERY_NOT_FOUND' });
  });

  it('deletes a webhook with its deliveries, and removes an allow rule', async () => {
    await service.delete('busy');
    await expect(service.deliveries('busy')).rejects.toMatchObject({ code: 'ORCH_WEBHOOK_NOT_FOUND' });
    await service.removeAllowRule('hooks.test', undefined);
    await expect(service.removeAllowRule('hooks.test', undefined)).rejects.toMatchObject({ code: 'ORCH_WEBHOOK_NOT_FOUND' });
  });
});

describe('ORCHARD_SECRET_KEY', () => {
  it('takes 32 bytes of base64 and refuses anything else with the config code', () => {
    const key = randomBytes(32).toString('base64');
    expect(resolveConfig({ secretKey: key }).secretKey).toBe(key);
    expect(resolveConfig({}).secretKey).toBeUndefined();
    expect(() => resolveConfig({ secretKey: randomBytes(16).toString('base64') })).toThrow(expect.objectContaining({ code: 'ORCH_CONFIG_INVALID', message: expect.stringContaining('32 bytes') }));
    expect(() => resolveConfig({ secretKey: 'not base64 at all!' })).toThrow(/32 bytes in base64/);
  });
});
