/**
 * The debugger: a training job's rules evaluated as its metric points arrive, their
 * statuses stored, the actions taken (stop the attempt, notify webhooks), and each
 * attempt's profile. Implements training's `TrainingRulesPort`; the platform wires it.
 */
import { OrchardError } from '../core/index.js';
import type { DatasetService } from '../data/index.js';
import type { MetadataStore } from '../storage/index.js';
import type { AttemptWatch, TrainingRulesPort, WatchedAttempt } from '../training/index.js';
import { DebuggerStore } from './debugger-store.js';
import { AttemptProfiler, summarise } from './profiler.js';
import { resolveRules } from './rule-config.js';
import { RuleEvaluator } from './rule-evaluator.js';
import type { RuleConfig, RuleStatus, TrainingProfile } from './types.js';

/** Delivers a `training.rule` event to every webhook that takes it; wired to the webhooks capability. */
export interface RuleNotifier {
  notify(event: { job: string; attempt: number; rule: string; status: string; message: string | null }): Promise<void>;
}

export interface DebuggerDeps {
  metadata: MetadataStore;
  datasets: Pick<DatasetService, 'describe'>;
  notifier?: RuleNotifier;
  /** How often a running attempt's profile is written. @default 5000 */
  profileWriteMs?: number;
  log?: (message: string) => void;
}

export class DebuggerService implements TrainingRulesPort {
  private readonly store: DebuggerStore;

  constructor(private readonly deps: DebuggerDeps) {
    this.store = new DebuggerStore(deps.metadata);
  }

  check(rules: readonly RuleConfig[] | undefined) {
    return resolveRules(rules).problems;
  }

  statuses(job: string): Promise<RuleStatus[]> {
    return this.store.rules(job);
  }

  /** Every attempt's profile, oldest first; `ORCH_DEBUGGER_PROFILE_NOT_FOUND` before the first attempt started. */
  async profile(job: string): Promise<TrainingProfile> {
    const stored = await this.store.profiles(job);
    if (stored.length === 0) throw new OrchardError('ORCH_DEBUGGER_PROFILE_NOT_FOUND', { message: `Training job '${job}' has no profile yet (it has not started)`, details: { name: job } });
    return { job, attempts: stored.map(summarise) };
  }

  async watch(a: WatchedAttempt): Promise<AttemptWatch> {
    const { rules } = resolveRules(a.rules);
    const log = this.deps.log ?? (() => undefined);
    const profiler = new AttemptProfiler(a.attempt);
    const evaluator = rules.length ? new RuleEvaluator({ ...a, store: this.store, datasetService: this.deps.datasets, notifier: this.deps.notifier, log }, rules) : null;
    await evaluator?.start();
    let writing = Promise.resolve();
    const write = () => {
      writing = writing.then(() => this.store.saveProfile(a.job, profiler.snapshot()).catch((err: Error) => log(`debugger: the profile of ${a.job} was not written: ${err.message}`)));
      return writing;
    };
    await write();
    const timer = setInterval(() => void write(), this.deps.profileWriteMs ?? 5000);
    timer.unref();
    let closed = false;
    return {
      dataReady: async (channels) => evaluator?.dataReady(channels),
      metric: (name, value, step) => evaluator?.push(name, value, step),
      phase: (name) => profiler.phase(name),
      processGroup: (pgid) => profiler.sampleGroup(pgid),
      async end(judge) {
        profiler.stopSampling();
        await evaluator?.end(judge);
      },
      async close() {
        if (closed) return write();
        closed = true;
        clearInterval(timer);
        profiler.stopSampling();
        profiler.phase(null);
        await evaluator?.end(false);
        return write();
      },
    };
  }
}
