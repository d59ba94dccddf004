/**
 * The model-tuning phase of an AutoML job: candidates launched as ordinary training jobs
 * (one on the recipe's split, and one per fold when the job cross-validates), their
 * hyperparameters from the pair's portfolio and then its Bayesian strategy, and each
 * candidate brought up to date with its training jobs.
 */
import { isOrchardError } from '../core/index.js';
import type { TrainingService } from '../training/index.js';
import { createStrategy, type ParamValues, type TrialState } from '../tuning/strategies/index.js';
import type { AutomlCandidatesTable, AutomlStore } from './automl-store.js';
import { BUDGET_RULES } from './budget.js';
import { candidatePairs, initialConfigs, nextPair, pairKey, searchRanges, staticHyperParameters, type CandidatePair } from './candidates.js';
import { foldJobName, type AutomlAnalysis, type AutomlSpec, type AutomlState } from './types.js';

export interface CandidateTrainingDeps {
  store: Pick<AutomlStore, 'addCandidate' | 'candidates' | 'row' | 'updateCandidate'>;
  training: Pick<TrainingService, 'create' | 'describe' | 'stop'>;
}

/** Statuses a candidate or a training job does not leave. */
export const TERMINAL = new Set(['Completed', 'Failed', 'Stopped']);

/** A candidate's training jobs: the one on the recipe's split, then one per fold when the job cross-validates. */
export function candidateJobs(trainingJob: string, analysis: AutomlAnalysis): string[] {
  const k = analysis.validation.method === 'cv' ? (analysis.validation.folds ?? 5) : 0;
  return [trainingJob, ...Array.from({ length: k }, (_, f) => foldJobName(trainingJob, f))];
}

export class CandidateTraining {
  /** `stopped` says the controller is shutting down: no more candidates are launched. */
  constructor(
    private readonly deps: CandidateTrainingDeps,
    private readonly stopped: () => boolean = () => false,
  ) {}

  /** Brings every unfinished candidate up to date with its training jobs. */
  async refresh(name: string, spec: AutomlSpec, analysis: AutomlAnalysis, stopping: boolean): Promise<AutomlCandidatesTable[]> {
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
        } else await this.createTrainingJobs(name, spec, c, JSON.parse(c.params_json) as Record<string, string>);
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

  /**
   * Launches candidates up to the parallel limit, the pair with the fewest first, while the
   * next one is expected to end in time (`fits`); each training job is given until `stopBy`
   * (epoch ms), when the budget has no more use for it.
   */
  async launch(name: string, spec: AutomlSpec, analysis: AutomlAnalysis, state: AutomlState, trained: AutomlCandidatesTable[], running: number, budget: { fits: (pair: CandidatePair) => boolean; stopBy: number } = { fits: () => true, stopBy: Infinity }): Promise<void> {
    const pairs = candidatePairs(analysis.recipes.map((r) => r.variant), spec.maxCandidates);
    const counts = new Map<string, number>();
    for (const c of trained) counts.set(`${c.variant}/${c.algorithm}`, (counts.get(`${c.variant}/${c.algorithm}`) ?? 0) + 1);
    const classes = analysis.classes?.length ?? 0;
    let seq = trained.length;
    while (running < spec.maxParallel && seq < spec.maxCandidates && !this.stopped()) {
      const pair = nextPair(pairs, counts);
      if (!budget.fits(pair)) return;
      const { hyperParameters, search } = staticHyperParameters(pair.algorithm, analysis.problemType, spec.objective, classes, spec.seed);
      const params = suggest(spec, pair, pairs.indexOf(pair), trained.filter((c) => c.variant === pair.variant && c.algorithm === pair.algorithm), search.direction);
      const all = { ...hyperParameters, ...Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])) };
      const candidate = `${name}-${seq + 1}`;
      const recorded = await this.deps.store.addCandidate({ job: name, seq, name: candidate, variant: pair.variant, algorithm: pair.algorithm, training_job: candidate, params_json: JSON.stringify(all), status: 'InProgress', members_json: null });
      if (!recorded) return; // another controller took this number; look again next tick
      const row = (await this.deps.store.candidates(name)).find((c) => c.name === candidate)!;
      await this.createTrainingJobs(name, spec, row, all, state, budget.stopBy);
      trained.push(row);
      counts.set(pairKey(pair), (counts.get(pairKey(pair)) ?? 0) + 1);
      seq++;
      running++;
    }
  }

  /** Stops the training jobs of candidates still running (the budget is spent, or the job is stopping). */
  async stopRunning(active: readonly AutomlCandidatesTable[], analysis: AutomlAnalysis): Promise<void> {
    for (const c of active) for (const job of candidateJobs(c.training_job!, analysis)) await this.deps.training.stop(job).catch(() => undefined);
  }

  /**
   * Creates the candidate's training job on the recipe's split and, when the job
   * cross-validates, one per fold on that fold's datasets; a job that exists (created
   * before a restart) is left as it is.
   */
  private async createTrainingJobs(name: string, spec: AutomlSpec, c: AutomlCandidatesTable, hyperParameters: Record<string, string>, known?: AutomlState, stopBy = Infinity): Promise<void> {
    const row = await this.deps.store.row(name);
    const state = known ?? (JSON.parse(row.state_json) as AutomlState);
    const splits = state.variants[c.variant!]?.splits ?? {};
    // The controller stops it when the budget says; its own limit is the backstop (after a
    // restart, with no plan at hand: the budget less the finalize's largest share).
    const created = Date.parse(row.created_at);
    const end = Number.isFinite(stopBy) ? stopBy : created + (1 - BUDGET_RULES.maxReserveShare) * spec.maxRuntimeSeconds * 1000;
    const left = Math.floor((end - Date.now()) / 1000);
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
          maxRuntimeSeconds: Math.max(10, left),
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
}

/** The pair's strategy, rebuilt from its candidates so far (a restart suggests the same point). */
export function suggest(spec: Pick<AutomlSpec, 'seed' | 'maxCandidates'>, pair: CandidatePair, index: number, done: AutomlCandidatesTable[], direction: 'maximize' | 'minimize'): ParamValues {
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
