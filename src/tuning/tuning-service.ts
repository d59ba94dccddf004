import { randomInt } from 'node:crypto';
import os from 'node:os';
import { MAX_TUNING_JOBS, MAX_TUNING_PARALLEL, STRATEGY_NAMES } from '../contracts/values.js';
import { checkHyperparameters, getAlgorithm, hyperparameterError, registerBuiltins, type HyperparameterSpec } from '../algorithms/index.js';
import { errorOfProblems, OrchardError, type RequestProblem } from '../core/index.js';
import type { DatasetService } from '../data/index.js';
import type { MetadataStore, StatusChanges } from '../storage/index.js';
import type { TrainingService } from '../training/index.js';
import { createStrategy, validateRanges, type ParameterRange, type StrategyName } from './strategies/index.js';
import { TuningStore, toTrial } from './tuning-store.js';
import type { CreateTuningJobInput, RangeInput, Trial, TuningJob, TuningJobStatus, TuningSpec } from './types.js';

const NAME = /^[A-Za-z0-9](-*[A-Za-z0-9]){0,31}$/;
const STRATEGIES: readonly StrategyName[] = STRATEGY_NAMES;
/** Limits of a tuning job, as the API declares them. */
export const MAX_JOBS = MAX_TUNING_JOBS;
export const MAX_PARALLEL = MAX_TUNING_PARALLEL;

/** A trial's training job: `<tuning job>-001`, `-002`, … */
export const trialJobName = (tuning: string, trial: number) => `${tuning}-${String(trial + 1).padStart(3, '0')}`;

export interface TuningDeps {
  metadata: MetadataStore;
  training: TrainingService;
  datasets: DatasetService;
  /**
   * Cores of one worker (the server's `ORCHARD_WORKER_CPUS`): a trial that names no
   * `cpus` asks for this divided by max-parallel, so max-parallel trials fit side by side
   * on one such worker. @default os.availableParallelism()
   */
  workerCpus?: number;
}

function bad(message: string, details?: Record<string, unknown>): never {
  throw new OrchardError('ORCH_TUNING_INVALID', { message, ...(details ? { details } : {}) });
}

/**
 * Hyperparameter tuning jobs (SageMaker CreateHyperParameterTuningJob): validated here,
 * then driven by the tuning controller, which launches trials as ordinary training jobs.
 */
export class TuningService {
  readonly store: TuningStore;

  constructor(private readonly deps: TuningDeps) {
    registerBuiltins();
    this.store = new TuningStore(deps.metadata);
  }

  /** Jobs whose status changed since a time, for the platform feed (see `StatusChanges`). */
  readonly statusChanges: StatusChanges = (since, limit, after) => this.store.statusChanges(since, limit, after);

  async create(input: CreateTuningJobInput): Promise<TuningJob> {
    const spec = await this.validate(input);
    await this.store.insert(input.name, spec, input.createdBy ?? null);
    return this.describe(input.name);
  }

  async list(filter: { status?: TuningJobStatus; limit?: number; offset?: number } = {}): Promise<{ items: TuningJob[]; total: number }> {
    const { rows, total } = await this.store.list(filter);
    const items = await Promise.all(rows.map((r) => this.describe(r.name, { trials: false })));
    return { items, total };
  }

  async describe(name: string, options: { trials?: boolean } = {}): Promise<TuningJob> {
    const row = await this.store.row(name);
    const spec = JSON.parse(row.spec_json) as TuningSpec;
    const trials = (await this.store.trials(name)).map(toTrial);
    const counts = { completed: 0, failed: 0, stopped: 0, inProgress: 0, earlyStopped: 0 };
    for (const t of trials) {
      if (t.status === 'Completed') counts.completed++;
      else if (t.status === 'Failed') counts.failed++;
      else if (t.status === 'Stopped') counts.stopped++;
      else counts.inProgress++;
      if (t.earlyStopped) counts.earlyStopped++;
    }
    const best = bestTrial(trials, spec.objective.type);
    let bestTrainingJob: TuningJob['bestTrainingJob'] = null;
    if (best) {
      const job = await this.deps.training.describe(best.trainingJob).catch(() => null);
      bestTrainingJob = { name: best.trainingJob, trial: best.trial, hyperParameters: { ...spec.staticHyperParameters, ...best.hyperParameters }, finalMetrics: job?.finalMetrics ?? {}, objective: best.objective! };
    }
    return {
      name: row.name,
      status: row.status as TuningJobStatus,
      failureReason: row.failure_reason,
      ...spec,
      trainingJobCounts: counts,
      bestTrainingJob,
      trials: options.trials === false ? [] : trials,
      createdBy: row.created_by,
      createdAt: row.created_at,
      endedAt: row.ended_at,
      updatedAt: row.updated_at,
    };
  }

  /** Stops launching trials and stops the running ones; the job ends Stopped once they have. */
  async stop(name: string): Promise<TuningJob> {
    const row = await this.store.row(name);
    if (row.status === 'InProgress') await this.store.requestStop(name);
    return this.describe(name);
  }

  private async validate(input: CreateTuningJobInput): Promise<TuningSpec> {
    if (!input || typeof input.name !== 'string' || !NAME.test(input.name)) {
      throw new OrchardError('ORCH_TUNING_INVALID', { message: 'Tuning job names are 1-32 letters, digits and hyphens, starting and ending with a letter or digit' });
    }
    if (Boolean(input.algorithm) === Boolean(input.script)) throw new OrchardError('ORCH_TUNING_INVALID', { message: 'Give exactly one of algorithm or script' });
    const strategy = input.strategy ?? 'bayesian';
    if (!STRATEGIES.includes(strategy)) bad(`Unknown strategy '${strategy}'; use ${STRATEGIES.join(', ')}`);
    if (!Number.isInteger(input.maxJobs) || input.maxJobs < 1 || input.maxJobs > MAX_JOBS) bad(`maxJobs is an integer in [1, ${MAX_JOBS}]`);
    const maxParallel = input.maxParallel ?? 1;
    if (!Number.isInteger(maxParallel) || maxParallel < 1 || maxParallel > MAX_PARALLEL) bad(`maxParallel is an integer in [1, ${MAX_PARALLEL}]`);
    const earlyStopping = input.earlyStopping ?? 'Off';
    if (earlyStopping !== 'Off' && earlyStopping !== 'Auto') bad("earlyStopping is 'Off' or 'Auto'");
    const maxFailedJobs = input.maxFailedJobs ?? Math.max(3, Math.ceil(input.maxJobs / 2));
    if (!Number.isInteger(maxFailedJobs) || maxFailedJobs < 0) bad('maxFailedJobs is a non-negative integer');
    const seed = input.seed ?? randomInt(0, 2 ** 31);
    if (!Number.isInteger(seed) || seed < 0) bad('seed is a non-negative integer');
    if (!Array.isArray(input.ranges) || input.ranges.length === 0) bad('Give at least one hyperparameter range');
    const staticHps = Object.fromEntries(Object.entries(input.staticHyperParameters ?? {}).map(([k, v]) => [k, String(v)]));
    const specs = input.algorithm ? getAlgorithm(input.algorithm).hyperparameters : null;
    const ranges = input.ranges.map((r) => resolveRange(r, specs));
    const seen = new Set<string>();
    for (const r of ranges) {
      if (seen.has(r.name)) bad(`Hyperparameter '${r.name}' has two ranges`, { name: r.name });
      if (r.name in staticHps) bad(`Hyperparameter '${r.name}' is both static and tuned`, { name: r.name });
      seen.add(r.name);
    }
    validateRanges(ranges, strategy);
    if (input.hyperband !== undefined && strategy !== 'hyperband') bad('hyperband settings go with --strategy hyperband');
    // The strategy checks its own options (resources, reduction factor) once, here.
    createStrategy(strategy, { ranges, direction: 'maximize', seed: 0, maxTrials: input.maxJobs, ...(input.hyperband ? { hyperband: input.hyperband } : {}) });
    if (specs) checkAgainstSchema(specs, staticHps, ranges);
    const objective = resolveObjective(input, specs ? getAlgorithm(input.algorithm!).metrics : null);
    const warmStart = [...new Set(input.warmStart ?? [])];
    for (const parent of warmStart) {
      const row = await this.store.row(parent).catch(() => bad(`Warm start: no tuning job '${parent}'`, { parent }));
      if (row.status === 'InProgress' || row.status === 'Stopping') bad(`Warm start: tuning job '${parent}' has not finished`, { parent });
      const parentSpec = JSON.parse(row.spec_json) as TuningSpec;
      if (parentSpec.objective.metric !== objective.metric) bad(`Warm start: '${parent}' optimised ${parentSpec.objective.metric}, not ${objective.metric}`, { parent });
    }
    if (!input.channels || typeof input.channels !== 'object' || Object.keys(input.channels).length === 0) throw new OrchardError('ORCH_TRAINING_CHANNEL_MISSING', { message: 'Give at least one input channel' });
    for (const ref of Object.values(input.channels)) await this.deps.datasets.describe(ref);
    return {
      algorithm: input.algorithm ?? null,
      script: input.script ?? null,
      staticHyperParameters: staticHps,
      ranges,
      objective,
      strategy,
      maxJobs: input.maxJobs,
      maxParallel,
      earlyStopping,
      warmStart,
      maxFailedJobs,
      seed,
      ...(input.hyperband ? { hyperband: input.hyperband } : {}),
      channels: input.channels,
      ...(input.maxRuntimeSeconds !== undefined ? { maxRuntimeSeconds: input.maxRuntimeSeconds } : {}),
      ...(input.maxRetries !== undefined ? { maxRetries: input.maxRetries } : {}),
      metricDefinitions: input.metricDefinitions ?? [],
      tags: input.tags ?? {},
      cpus: input.cpus ?? Math.max(1, Math.floor((this.deps.workerCpus ?? os.availableParallelism()) / maxParallel)),
    };
  }
}

/** The best finished trial with an objective value (completed ones first, then early-stopped). */
export function bestTrial(trials: Trial[], type: 'Maximize' | 'Minimize'): Trial | null {
  const sign = type === 'Maximize' ? 1 : -1;
  let best: Trial | null = null;
  for (const t of trials) {
    if (t.status !== 'Completed' || t.objective === null || !Number.isFinite(t.objective)) continue;
    if (!best || sign * (t.objective - best.objective!) > 0) best = t;
  }
  return best;
}

/** Fills a range from the algorithm's schema where the user left bounds or the type out. */
function resolveRange(r: RangeInput, specs: readonly HyperparameterSpec[] | null): ParameterRange {
  if (!r || typeof r.name !== 'string' || r.name.length === 0 || r.name.length > 256) bad('Every range needs a hyperparameter name');
  const spec = specs?.find((s) => s.name === r.name);
  if (specs && !spec) bad(`Unknown hyperparameter '${r.name}'; known: ${specs.map((s) => s.name).join(', ')}`, { name: r.name });
  const type = r.type ?? (r.values ? 'categorical' : spec?.type === 'boolean' ? 'categorical' : spec?.type);
  if (type === 'categorical') {
    const values = r.values ?? (spec?.type === 'categorical' ? [...(spec.tunable?.values ?? spec.values)] : spec?.type === 'boolean' ? ['true', 'false'] : undefined);
    if (!values) bad(`Range '${r.name}': give its values`, { name: r.name });
    return { name: r.name, type, values: values.map(String) };
  }
  if (type !== 'integer' && type !== 'continuous') bad(`Range '${r.name}': give min and max (and :int for integers) or a list of values`, { name: r.name });
  const tunable = spec && (spec.type === 'integer' || spec.type === 'continuous') ? spec.tunable : undefined;
  const min = r.min ?? tunable?.min;
  const max = r.max ?? tunable?.max;
  if (min === undefined || max === undefined) bad(`Range '${r.name}': give min and max (${r.name} has no default tuning range)`, { name: r.name });
  return { name: r.name, type, min, max, scaling: r.scaling ?? tunable?.scaling ?? 'Auto' };
}

/**
 * Every value a range can produce must be one the algorithm accepts: checked at its ends
 * through the same resolution a training job's request goes through. Every range at
 * fault is reported at once (`details.errors`); a missing or unknown hyperparameter is
 * reported as training would.
 */
function checkAgainstSchema(specs: readonly HyperparameterSpec[], staticHps: Record<string, string>, ranges: ParameterRange[]): void {
  const base = { ...staticHps, ...Object.fromEntries(ranges.map((r) => [r.name, r.type === 'categorical' ? r.values[0] : String(r.min)])) };
  const found: RequestProblem[] = [];
  const probe = (name: string, value: string) => {
    const { problems } = checkHyperparameters(specs, { ...base, [name]: value });
    const fatal = problems.filter((p) => p.code !== 'ORCH_HYPERPARAMETER_INVALID');
    if (fatal.length > 0) throw hyperparameterError(fatal);
    const own = problems.find((p) => p.field === name) ?? problems[0];
    if (own && !found.some((f) => f.field === name)) found.push({ field: name, code: 'ORCH_TUNING_INVALID', message: `Range '${name}': ${own.message}`, details: { name } });
  };
  for (const r of ranges) {
    if (r.type === 'categorical') for (const v of r.values) probe(r.name, v);
    else {
      probe(r.name, String(r.min));
      probe(r.name, String(r.max));
    }
  }
  if (found.length > 0) throw errorOfProblems(found);
}

function resolveObjective(input: CreateTuningJobInput, metrics: readonly { name: string; goal: 'maximize' | 'minimize' }[] | null): TuningSpec['objective'] {
  const metric = input.objective?.metric;
  if (typeof metric !== 'string' || metric.length === 0 || metric.length > 255) bad('Give the objective metric (e.g. validation:auc)');
  const known = metrics?.find((m) => m.name === metric);
  if (metrics && !known) bad(`Objective '${metric}' is not a metric of ${input.algorithm}; it reports ${metrics.map((m) => m.name).join(', ')}`, { metric });
  if (!metrics && !(input.metricDefinitions ?? []).some((d) => d.name === metric)) {
    // Script mode: the metric may come from `#metric` lines; nothing to check up front.
  }
  const type = input.objective.type ?? (known ? (known.goal === 'maximize' ? 'Maximize' : 'Minimize') : undefined);
  if (type !== 'Maximize' && type !== 'Minimize') bad(`Say whether to maximize or minimize '${metric}'`);
  return { metric, type };
}
