/**
 * Pipeline triggers: create, read, enable, disable and delete them. A trigger is checked
 * against what it watches and the pipeline it starts when it is created; the watcher does
 * the firing.
 */
import { OrchardError, errorOfProblems, type RequestProblem } from '../../core/index.js';
import type { CreateTriggerInput, PipelineTrigger, TriggerFilter, TriggerKind, TriggerSource } from '../../contracts/index.js';
import type { PipelineDefinition } from '../definition/index.js';
import type { TriggersTable } from '../pipeline-store.js';
import { checkCron, nextFire } from './cron.js';
import { checkMapping, parseEvery } from './mapping.js';
import type { TriggerPorts } from './ports.js';
import { TRIGGER_SOURCES } from './sources.js';
import { readState, type TriggerSettings, type TriggerState } from './state.js';
import type { TriggerStore } from './trigger-store.js';

/** The field each kind needs; the others are refused on it. */
const SOURCE_FIELDS = ['dataset', 'crawler', 'every', 'cron', 'timezone', 'group'] as const;
type SourceField = (typeof SOURCE_FIELDS)[number];
const KIND_FIELDS: Record<TriggerKind, readonly SourceField[]> = {
  dataset: ['dataset'],
  crawler: ['crawler', 'every'],
  schedule: ['cron', 'timezone'],
  registry: ['group'],
};
const REQUIRED: Record<TriggerKind, readonly SourceField[]> = { dataset: ['dataset'], crawler: ['crawler', 'every'], schedule: ['cron'], registry: ['group'] };

export class TriggerService {
  constructor(
    private readonly store: TriggerStore,
    private readonly ports: TriggerPorts,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async create(input: CreateTriggerInput): Promise<PipelineTrigger> {
    const source = checkSource(input);
    const pipeline = await this.ports.pipelines.describe(input.pipeline);
    const fixed = input.parameters ?? {};
    const map = input.map ?? {};
    checkMapping(pipeline.definition as PipelineDefinition, input.kind, fixed, map);
    // The source must exist (ORCH_DATASET_NOT_FOUND, ORCH_CRAWLER_NOT_FOUND, ORCH_REGISTRY_GROUP_NOT_FOUND):
    // reading its cursor is that check, and what exists now will not fire.
    if (input.kind === 'registry') await this.ports.packages.group(source.group!);
    const cursor = await TRIGGER_SOURCES[input.kind].initial(source, this.ports, this.clock());
    const now = new Date().toISOString();
    const settings: TriggerSettings = { fixed, map, description: input.description ?? null };
    await this.store.insert({
      name: input.name,
      pipeline: input.pipeline,
      kind: input.kind,
      config_json: JSON.stringify(source),
      parameters_json: JSON.stringify(settings),
      state_json: JSON.stringify({ cursor } satisfies TriggerState),
      enabled: input.enabled === false ? 0 : 1,
      created_by: input.createdBy ?? null,
      created_at: now,
      updated_at: now,
    });
    return this.describe(input.name);
  }

  async describe(name: string): Promise<PipelineTrigger> {
    return toTrigger(await this.store.get(name));
  }

  async list(filter: TriggerFilter = {}): Promise<{ items: PipelineTrigger[]; total: number }> {
    if (filter.pipeline) await this.ports.pipelines.describe(filter.pipeline);
    const { rows, total } = await this.store.list(filter, Math.min(filter.limit ?? 100, 1000), filter.offset ?? 0);
    return { items: rows.map(toTrigger), total };
  }

  async delete(name: string): Promise<void> {
    await this.store.delete(name);
  }

  /**
   * Enables a trigger. One that was disabled starts over from what exists now (events while
   * it was off do not fire), keeping a firing that was under way.
   */
  async enable(name: string): Promise<PipelineTrigger> {
    const row = await this.store.get(name);
    if (row.enabled === 1) return toTrigger(row);
    const state = readState(row.state_json);
    const cursor = await TRIGGER_SOURCES[row.kind as TriggerKind].initial(JSON.parse(row.config_json) as TriggerSource, this.ports, this.clock());
    await this.store.setEnabled(name, true, JSON.stringify({ ...state, cursor, lastError: null } satisfies TriggerState));
    return this.describe(name);
  }

  async disable(name: string): Promise<PipelineTrigger> {
    await this.store.setEnabled(name, false);
    return this.describe(name);
  }
}

/** The kind's fields, checked (all problems at once), normalised as stored. */
function checkSource(input: CreateTriggerInput): TriggerSource {
  const problems: RequestProblem[] = [];
  const problem = (field: string, message: string) => problems.push({ field, code: 'ORCH_TRIGGER_INVALID', message });
  const kind = input.kind;
  for (const field of SOURCE_FIELDS) {
    const given = input[field] !== undefined;
    if (given && !KIND_FIELDS[kind].includes(field)) problem(field, `${field} does not apply to a ${kind} trigger (it takes ${KIND_FIELDS[kind].join(', ')})`);
    if (!given && REQUIRED[kind].includes(field)) problem(field, `a ${kind} trigger needs ${field}`);
  }
  const source: TriggerSource = {};
  for (const field of KIND_FIELDS[kind]) if (input[field] !== undefined) (source as Record<string, unknown>)[field] = input[field];
  const attempt = (fn: () => void) => {
    try {
      fn();
    } catch (err) {
      if (!(err instanceof OrchardError)) throw err;
      problems.push({ field: String(err.details?.field ?? kind), code: err.code, message: err.message });
    }
  };
  if (kind === 'crawler' && input.every !== undefined) attempt(() => (source.everyMs = parseEvery(input.every!)));
  if (kind === 'schedule' && input.cron !== undefined) {
    source.timezone = input.timezone ?? 'UTC';
    attempt(() => checkCron(input.cron!, source.timezone!));
  }
  if (problems.length) throw errorOfProblems(problems);
  return source;
}

export function toTrigger(row: TriggersTable): PipelineTrigger {
  const source = JSON.parse(row.config_json) as TriggerSource;
  const settings = JSON.parse(row.parameters_json) as TriggerSettings;
  const state = readState(row.state_json);
  const next = row.kind === 'schedule' && row.enabled === 1 ? ((state.cursor.next as string | undefined) ?? nextFire(source.cron!, source.timezone ?? 'UTC', new Date()).toISOString()) : null;
  return {
    name: row.name,
    pipeline: row.pipeline,
    kind: row.kind as TriggerKind,
    source,
    parameters: settings.fixed,
    map: settings.map,
    enabled: row.enabled === 1,
    description: settings.description,
    nextFireAt: next,
    lastFired: state.lastFired ? { at: state.lastFired.at, event: state.lastFired.event, execution: state.lastFired.execution } : null,
    lastError: state.lastError ?? null,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
