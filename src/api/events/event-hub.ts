import type { FastifyReply } from 'fastify';
import { OrchardError } from '../../core/errors.js';
import type { TrainingProgress, TrainingService } from '../../training/index.js';
import { openSse, type SseConnection } from './sse.js';
import type { FeedRow, StatusSource } from './status-sources.js';
import { TERMINAL_TRAINING_STATUSES, type TrainingEvent } from './types.js';

export interface EventHubOptions {
  /** How often the metadata DB is read while anyone listens. @default 500 */
  pollMs?: number;
  /** Comment lines sent to every open stream this often. @default 15000 */
  heartbeatMs?: number;
  /**
   * The feed reads rows updated this far before its last read too: a row written with a
   * slightly older time (another writer's transaction, another machine's clock) is not
   * missed. @default 5000
   */
  feedLookbackMs?: number;
  /** Rows per read. @default 1000 */
  pageSize?: number;
  /** Where failed reads are reported (the stream goes on and the read is retried). */
  log?: { warn(obj: unknown, msg: string): void };
}

/** A reader's place in a training job's stream: the last log seq and metric seq it has. */
export interface TrainingStreamPosition {
  log: number;
  metric: number;
}

/** Formats a position as an SSE id (`<log seq>:<metric seq>`). */
export function formatPosition(p: TrainingStreamPosition): string {
  return `${p.log}:${p.metric}`;
}

/**
 * Reads a `Last-Event-ID` (`12:5`, or a bare log seq `12`). Returns undefined for anything
 * else, so a stale or foreign id starts the stream from the beginning.
 */
export function parsePosition(id: string | undefined): TrainingStreamPosition | undefined {
  const m = id === undefined ? null : /^\s*(\d{1,15})(?::(\d{1,15}))?\s*$/.exec(id);
  return m ? { log: Number(m[1]), metric: m[2] === undefined ? 0 : Number(m[2]) } : undefined;
}

const statusSignature = (j: { status: string; secondaryStatus?: string; failureReason: string | null }) => `${j.status}\u0000${j.secondaryStatus ?? ''}\u0000${j.failureReason ?? ''}`;

/**
 * One subscriber of a job stream. Events that arrive while it replays history are held,
 * then sent without what the replay already covered (by seq), so nothing is lost or
 * doubled between the replay and the live feed.
 */
class JobSubscriber {
  private held: TrainingEvent[] | null = [];
  conn: SseConnection | undefined;

  constructor(readonly position: TrainingStreamPosition) {}

  /** The stream opens once the first read has succeeded. */
  attach(conn: SseConnection): void {
    this.conn = conn;
  }

  deliver(event: TrainingEvent): void {
    if (this.held) this.held.push(event);
    else this.emit(event);
  }

  /** Sends what was held during the replay and goes live. */
  goLive(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const event of held) this.emit(event);
  }

  emit(event: TrainingEvent): void {
    const conn = this.conn;
    if (!conn) return;
    const { type, ...data } = event;
    if (type === 'log') {
      if (event.seq <= this.position.log) return;
      this.position.log = event.seq;
      conn.send('log', data, formatPosition(this.position));
    } else if (type === 'metric') {
      if (event.seq <= this.position.metric) return;
      this.position.metric = event.seq;
      conn.send('metric', data, formatPosition(this.position));
    } else if (type === 'status') {
      conn.send('status', data);
    } else {
      conn.send('end', data);
      conn.close();
    }
  }
}

interface JobWatch {
  /** Where the shared reads have got to; unset until the first subscriber's replay ends. */
  cursor: TrainingStreamPosition | null;
  signature: string | null;
  subscribers: Set<JobSubscriber>;
}

/** One event of the feed as it goes out: its SSE name, data and id. */
interface FeedEvent {
  event: string;
  data: object;
  id: string;
}

interface FeedSubscriber {
  conn: SseConnection;
  held: FeedEvent[] | null;
}

/**
 * Live events for the HTTP API: one shared poller per server process reads the metadata
 * DB (the source of truth, also for what fleet workers on other machines write) and fans
 * out to every open stream. It reads only what someone listens to, and stops when nobody
 * listens.
 */
export class EventHub {
  private readonly pollMs: number;
  private readonly heartbeatMs: number;
  private readonly lookbackMs: number;
  private readonly pageSize: number;
  private readonly jobs = new Map<string, JobWatch>();
  private readonly feedSubscribers = new Set<FeedSubscriber>();
  /** Last signature the feed sent per `kind/name`; forgotten when nobody listens. */
  private readonly feedSeen = new Map<string, string>();
  private feedReady: Promise<void> | null = null;
  private feedFrom = '';
  private readonly connections = new Set<SseConnection>();
  private pollTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private ticks = 0;
  /** A read is under way; `again`: a nudge came during it. */
  private ticking = false;
  private again = false;

  constructor(
    private readonly training: Pick<TrainingService, 'progress'>,
    private readonly sources: readonly StatusSource[],
    private readonly options: EventHubOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 500;
    this.heartbeatMs = options.heartbeatMs ?? 15_000;
    this.lookbackMs = options.feedLookbackMs ?? 5000;
    this.pageSize = options.pageSize ?? 1000;
  }

  /**
   * Streams a training job's events to `reply`: its status, its log and metrics from
   * `position` on, then everything new until the job ends (`end`, then the stream
   * closes). An unknown job fails before the stream opens (`ORCH_JOB_NOT_FOUND`). A
   * reconnecting client (`reconnect`) of a job that has ended and has nothing new gets
   * `204 No Content`, which tells a browser's EventSource to stop reconnecting.
   */
  async streamTrainingJob(name: string, position: TrainingStreamPosition, reply: FastifyReply, reconnect = false): Promise<void> {
    this.checkOpen();
    const watch = this.jobs.get(name) ?? { cursor: null, signature: null, subscribers: new Set<JobSubscriber>() };
    this.jobs.set(name, watch);
    // Subscribed (holding live events) before the first read, so nothing falls between.
    const sub = new JobSubscriber({ ...position });
    watch.subscribers.add(sub);
    let page: TrainingProgress;
    try {
      page = await this.training.progress(name, { afterLog: position.log, afterMetric: position.metric, limit: this.pageSize });
    } catch (err) {
      this.unsubscribe(name, watch, sub);
      throw err;
    }
    const first = page.job;
    const ended = TERMINAL_TRAINING_STATUSES.has(first.status);
    if (reconnect && ended && page.complete && page.lines.length === 0 && page.metrics.length === 0) {
      this.unsubscribe(name, watch, sub);
      await reply.status(204).send();
      return;
    }
    const conn = this.track(openSse(reply));
    sub.attach(conn);
    conn.onClose(() => this.unsubscribe(name, watch, sub));
    conn.send('status', first);
    try {
      for (;;) {
        for (const line of page.lines) sub.emit({ type: 'log', ...line });
        for (const point of page.metrics) sub.emit({ type: 'metric', ...point });
        if (page.complete || conn.closed) break;
        await conn.drain();
        page = await this.training.progress(name, { afterLog: sub.position.log, afterMetric: sub.position.metric, limit: this.pageSize });
      }
    } catch (err) {
      this.options.log?.warn({ err, job: name }, 'event stream replay failed');
      conn.close();
      return;
    }
    if (conn.closed) return;
    if (ended) {
      // The status was read before the log, so the log just sent is the whole of it.
      sub.emit({ type: 'end', status: first.status, secondaryStatus: first.secondaryStatus, failureReason: first.failureReason });
      return;
    }
    if (!watch.cursor) {
      // The first replay to end sets where the shared reads start: every later replay
      // ends at or beyond it (the log only grows).
      watch.cursor = { ...sub.position };
      watch.signature = statusSignature(first);
    }
    sub.goLive();
    this.schedulePoll();
  }

  /**
   * Streams the platform feed: a `status` event whenever a job (or anything a source
   * reports) changes status, or the source's own event (`pipeline-step`) when its row
   * changes. `since` (the last event's id) first replays the current status of everything
   * that changed after it.
   */
  async streamFeed(since: string | undefined, reply: FastifyReply): Promise<void> {
    this.checkOpen();
    const sub: FeedSubscriber = { conn: this.track(openSse(reply)), held: [] };
    this.feedSubscribers.add(sub);
    sub.conn.onClose(() => {
      this.feedSubscribers.delete(sub);
      if (this.feedSubscribers.size === 0) {
        this.feedSeen.clear();
        this.feedReady = null;
      }
    });
    try {
      await (this.feedReady ??= this.primeFeed());
      if (since !== undefined) {
        const from = new Date(Date.parse(since) - this.lookbackMs).toISOString();
        for (const source of this.sources) {
          await this.readSource(source, from, (row) => send(sub.conn, feedEvent(source, row)));
          await sub.conn.drain();
        }
      }
    } catch (err) {
      this.options.log?.warn({ err }, 'event feed replay failed');
      sub.conn.close();
      return;
    }
    const held = sub.held ?? [];
    sub.held = null;
    for (const e of held) send(sub.conn, e);
    this.schedulePoll();
  }

  /**
   * Reads now rather than at the next poll (something in this process just changed, such
   * as a job attempt that ended). Nothing when nobody listens; a read under way is followed
   * by one more, so a change it started too early to see is not left to the next poll.
   */
  nudge(): void {
    if (this.closed || (this.jobs.size === 0 && this.feedSubscribers.size === 0)) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
    this.runTick();
  }

  /** Ends every open stream and stops polling (the server is shutting down). */
  close(): void {
    this.closed = true;
    clearTimeout(this.pollTimer);
    clearInterval(this.heartbeatTimer);
    this.pollTimer = undefined;
    this.heartbeatTimer = undefined;
    for (const conn of [...this.connections]) conn.close();
    this.jobs.clear();
    this.feedSubscribers.clear();
  }

  /** Streams open now (for tests and metrics). */
  get openStreams(): number {
    return this.connections.size;
  }

  /** Poll rounds run so far, and whether another is scheduled (for tests and metrics). */
  get polls(): { count: number; active: boolean } {
    return { count: this.ticks, active: this.pollTimer !== undefined || this.ticking };
  }

  private checkOpen(): void {
    if (this.closed) throw new OrchardError('ORCH_API_SHUTTING_DOWN');
  }

  private track(conn: SseConnection): SseConnection {
    this.connections.add(conn);
    conn.onClose(() => {
      this.connections.delete(conn);
      if (this.connections.size === 0) {
        clearInterval(this.heartbeatTimer);
        this.heartbeatTimer = undefined;
      }
    });
    if (!this.heartbeatTimer) {
      this.heartbeatTimer = setInterval(() => {
        for (const c of this.connections) c.comment('keep-alive');
      }, this.heartbeatMs);
      this.heartbeatTimer.unref();
    }
    return conn;
  }

  private unsubscribe(name: string, watch: JobWatch, sub: JobSubscriber): void {
    watch.subscribers.delete(sub);
    if (watch.subscribers.size === 0 && this.jobs.get(name) === watch) this.jobs.delete(name);
  }

  private schedulePoll(): void {
    if (this.pollTimer || this.ticking || this.closed || (this.jobs.size === 0 && this.feedSubscribers.size === 0)) return;
    this.pollTimer = setTimeout(() => {
      this.pollTimer = undefined;
      this.runTick();
    }, this.pollMs);
    this.pollTimer.unref();
  }

  /** One read of everything listened to, then the next one scheduled (or run at once when nudged meanwhile). */
  private runTick(): void {
    this.ticking = true;
    this.again = false;
    void this.tick().finally(() => {
      this.ticking = false;
      if (this.again) this.nudge();
      else this.schedulePoll();
    });
  }

  private async tick(): Promise<void> {
    this.ticks++;
    for (const [name, watch] of this.jobs) {
      if (!watch.cursor) continue;
      await this.pollJob(name, watch).catch((err) => {
        if ((err as { code?: string }).code === 'ORCH_JOB_NOT_FOUND') {
          for (const sub of watch.subscribers) sub.conn?.close();
          if (this.jobs.get(name) === watch) this.jobs.delete(name);
        } else this.options.log?.warn({ err, job: name }, 'reading job events failed; retrying');
      });
    }
    if (this.feedSubscribers.size > 0) await this.pollFeed().catch((err) => this.options.log?.warn({ err }, 'reading the event feed failed; retrying'));
  }

  private async pollJob(name: string, watch: JobWatch): Promise<void> {
    const cursor = watch.cursor!;
    const dispatch = (event: TrainingEvent) => {
      for (const sub of watch.subscribers) sub.deliver(event);
    };
    // A few pages per tick at most, so one chatty job cannot hold up the others.
    for (let pages = 0; pages < 10; pages++) {
      const p = await this.training.progress(name, { afterLog: cursor.log, afterMetric: cursor.metric, limit: this.pageSize });
      for (const line of p.lines) {
        cursor.log = line.seq;
        dispatch({ type: 'log', ...line });
      }
      for (const point of p.metrics) {
        cursor.metric = point.seq;
        dispatch({ type: 'metric', ...point });
      }
      if (!p.complete) continue;
      const signature = statusSignature(p.job);
      if (signature !== watch.signature) {
        watch.signature = signature;
        dispatch({ type: 'status', ...p.job });
      }
      if (TERMINAL_TRAINING_STATUSES.has(p.job.status)) {
        dispatch({ type: 'end', status: p.job.status, secondaryStatus: p.job.secondaryStatus, failureReason: p.job.failureReason });
        if (this.jobs.get(name) === watch) this.jobs.delete(name);
      }
      return;
    }
  }

  /** Learns the current statuses without sending them, so that only changes are sent. */
  private async primeFeed(): Promise<void> {
    const now = Date.now();
    for (const source of this.sources) {
      await this.readSource(source, new Date(now - this.lookbackMs).toISOString(), (row) => {
        this.feedSeen.set(`${source.kind}/${row.name}`, rowSignature(row));
      }).catch((err) => this.options.log?.warn({ err, kind: source.kind }, 'reading a status source failed'));
    }
    this.feedFrom = new Date(now).toISOString();
  }

  private async pollFeed(): Promise<void> {
    if (!this.feedReady) return;
    await this.feedReady;
    const now = Date.now();
    const from = new Date(Date.parse(this.feedFrom) - this.lookbackMs).toISOString();
    // Read in the reverse of the sources' order, sent in their order: a source listed after
    // another (an execution after its steps) is read first, so when a change of it is seen,
    // the earlier sources' changes made before it (its steps') are seen in the same poll.
    const read: { source: StatusSource; rows: FeedRow[] }[] = [];
    for (const source of [...this.sources].reverse()) {
      const rows: FeedRow[] = [];
      await this.readSource(source, from, (row) => rows.push(row)).catch((err) => this.options.log?.warn({ err, kind: source.kind }, 'reading a status source failed'));
      read.unshift({ source, rows });
    }
    for (const { source, rows } of read) {
      for (const row of rows) {
        const key = `${source.kind}/${row.name}`;
        const signature = rowSignature(row);
        if (this.feedSeen.get(key) === signature) continue;
        this.feedSeen.set(key, signature);
        const event = feedEvent(source, row);
        for (const sub of this.feedSubscribers) {
          if (sub.held) sub.held.push(event);
          else send(sub.conn, event);
        }
      }
    }
    this.feedFrom = new Date(now).toISOString();
  }

  /** Every row of a source changed since `from`, page by page. */
  private async readSource(source: StatusSource, from: string, onRow: (row: FeedRow) => void): Promise<void> {
    let after: { updatedAt: string; name: string } | undefined;
    for (;;) {
      const rows: FeedRow[] = await source.changedSince(from, this.pageSize, after);
      for (const row of rows) onRow(row);
      if (rows.length < this.pageSize) return;
      const last = rows[rows.length - 1];
      after = { updatedAt: last.updatedAt, name: last.name };
    }
  }
}

/** A row as its source's event: a `status` event, or the source's own with its fields. */
function feedEvent(source: StatusSource, row: FeedRow): FeedEvent {
  const { fields, ...status } = row;
  const event = source.event ?? 'status';
  const data = event === 'status' ? { kind: source.kind, ...status } : { kind: source.kind, name: row.name, ...fields, status: row.status, failureReason: row.failureReason, updatedAt: row.updatedAt };
  return { event, data, id: row.updatedAt };
}

function send(conn: SseConnection, e: FeedEvent): void {
  conn.send(e.event, e.data, e.id);
}

/** What tells a row's change: its status, and a source's own fields (a step's attempt). */
function rowSignature(row: FeedRow): string {
  return row.fields ? `${statusSignature(row)}\u0000${JSON.stringify(row.fields)}` : statusSignature(row);
}
