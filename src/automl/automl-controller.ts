import { isOrchardError } from '../core/index.js';
import type { DatasetService } from '../data/index.js';
import type { JobQueue } from '../jobs/index.js';
import type { RecipeService } from '../recipes/index.js';
import type { TrainingService } from '../training/index.js';
import { createStrategy, type ParamValues, type TrialState } from '../tuning/strategies/index.js';
import type { AutomlCandidatesTable, AutomlJobsTable, AutomlStore } from './automl-store.js';
import { foldQuery, formatRecipe, targetMappingQuery } from './analysis/index.js';
import { reportKey } from './automl-service.js';
import { correlationQuery, explorationReport, readCorrelations } from './reports/index.js';
import type { ArtifactStore } from '../storage/index.js';
import { candidatePairs, initialConfigs, nextPair, TUNING_SHARE, pairKey, searchRanges, staticHyperParameters, type CandidatePair } from './candidates.js';
import { enqueueFinalize } from './finalize-queue.js';
import { finalizeQueueId, foldJobName, type AutomlAnalysis, type AutomlSpec, type AutomlState } from './types.js';

export interface AutomlControllerDeps {
  store: AutomlStore;
  training: Pick<TrainingService, 'create' | 'describe' | 'stop'>;
  recipes: Pick<RecipeService, 'create' | 'createJob' | 'describeJob' | 'stopJob'>;
  datasets: Pick<DatasetService, 'createFromQuery' | 'describe' | 'query'>;
  artifacts: Pick<ArtifactStore, 'put'>;
  queue: JobQueue;
}

export interface AutomlControllerOptions {
  /** How often each running job is looked at. @default 1000 */
  intervalMs?: number;
  onError?: (err: unknown) => void;
}

const TERMINAL = new Set(['Completed', 'Failed', 'Stopped']);
/** Candidates failing in a row, with none completed, that fail the job. */
const MAX_FAILED_FIRST = 3;
/** Running past its budget by this much, a job that has not finished is failed. */
const GRACE_MS = 10 * 60_000;

/** A job's failure, with the reason the job reports. */
class JobFailure extends Error {}

/**
 * Drives AutoML jobs through their phases, like the tuning controller: each tick reads
 * every unfinished job from the metadata DB and moves it one step on. Recipe jobs, training
 * jobs and the finalize job run on the workers; every step is recorded before it is
 * acted on (a recipe job's or a candidate's name is written first, then it is created,
 * and "exists" counts as created), so a restarted server carries on without repeating.
 */
export class AutomlController {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly deps: AutomlControllerDeps,
    private readonly options: AutomlControllerOptions = {},
  ) {}

  start(): void {
    const tick = () => {
      this.running = this.tick()
        .catch((err) => this.options.onError?.(err))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.options.intervalMs ?? 1000);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One pass over every unfinished job (public for tests). */
  async tick(): Promise<void> {
    for (const row of await this.deps.store.active()) {
      if (this.stopped) return;
      try {
        await this.advance(row);
      } catch (err) {
        if (err instanceof JobFailure) await this.fail(row.name, err.message);
        else this.options.onError?.(err);
      }
    }
  }

  private async advance(row: AutomlJobsTable): Promise<void> {
    const { store } = this.deps;
    const name = row.name;
    const spec = JSON.parse(row.spec_json) as AutomlSpec;
    const analysis = JSON.parse(row.analysis_json) as AutomlAnalysis;
    const state = JSON.parse(row.state_json) as AutomlState;
    const stopping = Number(row.stop_requested) === 1;
    const created = Date.parse(row.created_at);
    const now = Date.now();
    const deadline = created + spec.maxRuntimeSeconds * 1000;

    if (!state.startedAt) {
      if (!(await store.update(name, { secondary: 'AnalyzingData' }))) return;
      await this.writeExploration(name, spec, analysis);
      state.startedAt = new Date().toISOString();
      await store.update(name, { state });
    }

    // Phase 1: feature engineering, one recipe per variant (fit, then apply with its split).
    const engineered = analysis.recipes.every((r) => state.variants[r.variant]?.splits) && foldsEngineered(analysis, state);
    if (!engineered) {
      if (stopping) return this.stopFeatureEngineering(name, state);
      if (now > deadline) throw new JobFailure(`The budget of ${spec.maxRuntimeSeconds} s ran out during feature engineering`);
      if (row.secondary_status !== 'FeatureEngineering') await store.update(name, { secondary: 'FeatureEngineering' });
      await this.engineer(name, spec, analysis, state);
      if (analysis.validation.method === 'cv' && state.input) await this.engineerFolds(name, spec, analysis, state);
      return;
    }

    // Phase 2: candidates.
    const candidates = await this.refreshCandidates(name, spec, analysis, stopping);
    const trained = candidates.filter((c) => c.algorithm !== 'ensemble');
    const active = trained.filter((c) => !TERMINAL.has(c.status));
    const completed = trained.filter((c) => c.status === 'Completed');
    if (!state.tuningDone) {
      const failed = trained.filter((c) => c.status === 'Failed');
      if (completed.length === 0 && failed.length >= MAX_FAILED_FIRST && active.length === 0) {
        throw new JobFailure(`${failed.length} candidates failed and none completed; last: ${failed.at(-1)!.training_job}: ${failed.at(-1)!.failure_reason ?? 'unknown'}`);
      }
      const reason = stopping ? 'Stopped' : trained.length >= spec.maxCandidates ? 'MaxCandidatesReached' : now >= created + TUNING_SHARE * spec.maxRuntimeSeconds * 1000 ? 'MaxAutoMLJobRuntimeReached' : null;
      if (reason) {
        state.tuningDone = reason;
        await store.update(name, { state, ...(reason === 'Stopped' ? {} : { secondary: reason }) });
      } else {
        if (row.secondary_status !== 'ModelTuning') await store.update(name, { secondary: 'ModelTuning' });
        await this.launch(name, spec, analysis, state, trained, active.length);
        return;
      }
    }
    // Running candidates are let finish within the budget; past it they are stopped.
    if (active.length > 0) {
      if (stopping || now > created + 0.9 * spec.maxRuntimeSeconds * 1000) {
        for (const c of active) for (const job of candidateJobs(c.training_job!, analysis)) await this.deps.training.stop(job).catch(() => undefined);
      }
      return;
    }

    // Phase 3: the finalize job (scores, ensemble, registration, reports) on a worker.
    if (completed.length === 0) {
      if (stopping) await store.update(name, { status: 'Stopped', secondary: 'Stopped' });
      else throw new JobFailure(`No candidate completed (${trained.length} tried); ${trained.find((c) => c.failure_reason)?.failure_reason ?? ''}`.trim());
      return;
    }
    if (!state.finalizeQueued) {
      state.finalizeQueued = true;
      await store.update(name, { state, secondary: spec.mode === 'ensembling' && !stopping ? 'Ensembling' : 'GeneratingExplainabilityReport' });
      await enqueueFinalize(this.deps.queue, name);
      return;
    }
    if (now > deadline + GRACE_MS) {
      await this.deps.queue.cancel(finalizeQueueId(name)).catch(() => undefined);
      throw new JobFailure(`The job ran ${Math.round((now - created) / 1000)} s, past its budget of ${spec.maxRuntimeSeconds} s, without finishing`);
    }
  }

  /** The data-exploration report, from the analysis, the version's statistics and the correlations with the target. */
  private async writeExploration(name: string, spec: AutomlSpec, analysis: AutomlAnalysis): Promise<void> {
    const version = await this.deps.datasets.describe(spec.dataset);
    const query = correlationQuery(spec.dataset, { columns: analysis.columns, problemType: analysis.problemType, targetMapping: analysis.targetMapping });
    let correlations: Record<string, number | null> | undefined;
    if (query) {
      // Correlations are a nicety of the report: a query that fails leaves them out.
      const row = (await this.deps.datasets.query(query.sql).catch(() => null))?.rows[0];
      if (row) correlations = readCorrelations(query, row);
    }
    const report = explorationReport({ ...analysis, objective: spec.objective }, { dataset: spec.dataset, rowCount: version.rowCount, columns: version.columns }, correlations ? { correlations } : {});
    await this.deps.artifacts.put(reportKey(name, 'exploration', 'json'), Buffer.from(JSON.stringify(report.json, null, 2)));
    await this.deps.artifacts.put(reportKey(name, 'exploration', 'md'), Buffer.from(report.markdown));
  }

  /** Fits and applies each variant's recipe, one recipe job at a time per variant. */
  private async engineer(name: string, spec: AutomlSpec, analysis: AutomlAnalysis, state: AutomlState): Promise<void> {
    const { store, recipes } = this.deps;
    if (!state.input) {
      state.input = await this.prepareInput(name, spec, analysis);
      await store.update(name, { state });
    }
    for (const r of analysis.recipes) {
      const v = (state.variants[r.variant] ??= { recipe: `${name}-${r.variant}` });
      if (v.splits) continue;
      if (!v.fitJob) {
        await ignoreExists(recipes.create({ name: v.recipe, definition: r.definition, description: `AutoML job ${name}: the ${r.variant} recipe`, tags: { automlJob: name } }), 'ORCH_RECIPE_EXISTS');
        v.fitJob = `${name}-${r.variant}-fit`;
        await store.update(name, { state });
        await ignoreExists(recipes.createJob({ kind: 'fit', name: v.fitJob, recipe: v.recipe, dataset: state.input, tags: { automlJob: name } }), 'ORCH_RECIPE_JOB_EXISTS');
        continue;
      }
      if (!v.fitRef) {
        const job = await recipes.describeJob(v.fitJob);
        if (job.status === 'InProgress') continue;
        if (job.status !== 'Completed' || job.fitVersion === null) throw new JobFailure(`Fitting the ${r.variant} recipe failed: ${job.failureReason ?? job.status}`);
        v.fitRef = `${v.recipe}@${job.fitVersion}`;
        v.applyJob = `${name}-${r.variant}-apply`;
        await store.update(name, { state });
        await ignoreExists(recipes.createJob({ kind: 'apply', name: v.applyJob, recipe: v.fitRef, dataset: state.input, output: `${name}-${r.variant}`, tags: { automlJob: name } }), 'ORCH_RECIPE_JOB_EXISTS');
        continue;
      }
      const job = await recipes.describeJob(v.applyJob!);
      if (job.status === 'InProgress') continue;
      if (job.status !== 'Completed') throw new JobFailure(`Applying the ${r.variant} recipe failed: ${job.failureReason ?? job.status}`);
      const splits = Object.fromEntries(job.outputs.map((o) => [o.split, o.ref]));
      if (!splits.train || !splits.validation) throw new JobFailure(`The ${r.variant} recipe wrote no train and validation splits (it wrote ${Object.keys(splits).join(', ') || 'nothing'})`);
      v.splits = splits;
      await store.update(name, { state });
    }
  }

  /**
   * The dataset the recipes read: the source, or, when the analysis maps the class labels
   * to 0 … K-1 (built-in algorithms read class ids), its copy made by one SELECT.
   */
  private async prepareInput(name: string, spec: AutomlSpec, analysis: AutomlAnalysis): Promise<string> {
    if (!analysis.targetMapping) return spec.dataset;
    const sql = targetMappingQuery(spec.dataset, analysis.columns.map((c) => c.name), analysis.targetMapping);
    const version = await this.deps.datasets.createFromQuery({ name: `${name}-input`, sql, description: `AutoML job ${name}: ${spec.dataset} with the classes as 0 … K-1`, tags: { automlJob: name } });
    return `${version.name}@${version.version}`;
  }

  /**
   * Cross-validation's data: the input dealt into k folds (two datasets per fold, by one
   * SELECT each), then per variant and fold its recipe without the split fitted on the
   * rows outside the fold and applied to both sides, so nothing a fold's model is scored
   * on was seen by its recipe or its training.
   */
  private async engineerFolds(name: string, spec: AutomlSpec, analysis: AutomlAnalysis, state: AutomlState): Promise<void> {
    const { store, recipes } = this.deps;
    const k = analysis.validation.folds ?? 5;
    const folds = (state.folds ??= { variants: {} });
    if (!folds.inputs) {
      const columns = analysis.columns.map((c) => c.name);
      const inputs: Array<{ train: string; validation: string }> = [];
      for (let fold = 0; fold < k; fold++) {
        const side = async (which: 'train' | 'validation') =>
          this.datasetOnce(`${name}-fold${fold + 1}-${which}`, foldQuery(state.input!, columns, spec.target, { fold, folds: k, seed: spec.seed, stratified: analysis.problemType !== 'regression', side: which }), `AutoML job ${name}: fold ${fold + 1} of ${k}, ${which === 'train' ? 'the rows outside it' : 'its rows'}`, name);
        inputs.push({ train: await side('train'), validation: await side('validation') });
      }
      folds.inputs = inputs;
      await store.update(name, { state });
    }
    for (const r of analysis.recipes) {
      const v = (folds.variants[r.variant] ??= { recipe: `${name}-${r.variant}-cv`, folds: [] });
      for (let fold = 0; fold < k; fold++) {
        const f = (v.folds[fold] ??= {});
        if (f.train && f.validation) continue;
        const label = `${name}-${r.variant}-cv${fold + 1}`;
        if (!f.fitJob) {
          const parsed = JSON.parse(r.definition) as { target?: string; steps: Array<Record<string, unknown>> };
          const definition = formatRecipe({ ...parsed, steps: parsed.steps.filter((step) => !('split' in step)) } as unknown as Parameters<typeof formatRecipe>[0]);
          await ignoreExists(recipes.create({ name: v.recipe, definition, description: `AutoML job ${name}: the ${r.variant} recipe without its split, fitted per fold`, tags: { automlJob: name } }), 'ORCH_RECIPE_EXISTS');
          f.fitJob = `${label}-fit`;
          await store.update(name, { state });
          await ignoreExists(recipes.createJob({ kind: 'fit', name: f.fitJob, recipe: v.recipe, dataset: folds.inputs[fold].train, tags: { automlJob: name } }), 'ORCH_RECIPE_JOB_EXISTS');
          continue;
        }
        if (!f.fitRef) {
          const job = await recipes.describeJob(f.fitJob);
          if (job.status === 'InProgress') continue;
          if (job.status !== 'Completed' || job.fitVersion === null) throw new JobFailure(`Fitting the ${r.variant} recipe on fold ${fold + 1} failed: ${job.failureReason ?? job.status}`);
          f.fitRef = `${v.recipe}@${job.fitVersion}`;
          f.trainJob = `${label}-train`;
          f.validationJob = `${label}-validation`;
          await store.update(name, { state });
          await ignoreExists(recipes.createJob({ kind: 'apply', name: f.trainJob, recipe: f.fitRef, dataset: folds.inputs[fold].train, output: `${label}-train`, tags: { automlJob: name } }), 'ORCH_RECIPE_JOB_EXISTS');
          await ignoreExists(recipes.createJob({ kind: 'apply', name: f.validationJob, recipe: f.fitRef, dataset: folds.inputs[fold].validation, output: `${label}-validation`, tags: { automlJob: name } }), 'ORCH_RECIPE_JOB_EXISTS');
          continue;
        }
        for (const side of ['train', 'validation'] as const) {
          if (f[side]) continue;
          const job = await recipes.describeJob(side === 'train' ? f.trainJob! : f.validationJob!);
          if (job.status === 'InProgress') continue;
          if (job.status !== 'Completed' || job.outputs.length !== 1) throw new JobFailure(`Applying the ${r.variant} recipe to fold ${fold + 1} (${side}) failed: ${job.failureReason ?? job.status}`);
          f[side] = job.outputs[0].ref;
          await store.update(name, { state });
        }
      }
    }
  }

  /** A dataset written by one SELECT, once: a version tagged with this job is taken as it is (a restart). */
  private async datasetOnce(dataset: string, sql: string, description: string, job: string): Promise<string> {
    const existing = await this.deps.datasets.describe(dataset).catch((err) => (isOrchardError(err) && err.code === 'ORCH_DATASET_NOT_FOUND' ? null : Promise.reject(err)));
    if (existing && existing.tags.automlJob === job) return `${existing.name}@${existing.version}`;
    const version = await this.deps.datasets.createFromQuery({ name: dataset, sql, description, tags: { automlJob: job } });
    return `${version.name}@${version.version}`;
  }

  private async stopFeatureEngineering(name: string, state: AutomlState): Promise<void> {
    let running = false;
    const foldJobs = Object.values(state.folds?.variants ?? {}).flatMap((v) => v.folds.map((f) => ({ fitJob: f.fitJob, applyJob: f.trainJob, validationJob: f.validationJob })));
    for (const v of [...Object.values(state.variants).map((x) => ({ ...x, validationJob: undefined })), ...foldJobs]) {
      for (const job of [v.fitJob, v.applyJob, v.validationJob]) {
        if (!job) continue;
        const j = await this.deps.recipes.describeJob(job).catch(() => null);
        if (j?.status === 'InProgress') {
          running = true;
          await this.deps.recipes.stopJob(job).catch(() => undefined);
        }
      }
    }
    if (!running) await this.deps.store.update(name, { status: 'Stopped', secondary: 'Stopped' });
  }

  /** Brings every unfinished candidate up to date with its training job. */
  private async refreshCandidates(name: string, spec: AutomlSpec, analysis: AutomlAnalysis, stopping: boolean): Promise<AutomlCandidatesTable[]> {
    const { store, training } = this.deps;
    for (const c of await store.candidates(name)) {
      if (TERMINAL.has(c.status) || !c.training_job) continue;
      // The candidate's training job, and one per fold when the job cross-validates.
      const names = candidateJobs(c.training_job, analysis);
      const jobs = await Promise.all(names.map((n) => training.describe(n).catch((err) => (isOrchardError(err) && err.code === 'ORCH_JOB_NOT_FOUND' ? null : Promise.reject(err)))));
      if (jobs.some((j) => j === null)) {
        // The server stopped between recording the candidate and creating its jobs.
        if (stopping) {
          for (const j of jobs) if (j && !TERMINAL.has(j.status)) await training.stop(j.name).catch(() => undefined);
          if (jobs.every((j) => j === null || TERMINAL.has(j.status))) await store.updateCandidate(name, c.name, { status: 'Stopped', ended_at: new Date().toISOString() });
        } else await this.createTrainingJob(name, spec, c, JSON.parse(c.params_json) as Record<string, string>);
        continue;
      }
      const done = jobs as NonNullable<(typeof jobs)[number]>[];
      if (!done.every((j) => TERMINAL.has(j.status))) continue;
      const metric = staticHyperParameters(c.algorithm as CandidatePair['algorithm'], analysis.problemType, spec.objective, 0, 0).search.metric;
      const values = done.map((j) => j.finalMetrics[metric]);
      const reported = done.map((j, i) => j.status === 'Completed' && values[i] !== undefined && Number.isFinite(values[i]));
      const ok = reported.every(Boolean);
      const bad = done.find((j, i) => !reported[i]);
      const status = ok ? 'Completed' : done.some((j) => j.status === 'Failed') ? 'Failed' : done.some((j) => j.status === 'Stopped' || j.status === 'Stopping') ? 'Stopped' : 'Failed';
      // The search follows the mean over the folds when there are folds, else the one job's value.
      const folds = values.slice(1);
      const objective = !ok ? null : folds.length > 0 ? folds.reduce((a, b) => a + b, 0) / folds.length : values[0];
      const seconds = done.every((j) => j.startedAt && j.endedAt) ? done.reduce((a, j) => a + (Date.parse(j.endedAt!) - Date.parse(j.startedAt!)) / 1000, 0) : null;
      await store.updateCandidate(name, c.name, {
        status,
        trained_objective: objective,
        metrics_json: JSON.stringify(done[0].finalMetrics),
        training_seconds: seconds,
        failure_reason: ok ? null : bad!.status === 'Completed' ? `${bad!.name}: the training job did not report ${metric}` : `${bad!.name}: ${bad!.failureReason ?? bad!.status}`,
        ended_at: done.map((j) => j.endedAt).filter(Boolean).sort().at(-1) ?? new Date().toISOString(),
      });
    }
    return store.candidates(name);
  }

  /** Launches candidates up to the parallel limit, the pair with the fewest first. */
  private async launch(name: string, spec: AutomlSpec, analysis: AutomlAnalysis, state: AutomlState, trained: AutomlCandidatesTable[], running: number): Promise<void> {
    const pairs = candidatePairs(analysis.recipes.map((r) => r.variant), spec.maxCandidates);
    const counts = new Map<string, number>();
    for (const c of trained) counts.set(`${c.variant}/${c.algorithm}`, (counts.get(`${c.variant}/${c.algorithm}`) ?? 0) + 1);
    const classes = analysis.classes?.length ?? 0;
    let seq = trained.length;
    while (running < spec.maxParallel && seq < spec.maxCandidates && !this.stopped) {
      const pair = nextPair(pairs, counts);
      const { hyperParameters, search } = staticHyperParameters(pair.algorithm, analysis.problemType, spec.objective, classes, spec.seed);
      const params = this.suggest(spec, pair, pairs.indexOf(pair), trained.filter((c) => c.variant === pair.variant && c.algorithm === pair.algorithm), search.direction);
      const all = { ...hyperParameters, ...Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])) };
      const candidate = `${name}-${seq + 1}`;
      const recorded = await this.deps.store.addCandidate({ job: name, seq, name: candidate, variant: pair.variant, algorithm: pair.algorithm, training_job: candidate, params_json: JSON.stringify(all), status: 'InProgress', members_json: null });
      if (!recorded) return; // another controller took this number; look again next tick
      const row = (await this.deps.store.candidates(name)).find((c) => c.name === candidate)!;
      await this.createTrainingJob(name, spec, row, all, state);
      trained.push(row);
      counts.set(pairKey(pair), (counts.get(pairKey(pair)) ?? 0) + 1);
      seq++;
      running++;
    }
  }

  /** The pair's strategy, rebuilt from its candidates so far (a restart suggests the same point). */
  private suggest(spec: AutomlSpec, pair: CandidatePair, index: number, done: AutomlCandidatesTable[], direction: 'maximize' | 'minimize'): ParamValues {
    const ranges = searchRanges(pair.algorithm);
    const portfolio = initialConfigs(pair.algorithm);
    if (done.length < portfolio.length) return portfolio[done.length];
    const strategy = createStrategy('bayesian', { ranges, direction, seed: spec.seed + 7919 * index, maxTrials: spec.maxCandidates });
    const trials: TrialState[] = done.map((c, i) => {
      const stored = JSON.parse(c.params_json) as Record<string, string>;
      const params: ParamValues = {};
      for (const r of ranges) if (stored[r.name] !== undefined) params[r.name] = r.type === 'categorical' ? stored[r.name] : Number(stored[r.name]);
      const status = c.status === 'Completed' ? 'completed' : c.status === 'Failed' ? 'failed' : c.status === 'Stopped' ? 'stopped' : 'running';
      return { id: i, params, status, ...(c.trained_objective !== null ? { objective: Number(c.trained_objective) } : {}), intermediate: [] };
    });
    return strategy.suggest(trials) ?? {};
  }

  /**
   * Creates the candidate's training job on the recipe's split and, when the job
   * cross-validates, one per fold on that fold's datasets; a job that exists (created
   * before a restart) is left as it is.
   */
  private async createTrainingJob(name: string, spec: AutomlSpec, c: AutomlCandidatesTable, hyperParameters: Record<string, string>, known?: AutomlState): Promise<void> {
    const row = await this.deps.store.row(name);
    const state = known ?? (JSON.parse(row.state_json) as AutomlState);
    const splits = state.variants[c.variant!]?.splits ?? {};
    const created = Date.parse(row.created_at);
    const left = Math.floor((created + 0.9 * spec.maxRuntimeSeconds * 1000 - Date.now()) / 1000);
    const folds = state.folds?.variants[c.variant!]?.folds ?? [];
    const runs = [
      { job: c.training_job!, train: splits.train, validation: splits.validation, tags: {} as Record<string, string> },
      ...folds.map((f, i) => ({ job: foldJobName(c.training_job!, i), train: f.train, validation: f.validation, tags: { fold: String(i + 1) } as Record<string, string> })),
    ];
    for (const run of runs) {
      try {
        await this.deps.training.create({
          name: run.job,
          algorithm: c.algorithm,
          hyperParameters,
          channels: { train: run.train!, validation: run.validation! },
          maxRuntimeSeconds: Math.max(30, left),
          cpus: spec.cpus,
          tags: { ...spec.tags, automlJob: name, candidate: c.name, recipe: c.variant ?? '', ...run.tags },
          experiment: name,
        });
      } catch (err) {
        if (isOrchardError(err) && err.code === 'ORCH_TRAINING_EXISTS') continue; // created before a restart
        const reason = isOrchardError(err) ? `${err.code}: ${err.message}` : (err as Error).message;
        await this.deps.store.updateCandidate(name, c.name, { status: 'Failed', failure_reason: `${run.job}: ${reason}`.slice(0, 2000), ended_at: new Date().toISOString() });
        for (const other of runs) if (other.job !== run.job) await this.deps.training.stop(other.job).catch(() => undefined);
        return;
      }
    }
  }

  private async fail(name: string, reason: string): Promise<void> {
    await this.deps.store.update(name, { status: 'Failed', secondary: 'Failed', failureReason: reason });
  }
}

/** A candidate's training jobs: the one on the recipe's split, then one per fold when the job cross-validates. */
export function candidateJobs(trainingJob: string, analysis: AutomlAnalysis): string[] {
  const k = analysis.validation.method === 'cv' ? (analysis.validation.folds ?? 5) : 0;
  return [trainingJob, ...Array.from({ length: k }, (_, f) => foldJobName(trainingJob, f))];
}

/** Every fold of every variant has its training and held-out rows (always true without folds). */
function foldsEngineered(analysis: AutomlAnalysis, state: AutomlState): boolean {
  if (analysis.validation.method !== 'cv') return true;
  const k = analysis.validation.folds ?? 5;
  return analysis.recipes.every((r) => {
    const folds = state.folds?.variants[r.variant]?.folds ?? [];
    return folds.length === k && folds.every((f) => f.train && f.validation);
  });
}

async function ignoreExists(p: Promise<unknown>, code: string): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!(isOrchardError(err) && err.code === code)) throw err;
  }
}
