import type { Page } from '../contracts/index.js';
// Run-time values come from the TypeBox-free module: the SDK does not load the schemas.
import { TERMINAL_JOB_STATUSES } from '../contracts/values.js';
import type { HttpClient, Query } from './http.js';
import { pollUntilDone, type PollOptions } from './poll.js';
import { StatusWake } from './status-wake.js';

/**
 * The calls every API resource answers the same way: create (`POST /{path}`), list with
 * filters and `limit`/`offset` (`GET /{path}` → `{ items, total }`) and describe
 * (`GET /{path}/{name}`). A resource's client extends it with what is its own.
 */
export class ResourceClient<R, Create, Filter extends object> {
  /** `/api/v1/{path}`. */
  protected readonly base: string;

  constructor(
    protected readonly http: HttpClient,
    path: string,
  ) {
    this.base = `/api/v1/${path}`;
  }

  /** The URL path of one item. */
  protected pathOf(name: string): string {
    return `${this.base}/${encodeURIComponent(name)}`;
  }

  async create(input: Create): Promise<R> {
    return this.http.request('POST', this.base, { body: input });
  }

  async list(filter: Filter = {} as Filter): Promise<Page<R>> {
    return this.http.request('GET', this.base, { query: { ...filter } as Query });
  }

  async describe(name: string): Promise<R> {
    return this.http.request('GET', this.pathOf(name));
  }
}

const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_JOB_STATUSES);

/**
 * A job resource: it can be stopped, and it ends Completed, Failed or Stopped. A client whose
 * jobs are on the platform feed names their `feedKind` (e.g. `transform-job`): its waits then
 * wake on the feed's status events instead of sleeping a whole poll interval.
 */
export class JobClient<R extends { status: string }, Create, Filter extends object> extends ResourceClient<R, Create, Filter> {
  constructor(
    http: HttpClient,
    path: string,
    /** The `kind` of these jobs' events on `GET /api/v1/events`; none: plain polling. */
    protected readonly feedKind?: string,
  ) {
    super(http, path);
  }

  /** Requests a stop: a queued job stops at once, a running one after its work ends. */
  async stop(name: string): Promise<R> {
    return this.http.request('POST', `${this.pathOf(name)}/stop`);
  }

  /**
   * Polls until the job ends and returns its final state (a failed job resolves: check `status`).
   * Each poll is a describe (`onUpdate` sees every one); a status change on the platform feed
   * ends the wait before the next at once, so an ended job is seen within the feed's delay.
   */
  async waitFor(name: string, options: PollOptions<R> = {}): Promise<R> {
    return this.pollJob(name, () => this.describe(name), options);
  }

  /**
   * Calls `read` (a describe, and whatever a client reads with it) until the job's status is
   * terminal, waking on the feed between two reads when these jobs are on it: the feed is
   * opened before the first read and closed however the wait ends.
   */
  protected async pollJob(name: string, read: () => Promise<R>, options: PollOptions<R>): Promise<R> {
    const wake = this.feedKind ? new StatusWake(this.http, this.feedKind, name) : undefined;
    try {
      return await pollUntilDone(read, TERMINAL, options, wake);
    } finally {
      await wake?.close();
    }
  }
}
