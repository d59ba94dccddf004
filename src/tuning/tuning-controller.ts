import { isOrchardError, Ticker } from '../core/index.js';
import { TRAINING_KIND, type TrainingJob, type TrainingService } from '../training/index.js';
import { createStrategy, medianStoppingRule, type ParamValues, type Strategy, type TrialState } from './strategies/index.js';
import { trialJobName, type TuningService } from './tuning-service.js';
import { TuningStore, toTrial } from './tuning-store.js';
import type { Trial, TuningSpec } from './types.js';
import type { TuningJobsTable } from '../storage/index.js';

export interface TuningControllerOptions {
  /**
   * How often each running tuning job is looked at: how soon the end of a trial run by
   * another process (a fleet worker) is seen. @default 1000
   */
  intervalMs?: number;
  /**
   * Where the controller hears of job attempts that ended in this process (the worker
   * loop's `onAttemptEnded`): a training job's end starts a pass at once, so the next
   * trial starts without waiting for the tick.
   */
  attemptsEnded?: (listener: (job: { id: string; kind: string }) => void) => () => void;
  onError?: (err: unknown) => void;
}

const TERMINAL = new Set(['Completed', 'Failed', 'Stopped']);

/**
 * Drives tuning jobs: each tick it reads every unfinished tuning job's trials from the
 * metadata DB, records finished ones, stops poor ones early, and launches new trials
 * (ordinary training jobs on the queue, so fleet workers run them) up to the parallel
 * limit. A training attempt that ends in this process's worker loop brings the next pass
 * forward; the tick finds trials that end elsewhere. All state is in the DB: a restarted
 * server carries on where it stopped, and a trial is recorded before its training job is
 * created, so none is lost or repeated.
 */
export class TuningController {
  private readonly ticker: Ticker;
  private readonly store: TuningStore;
  /** Objective series of finished trials (they no longer change), by training job. */
  private readonly finishedSeries = new Map<string, Array<{ step: number; value: number }>>();
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly tuning: TuningService,
    private readonly training: TrainingService,
    private readonly options: TuningControllerOptions = {},
  ) {
    this.store = tuning.store;
    this.ticker = new Ticker(() => this.tick(), options);
  }

  start(): void {
    this.ticker.start();
    this.unsubscribe = this.options.attemptsEnded?.((job) => {
      if (job.kind === TRAINING_KIND) this.ticker.wake();
    });
  }

  /** Starts no more passes and waits for the one in flight. */
  stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    return this.ticker.stop();
  }

  private get stopped(): boolean {
    return this.ticker.stopped;
  }

  /** One pass over every unfinished tuning job (public for tests). */
  async tick(): Promise<void> {
    for (const row of await this.store.active()) {
      if (this.stopped) return;
      try {
        await this.advance(row);
      } catch (err) {
        this.options.onError?.(err);
      }
    }
  }

  private async advance(row: TuningJobsTable): Promise<void> {
    const name = row.name;
    const spec = JSON.parse(row.spec_json) as TuningSpec;
    const trials = (await this.store.trials(name)).map(toTrial);
    const jobs = new Map<string, TrainingJob>();

    // 1. Bring every unfinished trial up to date with its training job.
    for (const trial of trials) {
      if (TERMINAL.has(trial.status)) continue;
      const job = await this.training.describe(trial.trainingJob).catch((err) => (isOrchardError(err) && err.code === 'ORCH_JOB_NOT_FOUND' ? null : Promise.reject(err)));
      if (!job) {
        // The server stopped between recording the trial and creating its job.
        if (Number(row.stop_requested) === 1) await this.finishTrial(name, trial, 'Stopped', null, null);
        else await this.launch(name, spec, trial.trial, paramsOf(trial, spec), true);
        continue;
      }
      jobs.set(trial.trainingJob, job);
      if (TERMINAL.has(job.status)) {
        const series = intermediate(job, spec.objective.metric);
        const final = job.finalMetrics[spec.objective.metric];
        if (job.status === 'Completed' && final === undefined) {
          await this.finishTrial(name, trial, 'Failed', null, `The job did not report the objective metric ${spec.objective.metric}`);
        } else {
          const objective = job.status === 'Completed' ? final : trial.earlyStopped ? (series.at(-1)?.value ?? null) : null;
          await this.finishTrial(name, trial, job.status, objective ?? null, job.failureReason);
        }
      }
    }
    const current = (await this.store.trials(name)).map(toTrial);
    const active = current.filter((t) => !TERMINAL.has(t.status));
    const failed = current.filter((t) => t.status === 'Failed');

    // 2. A stop request: stop the running trials; done once they have ended.
    if (Number(row.stop_requested) === 1) {
      for (const t of active) await this.training.stop(t.trainingJob).catch(() => undefined);
      if (active.length === 0) await this.store.setStatus(name, 'Stopped');
      return;
    }

    // 3. Early stopping: the median rule (Auto) and the strategy's own (Hyperband).
    const strategy = this.strategy(spec, await this.warmStart(spec));
    const needsSeries = spec.earlyStopping === 'Auto' || spec.strategy === 'hyperband';
    const states: TrialState[] = [];
    for (const t of current) states.push(toState(t, spec, jobs.get(t.trainingJob)?.status === 'InProgress' ? intermediate(jobs.get(t.trainingJob)!, spec.objective.metric) : needsSeries ? await this.seriesOf(t, spec) : []));
    for (const t of active) {
      const job = jobs.get(t.trainingJob);
      if (!job || job.status !== 'InProgress') continue;
      const state = states.find((s) => s.id === t.trial)!;
      const direction = spec.objective.type === 'Maximize' ? 'maximize' : 'minimize';
      const stop = (spec.earlyStopping === 'Auto' && medianStoppingRule(state, states, direction)) || Boolean(strategy.shouldStop?.(state, states));
      if (stop) {
        await this.store.updateTrial(name, t.trial, { earlyStopped: true });
        await this.training.stop(t.trainingJob).catch(() => undefined);
      }
    }

    // 4. Too many failures: launch no more; fail once the running ones end.
    const budgetSpent = failed.length > spec.maxFailedJobs;
    if (budgetSpent) {
      if (active.length === 0) {
        const last = failed.at(-1);
        await this.store.setStatus(name, 'Failed', `${failed.length} training jobs failed (more than maxFailedJobs ${spec.maxFailedJobs}); last: ${last?.trainingJob}: ${last?.failureReason ?? 'unknown'}`);
      }
      return;
    }

    // 5. Launch new trials up to the parallel limit.
    let launched = current.length;
    let running = active.length;
    let exhausted = false;
    while (running < spec.maxParallel && launched < spec.maxJobs && !this.stopped) {
      const fresh = this.strategy(spec, await this.warmStart(spec));
      const params = fresh.suggest(states);
      if (!params) {
        exhausted = true;
        break;
      }
      const ok = await this.launch(name, spec, launched, params, false);
      if (!ok) return; // another controller took this trial number; look again next tick
      states.push({ id: launched, params, status: 'running', intermediate: [] });
      launched++;
      running++;
    }

    // 6. Done when no trial runs and no more will start.
    if (running === 0 && (launched >= spec.maxJobs || exhausted)) {
      const final = (await this.store.trials(name)).map(toTrial);
      if (final.some((t) => t.status === 'Completed' && t.objective !== null)) await this.store.setStatus(name, 'Completed');
      else await this.store.setStatus(name, 'Failed', `No training job completed with the objective metric ${spec.objective.metric}`);
    }
  }

  /** Records a trial (unless it is being re-created), then creates its training job. */
  private async launch(name: string, spec: TuningSpec, trial: number, params: ParamValues, recorded: boolean): Promise<boolean> {
    const jobName = trialJobName(name, trial);
    if (!recorded && !(await this.store.addTrial(name, trial, jobName, params))) return false;
    try {
      await this.training.create({
        name: jobName,
        ...(spec.algorithm ? { algorithm: spec.algorithm } : { script: spec.script! }),
        hyperParameters: { ...spec.staticHyperParameters, ...Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])) },
        channels: spec.channels,
        maxRuntimeSeconds: spec.maxRuntimeSeconds,
        maxRetries: spec.maxRetries,
        metricDefinitions: spec.metricDefinitions,
        ...(spec.cpus !== undefined ? { cpus: spec.cpus } : {}),
        tags: { ...spec.tags, tuningJob: name, trial: String(trial) },
        experiment: name,
      });
    } catch (err) {
      if (isOrchardError(err) && err.code === 'ORCH_TRAINING_EXISTS') return true; // created before a restart
      const reason = isOrchardError(err) ? `${err.code}: ${err.message}` : (err as Error).message;
      await this.store.updateTrial(name, trial, { status: 'Failed', failureReason: reason, endedAt: new Date().toISOString() });
    }
    return true;
  }

  private async seriesOf(trial: Trial, spec: TuningSpec): Promise<Array<{ step: number; value: number }>> {
    if (!TERMINAL.has(trial.status)) return [];
    let series = this.finishedSeries.get(trial.trainingJob);
    if (!series) {
      const job = await this.training.describe(trial.trainingJob).catch(() => null);
      series = job ? intermediate(job, spec.objective.metric) : [];
      this.finishedSeries.set(trial.trainingJob, series);
    }
    return series;
  }

  private async finishTrial(name: string, trial: Trial, status: Trial['status'], objective: number | null, reason: string | null): Promise<void> {
    await this.store.updateTrial(name, trial.trial, { status, objective, failureReason: reason, endedAt: new Date().toISOString() });
  }

  /**
   * A fresh strategy per decision: a strategy's suggestion is a function of the seed and
   * the trials so far, so a restarted controller suggests the same points.
   */
  private strategy(spec: TuningSpec, warmStart: TrialState[]): Strategy {
    return createStrategy(spec.strategy, {
      ranges: spec.ranges,
      direction: spec.objective.type === 'Maximize' ? 'maximize' : 'minimize',
      seed: spec.seed,
      maxTrials: spec.maxJobs,
      warmStart,
      ...(spec.hyperband ? { hyperband: spec.hyperband } : {}),
    });
  }

  private async warmStart(spec: TuningSpec): Promise<TrialState[]> {
    const out: TrialState[] = [];
    const names = new Set(spec.ranges.map((r) => r.name));
    for (const parent of spec.warmStart) {
      const parentSpec = JSON.parse((await this.store.row(parent)).spec_json) as TuningSpec;
      for (const t of (await this.store.trials(parent)).map(toTrial)) {
        if (t.status !== 'Completed' || t.objective === null) continue;
        const params = paramsOf(t, parentSpec);
        if (!Object.keys(params).every((k) => names.has(k)) || Object.keys(params).length !== names.size) continue;
        out.push({ id: -1 - out.length, params, status: 'completed', objective: t.objective, intermediate: [] });
      }
    }
    return out;
  }
}

/** A trial's tuned values typed as the strategy produced them (numbers stay numbers). */
function paramsOf(trial: Trial, spec: TuningSpec): ParamValues {
  const out: ParamValues = {};
  for (const r of spec.ranges) {
    const v = trial.hyperParameters[r.name];
    if (v === undefined) continue;
    out[r.name] = r.type === 'categorical' ? v : Number(v);
  }
  return out;
}

function intermediate(job: TrainingJob, metric: string): Array<{ step: number; value: number }> {
  const points = job.metrics.filter((p) => p.name === metric);
  return points.map((p, i) => ({ step: p.step ?? i, value: p.value }));
}

function toState(t: Trial, spec: TuningSpec, series: Array<{ step: number; value: number }>): TrialState {
  const status = t.status === 'Completed' ? 'completed' : t.status === 'Failed' ? 'failed' : t.status === 'Stopped' ? 'stopped' : 'running';
  return {
    id: t.trial,
    params: paramsOf(t, spec),
    status,
    ...(t.objective !== null ? { objective: t.objective } : {}),
    intermediate: series,
  };
}
