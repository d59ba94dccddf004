import type { ForecastFrequency } from '../contracts/forecast.values.js';
import { OrchardError } from '../core/index.js';
import { seasonsOf } from './frequency.js';
import { groupPrefix } from './jobs.js';
import type { ForecastDeps } from './service.js';
import type { ForecastStore } from './store.js';
import type { CreateForecastGroupInput, ForecastGroup, ForecastGroupFilter, ForecastGroupsTable } from './types.js';

/** Dataset groups: a frequency and a domain, holding imports. */
export class GroupService {
  constructor(
    private readonly deps: ForecastDeps,
    private readonly store: ForecastStore,
  ) {}

  async create(input: CreateForecastGroupInput): Promise<ForecastGroup> {
    const exists = () => new OrchardError('ORCH_FORECAST_GROUP_EXISTS', { message: `Dataset group '${input.name}' exists`, details: { group: input.name } });
    if (await this.store.findGroup(input.name)) throw exists();
    try {
      await this.store.insertGroup({ name: input.name, frequency: input.frequency, domain: input.domain ?? 'CUSTOM', latest_import: null, created_by: input.createdBy ?? null, created_at: new Date().toISOString() });
    } catch (err) {
      if (await this.store.findGroup(input.name)) throw exists();
      throw err;
    }
    return this.describe(input.name);
  }

  async describe(name: string): Promise<ForecastGroup> {
    return toGroup(await this.store.group(name));
  }

  async list(filter: ForecastGroupFilter = {}): Promise<{ items: ForecastGroup[]; total: number }> {
    const { rows, total } = await this.store.listGroups(Math.min(filter.limit ?? 100, 1000), filter.offset ?? 0);
    return { items: rows.map(toGroup), total };
  }

  /** Deletes a group and its imports' files; refused while predictors use it or imports are being created. */
  async delete(name: string): Promise<void> {
    await this.store.group(name);
    const predictors = await this.store.predictorsOf(name);
    if (predictors.length > 0) {
      throw new OrchardError('ORCH_FORECAST_IN_USE', { message: `Dataset group '${name}' has predictors: ${predictors.slice(0, 10).join(', ')}; delete them first`, details: { group: name, predictors } });
    }
    const importing = await this.store.importsInProgress(name);
    if (importing.length > 0) {
      throw new OrchardError('ORCH_FORECAST_IN_USE', { message: `Dataset group '${name}' has imports being created: ${importing.slice(0, 10).join(', ')}; wait for them to end`, details: { group: name, imports: importing } });
    }
    await this.store.deleteGroup(name);
    await this.deps.artifacts.deletePrefix(groupPrefix(name)).catch(() => undefined);
  }
}

function toGroup(row: ForecastGroupsTable): ForecastGroup {
  return {
    name: row.name,
    frequency: row.frequency as ForecastGroup['frequency'],
    domain: row.domain as ForecastGroup['domain'],
    seasons: seasonsOf(row.frequency as ForecastFrequency),
    latestImport: row.latest_import,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
