import type { Page } from '../contracts/index.js';
// Run-time values come from the TypeBox-free module: the SDK does not load the schemas.
import { TERMINAL_JOB_STATUSES } from '../contracts/values.js';
import type { HttpClient, Query } from './http.js';
import { pollUntilDone, type PollOptions } from './poll.js';

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

/** A job resource: it can be stopped, and it ends Completed, Failed or Stopped. */
export class JobClient<R extends { status: string }, Create, Filter extends object> extends ResourceClient<R, Create, Filter> {
  /** Requests a stop: a queued job stops at once, a running one after its work ends. */
  async stop(name: string): Promise<R> {
    return this.http.request('POST', `${this.pathOf(name)}/stop`);
  }

  /** Polls until the job ends and returns its final state (a failed job resolves: check `status`). */
  async waitFor(name: string, options: PollOptions<R> = {}): Promise<R> {
    return pollUntilDone(() => this.describe(name), TERMINAL, options);
  }
}
