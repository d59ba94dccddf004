import type { CreateCrawlerRequest, Crawler, CrawlerFilter, CrawlerRun, CrawlerRunFilter, Page } from '../contracts/index.js';
// Run-time values come from the TypeBox-free module: the SDK does not load the schemas.
import { TERMINAL_JOB_STATUSES } from '../contracts/values.js';
import type { HttpClient, Query } from './http.js';
import { pollUntilDone, type PollOptions } from './poll.js';
import { ResourceClient } from './resource-client.js';

export type { CreateCrawlerRequest };

const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_JOB_STATUSES);

/** Crawlers (AWS Glue): a folder or S3 prefix of files crawled into versions of a dataset. */
export class CrawlersClient extends ResourceClient<Crawler, CreateCrawlerRequest, CrawlerFilter> {
  constructor(http: HttpClient) {
    super(http, 'crawlers');
  }

  /** Deletes a crawler and its history; the dataset it wrote stays. */
  async delete(name: string): Promise<void> {
    await this.http.request('DELETE', this.pathOf(name));
  }

  /** Stops the run in progress. */
  async stop(name: string): Promise<Crawler> {
    return this.http.request('POST', `${this.pathOf(name)}/stop`);
  }

  /** Starts a run (queued for the workers); `waitForRun` follows it. */
  async startRun(name: string): Promise<CrawlerRun> {
    return this.http.request('POST', `${this.pathOf(name)}/runs`);
  }

  /** The crawler's runs, newest first. */
  async runs(name: string, filter: CrawlerRunFilter = {}): Promise<Page<CrawlerRun>> {
    return this.http.request('GET', `${this.pathOf(name)}/runs`, { query: { ...filter } as Query });
  }

  async describeRun(name: string, run: number): Promise<CrawlerRun> {
    return this.http.request('GET', `${this.pathOf(name)}/runs/${run}`);
  }

  /** Polls until the run ends and returns it (a failed run resolves: check `status`). */
  async waitForRun(name: string, run: number, options: PollOptions<CrawlerRun> = {}): Promise<CrawlerRun> {
    return pollUntilDone(() => this.describeRun(name, run), TERMINAL, options);
  }
}
