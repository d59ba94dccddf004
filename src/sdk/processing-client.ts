import type { CreateProcessingJobRequest, LogsQuery, ProcessingJob, ProcessingJobFilter, ProcessingLogLine, ProcessingLogsPage } from '../contracts/index.js';
import type { HttpClient } from './http.js';
import { JobClient } from './resource-client.js';

export type { CreateProcessingJobRequest };

export interface WaitForProcessingJobOptions {
  /** Called with the job on every poll. */
  onUpdate?: (job: ProcessingJob) => void;
  /** Called once per new log line (of any instance), in order. */
  onLog?: (line: ProcessingLogLine) => void;
  /** @default 1000 */
  pollMs?: number;
  /** Stops waiting (the job itself goes on); the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

const LOG_PAGE = 1000;

/**
 * Processing jobs: a script over datasets on one or more instances (SageMaker
 * Processing). `create` validates and queues the job; `waitFor` follows its status and log.
 * @example
 * const job = await orchard.processing.waitFor('prep-1', { onLog: (l) => console.log(l.line) });
 * console.log(job.outputs.clean); // 'clean@3'
 */
export class ProcessingClient extends JobClient<ProcessingJob, CreateProcessingJobRequest, ProcessingJobFilter> {
  constructor(http: HttpClient) {
    super(http, 'processing-jobs', 'processing-job');
  }

  /** Log lines of every instance after `after` (a seq), oldest first; pass `nextSeq` back as `after` for more. */
  async logs(name: string, options: LogsQuery = {}): Promise<ProcessingLogsPage> {
    return this.http.request('GET', `${this.pathOf(name)}/logs`, { query: options });
  }

  /** Every log line written so far, page by page. */
  async *allLogs(name: string, options: { after?: number } = {}): AsyncGenerator<ProcessingLogLine> {
    let after = options.after ?? 0;
    for (;;) {
      const page = await this.logs(name, { after, limit: LOG_PAGE });
      yield* page.lines;
      after = page.nextSeq;
      if (page.lines.length < LOG_PAGE) return;
    }
  }

  /**
   * Polls until the job is Completed, Failed or Stopped and returns its final state,
   * passing each new log line to `onLog`. A failed job resolves: check `status`. A status
   * change on the platform feed ends the wait between two polls early.
   */
  override async waitFor(name: string, options: WaitForProcessingJobOptions = {}): Promise<ProcessingJob> {
    let after = 0;
    return this.pollJob(
      name,
      async () => {
        // The status first: once it is terminal, the log read after it is whole.
        const job = await this.describe(name);
        if (options.onLog) {
          for await (const line of this.allLogs(name, { after })) {
            options.onLog(line);
            after = line.seq;
          }
        }
        return job;
      },
      options,
    );
  }
}
