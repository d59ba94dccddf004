/**
 * Alarms: a threshold on a stored metric over N of M periods. The service checks and
 * stores alarms, evaluates one (`evaluate`, called by the server's loop and by
 * `POST /alarms/{name}/evaluate`), and runs a transition's actions once.
 */
import { OrchardError, errorOfProblems, isOrchardError, newId, type RequestProblem } from '../core/index.js';
import { ALARM_COMPARISONS, ALARM_LIMITS, ALARM_MISSING_DATA, ALARM_NAMESPACES, ALARM_STATS, type AlarmState } from '../contracts/alarm-values.js';
import { NAME_PATTERN } from '../contracts/values.js';
import type { Alarm, AlarmActionResult, AlarmDatapoint, AlarmFilter, AlarmTransition, CreateAlarmInput } from '../contracts/index.js';
import type { MetricNamespace, MetricStat } from '../metrics/types.js';
import { actionProblems, runAction } from './actions.js';
import { AlarmStore, type AlarmsTable, type AlarmTransitionsTable } from './alarm-store.js';
import { evaluateAlarm, evaluationWindow, slotDatapoints, type AlarmRule } from './evaluate.js';
import type { AlarmPorts } from './ports.js';

const NAME = new RegExp(NAME_PATTERN);
/** What a new (or re-enabled) alarm says until its first evaluation. */
const NOT_EVALUATED = 'Not evaluated yet';
/** Transitions a list answer shows per alarm (describe shows all that are kept). */
const LIST_HISTORY = 5;
/** How long an evaluator holds a transition's actions before another may run them (one that died). */
const ACTIONS_LEASE_MS = 5 * 60_000;

export class AlarmService {
  readonly store: AlarmStore;

  constructor(
    store: AlarmStore,
    private readonly ports: AlarmPorts,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.store = store;
  }

  /** State changes for the platform feed (`alarm` events: name, state, reason). */
  readonly statusChanges = (since: string, limit: number, after?: { updatedAt: string; name: string }) => this.store.statusChanges(since, limit, after);

  /** Checks every field (metric, dimensions, actions and their targets) and stores the alarm, INSUFFICIENT_DATA until evaluated. */
  async create(input: CreateAlarmInput): Promise<Alarm> {
    const problems = await this.problems(input);
    if (problems.length > 0) throw errorOfProblems(problems);
    const now = this.clock().toISOString();
    await this.store.insert({
      name: input.name,
      description: input.description ?? null,
      namespace: input.namespace,
      metric: input.metric,
      dimensions_json: JSON.stringify(input.dimensions),
      endpoint: input.dimensions.endpoint ?? null,
      stat: input.stat,
      period: input.period,
      threshold: JSON.stringify(input.threshold),
      comparison: input.comparison,
      evaluation_periods: input.evaluationPeriods,
      datapoints_to_alarm: input.datapointsToAlarm ?? input.evaluationPeriods,
      treat_missing_data: input.treatMissingData ?? 'missing',
      actions_json: JSON.stringify(input.actions ?? []),
      ok_actions_json: JSON.stringify(input.okActions ?? []),
      enabled: input.enabled === false ? 0 : 1,
      status: 'INSUFFICIENT_DATA',
      state_reason: NOT_EVALUATED,
      state_updated_at: now,
      last_evaluated_at: null,
      last_datapoints_json: null,
      created_by: input.createdBy ?? null,
      created_at: now,
      updated_at: now,
    });
    return this.describe(input.name);
  }

  async describe(name: string): Promise<Alarm> {
    const row = await this.store.get(name);
    const history = await this.store.history([name]);
    return toAlarm(row, history.get(name) ?? []);
  }

  async list(filter: AlarmFilter = {}): Promise<{ items: Alarm[]; total: number }> {
    const { rows, total } = await this.store.list(filter, Math.min(filter.limit ?? 100, 1000), filter.offset ?? 0);
    const history = await this.store.history(rows.map((r) => r.name), LIST_HISTORY);
    return { items: rows.map((r) => toAlarm(r, history.get(r.name) ?? [])), total };
  }

  /** Removes an alarm and its history (actions already run stay done). */
  async delete(name: string): Promise<void> {
    await this.store.delete(name);
  }

  /** The loop evaluates it again; it starts over from INSUFFICIENT_DATA, as it has not been watching. */
  async enable(name: string): Promise<Alarm> {
    const row = await this.store.get(name);
    if (row.enabled !== 1) await this.store.setEnabled(name, true, { status: 'INSUFFICIENT_DATA', reason: NOT_EVALUATED });
    return this.describe(name);
  }

  /** The loop skips it (its state stays as it was) until enabled. */
  async disable(name: string): Promise<Alarm> {
    await this.store.setEnabled(name, false);
    return this.describe(name);
  }

  /** Evaluates an enabled alarm now (`POST /alarms/{name}/evaluate`) and answers it. */
  async evaluateNow(name: string): Promise<Alarm> {
    const row = await this.store.get(name);
    if (row.enabled !== 1) throw new OrchardError('ORCH_ALARM_DISABLED', { message: `Alarm '${name}' is disabled; enable it first`, details: { name } });
    await this.evaluate(name);
    return this.describe(name);
  }

  /** Names of the alarms the loop evaluates. */
  async enabledNames(): Promise<string[]> {
    return this.store.enabledNames();
  }

  /**
   * One evaluation: finishes actions a crash left pending, reads the last M periods, and on
   * a new state records the transition (guarded: of two evaluators only one writes it) and
   * runs its actions. Answers the state after it.
   */
  async evaluate(name: string): Promise<AlarmState> {
    await this.finishPending(name);
    const row = await this.store.get(name);
    const now = this.clock();
    const rule = ruleOf(row);
    const window = evaluationWindow(Number(row.period), rule.evaluationPeriods, now);
    let datapoints: AlarmDatapoint[];
    let result: { state: AlarmState; reason: string };
    try {
      const answered = await this.ports.metrics.get({ namespace: row.namespace as MetricNamespace, metric: row.metric, dimensions: JSON.parse(row.dimensions_json), stat: row.stat as MetricStat, period: Number(row.period), since: window.since, until: window.until });
      datapoints = slotDatapoints(window, Number(row.period), answered);
      result = evaluateAlarm(rule, datapoints, row.status as AlarmState);
    } catch (err) {
      // The metric cannot be read (its endpoint deleted, a query refused): nothing to judge by.
      if (!isOrchardError(err) || err.code === 'ORCH_METADATA_UNAVAILABLE') throw err;
      datapoints = window.starts.map((s) => ({ timestamp: new Date(s).toISOString(), value: null }));
      result = { state: 'INSUFFICIENT_DATA', reason: `The metric could not be read: ${err.code}: ${err.message}` };
    }
    const at = now.toISOString();
    const datapointsJson = JSON.stringify(datapoints);
    if (result.state === row.status) {
      await this.store.evaluated(name, at, datapointsJson);
      return result.state;
    }
    // OK actions run on recovery from ALARM, not when a new alarm first finds its metric
    // fine (CloudWatch runs them then too; a "recovered" message nobody awaited is noise).
    const actions = result.state === 'ALARM' ? (JSON.parse(row.actions_json) as string[]) : result.state === 'OK' && row.status === 'ALARM' ? (JSON.parse(row.ok_actions_json) as string[]) : [];
    const pending: AlarmActionResult[] = actions.map((action) => ({ action, status: 'Pending', resource: null, error: null }));
    const transition: AlarmTransitionsTable = {
      id: newId('alt', now.getTime()),
      alarm: name,
      at,
      from_state: row.status,
      to_state: result.state,
      reason: result.reason,
      datapoints_json: datapointsJson,
      actions_json: JSON.stringify(pending),
      actions_pending: pending.length > 0 ? 1 : 0,
      // The evaluator that makes the transition runs its actions; another takes them only after this.
      actions_lease_until: pending.length > 0 ? new Date(now.getTime() + ACTIONS_LEASE_MS).toISOString() : null,
    };
    if (!(await this.store.transition(name, { status: row.status, stateUpdatedAt: row.state_updated_at }, transition, datapointsJson))) return (await this.store.get(name)).status as AlarmState;
    if (pending.length > 0) await this.runActions(row, transition);
    return result.state;
  }

  /**
   * Runs a transition's Pending actions in order, writing each result as it settles. The
   * caller holds the transition's lease; an action that throws (the store away) lets it go,
   * so the next evaluation runs what is left.
   */
  private async runActions(row: AlarmsTable, t: AlarmTransitionsTable): Promise<void> {
    const results = JSON.parse(t.actions_json) as AlarmActionResult[];
    const payload = {
      alarm: row.name,
      description: row.description,
      state: t.to_state,
      previousState: t.from_state,
      reason: t.reason,
      at: t.at,
      transition: t.id,
      metric: { namespace: row.namespace, metric: row.metric, dimensions: JSON.parse(row.dimensions_json), stat: row.stat, period: Number(row.period) },
      threshold: JSON.parse(row.threshold) as number,
      comparison: row.comparison,
      evaluationPeriods: Number(row.evaluation_periods),
      datapointsToAlarm: Number(row.datapoints_to_alarm),
      datapoints: JSON.parse(t.datapoints_json),
    };
    try {
      for (let i = 0; i < results.length; i++) {
        if (results[i].status !== 'Pending') continue;
        results[i] = await runAction(results[i].action, i, { alarm: row.name, transition: t.id, payload, createdBy: row.created_by }, this.ports);
        await this.store.actionsDone(t.id, JSON.stringify(results), results.some((r) => r.status === 'Pending'));
      }
    } catch (err) {
      await this.store.releaseActions(t.id).catch(() => undefined);
      throw err;
    }
  }

  /** Transitions whose actions a crash (or a store outage) interrupted: run what is left, once. */
  private async finishPending(name: string): Promise<void> {
    // The same clock as the leases it reads were taken by.
    const now = this.clock();
    const claimed = await this.store.claimPending(name, now.toISOString(), new Date(now.getTime() + ACTIONS_LEASE_MS).toISOString());
    if (claimed.length === 0) return;
    const row = await this.store.get(name);
    for (const t of claimed) await this.runActions(row, t);
  }

  /** Every problem of a create request, for one error. */
  private async problems(input: CreateAlarmInput): Promise<RequestProblem[]> {
    const problems: RequestProblem[] = [];
    const problem = (field: string, message: string) => problems.push({ field, code: 'ORCH_ALARM_INVALID', message });
    if (typeof input.name !== 'string' || input.name.length > 63 || !NAME.test(input.name)) problem('name', `Invalid alarm name '${String(input.name).slice(0, 80)}': 1-63 letters, digits and hyphens, a hyphen only between them`);
    const namespaceKnown = (ALARM_NAMESPACES as readonly string[]).includes(input.namespace);
    if (!namespaceKnown) problem('namespace', `Unknown namespace '${String(input.namespace)}': one of ${ALARM_NAMESPACES.join(', ')}`);
    else {
      if (!this.ports.catalog.isKnown(input.namespace, String(input.metric))) {
        const known = this.ports.catalog.names(input.namespace);
        problem('metric', `Unknown metric '${String(input.metric).slice(0, 100)}' in namespace ${input.namespace}${known.length > 0 ? `: one of ${known.join(', ')}` : ''}`);
      }
    }
    if (!(ALARM_STATS as readonly string[]).includes(input.stat)) problem('stat', `Unknown stat '${String(input.stat)}': one of ${ALARM_STATS.join(', ')}`);
    if (!(ALARM_COMPARISONS as readonly string[]).includes(input.comparison)) problem('comparison', `Unknown comparison '${String(input.comparison)}': one of ${ALARM_COMPARISONS.join(', ')}`);
    if (input.treatMissingData !== undefined && !(ALARM_MISSING_DATA as readonly string[]).includes(input.treatMissingData)) problem('treatMissingData', `Unknown treatMissingData '${String(input.treatMissingData)}': one of ${ALARM_MISSING_DATA.join(', ')}`);
    if (typeof input.threshold !== 'number' || !Number.isFinite(input.threshold)) problem('threshold', 'The threshold must be a finite number');
    if (!Number.isInteger(input.period) || input.period < 60 || input.period % 60 !== 0 || input.period > ALARM_LIMITS.periodSeconds) problem('period', `The period must be a whole number of minutes in seconds (60, 120, …) up to ${ALARM_LIMITS.periodSeconds}, not ${String(input.period)}`);
    const m = input.evaluationPeriods;
    const n = input.datapointsToAlarm ?? m;
    if (!Number.isInteger(m) || m < 1 || m > ALARM_LIMITS.evaluationPeriods) problem('evaluationPeriods', `evaluationPeriods must be a whole number from 1 to ${ALARM_LIMITS.evaluationPeriods}`);
    else if (!Number.isInteger(n) || n < 1 || n > m) problem('datapointsToAlarm', `datapointsToAlarm (N) must be a whole number from 1 to evaluationPeriods (M = ${m}), not ${String(n)}`);
    await this.dimensionProblems(input, problem);
    problems.push(...(await actionProblems('actions', input.actions ?? [], this.ports)), ...(await actionProblems('okActions', input.okActions ?? [], this.ports)));
    return problems;
  }

  /** The dimensions a namespace's series carry, and whether the endpoint or training job they name exists. */
  private async dimensionProblems(input: CreateAlarmInput, problem: (field: string, message: string) => void): Promise<void> {
    const dims = input.dimensions ?? {};
    if (typeof dims !== 'object' || Array.isArray(dims)) return problem('dimensions', 'The dimensions must be an object of strings');
    const exists = async (field: string, what: string, name: string, describe: (n: string) => Promise<unknown>) => {
      try {
        await describe(name);
      } catch (err) {
        if (!isOrchardError(err) || !err.code.endsWith('_NOT_FOUND')) throw err;
        problem(field, `No ${what} '${name}'`);
      }
    };
    if (input.namespace === 'endpoint') {
      if (!dims.endpoint) return problem('dimensions.endpoint', 'An endpoint alarm names its endpoint (dimension `endpoint`; `variant` optional)');
      await exists('dimensions.endpoint', 'endpoint', dims.endpoint, (n) => this.ports.endpoints.describe(n));
    } else if (input.namespace === 'job') {
      if (!dims.job) return problem('dimensions.job', 'A job alarm names its job (dimension `job`; `kind` training or processing)');
      if (dims.kind !== undefined && dims.kind !== 'training' && dims.kind !== 'processing') problem('dimensions.kind', `A job's kind is training or processing, not '${dims.kind}'`);
      if ((dims.kind ?? 'training') === 'training') await exists('dimensions.job', 'training job', dims.job, (n) => this.ports.training.describe(n));
    } else if (input.namespace === 'monitor') {
      if (!dims.schedule && !dims.endpoint) problem('dimensions', 'A monitor alarm names its schedule (dimension `schedule`) or endpoint');
    }
  }
}

function ruleOf(row: AlarmsTable): AlarmRule {
  return {
    comparison: row.comparison as AlarmRule['comparison'],
    threshold: JSON.parse(row.threshold) as number,
    evaluationPeriods: Number(row.evaluation_periods),
    datapointsToAlarm: Number(row.datapoints_to_alarm),
    treatMissingData: row.treat_missing_data as AlarmRule['treatMissingData'],
  };
}

function toTransition(t: AlarmTransitionsTable): AlarmTransition {
  return {
    id: t.id,
    at: t.at,
    from: t.from_state as AlarmState,
    to: t.to_state as AlarmState,
    reason: t.reason,
    datapoints: JSON.parse(t.datapoints_json),
    actions: JSON.parse(t.actions_json),
  };
}

function toAlarm(row: AlarmsTable, history: AlarmTransitionsTable[]): Alarm {
  return {
    name: row.name,
    description: row.description,
    namespace: row.namespace as Alarm['namespace'],
    metric: row.metric,
    dimensions: JSON.parse(row.dimensions_json),
    stat: row.stat as Alarm['stat'],
    period: Number(row.period),
    threshold: JSON.parse(row.threshold) as number,
    comparison: row.comparison as Alarm['comparison'],
    evaluationPeriods: Number(row.evaluation_periods),
    datapointsToAlarm: Number(row.datapoints_to_alarm),
    treatMissingData: row.treat_missing_data as Alarm['treatMissingData'],
    actions: JSON.parse(row.actions_json),
    okActions: JSON.parse(row.ok_actions_json),
    enabled: row.enabled === 1,
    state: row.status as AlarmState,
    stateReason: row.state_reason,
    stateUpdatedAt: row.state_updated_at,
    lastEvaluatedAt: row.last_evaluated_at,
    lastDatapoints: row.last_datapoints_json ? JSON.parse(row.last_datapoints_json) : [],
    history: history.map(toTransition),
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
