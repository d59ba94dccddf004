import type { CreateTrainingJobRequest, LogLine, LogsPage, LogsQuery, TrainingEvent, TrainingJob, TrainingJobFilter, TrainingProfile } from '../contracts/index.js';
import { TERMINAL_JOB_STATUSES } from '../contracts/values.js';
import { followEventStream, type EventStreamOptions } from './event-stream.js';
import { OrchardApiError, type HttpClient } from './http.js';
import { sleep } from './poll.js';
import { JobClient } from './resource-client.js';

export type { CreateTrainingJobRequest };

export interface WaitForTrainingJobOptions {
  /** Called with the job on every status change and metric point (so a progress display can tick). */
  onUpdate?: (job: TrainingJob) => void;
  /** Called once per new log line, in order. */
  onLog?: (line: LogLine) => void;
  /** Time between polls, when the server has no event streams. @default 1000 */
  pollMs?: number;
  /** Stops waiting (the job itself goes on); the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface FollowLogsOptions {
  /** Time between polls, when the server has no event streams. @default 1000 */
  pollMs?: number;
  signal?: AbortSignal;
}

export interface TrainingEventsOptions extends EventStreamOptions {
  /** Start after this log seq (the lines up to it are not sent). @default 0 */
  after?: number;
  /** Start after this metric seq. @default 0 */
  afterMetric?: number;
}

/** A job in one of these statuses changes no more. */
const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_JOB_STATUSES);
/** Lines per logs request; a shorter page means the reader has caught up. */
const LOG_PAGE = 1000;

type WatchEvent = { kind: 'job'; job: TrainingJob } | { kind: 'line'; line: LogLine };

/**
 * Training jobs. `create` validates and queues a job, failing at once on an unknown
 * algorithm, bad hyperparameters or channels; `waitFor` follows the job's event stream.
 */
export class TrainingClient extends JobClient<TrainingJob, CreateTrainingJobRequest, TrainingJobFilter> {
  constructor(http: HttpClient) {
    super(http, 'training-jobs');
  }

  /** Log lines after `after` (a seq), oldest first; pass `nextSeq` back as `after` for more. */
  async logs(name: string, options: LogsQuery = {}): Promise<LogsPage> {
    return this.http.request('GET', `${this.pathOf(name)}/logs`, { query: options });
  }

  /** The job's profiler report: CPU and memory over time and seconds per phase, per attempt (see docs/debugger.md). */
  async profile(name: string): Promise<TrainingProfile> {
    return this.http.request('GET', `${this.pathOf(name)}/profile`);
  }

  /**
   * The job's live events: its status (first, then on every change), each log line and
   * metric point from `after` on, and a last `end` once it has ended; then the iterator
   * finishes. A dropped connection is reopened where it left off.
   * @example
   * for await (const e of orchard.training.events('churn-1')) {
   *   if (e.type === 'log') console.log(e.line);
   *   else if (e.type === 'metric') console.log(e.name, e.value);
   * }
   */
  async *events(name: string, options: TrainingEventsOptions = {}): AsyncGenerator<TrainingEvent> {
    const { after, afterMetric, ...stream } = options;
    const messages = followEventStream(this.http, `${this.pathOf(name)}/events`, { after, afterMetric }, (m) => m.event === 'end', stream);
    for await (const message of messages) {
      if (message.event !== 'status' && message.event !== 'log' && message.event !== 'metric' && message.event !== 'end') continue;
      yield { type: message.event, ...JSON.parse(message.data) } as TrainingEvent;
    }
  }

  /**
   * Follows the job until it is Completed, Failed or Stopped and returns its final state,
   * passing each log line to `onLog` as it arrives. A failed job resolves (it does not
   * reject): check `status`.
   * @example
   * const job = await orchard.training.waitFor('churn-1', { onLog: (l) => console.log(l.line) });
   * if (job.status !== 'Completed') throw new Error(job.failureReason ?? job.status);
   */
  override async waitFor(name: string, options: WaitForTrainingJobOptions = {}): Promise<TrainingJob> {
    let job = await this.describe(name);
    let streamed = false;
    try {
      job = { ...job, metrics: [] };
      options.onUpdate?.(job);
      for await (const event of this.events(name, { signal: options.signal })) {
        streamed = true;
        if (event.type === 'log') options.onLog?.(stripType(event));
        else if (event.type === 'metric') {
          const { seq: _seq, ...point } = stripType(event);
          job = { ...job, metrics: [...job.metrics.slice(-999), point], finalMetrics: { ...job.finalMetrics, [point.name]: point.value } };
          options.onUpdate?.(job);
        } else if (event.type === 'status') {
          job = { ...job, status: event.status, secondaryStatus: event.secondaryStatus, failureReason: event.failureReason, updatedAt: event.updatedAt };
          options.onUpdate?.(job);
        }
      }
    } catch (err) {
      if (streamed || !noEventStreams(err)) throw err;
      let last: TrainingJob | undefined;
      for await (const event of this.watch(name, options.pollMs, options.signal)) {
        if (event.kind === 'line') options.onLog?.(event.line);
        else {
          last = event.job;
          options.onUpdate?.(event.job);
        }
      }
      return last!;
    }
    const final = await this.describe(name);
    options.onUpdate?.(final);
    return final;
  }

  /** Every log line of the job, from the first, until it has ended and no lines remain. */
  async *followLogs(name: string, options: FollowLogsOptions = {}): AsyncGenerator<LogLine> {
    let streamed = false;
    try {
      for await (const event of this.events(name, { signal: options.signal })) {
        streamed = true;
        if (event.type === 'log') yield stripType(event);
      }
      return;
    } catch (err) {
      if (streamed || !noEventStreams(err)) throw err;
    }
    for await (const event of this.watch(name, options.pollMs, options.signal)) {
      if (event.kind === 'line') yield event.line;
    }
  }

  /**
   * Polling, for servers without event streams. One poll = describe, then every log line
   * written so far, then the job. Describing first means that once the job reads as
   * ended, the logs read after it are complete.
   */
  private async *watch(name: string, pollMs = 1000, signal?: AbortSignal): AsyncGenerator<WatchEvent> {
    let after: number | undefined;
    for (;;) {
      signal?.throwIfAborted();
      const job = await this.describe(name);
      for (;;) {
        const page = await this.logs(name, { after, limit: LOG_PAGE });
        for (const line of page.lines) yield { kind: 'line', line };
        after = page.nextSeq;
        if (page.lines.length < LOG_PAGE) break;
      }
      yield { kind: 'job', job };
      if (TERMINAL.has(job.status)) return;
      await sleep(pollMs, signal);
    }
  }
}

/** A server older than event streams answers their route with a plain 404. */
function noEventStreams(err: unknown): boolean {
  return err instanceof OrchardApiError && err.code === 'ORCH_API_NOT_FOUND';
}

function stripType<T extends { type: string }>(event: T): Omit<T, 'type'> {
  const { type: _type, ...rest } = event;
  return rest;
}
