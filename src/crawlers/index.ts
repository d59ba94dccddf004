/**
 * Crawlers (AWS Glue crawlers): a folder or an S3 prefix of CSV, Parquet and JSON Lines
 * files, Hive-style partitions included, crawled on the job workers into versions of one
 * dataset: new and changed files only, schema changes recorded, unusable files rejected.
 */
export { CrawlerService, CRAWL_ATTEMPTS } from './crawler-service.js';
export type { CrawlerDeps } from './crawler-service.js';
export { crawlerJobHandler } from './crawler-worker.js';
export type { CrawlerWorkerDeps } from './crawler-worker.js';
export { allowSource } from './source.js';
export type { CrawlerSourceConfig, AllowedSource } from './source.js';
export { CRAWL_KIND } from './types.js';
export type { Crawler, CrawlerRun, CreateCrawlerInput, SchemaChange, RejectedFile } from './types.js';
