import { OrchardError, errorOfProblems, type RequestProblem } from '../core/index.js';
import { validateDatasetName } from '../data/index.js';
import type { JobQueue } from '../jobs/index.js';
import type { ArtifactStore, MetadataStore, StatusChanges } from '../storage/index.js';
import { CRAWLER_FORMATS } from '../contracts/crawler-values.js';
import { NAME_PATTERN } from '../contracts/values.js';
import { CrawlerStore } from './crawler-store.js';
import { allowSource, type CrawlerSourceConfig } from './source.js';
import { CRAWL_KIND, crawlJobId, runName, type CrawlPayload, type Crawler, type CrawlerRun, type CreateCrawlerInput } from './types.js';

/** Attempts of one run in all (a worker lost mid-run costs one). */
export const CRAWL_ATTEMPTS = 3;
const CRAWL_BACKOFF_MS = 1000;
const NAME = new RegExp(NAME_PATTERN);

export interface CrawlerDeps {
  metadata: MetadataStore;
  queue: JobQueue;
  artifacts: Pick<ArtifactStore, 'deletePrefix'>;
  config: CrawlerSourceConfig;
}

/** Glue-style crawlers: a source of files, run on the job workers into versions of one dataset. */
export class CrawlerService {
  private readonly store: CrawlerStore;

  constructor(private readonly deps: CrawlerDeps) {
    this.store = new CrawlerStore(deps.metadata);
  }

  /** Runs whose status changed since a time, for the platform feed (see `StatusChanges`). */
  readonly statusChanges: StatusChanges = (since, limit, after) => this.store.statusChanges(since, limit, after);

  /** Creates a crawler after checking every field (all problems at once) and the source against the admin's settings. */
  async create(input: CreateCrawlerInput): Promise<Crawler> {
    const problems: RequestProblem[] = [];
    const problem = (field: string, message: string) => problems.push({ field, code: 'ORCH_CRAWLER_INVALID', message });
    if (typeof input.name !== 'string' || input.name.length > 63 || !NAME.test(input.name)) problem('name', `Invalid crawler name '${String(input.name).slice(0, 80)}': 1-63 letters, digits and hyphens, a hyphen only between them`);
    const dataset = input.dataset ?? input.name;
    try {
      validateDatasetName(dataset);
    } catch (err) {
      problems.push({ field: 'dataset', code: 'ORCH_CRAWLER_INVALID', message: `${input.dataset === undefined ? 'The default dataset name (the crawler name) is invalid: give --dataset' : 'Invalid dataset name'}: ${(err as Error).message}` });
    }
    if (input.format !== undefined && !(CRAWLER_FORMATS as readonly string[]).includes(input.format)) problem('format', `Unsupported format '${String(input.format).slice(0, 40)}'; use one of ${CRAWLER_FORMATS.join(', ')}`);
    if (input.header !== undefined && input.format !== undefined && input.format !== 'csv') problem('header', 'header applies to CSV files only');
    let source: Awaited<ReturnType<typeof allowSource>> | undefined;
    try {
      source = await allowSource(input.source, this.deps.config);
    } catch (err) {
      if (!(err instanceof OrchardError)) throw err;
      // A refused source is the answer's code (403/404), listed with any other problems.
      problems.unshift({ field: 'source', code: err.code, message: err.message, details: err.details });
    }
    if (problems.length > 0 || !source) throw errorOfProblems(problems);
    const now = new Date().toISOString();
    await this.store.insert({
      name: input.name,
      source: source.url,
      format: input.format ?? null,
      header: input.header === undefined ? null : input.header ? 1 : 0,
      dataset,
      description: input.description ?? null,
      tags_json: JSON.stringify(input.tags ?? {}),
      columns_json: '[]',
      current_version: null,
      active_run: null,
      last_run: 0,
      created_by: input.createdBy ?? null,
      created_at: now,
      updated_at: now,
    });
    return this.describe(input.name);
  }

  async describe(name: string): Promise<Crawler> {
    return this.store.toCrawler(await this.store.crawler(name));
  }

  async list(filter: { limit?: number; offset?: number } = {}): Promise<{ items: Crawler[]; total: number }> {
    const { rows, total } = await this.store.list(Math.min(filter.limit ?? 100, 1000), filter.offset ?? 0);
    return { items: await Promise.all(rows.map((row) => this.store.toCrawler(row))), total };
  }

  /** Removes a crawler, its history and its Parquet parts; the dataset it wrote stays. Refused while it runs. */
  async delete(name: string): Promise<void> {
    await this.store.delete(name);
    await this.deps.artifacts.deletePrefix(`crawlers/${name}/`).catch(() => undefined);
  }

  /** Starts a run: queued for the job workers; refused while another run of the crawler is active. */
  async startRun(name: string, createdBy?: string): Promise<CrawlerRun> {
    const crawler = await this.store.crawler(name);
    // The source is checked again: the admin's settings may have changed since it was created.
    await allowSource(crawler.source, this.deps.config);
    const run = await this.store.startRun(name, createdBy ?? null);
    try {
      await this.enqueue(name, run);
    } catch (err) {
      await this.store.endRun(name, run, 'Failed', `The run could not be queued: ${(err as Error).message}`);
      throw err;
    }
    return this.describeRun(name, run);
  }

  async describeRun(name: string, run: number): Promise<CrawlerRun> {
    const crawler = await this.store.crawler(name);
    return this.store.toRun(await this.store.run(name, run), crawler.dataset);
  }

  /** The crawler's runs, newest first. */
  async runs(name: string, filter: { limit?: number; offset?: number } = {}): Promise<{ items: CrawlerRun[]; total: number }> {
    const crawler = await this.store.crawler(name);
    const { rows, total } = await this.store.runs(name, Math.min(filter.limit ?? 100, 1000), filter.offset ?? 0);
    return { items: rows.map((row) => this.store.toRun(row, crawler.dataset)), total };
  }

  /** Stops the active run: a queued one at once, a running one when its worker sees the request. */
  async stop(name: string): Promise<Crawler> {
    const crawler = await this.store.crawler(name);
    const run = crawler.active_run === null ? null : Number(crawler.active_run);
    if (run === null) return this.store.toCrawler(crawler);
    const id = crawlJobId(name, run);
    await this.store.updateRun(runName(name, run), { stop_requested: 1, status: 'Stopping' });
    await this.deps.queue.cancel(id).catch(() => undefined);
    const job = await this.deps.queue.get(id);
    // Cancelled before a worker claimed it (or gone): nobody else will end the run.
    if (!job || job.state === 'cancelled' || job.state === 'failed') await this.store.endRun(name, run, 'Stopped', null);
    return this.describe(name);
  }

  /**
   * Enqueues again what the queue lost: each active run without its queue entry (enqueue is
   * idempotent by id, so this is safe at any time). Returns how many were enqueued.
   */
  async requeueLost(): Promise<number> {
    let requeued = 0;
    for (const row of await this.store.activeRuns()) {
      if (await this.deps.queue.get(crawlJobId(row.crawler, Number(row.run)))) continue;
      await this.enqueue(row.crawler, Number(row.run));
      requeued++;
    }
    return requeued;
  }

  private async enqueue(crawler: string, run: number): Promise<void> {
    const payload: CrawlPayload = { crawler, run };
    await this.deps.queue.enqueue(CRAWL_KIND, payload, { jobId: crawlJobId(crawler, run), maxAttempts: CRAWL_ATTEMPTS, backoffMs: CRAWL_BACKOFF_MS });
  }
}
