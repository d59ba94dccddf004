import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { Orchard, type TrainingEvent } from '../../src/sdk/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_ATTEMPTS_DIR } from '../support/backends.js';
import { cli, startServer, type RunningServer } from '../support/server.js';

/** A script-mode job that logs and reports a metric every `ms`, then writes a model. */
function writeSlowScript(dir: string, lines: number, ms: number): string {
  const file = path.join(dir, `slow-${lines}-${ms}.mjs`);
  fs.writeFileSync(
    file,
    [
      "import fs from 'node:fs';",
      "import path from 'node:path';",
      `for (let i = 1; i <= ${lines}; i++) {`,
      '  console.log(`epoch ${i} done`);',
      '  console.log(`#metric loss=${(1 / i).toFixed(4)} step=${i}`);',
      `  await new Promise((r) => setTimeout(r, ${ms}));`,
      '}',
      "fs.writeFileSync(path.join(process.env.SM_MODEL_DIR, 'model.json'), '{}');",
    ].join('\n') + '\n',
  );
  return file;
}

/** Reads a raw event stream until it closes (or `stopWhen` says so), with the comments seen. */
async function readSse(res: Response, stopWhen: (m: EventSourceMessage) => boolean = () => false): Promise<{ messages: EventSourceMessage[]; comments: string[] }> {
  const messages: EventSourceMessage[] = [];
  const comments: string[] = [];
  let stop = false;
  const parser = createParser({
    onEvent: (m) => {
      messages.push(m);
      if (stopWhen(m)) stop = true;
    },
    onComment: (c) => comments.push(c.trim()),
  });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  while (!stop) {
    const { value, done } = await reader.read();
    if (done) break;
    parser.feed(decoder.decode(value, { stream: true }));
  }
  await reader.cancel().catch(() => undefined);
  return { messages, comments };
}

/** A TCP relay whose connections can be cut, to drop a client's stream under it. */
async function startRelay(target: URL): Promise<{ url: string; cut(): void; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    cut: () => {
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('live events (server-sent events) on SQLite + file', () => {
  let server: RunningServer;
  let admin: { url: string; token: string };
  let orchard: Orchard;
  let dir: string;
  const call = (p: string, headers: Record<string, string> = {}, init: RequestInit = {}) =>
    fetch(new URL(p, server.url), { ...init, headers: { authorization: `Bearer ${server.adminToken}`, ...headers } });

  beforeAll(async () => {
    // A short keep-alive so that the test sees one.
    server = await startServer({ ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR, ORCHARD_WORKERS: '2', ORCHARD_EVENTS_HEARTBEAT_MS: '300' });
    admin = { url: server.url, token: server.adminToken };
    orchard = new Orchard(admin);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-events-'));
    fs.writeFileSync(path.join(dir, 'd.csv'), '1,0.5\n0,0.2\n1,0.9\n');
    expect((await cli(['datasets', 'create', 'd', '--file', path.join(dir, 'd.csv'), '--json'], admin)).code).toBe(0);
  });
  afterAll(async () => {
    await server?.stop();
  });

  const startSlow = async (name: string, lines: number, ms: number) => {
    const res = await cli(['train', '--name', name, '--script', writeSlowScript(dir, lines, ms), '--train', 'd', '--json'], admin);
    expect(res.code, res.stdout + res.stderr).toBe(0);
  };

  it('refuses unknown jobs and missing tokens before the stream opens', async () => {
    const unknown = await call('/api/v1/training-jobs/no-such-job/events');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/json/);
    expect(await unknown.json()).toMatchObject({ code: 'ORCH_JOB_NOT_FOUND' });
    const anonymous = await fetch(new URL('/api/v1/training-jobs/no-such-job/events', server.url));
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ code: 'ORCH_AUTH_MISSING_TOKEN' });
    const feed = await fetch(new URL('/api/v1/events', server.url));
    expect(feed.status).toBe(401);
    const badSince = await call('/api/v1/events?since=yesterday');
    expect(badSince.status).toBe(400);
    expect(await badSince.json()).toMatchObject({ code: 'ORCH_API_BAD_REQUEST' });
    await expect(orchard.training.events('no-such-job').next()).rejects.toMatchObject({ code: 'ORCH_JOB_NOT_FOUND', status: 404 });
  });

  it('streams status, every log line and metric live, then end, and resumes from Last-Event-ID', async () => {
    await startSlow('ev1', 12, 150);
    const res = await call('/api/v1/training-jobs/ev1/events');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const { messages, comments } = await readSse(res);
    expect(messages[0].event).toBe('status');
    expect(messages.at(-1)!.event).toBe('end');
    expect(JSON.parse(messages.at(-1)!.data)).toMatchObject({ status: 'Completed', secondaryStatus: 'Completed', failureReason: null });
    expect(comments).toContain('keep-alive');
    const logs = messages.filter((m) => m.event === 'log').map((m) => JSON.parse(m.data));
    const metrics = messages.filter((m) => m.event === 'metric').map((m) => JSON.parse(m.data));
    // Every line once, in order, the same as the logs route returns.
    expect(logs.map((l) => l.seq)).toEqual(logs.map((_, i) => i + 1));
    const stored = (await (await call('/api/v1/training-jobs/ev1/logs')).json()) as { lines: Array<{ line: string }> };
    expect(logs.map((l) => l.line)).toEqual(stored.lines.map((l) => l.line));
    expect(logs.map((l) => l.line)).toEqual(expect.arrayContaining(['epoch 1 done', 'epoch 12 done']));
    expect(metrics.map((m) => [m.name, m.step])).toEqual(Array.from({ length: 12 }, (_, i) => ['loss', i + 1]));
    // It was seen while running, not only at the end.
    const statuses = messages.filter((m) => m.event === 'status').map((m) => JSON.parse(m.data).status);
    expect(statuses).toContain('InProgress');

    // Resume from the middle: only what came after, with the ids continuing.
    const middle = messages.find((m) => m.event === 'log' && JSON.parse(m.data).seq === 5)!;
    expect(middle.id).toMatch(/^5:\d+$/);
    const resumed = await readSse(await call('/api/v1/training-jobs/ev1/events', { 'last-event-id': middle.id! }));
    const resumedLogs = resumed.messages.filter((m) => m.event === 'log').map((m) => JSON.parse(m.data).seq);
    expect(resumedLogs).toEqual(logs.filter((l) => l.seq > 5).map((l) => l.seq));
    const metricSeqAtMiddle = Number(middle.id!.split(':')[1]);
    expect(resumed.messages.filter((m) => m.event === 'metric').map((m) => JSON.parse(m.data).seq)).toEqual(metrics.filter((m) => m.seq > metricSeqAtMiddle).map((m) => m.seq));
    expect(resumed.messages.at(-1)!.event).toBe('end');

    // ?after= (a log seq) works too; a reconnect to an ended job with nothing new is 204.
    const after = await readSse(await call('/api/v1/training-jobs/ev1/events?after=10&afterMetric=12'));
    expect(after.messages.filter((m) => m.event === 'log').map((m) => JSON.parse(m.data).seq)).toEqual(logs.filter((l) => l.seq > 10).map((l) => l.seq));
    expect(after.messages.some((m) => m.event === 'metric')).toBe(false);
    const last = messages.filter((m) => m.id).at(-1)!.id!;
    expect((await call('/api/v1/training-jobs/ev1/events', { 'last-event-id': last })).status).toBe(204);
  });

  it('gives the SDK typed events, and the SDK resumes after its connection is cut', async () => {
    await startSlow('ev2', 16, 150);
    const relay = await startRelay(new URL(server.url));
    try {
      const viaRelay = new Orchard({ url: relay.url, token: server.adminToken });
      const events: TrainingEvent[] = [];
      let cut = false;
      for await (const event of viaRelay.training.events('ev2')) {
        events.push(event);
        if (!cut && event.type === 'log' && event.seq === 4) {
          cut = true;
          relay.cut();
        }
      }
      expect(cut).toBe(true);
      const seqs = events.flatMap((e) => (e.type === 'log' ? [e.seq] : []));
      // No line lost, none twice, across the reconnection.
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
      expect(seqs.length).toBeGreaterThanOrEqual(16);
      const steps = events.flatMap((e) => (e.type === 'metric' ? [e.step] : []));
      expect(steps).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
      // The reconnection started with a fresh status.
      expect(events.filter((e) => e.type === 'status').length).toBeGreaterThanOrEqual(2);
      expect(events.at(-1)).toMatchObject({ type: 'end', status: 'Completed' });
    } finally {
      await relay.close();
    }
  });

  it('follows the log and waits in the CLI through the stream', async () => {
    await startSlow('ev3', 8, 150);
    const [follow, wait] = await Promise.all([cli(['jobs', 'logs', 'ev3', '--follow'], admin), cli(['train', '--name', 'ev4', '--script', writeSlowScript(dir, 6, 100), '--train', 'd', '--wait', '--json'], admin)]);
    expect(follow.code, follow.stderr).toBe(0);
    expect(follow.stdout.trim().split('\n').filter((l) => l.startsWith('epoch'))).toEqual(Array.from({ length: 8 }, (_, i) => `epoch ${i + 1} done`));
    expect(wait.code, wait.stderr).toBe(0);
    expect(wait.json).toMatchObject({ name: 'ev4', status: 'Completed' });
    expect(wait.stderr).toContain('epoch 6 done');
    const followJson = await cli(['jobs', 'logs', 'ev3', '--follow', '--json'], admin);
    expect(followJson.stdout.trim().split('\n').map((l) => JSON.parse(l).seq)).toEqual(expect.arrayContaining([1, 8]));
  });

  it('reports status changes across the platform on one feed', async () => {
    const feed = await call('/api/v1/events');
    expect(feed.status).toBe(200);
    const reading = readSse(feed, (m) => m.event === 'status' && JSON.parse(m.data).name === 'ev5' && JSON.parse(m.data).status === 'Completed');
    // Longer than a few of the feed's reads, so InProgress is seen before Completed.
    await startSlow('ev5', 15, 100);
    const { messages } = await reading;
    const mine = messages.map((m) => ({ id: m.id, ...JSON.parse(m.data) })).filter((e) => e.name === 'ev5');
    expect(mine[0]).toMatchObject({ kind: 'training-job', status: 'InProgress' });
    expect(mine.at(-1)).toMatchObject({ kind: 'training-job', status: 'Completed', secondaryStatus: 'Completed', failureReason: null });
    expect(mine.at(-1)!.id).toBe(mine.at(-1)!.updatedAt);

    // `since` replays the current status of what changed after it.
    const replay = await call(`/api/v1/events?since=${encodeURIComponent(mine[0].updatedAt)}`);
    const replayed = await readSse(replay, (m) => JSON.parse(m.data).name === 'ev5');
    expect(replayed.messages.map((m) => JSON.parse(m.data))).toContainEqual(expect.objectContaining({ kind: 'training-job', name: 'ev5', status: 'Completed' }));

    // The SDK's view of the same feed.
    const seen: string[] = [];
    const controller = new AbortController();
    const iterate = (async () => {
      for await (const e of orchard.events.statusChanges({ signal: controller.signal })) {
        seen.push(`${e.kind}/${e.name}/${e.status}`);
        if (e.name === 'ev6' && e.status === 'Completed') return;
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    await startSlow('ev6', 2, 50);
    await iterate;
    expect(seen).toContain('training-job/ev6/Completed');
  });

  it('survives clients that disconnect mid-stream', async () => {
    await startSlow('ev7', 20, 100);
    for (let i = 0; i < 20; i++) {
      const controller = new AbortController();
      const res = await call(i % 2 ? '/api/v1/training-jobs/ev7/events' : '/api/v1/events', {}, { signal: controller.signal });
      const reader = res.body!.getReader();
      await reader.read();
      controller.abort();
    }
    const health = await fetch(new URL('/healthz', server.url));
    expect(health.status).toBe(200);
    const done = await orchard.training.waitFor('ev7');
    expect(done.status).toBe('Completed');
    expect(server.process.exitCode).toBeNull();
  });

  it('ends open streams when the server shuts down, and close() does not wait for them', async () => {
    await startSlow('ev8', 200, 100);
    const job = await call('/api/v1/training-jobs/ev8/events');
    const feed = await call('/api/v1/events');
    const reading = Promise.all([readSse(job), readSse(feed)]);
    await new Promise((r) => setTimeout(r, 500));
    await server.stop();
    expect(server.process.exitCode).toBe(0);
    const [jobStream] = await reading;
    // The stream closed without `end`: the job is not over, a client reconnects later.
    expect(jobStream.messages.some((m) => m.event === 'end')).toBe(false);
    expect(jobStream.messages[0].event).toBe('status');
  });
});
