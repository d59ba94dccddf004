/**
 * One attempt's rules: each metric point updates the series and the rules still
 * `InProgress`; a rule that finds issues is settled (it keeps `IssuesFound`) and its
 * action runs once. Custom scripts run at most every few seconds while new points arrive,
 * and once more at the end.
 */
import type { DatasetService } from '../data/index.js';
import type { WatchedAttempt } from '../training/index.js';
import { classImbalance } from './class-imbalance.js';
import type { DebuggerStore } from './debugger-store.js';
import type { RuleNotifier } from './debugger-service.js';
import type { ResolvedRule } from './rule-config.js';
import { BUILTIN_RULE_TABLE, type SeriesPoint, type Verdict } from './rules.js';
import { runScriptRule, seriesInput } from './script-rule.js';

/** Least time between two runs of a custom rule's script while the job trains. */
const SCRIPT_EVERY_MS = 5000;
/**
 * Built-in rules read whole series (O(points) each), so past this many points they are
 * judged at most every {@link LARGE_EVERY_MS} rather than on every point: a job logging
 * 100,000 points costs seconds of rule time, not hours. The end judges everything.
 */
const LARGE_SERIES = 2000;
const LARGE_EVERY_MS = 1000;

interface RuleState {
  rule: ResolvedRule;
  verdict: Verdict;
  /** A script's next run is due (new points since its last run). */
  dirty: boolean;
  running: Promise<void> | null;
  lastRun: number;
}

export interface EvaluatorDeps extends WatchedAttempt {
  store: DebuggerStore;
  datasetService: Pick<DatasetService, 'describe'>;
  notifier?: RuleNotifier;
  log: (message: string) => void;
}

export class RuleEvaluator {
  private readonly series = new Map<string, SeriesPoint[]>();
  private readonly states: RuleState[];
  private writes = Promise.resolve();
  private ended = false;
  private points = 0;
  private lastJudged = 0;
  private pending: NodeJS.Timeout | null = null;

  constructor(
    private readonly deps: EvaluatorDeps,
    rules: ResolvedRule[],
  ) {
    this.states = rules.map((rule) => ({ rule, verdict: { status: 'InProgress', message: null }, dirty: false, running: null, lastRun: 0 }));
  }

  /** Marks every rule InProgress for this attempt. */
  async start(): Promise<void> {
    for (const s of this.states) this.record(s);
    await this.writes;
  }

  /** Judges the rules on the training data (class_imbalance), once the channels are downloaded. */
  async dataReady(channels: Record<string, { files: string[]; contentType: string }>): Promise<void> {
    for (const s of this.states) {
      if (s.rule.builtin !== 'class_imbalance') continue;
      const channel = String(s.rule.params.channel ?? 'train');
      const files = channels[channel];
      let header = false;
      const ds = this.deps.datasets[channel];
      if (ds) header = Boolean((await this.deps.datasetService.describe(`${ds.dataset}@${ds.version}`).catch(() => null))?.header);
      const verdict = await classImbalance(files && { ...files, header }, (s.rule.params.labels as string | null) ?? null, Number(s.rule.params.threshold_imbalance)).catch(
        (err: Error): Verdict => ({ status: 'Error', message: `The labels could not be read: ${err.message}` }),
      );
      this.settle(s, verdict);
    }
    await this.writes;
  }

  push(name: string, value: number, step: number | null): void {
    if (this.ended) return;
    let points = this.series.get(name);
    if (!points) this.series.set(name, (points = []));
    points.push({ step: step ?? points.length, value });
    this.points++;
    for (const s of this.states) {
      if (s.verdict.status !== 'InProgress' || !s.rule.script) continue;
      s.dirty = true;
      this.maybeRunScript(s, false);
    }
    if (this.points <= LARGE_SERIES || Date.now() - this.lastJudged >= LARGE_EVERY_MS) this.judgeBuiltins();
    else if (!this.pending) (this.pending = setTimeout(() => this.judgeBuiltins(), LARGE_EVERY_MS)).unref();
  }

  private judgeBuiltins(): void {
    if (this.pending) clearTimeout(this.pending);
    this.pending = null;
    if (this.ended) return;
    this.lastJudged = Date.now();
    for (const s of this.states) {
      if (s.verdict.status === 'InProgress' && s.rule.builtin && BUILTIN_RULE_TABLE[s.rule.builtin].source === 'metrics') this.settle(s, this.evaluate(s, false));
    }
  }

  /** The process ended: with `judge`, every rule still InProgress decides on what it saw. */
  async end(judge: boolean): Promise<void> {
    if (this.ended) return this.writes;
    this.ended = true;
    if (this.pending) clearTimeout(this.pending);
    await Promise.all(this.states.map((s) => s.running));
    if (judge) {
      for (const s of this.states) {
        if (s.verdict.status !== 'InProgress') continue;
        if (s.rule.script) await this.runScript(s, true);
        else if (s.rule.builtin) this.settle(s, this.evaluate(s, true));
      }
    }
    await this.writes;
  }

  private evaluate(s: RuleState, final: boolean): Verdict {
    try {
      return BUILTIN_RULE_TABLE[s.rule.builtin!].evaluate(this.series, s.rule.params, final);
    } catch (err) {
      return { status: 'Error', message: `The rule failed: ${(err as Error).message}` };
    }
  }

  private maybeRunScript(s: RuleState, final: boolean): void {
    if (s.running || Date.now() - s.lastRun < SCRIPT_EVERY_MS) return;
    s.running = this.runScript(s, final).finally(() => {
      s.running = null;
    });
  }

  private async runScript(s: RuleState, final: boolean): Promise<void> {
    s.dirty = false;
    s.lastRun = Date.now();
    const verdict = await runScriptRule(s.rule.script!, seriesInput(this.deps.job, s.rule.name, s.rule.params, this.series, final)).catch(
      (err: Error): Verdict => ({ status: 'Error', message: `The rule script could not run: ${err.message}` }),
    );
    // A script that finds nothing is asked again at the end; before that it stays InProgress.
    this.settle(s, verdict.status === 'NoIssuesFound' && !final ? { status: 'InProgress', message: verdict.message } : verdict);
    if (s.dirty && !this.ended && s.verdict.status === 'InProgress') setTimeout(() => this.maybeRunScript(s, false), SCRIPT_EVERY_MS).unref();
  }

  /** Takes a verdict: stored when it changes; IssuesFound runs the rule's action, once. */
  private settle(s: RuleState, verdict: Verdict): void {
    if (verdict.status === s.verdict.status && verdict.message === s.verdict.message) return;
    s.verdict = verdict;
    this.record(s);
    if (verdict.status !== 'IssuesFound') return;
    const { rule } = s;
    this.deps.log(`debugger: rule ${rule.name} found issues in ${this.deps.job}: ${verdict.message}`);
    if (rule.action === 'stop') this.deps.stop(`Debugger rule ${rule.name} found issues: ${verdict.message}`);
    if (rule.action === 'notify' && this.deps.notifier) {
      const event = { job: this.deps.job, attempt: this.deps.attempt, rule: rule.name, status: verdict.status, message: verdict.message };
      void this.deps.notifier.notify(event).catch((err: Error) => this.deps.log(`debugger: the notification of rule ${rule.name} failed: ${err.message}`));
    }
  }

  private record(s: RuleState): void {
    const { name, action } = s.rule;
    const { status, message } = s.verdict;
    this.writes = this.writes.then(() =>
      this.deps.store.setRule(this.deps.job, name, action, status, message).catch((err: Error) => this.deps.log(`debugger: rule ${name} of ${this.deps.job} was not recorded: ${err.message}`)),
    );
  }
}
