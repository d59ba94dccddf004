import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import type { ForecastFrequency } from '../contracts/forecast.values.js';
import { errorOfProblems, newId, type RequestProblem } from '../core/index.js';
import type { ArtifactStore } from '../storage/index.js';
import { blockKey, itemIndexKey, type ItemIndex } from './blocks.js';
import { runImport, type ImportSource } from './importer.js';
import { groupPrefix } from './jobs.js';
import { DEFAULT_FILLING, FILLING_METHODS, parseFilling, type Filling } from './series.js';
import type { ForecastDeps } from './service.js';
import type { ForecastStore } from './store.js';
import type { CreateForecastImportInput, ForecastImport, ForecastImportFilter, ForecastImportsTable, ForecastImportSummary, ForecastStatus } from './types.js';

const DEFAULT_MAP = { item_id: 'item_id', timestamp: 'timestamp', target_value: 'target_value' };

/** Imports of dataset versions into a group, validated and stored as series blocks. */
export class ImportService {
  constructor(
    private readonly deps: ForecastDeps,
    private readonly store: ForecastStore,
  ) {}

  /**
   * Imports dataset versions into a group: validated and stored before it is registered,
   * so a refused import leaves nothing behind. Answers when the import is Active.
   */
  async create(input: CreateForecastImportInput): Promise<ForecastImport> {
    const group = await this.store.group(input.group);
    const map = { ...DEFAULT_MAP, ...(input.map ?? {}) };
    const filling = resolveFilling(input.filling);
    const started = Date.now();
    const [target, related, metadata] = await Promise.all([this.source(input.target), input.related ? this.source(input.related) : undefined, input.metadata ? this.source(input.metadata) : undefined]);
    const id = newId('fi');
    const dataKey = `${groupPrefix(group.name)}imports/${id}/`;
    const dir = path.join(this.deps.workDir, `import-${id}`);
    try {
      const outcome = await runImport({ frequency: group.frequency as ForecastFrequency, map, target, related, metadata, workDir: dir });
      try {
        for (const [k, file] of outcome.blockFiles.entries()) await this.deps.artifacts.put(blockKey(dataKey, k), createReadStream(file));
        await this.deps.artifacts.put(itemIndexKey(dataKey), JSON.stringify(outcome.index));
        const used = (s: ImportSource | undefined) => (s ? JSON.stringify({ dataset: `${s.version.name}@${s.version.version}`, id: s.version.id, rows: s.version.rowCount }) : null);
        await this.store.insertImport({
          name: id,
          grp: group.name,
          status: 'Active',
          target_json: used(target)!,
          related_json: used(related),
          metadata_json: used(metadata),
          map_json: JSON.stringify(map),
          filling_json: JSON.stringify(filling),
          summary_json: JSON.stringify(outcome.summary),
          data_key: dataKey,
          seconds: (Date.now() - started) / 1000,
          failure_reason: null,
          created_by: input.createdBy ?? null,
          created_at: new Date().toISOString(),
        });
      } catch (err) {
        await this.deps.artifacts.deletePrefix(dataKey).catch(() => undefined);
        throw err;
      }
    } finally {
      await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
    return this.describe(id);
  }

  private async source(ref: string): Promise<ImportSource> {
    const local = await this.deps.datasets.localParquet(ref);
    return { version: local.version, path: local.path };
  }

  async describe(id: string): Promise<ForecastImport> {
    return toImport(await this.store.importRow(id));
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
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
