import { OrchardError } from '../core/index.js';
import type { ExperimentsTable } from '../storage/index.js';
import type { TrainingJob, TrainingJobStatus } from '../training/index.js';
import type { ExperimentStore } from './experiment-store.js';
import { parseFilter, parseSort } from './run-query.js';
import type { Experiment, ExperimentDetail, Run, RunComparison, RunDetail, RunQuery } from './types.js';

const NAME = /^[A-Za-z0-9](-*[A-Za-z0-9]){0,62}$/;
/** Runs read per experiment for filtering and sorting (newest first). */
const MAX_RUNS_SCANNED = 10_000;
const PAGE = 1000;

/**
 * What experiments read of the training capability: runs are training jobs. Declared here
 * and narrow, so experiments depend on training (never the other way round: training
 * creates an experiment on first use through a port the platform wires to
 * {@link ExperimentStore.ensure}); the training service is what the platform passes.
 */
export interface RunSource {
  list(filter: { experiment?: string; limit?: number; offset?: number }): Promise<{ items: TrainingJob[]; total: number }>;
  describe(name: string): Promise<TrainingJob>;
  /** Runs per experiment (of one, when named) and when the newest was created. */
  runCounts(experiment?: string): Promise<Array<{ experiment: string; runs: number; lastRunAt: string | null }>>;
}

export interface ExperimentServiceDeps {
  /** The experiments table's store (its owner); the platform shares it with training's port. */
  store: ExperimentStore;
  runs: RunSource;
}

/**
 * Experiments and their runs. A run is a training job (every job names an experiment,
 * `Default` unless told; a tuning job's trials name the tuning job), so runs need no
 * table of their own: parameters, metrics and lineage come from the job.
 */
export class ExperimentService {
  constructor(private readonly deps: ExperimentServiceDeps) {}

  async create(input: { name: string; description?: string; createdBy?: string }): Promise<Experiment> {
    if (!input || typeof input.name !== 'string' || !NAME.test(input.name)) {
      throw new OrchardError('ORCH_EXPERIMENT_INVALID', { message: 'Experiment names are 1-63 letters, digits and hyphens, starting and ending with a letter or digit' });
    }
    if (input.description !== undefined && (typeof input.description !== 'string' || input.description.length > 4096)) {
      throw new OrchardError('ORCH_EXPERIMENT_INVALID', { message: 'description is text of at most 4096 characters' });
    }
    await this.deps.store.insert(input.name, input.description ?? null, input.createdBy ?? null);
    return this.get(input.name);
  }

  async list(): Promise<{ items: Experiment[] }> {
    const rows = await this.deps.store.list();
    const byName = new Map((await this.deps.runs.runCounts()).map((c) => [c.experiment, c]));
    return { items: rows.map((r) => toExperiment(r, byName.get(r.name))) };
  }

  private async get(name: string): Promise<Experiment> {
    const row = await this.deps.store.get(name);
    if (!row) throw new OrchardError('ORCH_EXPERIMENT_NOT_FOUND', { message: `No experiment '${name}'` });
    const [counts] = await this.deps.runs.runCounts(name);
    return toExperiment(row, counts);
  }

  async describe(name: string): Promise<ExperimentDetail> {
    const experiment = await this.get(name);
    const runs = await this.scan(name);
    const statusCounts: ExperimentDetail['statusCounts'] = {};
    const parameterNames = new Set<string>();
    const metricNames = new Set<string>();
    for (const run of runs) {
      statusCounts[run.status] = (statusCounts[run.status] ?? 0) + 1;
      for (const p of Object.keys(run.parameters)) parameterNames.add(p);
      for (const m of Object.keys(run.metrics)) metricNames.add(m);
    }
    return { ...experiment, statusCounts, parameterNames: [...parameterNames].sort(), metricNames: [...metricNames].sort() };
  }

  /** Runs, filtered and sorted (newest first unless a sort is given). */
  async runs(query: RunQuery = {}): Promise<{ items: Run[]; total: number }> {
    if (query.experiment !== undefined) await this.get(query.experiment);
    const predicate = query.filter ? parseFilter(query.filter) : () => true;
    const compare = query.sort ? parseSort(query.sort) : null;
    const limit = Math.max(1, Math.min(query.limit ?? 100, 1000));
    const matching = (await this.scan(query.experiment)).filter(predicate);
    if (compare) matching.sort(compare);
    return { items: matching.slice(0, limit), total: matching.length };
  }

  async run(name: string): Promise<RunDetail> {
    const job = await this.deps.runs.describe(name);
    const series: RunDetail['series'] = {};
    for (const p of job.metrics) (series[p.name] ??= []).push({ value: p.value, step: p.step, timestamp: p.timestamp });
    return { ...toRun(job), series };
  }

  async compare(names: string[]): Promise<RunComparison> {
    if (!Array.isArray(names) || names.length < 2 || names.length > 50) throw new OrchardError('ORCH_EXPERIMENT_INVALID', { message: 'Compare 2 to 50 runs' });
    const runs = await Promise.all(names.map(async (n) => toRun(await this.deps.runs.describe(n))));
    const parameterNames = [...new Set(runs.flatMap((r) => Object.keys(r.parameters)))].sort();
    const metricNames = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
    return {
      runs,
      parameters: parameterNames.map((name) => {
        const values = runs.map((r) => r.parameters[name] ?? null);
        return { name, values, differs: new Set(values).size > 1 };
      }),
      metrics: metricNames.map((name) => {
        const values = runs.map((r) => r.metrics[name] ?? null);
        const present = values.filter((v): v is number => v !== null);
        return { name, values, best: present.length ? (lowerIsBetter(name) ? Math.min(...present) : Math.max(...present)) : null };
      }),
    };
  }

  private async scan(experiment: string | undefined): Promise<Run[]> {
    const runs: Run[] = [];
    for (let offset = 0; offset < MAX_RUNS_SCANNED; offset += PAGE) {
      const page = await this.deps.runs.list({ experiment, limit: PAGE, offset });
      runs.push(...page.items.map(toRun));
      if (page.items.length < PAGE) break;
    }
    return runs;
  }
}

/** Loss-like metric names (lower is better) by the usual naming; the rest are higher-is-better. */
export function lowerIsBetter(metric: string): boolean {
  return /(loss|error|rmse|mse|mae|mape|msd|ssd|merror|regret)$/i.test(metric.split(':').pop() ?? metric);
}

function toExperiment(row: ExperimentsTable, counts: { runs: number; lastRunAt: string | null } | undefined): Experiment {
  return { name: row.name, description: row.description, createdBy: row.created_by, createdAt: row.created_at, runCount: counts?.runs ?? 0, lastRunAt: counts?.lastRunAt ?? null };
}

function toRun(job: TrainingJob): Run {
  const started = job.startedAt ? Date.parse(job.startedAt) : null;
  const ended = job.endedAt ? Date.parse(job.endedAt) : null;
  return {
    name: job.name,
    experiment: job.experiment,
    status: job.status as TrainingJobStatus,
    source: job.algorithm ? { algorithm: job.algorithm } : { script: job.script?.entryPoint ?? '' },
    parameters: { ...job.hyperParameters, ...(job.loggedParams ?? {}) },
    metrics: job.finalMetrics,
    tags: job.tags,
    inputs: Object.fromEntries(Object.entries(job.channels).map(([c, v]) => [c, { dataset: v.dataset, version: v.version }])),
    modelArtifact: job.modelArtifact,
    failureReason: job.failureReason,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    endedAt: job.endedAt,
    durationSeconds: started !== null && ended !== null ? Math.round((ended - started) / 100) / 10 : null,
  };
}
