import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { OrchardError, newId } from '../core/index.js';
import type { DatasetService } from '../data/index.js';
import type { ClaimedJob, JobHandler, JobQueue } from '../jobs/index.js';
import type { ArtifactStore, MetadataStore } from '../storage/index.js';
import { MAX_LISTED_REJECTIONS } from '../contracts/crawler-values.js';
import { combineParts, Converter, RejectedFileError } from './convert.js';
import { CrawlerStore, type CrawlerFileRow, type CrawlerRunsTable, type CrawlersTable, type RunResult } from './crawler-store.js';
import { hivePartitions, isIgnoredPath, readFormat } from './paths.js';
import { diffSchemas, TableSchema } from './schema.js';
import { allowSource, openSource, type CrawlerSourceConfig, type SourceFile, type SourceReader } from './source.js';
import { CRAWL_KIND, runName, type CrawlPayload, type CrawlerColumn, type CrawlerFormat, type RejectedFile } from './types.js';

export interface CrawlerWorkerDeps {
  metadata: MetadataStore;
  queue: JobQueue;
  datasets: DatasetService;
  artifacts: ArtifactStore;
  config: CrawlerSourceConfig;
  /** Scratch space for downloads, parts and the table being built. */
  workDir: string;
}

/** A run whose version is registered (or that needed none): what is left is to record it. */
type DoneOutcome = { kind: 'done'; crawler: string; dataset: string; run: number; result: RunResult; completed?: boolean };
type CrawlOutcome = DoneOutcome | { kind: 'settled' };

/** Codes that a retry cannot fix: the run fails at once. */
const PERMANENT = new Set(['ORCH_CRAWLER_SOURCE_FORBIDDEN', 'ORCH_CRAWLER_SOURCE_NOT_FOUND', 'ORCH_CRAWLER_INVALID', 'ORCH_DATASET_INVALID', 'ORCH_DATASET_INVALID_NAME', 'ORCH_DATASET_TOO_LARGE', 'ORCH_STORAGE_FULL']);
const ACTIVE = new Set(['InProgress', 'Stopping']);
/** Cores a run asks for: DuckDB's threads. */
const CRAWL_CPUS = 2;

/** Thrown between steps when the attempt's signal fired. */
class Interrupted extends Error {}

/**
 * The crawler job kind for the worker loop: lists the source page by page, converts new
 * and changed files to Parquet parts one by one (a file that cannot be used is rejected
 * with its reason), unions them with the table so far and registers the result as the
 * dataset's next version; the crawler's file list follows in `record`, in one transaction
 * with the run's end. A retry after a crash finds the version it made by its tag.
 */
export async function crawlerJobHandler(deps: CrawlerWorkerDeps): Promise<JobHandler<CrawlPayload, CrawlOutcome>> {
  await fs.mkdir(deps.workDir, { recursive: true });
  const store = new CrawlerStore(deps.metadata);
  return {
    kinds: [CRAWL_KIND],
    cpus: () => CRAWL_CPUS,
    async run(job, ctx) {
      return runCrawl(deps, store, job, ctx.signal);
    },
    async record(job, outcome) {
      if (outcome.kind !== 'done') return;
      const { crawler, run, result } = outcome;
      const unused = await store.commit(crawler, run, result);
      if (unused === null && result.newVersion) {
        // The run ended meanwhile without this version: it must not stay registered.
        const row = await store.run(crawler, run).catch(() => undefined);
        if (!(row?.status === 'Completed' && Number(row.dataset_version) === result.version)) {
          await deps.datasets.delete(`${outcome.dataset}@${result.version}`, { purge: true }).catch(() => undefined);
        }
      }
      if (!outcome.completed) {
        await deps.queue.complete(job);
        outcome.completed = true;
      }
      for (const key of unused ?? []) await deps.artifacts.delete(key).catch(() => undefined);
    },
  };
}

async function runCrawl(deps: CrawlerWorkerDeps, store: CrawlerStore, job: ClaimedJob<CrawlPayload>, signal: AbortSignal): Promise<CrawlOutcome> {
  const { crawler: name, run } = job.payload;
  const crawler = await store.crawler(name).catch(() => undefined);
  const runRow = crawler ? await store.run(name, run).catch(() => undefined) : undefined;
  if (!crawler || !runRow || !ACTIVE.has(runRow.status)) {
    // Deleted, or ended by someone else: nothing to do.
    await deps.queue.complete(job);
    return { kind: 'settled' };
  }
  if (runRow.stop_requested || signal.reason === 'stop') return stopped(deps, store, job, name, run);
  const rn = runName(name, run);
  const tag = `${rn}@${runRow.created_at}`;
  const made = (await deps.datasets.versions(crawler.dataset).catch(() => [])).find((v) => v.tags.crawler === name && v.tags.crawlerRun === tag);
  if (made) {
    // An earlier attempt registered the version and was cut off before recording it.
    return { kind: 'done', crawler: name, dataset: crawler.dataset, run, result: stagedResult(runRow, made.version, true) };
  }
  if (!runRow.started_at) await store.updateRun(rn, { started_at: new Date().toISOString() });
  const scratch = path.join(deps.workDir, `${rn}-${newId('at').slice(3)}`);
  await fs.mkdir(scratch, { recursive: true });
  let reader: SourceReader | undefined;
  let converter: Converter | undefined;
  try {
    const source = await allowSource(crawler.source, deps.config);
    reader = await openSource(source, deps.config);
    converter = await Converter.open(scratch, source.kind === 'file' ? source.roots : []);
    const crawl = new Crawl(deps, store, crawler, runRow, reader, converter, scratch, signal);
    const result = await crawl.execute(tag);
    return { kind: 'done', crawler: name, dataset: crawler.dataset, run, result };
  } catch (err) {
    await deps.artifacts.deletePrefix(partsPrefix(name, run)).catch(() => undefined);
    if (signal.aborted) {
      if (signal.reason === 'stop') return stopped(deps, store, job, name, run);
      return { kind: 'settled' }; // shutdown or a lost lease: the queue hands the run out again
    }
    const message = failureMessage(err, [scratch, deps.workDir]);
    const permanent = err instanceof OrchardError && PERMANENT.has(err.code);
    const outcome = await deps.queue.fail(job, { message, retryable: !permanent });
    if (!outcome.willRetry) await store.endRun(name, run, 'Failed', message);
    return { kind: 'settled' };
  } finally {
    converter?.close();
    reader?.close();
    await fs.rm(scratch, { recursive: true, force: true });
  }
}

async function stopped(deps: CrawlerWorkerDeps, store: CrawlerStore, job: ClaimedJob<CrawlPayload>, name: string, run: number): Promise<CrawlOutcome> {
  await store.endRun(name, run, 'Stopped', null);
  await deps.queue.fail(job, { message: 'stopped', retryable: false }).catch(() => undefined);
  return { kind: 'settled' };
}

/** The result a run staged before registering its version (read back by a retry). */
function stagedResult(row: CrawlerRunsTable, version: number, newVersion: boolean): RunResult {
  return {
    version,
    newVersion,
    columns: JSON.parse(row.columns_json ?? '[]') as CrawlerColumn[],
    filesSeen: Number(row.files_seen),
    newFiles: Number(row.new_files),
    schemaChanges: JSON.parse(row.schema_changes_json),
    rejected: JSON.parse(row.rejected_json),
    rejectedTotal: Number(row.rejected_total),
  };
}

const partsPrefix = (crawler: string, run: number) => `crawlers/${crawler}/parts/${run}/`;

/** A new or changed file converted to a part that fits the table. */
interface Accepted {
  file: SourceFile;
  local: string;
  key: string;
  columns: CrawlerColumn[];
}

/** One attempt of one run. */
class Crawl {
  private readonly rejected: Array<{ file: SourceFile; reason: string }> = [];
  private readonly accepted: Accepted[] = [];
  /** Paths of files in the table that changed since (their old part leaves the table). */
  private readonly changed = new Set<string>();
  private filesSeen = 0;

  constructor(
    private readonly deps: CrawlerWorkerDeps,
    private readonly store: CrawlerStore,
    private readonly crawler: CrawlersTable,
    private readonly runRow: CrawlerRunsTable,
    private readonly reader: SourceReader,
    private readonly converter: Converter,
    private readonly scratch: string,
    private readonly signal: AbortSignal,
  ) {}

  private get name(): string {
    return this.crawler.name;
  }

  private checkpoint(): void {
    if (this.signal.aborted) throw new Interrupted(String(this.signal.reason));
  }

  async execute(tag: string): Promise<RunResult> {
    const candidates = await this.listNewFiles();
    const previous = JSON.parse(this.crawler.columns_json) as CrawlerColumn[];
    const kept = this.changed.size > 0 ? (await this.store.includedFiles(this.name)).filter((f) => !this.changed.has(f.path)) : undefined;
    const table = new TableSchema(kept ? [] : previous);
    for (const f of kept ?? []) table.add(JSON.parse(f.columns_json ?? '[]') as CrawlerColumn[]);
    await this.convertAll(candidates, table);

    const newVersion = this.accepted.length > 0 || this.changed.size > 0;
    const columns = newVersion ? table.list() : previous;
    const rejected: RejectedFile[] = this.rejected.map((r) => ({ path: r.file.path, reason: r.reason }));
    const result: RunResult = {
      version: this.crawler.current_version === null ? null : Number(this.crawler.current_version),
      newVersion,
      columns,
      filesSeen: this.filesSeen,
      newFiles: this.accepted.length,
      schemaChanges: newVersion ? diffSchemas(previous, columns) : [],
      rejected: rejected.slice(0, MAX_LISTED_REJECTIONS),
      rejectedTotal: rejected.length,
    };
    if (!newVersion) {
      await this.stage(result);
      return result;
    }
    for (const a of this.accepted) {
      this.checkpoint();
      await this.deps.artifacts.put(a.key, createReadStream(a.local));
    }
    const output = path.join(this.scratch, 'table.parquet');
    await combineParts(this.scratch, [...(await this.tableSoFar(kept)), ...this.accepted.map((a) => a.local)], columns.map(castable), output);
    await this.stage(result);
    this.checkpoint();
    const version = await this.deps.datasets.create({
      name: this.crawler.dataset,
      format: 'parquet',
      body: createReadStream(output),
      description: `Crawler ${this.name}, run ${this.runRow.run}: ${this.crawler.source}`.slice(0, 4096),
      tags: { ...(JSON.parse(this.crawler.tags_json) as Record<string, string>), 'orchard:source': 'crawler', crawler: this.name, crawlerRun: tag },
      createdBy: this.runRow.created_by ?? undefined,
    });
    return { ...result, version: version.version };
  }

  /** Lists the source page by page; keeps the files that are new or changed (size, ETag, modification time). */
  private async listNewFiles(): Promise<SourceFile[]> {
    const candidates: SourceFile[] = [];
    for await (const page of this.reader.list()) {
      this.checkpoint();
      const visible = page.filter((f) => !isIgnoredPath(f.path));
      this.filesSeen += visible.length;
      const known = await this.store.filesAt(this.name, visible.map((f) => f.path));
      for (const file of visible) {
        const k = known.get(file.path);
        if (k && Number(k.size) === file.size && k.etag === file.etag && k.mtime === file.mtime) continue;
        if (k?.state === 'included') this.changed.add(file.path);
        candidates.push(file);
      }
    }
    return candidates.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** Converts each candidate to a part; a file that cannot be read or does not fit the table is rejected. */
  private async convertAll(candidates: SourceFile[], table: TableSchema): Promise<void> {
    const format = (this.crawler.format as CrawlerFormat | null) ?? null;
    const header = this.crawler.header === null ? null : Boolean(Number(this.crawler.header));
    for (const [i, file] of candidates.entries()) {
      this.checkpoint();
      if (file.problem) {
        this.rejected.push({ file, reason: file.problem });
        continue;
      }
      const how = readFormat(file.path, format);
      if ('reason' in how) {
        this.rejected.push({ file, reason: how.reason });
        continue;
      }
      const local = path.join(this.scratch, 'parts', `${String(i).padStart(7, '0')}.parquet`);
      await fs.mkdir(path.dirname(local), { recursive: true });
      let input: string | undefined;
      try {
        input = await this.reader.fetch(file, this.scratch);
        const part = await this.converter.convert({ local: input, path: file.path, format: how.format, header, partitions: hivePartitions(file.path) }, local);
        const conflict = table.add(part.columns);
        if (conflict) throw new RejectedFileError(conflict);
        this.accepted.push({ file, local, key: `${partsPrefix(this.name, Number(this.runRow.run))}${String(i).padStart(7, '0')}.parquet`, columns: part.columns });
      } catch (err) {
        if (!(err instanceof RejectedFileError) && !(err instanceof OrchardError && err.code === 'ORCH_CRAWLER_SOURCE_FORBIDDEN')) throw err;
        this.rejected.push({ file, reason: err.message });
        await fs.rm(local, { force: true });
      } finally {
        // A download is not needed once converted.
        if (input?.startsWith(this.scratch + path.sep)) await fs.rm(input, { force: true });
      }
    }
  }

  /**
   * The rows already in the table: the current version's Parquet when no file of it
   * changed (it holds exactly them), else the parts of the files kept.
   */
  private async tableSoFar(kept: CrawlerFileRow[] | undefined): Promise<string[]> {
    const version = this.crawler.current_version;
    if (!kept && version !== null) {
      const local = await this.deps.datasets.localParquet(`${this.crawler.dataset}@${Number(version)}`).catch(() => undefined);
      if (local && local.version.tags.crawler === this.name) return [local.path];
    }
    const files = kept ?? (await this.store.includedFiles(this.name));
    const dir = path.join(this.scratch, 'table');
    await fs.mkdir(dir, { recursive: true });
    const out: string[] = [];
    for (const [i, f] of files.entries()) {
      if (!f.part_key) continue;
      this.checkpoint();
      const local = path.join(dir, `${String(i).padStart(7, '0')}.parquet`);
      await pipeline(await this.deps.artifacts.get(f.part_key), createWriteStream(local));
      out.push(local);
    }
    return out;
  }

  /** Writes what the run found, before its version is registered, so a retry can record it. */
  private async stage(result: RunResult): Promise<void> {
    const rows: CrawlerFileRow[] = [
      ...this.accepted.map((a) => ({ path: a.file.path, size: a.file.size, etag: a.file.etag, mtime: a.file.mtime, state: 'included', reason: null, part_key: a.key, columns_json: JSON.stringify(a.columns) })),
      ...this.rejected.map((r) => ({ path: r.file.path, size: r.file.size, etag: r.file.etag, mtime: r.file.mtime, state: 'rejected', reason: r.reason.slice(0, 2000), part_key: null, columns_json: null })),
    ];
    await this.store.stage(runName(this.name, Number(this.runRow.run)), rows);
    await this.store.updateRun(runName(this.name, Number(this.runRow.run)), {
      files_seen: result.filesSeen,
      new_files: result.newFiles,
      schema_changes_json: JSON.stringify(result.schemaChanges),
      rejected_json: JSON.stringify(result.rejected),
      rejected_total: result.rejectedTotal,
      columns_json: JSON.stringify(result.columns),
    });
  }
}

/** A failure's message for the run record, without this machine's paths or DuckDB's SQL excerpt. */
function failureMessage(err: unknown, paths: string[]): string {
  let text = err instanceof Error ? err.message : String(err);
  const cut = text.search(/\n\s*(LINE \d+:|Possible (fixes|solutions?):)/);
  if (cut !== -1) text = text.slice(0, cut);
  for (const p of paths) text = text.split(p).join('<scratch>');
  return text.replace(/(["'])\/(?:[^"'\s/]+\/)+[^"'\s]*\1/g, '<file>').replace(/\s+/g, ' ').trim().slice(0, 1000);
}

/** A column as the union casts it: a column that held only nulls becomes text. */
function castable(column: CrawlerColumn): CrawlerColumn {
  return column.type === '"NULL"' || column.type === 'NULL' ? { name: column.name, type: 'VARCHAR' } : column;
}
