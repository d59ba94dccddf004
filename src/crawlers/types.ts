/** The wire shapes of crawlers are declared once, in the contracts. */
export type { Crawler, CrawlerColumn, CrawlerFilter, CrawlerFormat, CrawlerRun, CrawlerRunFilter, CrawlerRunStatus, CrawlerState, CreateCrawlerInput, RejectedFile, SchemaChange } from '../contracts/index.js';

/** Queue kind of a crawler run. */
export const CRAWL_KIND = 'crawl';

/** The queue job of run `run` of crawler `name` (one per run, by id). */
export const crawlJobId = (name: string, run: number) => `crawl.${name}.${run}`;

/** A run's name, as the platform feed and the run table name it. */
export const runName = (crawler: string, run: number) => `${crawler}-${run}`;

/** What a crawl queue job carries. */
export interface CrawlPayload {
  crawler: string;
  run: number;
}

/** The state a file of a crawler's table is in. */
export type FileState = 'included' | 'rejected';
