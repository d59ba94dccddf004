import { buffer } from 'node:stream/consumers';
import { errorOfProblems, newId, type RequestProblem } from '../core/index.js';
import type { DatasetVersion } from '../data/index.js';
import type { ArtifactStore } from '../storage/index.js';
import { itemIndexKey, type ItemIndex } from './blocks.js';
import { checkColumns } from './importer.js';
import { enqueueForecastJob, importDataKey } from './jobs.js';
import { DEFAULT_FILLING, FILLING_METHODS, parseFilling, type Filling } from './series.js';
import type { ForecastDeps } from './service.js';
import type { ForecastStore } from './store.js';
import type { CreateForecastImportInput, ForecastImport, ForecastImportFilter, ForecastImportsTable, ForecastImportSummary, ForecastJobPayload, ForecastStatus } from './types.js';

const DEFAULT_MAP = { item_id: 'item_id', timestamp: 'timestamp', target_value: 'target_value' };

/** Imports of dataset versions into a group, validated and stored as series blocks by a queue job. */
export class ImportService {
  constructor(
    private readonly deps: ForecastDeps,
    private readonly store: ForecastStore,
  ) {}

  /**
   * Accepts an import: what can be checked at once is (the group, the datasets, the mapped
   * columns), then a queue job validates the data and stores the series (`import-job.ts`).
   * The import is answered CreatePending; it becomes Active, and the group's latest import,
   * only once stored, or CreateFailed with the refusal's code and details.
   */
  async create(input: CreateForecastImportInput): Promise<ForecastImport> {
    const group = await this.store.group(input.group);
    const map = { ...DEFAULT_MAP, ...(input.map ?? {}) };
    const filling = resolveFilling(input.filling);
    const [target, related, metadata] = await Promise.all([this.deps.datasets.describe(input.target), input.related ? this.deps.datasets.describe(input.related) : undefined, input.metadata ? this.deps.datasets.describe(input.metadata) : undefined]);
    const { problems } = checkColumns({ map, target, related, metadata });
    if (problems.length > 0) throw errorOfProblems(problems);
    const id = newId('fi');
    // The versions are pinned: the job reads exactly these, whatever is created meanwhile.
    const used = (v: DatasetVersion | undefined) => (v ? JSON.stringify({ dataset: `${v.name}@${v.version}`, id: v.id, rows: v.rowCount }) : null);
    await this.store.insertImport({
      name: id,
      grp: group.name,
      status: 'CreatePending',
      target_json: used(target)!,
      related_json: used(related),
      metadata_json: used(metadata),
      map_json: JSON.stringify(map),
      filling_json: JSON.stringify(filling),
      summary_json: null,
      data_key: importDataKey(group.name, id),
      seconds: null,
      failure_reason: null,
      failure_json: null,
      created_by: input.createdBy ?? null,
      created_at: new Date().toISOString(),
    });
    await enqueueForecastJob(this.deps.queue, { kind: 'import', import: id });
    return this.describe(id);
  }

  async describe(id: string): Promise<ForecastImport> {
    return toImport(await this.store.importRow(id));
  }

  /** The jobs of imports still being created. */
  async unfinishedJobs(): Promise<ForecastJobPayload[]> {
    return (await this.store.unfinishedImports()).map((row): ForecastJobPayload => ({ kind: 'import', import: row.name }));
  }

  async list(filter: ForecastImportFilter = {}): Promise<{ items: ForecastImport[]; total: number }> {
    const { rows, total } = await this.store.listImports(filter.group, Math.min(filter.limit ?? 100, 1000), filter.offset ?? 0);
    return { items: rows.map(toImport), total };
  }
}

/** The item index of a stored import. */
export async function readItemIndex(artifacts: ArtifactStore, row: ForecastImportsTable): Promise<ItemIndex> {
  return JSON.parse((await buffer(await artifacts.get(itemIndexKey(row.data_key)))).toString('utf8')) as ItemIndex;
}

/** Resolves `filling` against the defaults; a bad method lists every part's choices. */
export function resolveFilling(input: Partial<Filling> | undefined): Filling {
  const filling = { ...DEFAULT_FILLING, ...(input ?? {}) };
  const problems: RequestProblem[] = [];
  for (const part of Object.keys(FILLING_METHODS) as (keyof Filling)[]) {
    const { method, value } = parseFilling(filling[part]);
    if (!FILLING_METHODS[part].includes(method) || (method === 'value' && !Number.isFinite(value))) {
      problems.push({ field: `filling.${part}`, code: 'ORCH_FORECAST_INVALID', message: `filling ${part} must be one of ${FILLING_METHODS[part].map((m) => (m === 'value' ? 'value:<number>' : m)).join(', ')} (got '${filling[part]}')` });
    }
  }
  if (problems.length > 0) throw errorOfProblems(problems);
  return filling;
}

function toImport(row: ForecastImportsTable): ForecastImport {
  return {
    id: row.name,
    group: row.grp,
    status: row.status as ForecastStatus,
    target: JSON.parse(row.target_json) as ForecastImport['target'],
    related: row.related_json ? (JSON.parse(row.related_json) as ForecastImport['target']) : null,
    metadata: row.metadata_json ? (JSON.parse(row.metadata_json) as ForecastImport['target']) : null,
    map: JSON.parse(row.map_json) as ForecastImport['map'],
    filling: JSON.parse(row.filling_json) as ForecastImport['filling'],
    summary: row.summary_json ? (JSON.parse(row.summary_json) as ForecastImportSummary) : null,
    seconds: row.seconds === null ? null : Number(row.seconds),
    failureReason: row.failure_reason,
    error: row.failure_json ? { ...(JSON.parse(row.failure_json) as { code: string; details?: Record<string, unknown> }), message: row.failure_reason ?? '' } : null,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
