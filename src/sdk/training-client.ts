import type { CreateTrainingJobInput, LogLine, TrainingJob, TrainingJobFilter, TrainingJobStatus } from '../training/index.js';
import type { HttpClient } from './http.js';

/** What a caller sends to create a job; the server records who asked from the token. */
export type CreateTrainingJobRequest = Omit<CreateTrainingJobInput, 'createdBy'>;

export interface WaitForTrainingJobOptions {
  /** Called with the job after every poll (so a progress display can tick). */
  onUpdate?: (job: TrainingJob) => void;
  /** Called once per new log line, in order. */
  onLog?: (line: LogLine) => void;
  /** Time between polls. @default 1000 */
  pollMs?: number;
  /** Stops waiting (the job itself goes on); the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface FollowLogsOptions {
  /** Time between polls. @default 1000 */
  pollMs?: number;
  signal?: AbortSignal;
}

/** A job in one of these statuses changes no more. */
const TERMINAL: ReadonlySet<TrainingJobStatus> = new Set(['Completed', 'Failed', 'Stopped']);
/** Lines per logs request; a shorter page means the reader has caught up. */
const LOG_PAGE = 1000;

type WatchEvent = { kind: 'job'; job: TrainingJob } | { kind: 'line'; line: LogLine };

export class TrainingClient {
  constructor(private readonly http: HttpClient) {}

  /** Validates and queues a job; fails at once on an unknown algorithm, bad hyperparameters or channels. */
  async create(input: CreateTrainingJobRequest): Promise<TrainingJob> {
    return this.http.request('POST', '/api/v1/training-jobs', { body: input });
  }

  async list(filter: TrainingJobFilter = {}): Promise<{ items: TrainingJob[]; total: number }> {
    return this.http.request('GET', '/api/v1/training-jobs', { query: { ...filter } });
  }

  async describe(name: string): Promise<TrainingJob> {
    return this.http.request('GET', `/api/v1/training-jobs/${encodeURIComponent(name)}`);
  }

  /** Log lines after `after` (a seq), oldest first; pass `nextSeq` back as `after` for more. */
  async logs(name: string, options: { after?: number; limit?: number } = {}): Promise<{ lines: LogLine[]; nextSeq: number }> {
    return this.http.request('GET', `/api/v1/training-jobs/${encodeURIComponent(name)}/logs`, { query: options });
  }

  /** Requests a stop: a queued job stops at once, a running one after its process ends. */
  async stop(name: string): Promise<TrainingJob> {
    return this.http.request('POST', `/api/v1/training-jobs/${encodeURIComponent(name)}/stop`);
  }

  /**
   * Polls until the job is Completed, Failed or Stopped and returns its final state,
   * passing each new log line to `onLog` as it arrives. A failed job resolves (it does
   * not reject): check `status`.
   * @example
   * const job = await orchard.training.waitFor('churn-1', { onLog: (l) => console.log(l.line) });
   * if (job.status !== 'Completed') throw new Error(job.failureReason ?? job.status);
   */
  async waitFor(name: string, options: WaitForTrainingJobOptions = {}): Promise<TrainingJob> {
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

  /** Every log line of the job, from the first, until it has ended and no lines remain. */
  async *followLogs(name: string, options: FollowLogsOptions = {}): AsyncGenerator<LogLine> {
    for await (const event of this.watch(name, options.pollMs, options.signal)) {
      if (event.kind === 'line') yield event.line;
    }
  }

  /**
   * One poll = describe, then every log line written so far, then the job. Describing
   * first means that once the job reads as ended, the logs read after it are complete.
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

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
