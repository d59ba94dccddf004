import { randomInt } from 'node:crypto';
import os from 'node:os';
import { buffer } from 'node:stream/consumers';
import { AUTOML_LIMITS, AUTOML_MAXIMIZED_OBJECTIVES, AUTOML_MODES, AUTOML_OBJECTIVES, AUTOML_PROBLEM_TYPES, AUTOML_REPORT_FORMATS, AUTOML_REPORTS, AUTOML_VALIDATIONS } from '../contracts/automl.values.js';
import { errorOfProblems, isOrchardError, OrchardError, type RequestProblem } from '../core/index.js';
import type { DatasetService } from '../data/index.js';
import type { JobQueue } from '../jobs/index.js';
import type { ArtifactStore, MetadataStore, StatusChanges } from '../storage/index.js';
import { analyzeTable, targetCountsQuery, TARGET_COUNTS_LIMIT, VALIDATION_RULES, type AutomlValidation } from './analysis/index.js';
import { AutomlStore, type AutomlCandidatesTable, type AutomlJobsTable } from './automl-store.js';
import type {
  AutomlAnalysis,
  AutomlBestCandidate,
  AutomlCandidate,
  AutomlJob,
  AutomlJobFilter,
  AutomlObjectiveMetric,
  AutomlReportFormat,
  AutomlReportName,
  AutomlSpec,
  AutomlState,
  BudgetState,
  CreateAutomlJobInput,
} from './types.js';
import { finalizeQueueId } from './types.js';
import { enqueueFinalize } from './finalize-queue.js';

const NAME = /^[A-Za-z0-9](-*[A-Za-z0-9]){0,31}$/;

export interface AutomlDeps {
  metadata: MetadataStore;
  artifacts: ArtifactStore;
  datasets: Pick<DatasetService, 'describe' | 'query'>;
  /** The queue the finalize job goes to (for `requeueLost`). */
  queue?: JobQueue;
  /** Cores of one worker: a candidate that names no `cpus` asks for this divided by maxParallel. @default os.availableParallelism() */
  workerCpus?: number;
}

/** True when larger values of the objective are better. */
export const maximized = (metric: AutomlObjectiveMetric): boolean => AUTOML_MAXIMIZED_OBJECTIVES.includes(metric);

/** Where a job's reports are stored: `automl/<job>/reports/<report>.<format>`. */
export const reportKey = (job: string, report: AutomlReportName, format: AutomlReportFormat) => `automl/${job}/reports/${report}.${format}`;

/**
 * AutoML jobs (SageMaker Autopilot): a request is checked as a whole against the dataset
 * version's statistics before anything is stored; the controller then drives the phases
 * (recipes, candidates as training jobs, the finalize job on a worker).
 */
export class AutomlService {
  readonly store: AutomlStore;

  constructor(private readonly deps: AutomlDeps) {
    this.store = new AutomlStore(deps.metadata);
  }

  /** Jobs whose status changed since a time, for the platform feed (`automl` events). */
  readonly statusChanges: StatusChanges = (since, limit, after) => this.store.statusChanges(since, limit, after);

  async create(input: CreateAutomlJobInput): Promise<AutomlJob> {
    const { spec, analysis } = await this.validate(input);
    await this.store.insert(input.name, spec, analysis, input.createdBy ?? null);
    return this.describe(input.name);
  }

  async list(filter: AutomlJobFilter = {}): Promise<{ items: AutomlJob[]; total: number }> {
    const { rows, total } = await this.store.list(filter);
    const items = await Promise.all(rows.map(async (r) => toJob(r, await this.store.candidates(r.name))));
    return { items, total };
  }

  async describe(name: string): Promise<AutomlJob> {
    const row = await this.store.row(checkName(name));
    return toJob(row, await this.store.candidates(row.name));
  }

  /** The leaderboard alone: candidates best first, the unscored ones last. */
  async leaderboard(name: string): Promise<AutomlCandidate[]> {
    return (await this.describe(name)).leaderboard;
  }

  /**
   * Stops the job: no more candidates start, running ones are stopped; the best completed
   * candidate is still scored and registered (as Autopilot does), then the job ends Stopped.
   */
  async stop(name: string): Promise<AutomlJob> {
    const row = await this.store.row(checkName(name));
    if (row.status === 'InProgress') await this.store.requestStop(row.name);
    return this.describe(row.name);
  }

  /** A stored report (`exploration` once the job has started, `candidates` once it has finalized). */
  async report(name: string, report: AutomlReportName, format: AutomlReportFormat = 'json'): Promise<{ contentType: string; body: Buffer }> {
    const row = await this.store.row(checkName(name));
    const problems: RequestProblem[] = [];
    if (!AUTOML_REPORTS.includes(report)) problems.push({ field: 'report', code: 'ORCH_AUTOML_INVALID', message: `Unknown report '${String(report).slice(0, 40)}': use ${AUTOML_REPORTS.join(' or ')}` });
    if (!AUTOML_REPORT_FORMATS.includes(format)) problems.push({ field: 'format', code: 'ORCH_AUTOML_INVALID', message: `Unknown format '${String(format).slice(0, 40)}': use json or md` });
    if (problems.length > 0) throw errorOfProblems(problems);
    const key = reportKey(row.name, report, format);
    try {
      const body = await buffer(await this.deps.artifacts.get(key));
      return { contentType: format === 'json' ? 'application/json' : 'text/markdown; charset=utf-8', body };
    } catch (err) {
      if (isOrchardError(err) && err.code === 'ORCH_ARTIFACT_NOT_FOUND') {
        throw new OrchardError('ORCH_AUTOML_REPORT_NOT_FOUND', { message: `The ${report} report of '${row.name}' is not written yet (the job is ${row.status}, ${row.secondary_status})`, details: { name: row.name, report } });
      }
      throw err;
    }
  }

  /**
   * Enqueues again, under the same id, the finalize jobs the queue lost (its data gone).
   * Enqueue is idempotent by id, so this is safe at any time. Returns how many.
   */
  async requeueLost(): Promise<number> {
    const queue = this.deps.queue;
    if (!queue) return 0;
    let requeued = 0;
    for (const row of await this.store.active()) {
      const state = JSON.parse(row.state_json) as AutomlState;
      if (!state.finalizeQueued || (await queue.get(finalizeQueueId(row.name)))) continue;
      await enqueueFinalize(queue, row.name);
      requeued++;
    }
    return requeued;
  }

  /** Every problem of a request at once; the dataset's statistics are read, nothing is written. */
  private async validate(input: CreateAutomlJobInput): Promise<{ spec: AutomlSpec; analysis: AutomlAnalysis }> {
    const problems: RequestProblem[] = [];
    const bad = (field: string, message: string) => problems.push({ field, code: 'ORCH_AUTOML_INVALID', message });
    if (!input || typeof input !== 'object') throw new OrchardError('ORCH_AUTOML_INVALID', { message: 'The request is empty' });
    if (typeof input.name !== 'string' || !NAME.test(input.name)) bad('name', 'AutoML job names are 1-32 letters, digits and hyphens, starting and ending with a letter or digit');
    if (typeof input.target !== 'string' || input.target.length === 0) bad('target', 'Give the target column (target)');
    const problemType = input.problemType ?? 'auto';
    if (!AUTOML_PROBLEM_TYPES.includes(problemType)) bad('problemType', `Unknown problem type '${String(problemType)}': use ${AUTOML_PROBLEM_TYPES.join(', ')}`);
    if (input.objective !== undefined && !AUTOML_OBJECTIVES.includes(input.objective)) bad('objective', `Unknown objective '${String(input.objective)}': use ${AUTOML_OBJECTIVES.join(', ')}`);
    const mode = input.mode ?? 'ensembling';
    if (!AUTOML_MODES.includes(mode)) bad('mode', `Unknown mode '${String(mode)}': use ensembling or hpo`);
    const validation = input.validation ?? 'auto';
    if (!AUTOML_VALIDATIONS.includes(validation)) bad('validation', `Unknown validation '${String(validation)}': use ${AUTOML_VALIDATIONS.join(', ')}`);
    const maxCandidates = input.maxCandidates ?? AUTOML_LIMITS.maxCandidates.default;
    if (!Number.isInteger(maxCandidates) || maxCandidates < AUTOML_LIMITS.maxCandidates.minimum || maxCandidates > AUTOML_LIMITS.maxCandidates.maximum) bad('maxCandidates', `maxCandidates is an integer in [${AUTOML_LIMITS.maxCandidates.minimum}, ${AUTOML_LIMITS.maxCandidates.maximum}]`);
    const budget = input.maxRuntimeSeconds ?? AUTOML_LIMITS.maxRuntimeSeconds.default;
    if (!Number.isInteger(budget) || budget < AUTOML_LIMITS.maxRuntimeSeconds.minimum || budget > AUTOML_LIMITS.maxRuntimeSeconds.maximum) bad('maxRuntimeSeconds', `maxRuntimeSeconds is an integer in [${AUTOML_LIMITS.maxRuntimeSeconds.minimum}, ${AUTOML_LIMITS.maxRuntimeSeconds.maximum}]`);
    const maxParallel = input.maxParallel ?? 1;
    if (!Number.isInteger(maxParallel) || maxParallel < 1 || maxParallel > 16) bad('maxParallel', 'maxParallel is an integer in [1, 16]');
    if (input.cpus !== undefined && (!Number.isInteger(input.cpus) || input.cpus < 1 || input.cpus > 1024)) bad('cpus', 'cpus is an integer in [1, 1024]');
    const seed = input.seed ?? randomInt(0, 2 ** 31);
    if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 31) bad('seed', 'seed is an integer in [0, 2^31]');
    if (input.timeColumn !== undefined && (typeof input.timeColumn !== 'string' || input.timeColumn.length === 0)) bad('timeColumn', 'timeColumn names a column');
    if (typeof input.dataset !== 'string' || input.dataset.length === 0) bad('dataset', 'Give the dataset (dataset: D or D@N)');
    if (problems.length > 0) throw errorOfProblems(problems);

    const version = await this.deps.datasets.describe(input.dataset).catch((err: unknown) => {
      if (isOrchardError(err) && err.status < 500) problems.push({ field: 'dataset', code: err.code, message: err.message });
      else throw err;
      return null;
    });
    if (!version) throw errorOfProblems(problems);
    const ref = `${version.name}@${version.version}`;
    // The statistics keep the 5 most frequent values only: the target's counts are read whole.
    const hasTarget = version.columns.some((c) => c.name === input.target);
    const counts = hasTarget ? (await this.deps.datasets.query(targetCountsQuery(ref, input.target), { pageSize: TARGET_COUNTS_LIMIT })).rows : undefined;
    const result = analyzeTable({
      version,
      target: input.target,
      problemType,
      ...(input.objective ? { objective: input.objective } : {}),
      timeColumn: input.timeColumn ?? null,
      maxRuntimeSeconds: budget,
      seed,
      validation,
      ...(counts ? { targetCounts: counts.map((r) => ({ value: r.value as string | number | boolean, count: Number(r.count) })) } : {}),
    });
    problems.push(...result.problems);
    if (problems.length > 0) throw errorOfProblems(problems);
    if (!result.problemType || !result.objective || result.recipes.length === 0) throw new OrchardError('ORCH_AUTOML_INVALID', { message: 'The analysis found no plan for this table' });
    const spec: AutomlSpec = {
      dataset: ref,
      target: input.target,
      problemTypeRequested: problemType,
      objective: result.objective,
      maxCandidates,
      maxRuntimeSeconds: budget,
      mode,
      timeColumn: input.timeColumn ?? null,
      maxParallel,
      cpus: input.cpus ?? Math.max(1, Math.floor((this.deps.workerCpus ?? os.availableParallelism()) / maxParallel)),
      seed,
      tags: input.tags ?? {},
    };
    const analysis: AutomlAnalysis = {
      problemType: result.problemType,
      ...(result.classes ? { classes: result.classes, ...(result.classCounts ? { classCounts: result.classCounts } : {}) } : {}),
      targetMapping: result.targetMapping,
      columns: result.columns,
      // Small tables: candidates are scored by k-fold cross-validation, and each is also
      // trained on the recipes' split (its held-out rows stop the boosting and explain it);
      // the others are searched and scored on the split (see docs/automl.md).
      validation: result.validation.method === 'cv' ? { method: 'cv', folds: result.validation.folds ?? VALIDATION_RULES.folds, validationShare: splitShare(result.validation) } : { method: 'holdout', validationShare: splitShare(result.validation) },
      recipes: result.recipes.map((r) => ({ variant: r.variant, definition: r.definition })),
      warnings: result.warnings,
      estimate: result.estimate,
    };
    return { spec, analysis };
  }
}

/** The share of rows the recipes' split step holds out. */
function splitShare(v: AutomlValidation): number {
  return v.validationShare ?? VALIDATION_RULES.validationShare;
}

function checkName(name: string): string {
  if (typeof name !== 'string' || !NAME.test(name)) throw new OrchardError('ORCH_AUTOML_NOT_FOUND', { message: `No AutoML job '${String(name).slice(0, 100)}'`, details: { name: String(name).slice(0, 100) } });
  return name;
}

/** A job as the API answers it, from its row and its candidates. */
export function toJob(row: AutomlJobsTable, rows: AutomlCandidatesTable[]): AutomlJob {
  const spec = JSON.parse(row.spec_json) as AutomlSpec;
  const analysis = JSON.parse(row.analysis_json) as AutomlAnalysis;
  const state = JSON.parse(row.state_json) as AutomlState;
  const candidates = rows.map((c) => toCandidate(c, spec.objective, c.variant ? (state.variants[c.variant]?.fitRef ?? null) : null));
  const counts = { completed: 0, failed: 0, inProgress: 0, stopped: 0 };
  for (const c of candidates) {
    if (c.algorithm === 'ensemble') continue;
    if (c.status === 'Completed') counts.completed++;
    else if (c.status === 'Failed') counts.failed++;
    else if (c.status === 'Stopped') counts.stopped++;
    else counts.inProgress++;
  }
  return {
    name: row.name,
    dataset: spec.dataset,
    target: spec.target,
    problemTypeRequested: spec.problemTypeRequested,
    problemType: analysis.problemType ?? null,
    objective: { metric: spec.objective },
    maxCandidates: spec.maxCandidates,
    maxRuntimeSeconds: spec.maxRuntimeSeconds,
    mode: spec.mode,
    timeColumn: spec.timeColumn,
    maxParallel: spec.maxParallel,
    cpus: spec.cpus,
    seed: spec.seed,
    validation: analysis.validation ?? null,
    status: row.status as AutomlJob['status'],
    secondaryStatus: row.secondary_status as AutomlJob['secondaryStatus'],
    failureReason: row.failure_reason,
    columns: analysis.columns,
    ...(analysis.classes ? { classes: analysis.classes } : {}),
    candidateCounts: counts,
    bestCandidate: row.best_json ? (JSON.parse(row.best_json) as AutomlBestCandidate) : null,
    leaderboard: sortLeaderboard(candidates, spec.objective),
    ...(state.budget ? { budget: budgetSpent(row, state.budget) } : {}),
    tags: spec.tags,
    createdBy: row.created_by,
    createdAt: row.created_at,
    endedAt: row.ended_at,
    updatedAt: row.updated_at,
  };
}

/** The budget's phases in seconds, from the times the controller and the finalize recorded. */
function budgetSpent(row: AutomlJobsTable, b: BudgetState): NonNullable<AutomlJob['budget']> {
  const at = (iso: string) => Date.parse(iso);
  const seconds = (from: number, to: number) => Math.round((to - from) / 100) / 10;
  const created = at(row.created_at);
  const ended = row.ended_at ? at(row.ended_at) : null;
  return {
    ...(b.tuningStartedAt ? { featureEngineeringSeconds: seconds(created, at(b.tuningStartedAt)) } : {}),
    ...(b.tuningStartedAt && b.finalizeQueuedAt ? { tuningSeconds: seconds(at(b.tuningStartedAt), at(b.finalizeQueuedAt)) } : {}),
    ...(b.finalizeEstimateSeconds !== undefined ? { finalizeEstimateSeconds: b.finalizeEstimateSeconds } : {}),
    ...(b.finalizeQueuedAt && ended !== null ? { finalizeSeconds: seconds(at(b.finalizeQueuedAt), ended) } : {}),
    ...(ended !== null ? { totalSeconds: seconds(created, ended) } : {}),
    ...(b.finalizeDegraded ? { finalizeDegraded: b.finalizeDegraded } : {}),
  };
}

function toCandidate(c: AutomlCandidatesTable, metric: AutomlObjectiveMetric, recipeFit: string | null): AutomlCandidate {
  const params = JSON.parse(c.params_json) as Record<string, unknown>;
  return {
    name: c.name,
    rank: c.rank === null ? null : Number(c.rank),
    status: c.status as AutomlCandidate['status'],
    algorithm: c.algorithm,
    recipe: c.variant,
    recipeFit,
    trainingJob: c.training_job,
    hyperParameters: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])),
    ...(c.members_json ? { members: JSON.parse(c.members_json) as Array<{ candidate: string; weight: number }> } : {}),
    objective: { metric, value: c.objective === null ? null : Number(c.objective) },
    ...readMetrics(c.metrics_json),
    ...(c.importance_json ? { importance: JSON.parse(c.importance_json) as Record<string, number> } : {}),
    trainingSeconds: c.training_seconds === null ? null : Number(c.training_seconds),
    failureReason: c.failure_reason,
    createdAt: c.created_at,
  };
}

/** Where a candidate's cross-validation scores sit in its stored metrics (`metrics_json`). */
const CV_KEY = '__crossValidation';

/** A candidate's metrics as stored, with its cross-validation scores when it has them. */
export function storedMetrics(metrics: Record<string, number>, folds?: { scores: number[]; std: number; rows: number }): string {
  return JSON.stringify(folds ? { ...metrics, [CV_KEY]: folds } : metrics);
}

function readMetrics(json: string): Pick<AutomlCandidate, 'metrics' | 'crossValidation'> {
  const { [CV_KEY]: cv, ...metrics } = JSON.parse(json) as Record<string, unknown>;
  const folds = cv as { scores: number[]; std: number; rows: number } | undefined;
  return { metrics: metrics as Record<string, number>, ...(folds ? { crossValidation: { folds: folds.scores.length, ...folds } } : {}) };
}

/** Scored candidates by rank (else by objective), then the unscored in launch order. */
export function sortLeaderboard(candidates: AutomlCandidate[], metric: AutomlObjectiveMetric): AutomlCandidate[] {
  const sign = maximized(metric) ? -1 : 1;
  const scored = candidates.filter((c) => c.objective.value !== null && c.objective.value !== undefined && Number.isFinite(c.objective.value));
  const rest = candidates.filter((c) => !scored.includes(c));
  scored.sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity) || sign * (a.objective.value! - b.objective.value!));
  return [...scored, ...rest];
}
