import { DATA_QUALITY_PROBLEM_TYPES } from '../contracts/data-quality.values.js';
import { newId, OrchardError } from '../core/index.js';
import type { DatasetService } from '../data/index.js';
import type { JobQueue } from '../jobs/index.js';
import type { MetadataStore, StatusChanges } from '../storage/index.js';
import { resolveProblemType } from './detectors.js';
import { DataQualityStore } from './store.js';
import type { CreateDataQualityReportInput, DataQualityContent, DataQualityReport, DataQualityReportFilter } from './types.js';

/** The queue kind of a report. */
export const DATA_QUALITY_KIND = 'data-quality';
/** Attempts in all (a worker killed mid-report costs one). */
export const DATA_QUALITY_ATTEMPTS = 3;

export const reportJobId = (id: string) => `data-quality.${id}`;

export interface DataQualityDeps {
  metadata: MetadataStore;
  queue: JobQueue;
  datasets: Pick<DatasetService, 'describe'>;
}

/**
 * Data-quality reports (Data Wrangler's "Data Quality and Insights" report) over dataset
 * versions: created at once (the request checked against the version's schema), computed
 * by a job on the worker loop, stored as JSON in the capability's table.
 */
export class DataQualityService {
  private readonly store: DataQualityStore;

  constructor(private readonly deps: DataQualityDeps) {
    this.store = new DataQualityStore(deps.metadata);
  }

  /** Reports whose status changed since a time, for the platform feed (see `StatusChanges`). */
  readonly statusChanges: StatusChanges = (since, limit, after) => this.store.statusChanges(since, limit, after);

  async create(input: CreateDataQualityReportInput): Promise<DataQualityReport> {
    const requested = input.problemType ?? 'auto';
    if (!(DATA_QUALITY_PROBLEM_TYPES as readonly string[]).includes(requested)) {
      throw new OrchardError('ORCH_DATA_QUALITY_INVALID', { message: `problemType must be one of ${DATA_QUALITY_PROBLEM_TYPES.join(', ')}`, details: { field: 'problemType', values: DATA_QUALITY_PROBLEM_TYPES } });
    }
    if (input.problemType && input.problemType !== 'auto' && !input.target) {
      throw new OrchardError('ORCH_DATA_QUALITY_INVALID', { message: 'problemType needs a target column', details: { field: 'problemType' } });
    }
    // Not found and deleted versions keep the dataset service's own codes.
    const version = await this.deps.datasets.describe(input.dataset);
    if (version.rowCount === 0) throw new OrchardError('ORCH_DATA_QUALITY_INVALID', { message: `Dataset ${version.name}@${version.version} has no rows`, details: { field: 'dataset' } });
    let problemType: DataQualityReport['problemType'] = 'auto';
    if (input.target !== undefined) {
      const column = version.columns.find((c) => c.name === input.target);
      if (!column) {
        throw new OrchardError('ORCH_DATA_QUALITY_TARGET_MISSING', {
          message: `Dataset ${version.name}@${version.version} has no column '${input.target}'; its columns: ${version.columns.map((c) => c.name).slice(0, 30).join(', ')}`,
          details: { field: 'target', target: input.target, columns: version.columns.map((c) => c.name).slice(0, 200) },
        });
      }
      const resolved = resolveProblemType(requested, { type: column.type, distinct: column.stats.distinct });
      if ('problem' in resolved) {
        throw new OrchardError('ORCH_DATA_QUALITY_TARGET_INVALID', { message: `Target column '${column.name}' ${resolved.problem}`, details: { field: 'target', target: column.name, problemType: requested } });
      }
      problemType = resolved.type;
    }
    const id = newId('dq');
    await this.store.insert({
      name: id,
      dataset: version.name,
      version: version.version,
      dataset_id: version.id,
      row_count: version.rowCount,
      target: input.target ?? null,
      problem_type: problemType,
      status: 'InProgress',
      stage: 'queued',
      percent: 0,
      warnings_json: null,
      report_json: null,
      failure_reason: null,
      created_by: input.createdBy ?? null,
      created_at: new Date().toISOString(),
      started_at: null,
      ended_at: null,
    });
    await this.deps.queue.enqueue(DATA_QUALITY_KIND, { id }, { jobId: reportJobId(id), maxAttempts: DATA_QUALITY_ATTEMPTS, backoffMs: 1000 });
    return this.store.describe(id);
  }

  /** A report with its content once done. */
  async describe(id: string): Promise<DataQualityReport> {
    return this.store.describe(id);
  }

  /** Newest first, without their content. */
  async list(filter: DataQualityReportFilter = {}): Promise<{ items: DataQualityReport[]; total: number }> {
    return this.store.list(filter);
  }

  /** The newest report of a dataset version (`name` is its latest version), whatever its status. */
  async latest(ref: string): Promise<DataQualityReport> {
    const version = await this.deps.datasets.describe(ref);
    const found = await this.store.latest(version.name, version.version);
    if (!found) {
      throw new OrchardError('ORCH_DATA_QUALITY_NOT_FOUND', { message: `Dataset ${version.name}@${version.version} has no data-quality report yet`, details: { dataset: version.name, version: version.version } });
    }
    return found;
  }

  /** The finished report's JSON; a report still running (or failed) has none. */
  async content(id: string): Promise<DataQualityContent> {
    const report = await this.store.describe(id);
    if (!report.report) {
      throw new OrchardError('ORCH_DATA_QUALITY_NOT_FOUND', { message: `Data-quality report '${id}' is ${report.status}: it has no content${report.status === 'InProgress' ? ' yet' : ''}`, details: { id, status: report.status } });
    }
    return report.report;
  }

  /** Stops a running report: a queued one never starts, a running one is aborted by its worker. */
  async stop(id: string): Promise<DataQualityReport> {
    const row = await this.store.row(id);
    if (row.status === 'InProgress') {
      await this.store.end(id, 'Stopped', null);
      await this.deps.queue.cancel(reportJobId(id)).catch(() => undefined);
    }
    return this.store.describe(id);
  }

  /**
   * Enqueues again, under the same ids, the running reports whose queue entries were lost.
   * Enqueue is idempotent by id, so this is safe at any time. Returns how many were enqueued.
   */
  async requeueLost(): Promise<number> {
    let requeued = 0;
    for (const id of await this.store.unfinished()) {
      if (await this.deps.queue.get(reportJobId(id))) continue;
      await this.deps.queue.enqueue(DATA_QUALITY_KIND, { id }, { jobId: reportJobId(id), maxAttempts: DATA_QUALITY_ATTEMPTS, backoffMs: 1000 });
      requeued++;
    }
    return requeued;
  }
}
