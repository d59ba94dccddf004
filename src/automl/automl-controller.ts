import { Ticker } from '../core/index.js';
import type { DatasetService } from '../data/index.js';
import type { JobQueue } from '../jobs/index.js';
import type { RecipeService } from '../recipes/index.js';
import type { TrainingService } from '../training/index.js';
import type { AutomlJobsTable, AutomlStore } from './automl-store.js';
import { reportKey } from './automl-service.js';
import { correlationQuery, explorationReport, readCorrelations } from './reports/index.js';
import type { ArtifactStore } from '../storage/index.js';
import { fitsBeforeEnd, median, planBudget } from './budget.js';
import { candidatePairs, nextPair, pairKey, type CandidatePair } from './candidates.js';
import { enqueueFinalize } from './finalize-queue.js';
import { featuresEngineered, FeatureEngineering } from './automl-features.js';
import { CandidateTraining, TERMINAL } from './automl-training.js';
import type { AutomlCandidatesTable } from './automl-store.js';
import { JobFailure } from './job-failure.js';
import { finalizeQueueId, type AutomlAnalysis, type AutomlSpec, type AutomlState } from './types.js';

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

/** Candidates failing in a row, with none completed, that fail the job. */
const MAX_FAILED_FIRST = 3;
/** Running past its budget by this much, a job that has not finished is failed. */
const GRACE_MS = 10 * 60_000;

/**
 * Drives AutoML jobs through their phases, like the tuning controller: each tick reads
 * every unfinished job from the metadata DB and moves it one step on. Recipe jobs, training
 * jobs and the finalize job run on the workers; every step is recorded before it is
 * acted on (a recipe job's or a candidate's name is written first, then it is created,
 * and "exists" counts as created), so a restarted server carries on without repeating.
 * This is the state machine only: the feature-engineering phase is `FeatureEngineering`
 * (automl-features.ts), the candidates' training jobs `CandidateTraining` (automl-training.ts).
 */
export class AutomlController {
  private readonly ticker: Ticker;
  private readonly features: FeatureEngineering;
  private readonly candidates: CandidateTraining;

  constructor(
    private readonly deps: AutomlControllerDeps,
    private readonly options: AutomlControllerOptions = {},
  ) {
    this.features = new FeatureEngineering(deps);
    this.candidates = new CandidateTraining(deps, () => this.stopped);
    this.ticker = new Ticker(() => this.tick(), options);
  }

  start(): void {
    this.ticker.start();
  }

  /** Starts no more passes and waits for the one in flight. */
  stop(): Promise<void> {
    return this.ticker.stop();
  }

  private get stopped(): boolean {
    return this.ticker.stopped;
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
    if (!featuresEngineered(analysis, state)) {
      if (stopping) return this.features.stop(name, state);
      if (now > deadline) throw new JobFailure(`The budget of ${spec.maxRuntimeSeconds} s ran out during feature engineering`);
      if (row.secondary_status !== 'FeatureEngineering') await store.update(name, { secondary: 'FeatureEngineering' });
      await this.features.advance(name, spec, analysis, state);
      return;
    }

    // Phase 2: candidates.
    const candidates = await this.candidates.refresh(name, spec, analysis, stopping);
    const trained = candidates.filter((c) => c.algorithm !== 'ensemble');
    const active = trained.filter((c) => !TERMINAL.has(c.status));
    const completed = trained.filter((c) => c.status === 'Completed');
    // The budget's split, from what the candidates measured: the finalize's expected time is kept at the end.
    const budget = planBudget(spec, analysis, created, trained, now);
    if (!state.tuningDone) {
      const failed = trained.filter((c) => c.status === 'Failed');
      if (completed.length === 0 && failed.length >= MAX_FAILED_FIRST && active.length === 0) {
        throw new JobFailure(`${failed.length} candidates failed and none completed; last: ${failed.at(-1)!.training_job}: ${failed.at(-1)!.failure_reason ?? 'unknown'}`);
      }
      if (!state.budget?.tuningStartedAt) {
        state.budget = { ...state.budget, tuningStartedAt: new Date(now).toISOString() };
        await store.update(name, { state });
      }
      // A candidate is launched when it is expected to end before the candidates' end.
      const expected = (pair: CandidatePair) => median(completed.filter((c) => `${c.variant}/${c.algorithm}` === pairKey(pair) && c.ended_at).map((c) => (Date.parse(c.ended_at!) - Date.parse(c.created_at)) / 1000));
      const fits = (pair: CandidatePair) => fitsBeforeEnd(Date.now(), budget.tuningEnd, expected(pair));
      const next = nextPair(candidatePairs(analysis.recipes.map((r) => r.variant), spec.maxCandidates), pairCounts(trained));
      const outOfTime = now >= budget.tuningEnd || (active.length === 0 && !fits(next));
      const reason = stopping ? 'Stopped' : trained.length >= spec.maxCandidates ? 'MaxCandidatesReached' : outOfTime ? 'MaxAutoMLJobRuntimeReached' : null;
      if (reason) {
        state.tuningDone = reason;
        await store.update(name, { state, ...(reason === 'Stopped' ? {} : { secondary: reason }) });
      } else {
        if (row.secondary_status !== 'ModelTuning') await store.update(name, { secondary: 'ModelTuning' });
        await this.candidates.launch(name, spec, analysis, state, trained, active.length, { fits, stopBy: budget.lastStop });
        return;
      }
    }
    // Running candidates are let finish until the candidates' end (while none has completed,
    // until the one candidate's finalize still fits); then they are stopped.
    if (active.length > 0) {
      if (stopping || now >= (completed.length > 0 ? budget.tuningEnd : budget.lastStop)) {
        await this.candidates.stopRunning(active, analysis);
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
      state.budget = { ...state.budget, finalizeQueuedAt: new Date(now).toISOString(), finalizeEstimateSeconds: Math.round(budget.finalizeEstimate * 10) / 10 };
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

  private async fail(name: string, reason: string): Promise<void> {
    await this.deps.store.update(name, { status: 'Failed', secondary: 'Failed', failureReason: reason });
  }
}

/** Candidates launched per (recipe, algorithm) pair. */
function pairCounts(trained: readonly AutomlCandidatesTable[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const c of trained) counts.set(`${c.variant}/${c.algorithm}`, (counts.get(`${c.variant}/${c.algorithm}`) ?? 0) + 1);
  return counts;
}
