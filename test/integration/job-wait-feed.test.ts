import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchard, type ProcessingJob, type TransformJob } from '../../src/sdk/index.js';
import { TEST_ATTEMPTS_DIR, writeClassificationCsv } from '../support/backends.js';
import { startServer, type RunningServer } from '../support/server.js';

/** A poll interval no wait in these tests may sit out: only the feed can end a wait in time. */
const NEVER = 60_000;

/** How a wait ended: its value, or the error it rejected with. */
async function settle<T>(p: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  return p.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

describe('job waits wake on the platform feed', () => {
  let server: RunningServer;
  let sdk: Orchard;
  let dir: string;

  beforeAll(async () => {
    server = await startServer({ ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR, ORCHARD_WORKERS: '2' });
    sdk = new Orchard({ url: server.url, token: server.adminToken });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-wait-feed-'));
    await sdk.datasets.create({ name: 'tr', file: writeClassificationCsv(path.join(dir, 'tr.csv'), 2000, 3) });
    await sdk.training.create({ name: 'gb', algorithm: 'xgboost', channels: { train: 'tr' }, hyperParameters: { objective: 'binary:logistic', num_round: '5' } });
    const trained = await sdk.training.waitFor('gb', { pollMs: 200 });
    expect(trained.status, trained.failureReason ?? '').toBe('Completed');
    await sdk.models.create({ name: 'm', fromJob: 'gb' });
  });
  afterAll(async () => {
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("a transform job's wait polling once a minute ends when the feed reports its end", async () => {
    await sdk.transforms.create({ name: 't1', model: 'm', input: 'tr', output: 'scored', inputFilter: '$[1:]' });
    const seen: TransformJob[] = [];
    // Without the feed's wake-up, the second describe would come after a minute: the abort first.
    const outcome = await settle(sdk.transforms.waitFor('t1', { pollMs: NEVER, signal: AbortSignal.timeout(30_000), onUpdate: (j) => seen.push(j) }));
    expect(outcome.error).toBeUndefined();
    expect(outcome.value).toMatchObject({ name: 't1', status: 'Completed', rowsProcessed: 2000 });
    // The wait had to wait: the first describe saw the job before its end.
    expect(seen.length).toBeGreaterThan(1);
    expect(seen[0].status).not.toBe('Completed');
    expect(seen.at(-1)).toEqual(outcome.value);
  });

  it("a processing job's wait (with its log) ends on the feed too", async () => {
    const script = path.join(dir, 'proc', 'slow.mjs');
    fs.mkdirSync(path.dirname(script), { recursive: true });
    fs.writeFileSync(script, "console.log('working');\nawait new Promise((r) => setTimeout(r, 1500));\nconsole.log('done');\n");
    const archive = path.join(dir, 'proc.tar.gz');
    await tar.c({ gzip: true, file: archive, cwd: path.dirname(script), portable: true }, ['slow.mjs']);
    await sdk.artifacts.put('sources/wait-feed/sourcedir.tar.gz', archive);
    await sdk.processing.create({ name: 'p1', script: { entryPoint: 'slow.mjs', sourceKey: 'sources/wait-feed/sourcedir.tar.gz' }, cpus: 1 });
    const seen: ProcessingJob[] = [];
    const lines: string[] = [];
    const outcome = await settle(
      sdk.processing.waitFor('p1', { pollMs: NEVER, signal: AbortSignal.timeout(30_000), onUpdate: (j) => seen.push(j), onLog: (l) => lines.push(l.line) }),
    );
    expect(outcome.error).toBeUndefined();
    expect(outcome.value).toMatchObject({ name: 'p1', status: 'Completed' });
    expect(seen[0].status).not.toBe('Completed');
    expect(lines).toEqual(expect.arrayContaining(['working', 'done']));
  });

  it('a wait aborted before the job ends rejects with the reason at once', async () => {
    await sdk.transforms.create({ name: 't2', model: 'm', input: 'tr', output: 'scored2', inputFilter: '$[1:]' });
    const controller = new AbortController();
    const reason = new Error('gave up');
    const wait = settle(sdk.transforms.waitFor('t2', { pollMs: NEVER, signal: controller.signal, onUpdate: () => controller.abort(reason) }));
    const outcome = await wait;
    expect(outcome.error).toBe(reason);
    expect((await sdk.transforms.waitFor('t2', { pollMs: 100 })).status).toBe('Completed');
  });
});

/** A stand-in server: a transform job's describes answer `statuses` in turn (the last one after), and the feed is as told. */
function stubServer(statuses: string[], feed: 'missing' | 'silent' | ((res: http.ServerResponse) => void)) {
  let describes = 0;
  const feeds = { opened: 0, closed: 0 };
  let onClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => (onClosed = resolve));
  const server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://stub');
    if (url.pathname === '/api/v1/events') {
      feeds.opened++;
      if (feed === 'missing') {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'ORCH_API_NOT_FOUND', message: 'Route not found' }));
        return;
      }
      res.on('close', () => {
        feeds.closed++;
        onClosed();
      });
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': open\n\n');
      if (feed !== 'silent') feed(res);
      return;
    }
    if (url.pathname === '/api/v1/transform-jobs/t') {
      const status = statuses[Math.min(describes++, statuses.length - 1)];
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name: 't', status }));
      return;
    }
    res.writeHead(404).end();
  });
  return {
    feeds,
    /** Resolves once the client has closed its feed connection. */
    feedClosed: closed,
    get describes() {
      return describes;
    },
    async start(): Promise<Orchard> {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return new Orchard({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: 't' });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // The client's kept-alive connections would hold the close for seconds.
        server.closeAllConnections();
      }),
  };
}

const statusEvent = (kind: string, name: string, status: string) => `event: status\ndata: ${JSON.stringify({ kind, name, status, failureReason: null, updatedAt: new Date().toISOString() })}\n\n`;

describe('job waits without a feed, and what wakes them', () => {
  it('a server without the feed (404) is polled to the end', async () => {
    const stub = stubServer(['Queued', 'InProgress', 'Completed'], 'missing');
    const sdk = await stub.start();
    try {
      const seen: string[] = [];
      const job = await sdk.transforms.waitFor('t', { pollMs: 200, onUpdate: (j) => seen.push(j.status) });
      expect(job.status).toBe('Completed');
      expect(seen).toEqual(['Queued', 'InProgress', 'Completed']);
      expect(stub.feeds.opened).toBe(1);
    } finally {
      await stub.stop();
    }
  });

  it('a silent feed leaves the polls at their interval, and is closed when the wait ends', async () => {
    const stub = stubServer(['InProgress', 'InProgress', 'Completed'], 'silent');
    const sdk = await stub.start();
    try {
      const job = await sdk.transforms.waitFor('t', { pollMs: 200 });
      expect(job.status).toBe('Completed');
      expect(stub.describes).toBe(3);
      await stub.feedClosed;
      expect(stub.feeds).toEqual({ opened: 1, closed: 1 });
    } finally {
      await stub.stop();
    }
  });

  it("wakes on this job's status event only, and an abort ends the wait and its feed", async () => {
    // Other jobs' events, and one of the same name but another kind, come first; none wakes the wait.
    let send: (chunk: string) => void = () => undefined;
    const stub = stubServer(['InProgress', 'Completed'], (res) => {
      send = (chunk) => res.write(chunk);
      send(statusEvent('transform-job', 'other', 'Completed') + statusEvent('processing-job', 't', 'Completed'));
    });
    const sdk = await stub.start();
    try {
      const wait = settle(sdk.transforms.waitFor('t', { pollMs: NEVER, signal: AbortSignal.timeout(10_000) }));
      await new Promise((r) => setTimeout(r, 300));
      expect(stub.describes).toBe(1);
      send(statusEvent('transform-job', 't', 'Completed'));
      const outcome = await wait;
      expect(outcome.error).toBeUndefined();
      expect(outcome.value?.status).toBe('Completed');
      expect(stub.describes).toBe(2);
      await stub.feedClosed;

      // Aborted while it sleeps: rejects with the reason, and the feed is closed.
      const again = stubServer(['InProgress'], 'silent');
      const sdk2 = await again.start();
      try {
        const abort = new AbortController();
        const pending = settle(sdk2.transforms.waitFor('t', { pollMs: NEVER, signal: abort.signal }));
        await new Promise((r) => setTimeout(r, 100));
        abort.abort(new Error('enough'));
        expect(((await pending).error as Error).message).toBe('enough');
        await again.feedClosed;
        expect(again.feeds).toEqual({ opened: 1, closed: 1 });
      } finally {
        await again.stop();
      }
    } finally {
      await stub.stop();
    }
  });
});
