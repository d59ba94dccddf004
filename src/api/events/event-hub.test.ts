import Fastify, { type FastifyInstance } from 'fastify';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { afterEach, describe, expect, it } from 'vitest';
import { OrchardError } from '../../core/errors.js';
import type { TrainingJobStatus, TrainingProgress, TrainingService } from '../../training/index.js';
import { EventHub, parsePosition } from './event-hub.js';
import type { FeedRow, StatusSource } from './status-sources.js';

/** Training jobs in memory, as the hub reads them; counts the reads. */
class FakeTraining implements Pick<TrainingService, 'progress'> {
  reads = 0;
  readonly jobs = new Map<string, { status: TrainingJobStatus; lines: string[]; metrics: number[] }>();

  add(name: string) {
    this.jobs.set(name, { status: 'InProgress', lines: [], metrics: [] });
  }

  async progress(name: string, position: { afterLog: number; afterMetric: number; limit?: number }): Promise<TrainingProgress> {
    this.reads++;
    const job = this.jobs.get(name);
    if (!job) throw new OrchardError('ORCH_JOB_NOT_FOUND', { message: `No training job '${name}'` });
    const limit = position.limit ?? 1000;
    const status = { status: job.status, secondaryStatus: job.status === 'InProgress' ? ('Training' as const) : ('Completed' as const), failureReason: null, updatedAt: new Date().toISOString() };
    const lines = job.lines.slice(position.afterLog, position.afterLog + limit).map((line, i) => ({ seq: position.afterLog + i + 1, attempt: 1, line, timestamp: status.updatedAt }));
    const metrics = job.metrics.slice(position.afterMetric, position.afterMetric + limit).map((value, i) => ({ seq: position.afterMetric + i + 1, name: 'loss', value, step: null, timestamp: status.updatedAt }));
    return { job: status, lines, metrics, complete: lines.length < limit && metrics.length < limit };
  }
}

/** One status source in memory. */
class FakeSource implements StatusSource {
  event?: string;
  rows: FeedRow[] = [];
  /** Run once, right after the next read has taken its rows (a change landing between two sources' reads). */
  afterRead?: () => void;
  constructor(readonly kind: string = 'thing') {}
  async changedSince(since: string, limit: number, after?: { updatedAt: string; name: string }) {
    const rows = this.rows
      .filter((r) => r.updatedAt >= since && (!after || r.updatedAt > after.updatedAt || (r.updatedAt === after.updatedAt && r.name > after.name)))
      .sort((a, b) => (a.updatedAt === b.updatedAt ? a.name.localeCompare(b.name) : a.updatedAt.localeCompare(b.updatedAt)))
      .slice(0, limit);
    const hook = this.afterRead;
    this.afterRead = undefined;
    hook?.();
    return rows;
  }
}

/** An open stream read in the background. */
function listen(url: string, headers: Record<string, string> = {}) {
  const messages: EventSourceMessage[] = [];
  const controller = new AbortController();
  const parser = createParser({ onEvent: (m) => messages.push(m) });
  let status = 0;
  const done = (async () => {
    const res = await fetch(url, { headers, signal: controller.signal });
    status = res.status;
    if (!res.body) return;
    const decoder = new TextDecoder();
    const reader = res.body.getReader();
    for (;;) {
      const { value, done: end } = await reader.read();
      if (end) return;
      parser.feed(decoder.decode(value, { stream: true }));
    }
  })().catch(() => undefined);
  return { messages, done, stop: () => controller.abort(), status: () => status };
}

const logSeqs = (messages: EventSourceMessage[]) => messages.filter((m) => m.event === 'log').map((m) => JSON.parse(m.data).seq as number);

async function until(what: string, fn: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('EventHub', () => {
  let app: FastifyInstance | undefined;
  let hub: EventHub;
  afterEach(async () => {
    hub?.close();
    await app?.close();
  });

  async function start(training: FakeTraining, sources: StatusSource[] = [], pollMs = 20): Promise<string> {
    hub = new EventHub(training, sources, { pollMs, pageSize: 7, feedLookbackMs: 1000 });
    app = Fastify();
    app.get<{ Params: { name: string } }>('/jobs/:name', async (request, reply) => {
      const header = request.headers['last-event-id'];
      const resumed = parsePosition(typeof header === 'string' ? header : undefined);
      await hub.streamTrainingJob(request.params.name, resumed ?? { log: 0, metric: 0 }, reply, resumed !== undefined);
      return reply;
    });
    app.get('/feed', async (_request, reply) => {
      await hub.streamFeed(undefined, reply);
      return reply;
    });
    return app.listen({ port: 0, host: '127.0.0.1' });
  }

  it('reads a job once per round however many listen, and stops reading when nobody does', async () => {
    const training = new FakeTraining();
    training.add('a');
    training.jobs.get('a')!.lines.push(...Array.from({ length: 20 }, (_, i) => `old ${i + 1}`));
    const url = await start(training);
    const clients = Array.from({ length: 12 }, () => listen(`${url}/jobs/a`));
    await until('every replay', () => clients.every((c) => logSeqs(c.messages).length === 20));
    const before = { reads: training.reads, polls: hub.polls.count };
    training.jobs.get('a')!.lines.push(...Array.from({ length: 10 }, (_, i) => `new ${i + 1}`));
    await until('the new lines everywhere', () => clients.every((c) => logSeqs(c.messages).length === 30));
    // One read per page per round, not one per client.
    const rounds = hub.polls.count - before.polls;
    expect(training.reads - before.reads).toBeLessThanOrEqual(rounds + 2);
    for (const c of clients) expect(logSeqs(c.messages)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    for (const c of clients) c.stop();
    await until('the streams to close', () => hub.openStreams === 0);
    await until('polling to stop', () => !hub.polls.active);
    const idle = training.reads;
    await new Promise((r) => setTimeout(r, 100));
    expect(training.reads).toBe(idle);
  });

  it('loses and repeats nothing for a client that joins while lines keep coming', async () => {
    const training = new FakeTraining();
    training.add('b');
    const url = await start(training);
    const early = listen(`${url}/jobs/b`);
    let n = 0;
    const writer = setInterval(() => {
      const job = training.jobs.get('b')!;
      for (let i = 0; i < 3; i++) job.lines.push(`line ${++n}`);
      job.metrics.push(n);
    }, 5);
    await until('some lines', () => n > 30);
    const late = listen(`${url}/jobs/b`);
    await until('the late client to catch up', () => logSeqs(late.messages).length > 60);
    clearInterval(writer);
    training.jobs.get('b')!.status = 'Completed';
    await Promise.all([early.done, late.done]);
    for (const c of [early, late]) {
      expect(logSeqs(c.messages)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
      expect(c.messages.filter((m) => m.event === 'metric').length).toBe(training.jobs.get('b')!.metrics.length);
      expect(c.messages.at(-1)!.event).toBe('end');
    }
    // Ids carry both positions: resuming from one gives exactly the rest.
    const mid = late.messages.find((m) => m.event === 'metric' && JSON.parse(m.data).seq === 5)!;
    const [log, metric] = mid.id!.split(':').map(Number);
    const resumed = listen(`${url}/jobs/b`, { 'last-event-id': mid.id! });
    await resumed.done;
    expect(logSeqs(resumed.messages)).toEqual(Array.from({ length: n - log }, (_, i) => log + i + 1));
    expect(resumed.messages.filter((m) => m.event === 'metric').map((m) => JSON.parse(m.data).seq)[0]).toBe(metric + 1);
    // Nothing new after the last id of an ended job: 204, so a browser stops reconnecting.
    const last = late.messages.filter((m) => m.id).at(-1)!.id!;
    const after = listen(`${url}/jobs/b`, { 'last-event-id': last });
    await after.done;
    expect(after.status()).toBe(204);
  });

  it('sends the feed only changes, once each, to every listener', async () => {
    const training = new FakeTraining();
    const source = new FakeSource();
    const now = () => new Date().toISOString();
    source.rows.push({ name: 'old', status: 'Completed', failureReason: null, updatedAt: now() });
    const url = await start(training, [source]);
    const a = listen(`${url}/feed`);
    const b = listen(`${url}/feed`);
    await until('both open', () => hub.openStreams === 2);
    await new Promise((r) => setTimeout(r, 60));
    source.rows.push({ name: 'x', status: 'InProgress', failureReason: null, updatedAt: now() });
    await until('x seen', () => [a, b].every((c) => c.messages.length === 1));
    // Touched without a status change: nothing to send.
    source.rows[1] = { ...source.rows[1], updatedAt: now() };
    await new Promise((r) => setTimeout(r, 100));
    source.rows[1] = { ...source.rows[1], status: 'Failed', failureReason: 'boom', updatedAt: now() };
    await until('x failed', () => [a, b].every((c) => c.messages.length === 2));
    for (const c of [a, b]) {
      expect(c.messages.map((m) => JSON.parse(m.data))).toEqual([
        expect.objectContaining({ kind: 'thing', name: 'x', status: 'InProgress' }),
        expect.objectContaining({ kind: 'thing', name: 'x', status: 'Failed', failureReason: 'boom' }),
      ]);
      expect(JSON.parse(c.messages[0].data)).not.toHaveProperty('type');
    }
    a.stop();
    b.stop();
  });

  it("sends a step's change before its execution's end that landed in the same poll", async () => {
    const training = new FakeTraining();
    const steps = new FakeSource('step');
    const executions = new FakeSource('execution');
    const url = await start(training, [steps, executions]);
    const feed = listen(`${url}/feed`);
    await until('open', () => hub.openStreams === 1);
    await new Promise((r) => setTimeout(r, 60));
    // The last step and then its execution end while the hub reads its first source.
    const land = () => {
      steps.afterRead = executions.afterRead = undefined;
      const at = new Date().toISOString();
      steps.rows.push({ name: 'x/last', status: 'Succeeded', failureReason: null, updatedAt: at });
      executions.rows.push({ name: 'x', status: 'Succeeded', failureReason: null, updatedAt: at });
    };
    steps.afterRead = land;
    executions.afterRead = land;
    await until('both sent', () => feed.messages.length === 2);
    expect(feed.messages.map((m) => JSON.parse(m.data).kind)).toEqual(['step', 'execution']);
    feed.stop();
  });

  it('reads at once when nudged, long before its next poll, and not at all when nobody listens', async () => {
    const training = new FakeTraining();
    const source = new FakeSource();
    const url = await start(training, [source], 600_000);
    hub.nudge();
    expect(hub.polls.count).toBe(0);
    const feed = listen(`${url}/feed`);
    await until('open', () => hub.openStreams === 1);
    source.rows.push({ name: 'done', status: 'Completed', failureReason: null, updatedAt: new Date().toISOString() });
    // Nudges in a burst coalesce into a read and at most one more.
    for (let i = 0; i < 5; i++) hub.nudge();
    await until('the change sent', () => feed.messages.length === 1);
    expect(JSON.parse(feed.messages[0].data)).toMatchObject({ kind: 'thing', name: 'done', status: 'Completed' });
    expect(hub.polls.count).toBeLessThanOrEqual(2);
    feed.stop();
  });

  it("sends a source's own event with its fields, and a change in the fields as a change", async () => {
    const steps = Object.assign(new FakeSource(), { kind: 'pipeline-step', event: 'pipeline-step' });
    const jobs = new FakeSource();
    const url = await start(new FakeTraining(), [jobs, steps]);
    const feed = listen(`${url}/feed`);
    await until('open', () => hub.openStreams === 1);
    await new Promise((r) => setTimeout(r, 60));
    const now = () => new Date().toISOString();
    const step = (status: string, attempt: number, failureReason: string | null = null): FeedRow => ({ name: 'pe-1/fit', status, failureReason, updatedAt: now(), fields: { execution: 'pe-1', step: 'fit', attempt, resource: attempt > 1 ? `pe-1-fit-a${attempt}` : 'pe-1-fit' } });
    steps.rows = [step('Executing', 1)];
    jobs.rows = [{ name: 'pe-1-fit', status: 'InProgress', failureReason: null, updatedAt: now() }];
    await until('two events', () => feed.messages.length === 2);
    steps.rows = [step('Retrying', 1, 'boom')];
    await until('the retry', () => feed.messages.length === 3);
    // The same status on the next attempt is a change: the attempt differs.
    steps.rows = [step('Retrying', 2, 'boom')];
    await until('the second attempt', () => feed.messages.length === 4);
    expect(feed.messages.map((m) => [m.event, JSON.parse(m.data)])).toEqual([
      ['status', { kind: 'thing', name: 'pe-1-fit', status: 'InProgress', failureReason: null, updatedAt: expect.any(String) }],
      ['pipeline-step', { kind: 'pipeline-step', name: 'pe-1/fit', execution: 'pe-1', step: 'fit', attempt: 1, resource: 'pe-1-fit', status: 'Executing', failureReason: null, updatedAt: expect.any(String) }],
      ['pipeline-step', expect.objectContaining({ status: 'Retrying', attempt: 1, failureReason: 'boom' })],
      ['pipeline-step', expect.objectContaining({ status: 'Retrying', attempt: 2, resource: 'pe-1-fit-a2' })],
    ]);
    expect(feed.messages.every((m) => m.id === JSON.parse(m.data).updatedAt)).toBe(true);
    feed.stop();
  });

  it('ends every stream on close, and refuses new ones', async () => {
    const training = new FakeTraining();
    training.add('c');
    const url = await start(training, [new FakeSource()]);
    const job = listen(`${url}/jobs/c`);
    const feed = listen(`${url}/feed`);
    await until('both open', () => hub.openStreams === 2);
    hub.close();
    await Promise.all([job.done, feed.done]);
    expect(hub.openStreams).toBe(0);
    expect(job.messages.some((m) => m.event === 'end')).toBe(false);
    await expect(hub.streamFeed(undefined, {} as never)).rejects.toMatchObject({ code: 'ORCH_API_SHUTTING_DOWN', status: 503 });
  });
});
