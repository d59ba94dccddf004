/**
 * The durable state machine of one execution. `advance(id)` reads the execution's step rows,
 * moves every step it can one transition on, writing each transition before it takes effect
 * (a work step's row becomes `Starting`, with the name of what it will create, before the
 * runner is called), and ends the execution when its steps have ended. Everything it knows
 * is in the rows: a controller that dies is replaced by one that calls `advance` again, and
 * a finished step is never run twice.
 */
import { createHash } from 'node:crypto';
import { compilePlan, durationMs, evaluateCondition, resolveValue, type Plan, type PlanStep } from '../definition/index.js';
import type { PipelineDefinition, StepDef } from '../definition/index.js';
import type { PipelineStore, StepsTable } from '../pipeline-store.js';
import { iterationKey, resourceName } from './naming.js';
import { ACTIVE_STEP, baseName, context, gateHolds, inputFields, iso, keyIn, newRow, outputsOf, scope, terminal, TOP, type Frame, type Run } from './run-state.js';
import { asStepFailure, StepFailure, type StepResult, type StepRunner } from './step-runner.js';

export interface EngineOptions {
  /** How soon a running work step is polled again. @default 1000 */
  pollMs?: number;
  /** Called when a step that was waiting on a timer should be looked at (the controller schedules it). */
  wakeAt?: (execution: string, at: number) => void;
}

export class ExecutionEngine {
  private readonly plans = new Map<string, { def: PipelineDefinition; plan: Plan }>();

  constructor(
    private readonly store: PipelineStore,
    private readonly runners: Record<string, StepRunner<unknown>>,
    private readonly ports: unknown,
    private readonly options: EngineOptions = {},
  ) {}

  /** The definition and plan of a pipeline version (compiled once; versions never change). */
  async planOf(pipeline: string, version: number): Promise<{ def: PipelineDefinition; plan: Plan }> {
    const key = `${pipeline}@${version}`;
    let hit = this.plans.get(key);
    if (!hit) {
      const row = await this.store.version(pipeline, version);
      const def = JSON.parse(row.definition_json) as PipelineDefinition;
      hit = { def, plan: compilePlan(def) };
      if (this.plans.size > 500) this.plans.clear();
      this.plans.set(key, hit);
    }
    return hit;
  }

  /** Moves one execution on as far as it can go now. */
  async advance(id: string): Promise<void> {
    const exec = await this.store.execution(id);
    if (exec.status !== 'Executing' && exec.status !== 'Stopping') return;
    const { def, plan } = await this.planOf(exec.pipeline, exec.version);
    const rows = new Map((await this.store.steps(id)).map((r) => [r.step, r]));
    let stamp = 0;
    for (const r of rows.values()) stamp = Math.max(stamp, Date.parse(r.updated_at) || 0);
    const run: Run = { exec, def, plan, rows, now: Date.now(), changed: false, stamp };
    if (exec.stop_requested || exec.status === 'Stopping') return this.stopAll(run);
    // Each pass moves every step that can move; a step that ended may free others.
    for (let pass = 0; pass < 10_000; pass++) {
      run.changed = false;
      run.now = Date.now();
      for (const name of plan.order) {
        const ps = plan.steps.get(name)!;
        if (ps.parent === null || plan.steps.get(ps.parent)!.type === 'parallel') await this.visit(run, name, ps, TOP);
      }
      if (!run.changed) break;
    }
    await this.maybeEnd(run);
  }

  // --- one step ---

  private async visit(run: Run, key: string, ps: PlanStep, frame: Frame): Promise<void> {
    const row = run.rows.get(key);
    if (row && terminal(row.status)) return;
    if (!row) return this.maybeStart(run, key, ps, frame);
    if (row.status === 'Starting') return this.enter(run, row, ps, frame);
    if (row.status === 'Retrying') {
      if (row.next_at && Date.parse(row.next_at) > run.now) return this.wake(run, row.next_at);
      const attempt = row.attempts + 1;
      const next: StepsTable = { ...row, status: 'Starting', attempts: attempt, runs: row.runs + 1, resource: resourceName(run.exec.name, key, attempt), next_at: null, updated_at: iso(run.now) };
      if (!(await this.write(run, next, ['Retrying']))) return;
      return this.enter(run, next, ps, frame);
    }
    if (row.status === 'Waiting') {
      // A timed wait ends by itself; an approval is written by approve/reject.
      if (row.next_at === null) return;
      if (Date.parse(row.next_at) > run.now) return this.wake(run, row.next_at);
      return this.succeed(run, row, { decidedAt: iso(run.now), approvedBy: '', comment: '' }, ['Waiting']);
    }
    if (row.status === 'Executing') {
      if (ps.type === 'parallel') return this.joinParallel(run, row, ps);
      if (ps.type === 'for-each') return this.driveLoop(run, row, ps);
      if (this.timedOut(run, row, ps)) return this.timeOut(run, row, ps, frame);
      if (row.next_at && Date.parse(row.next_at) > run.now) return;
      const runner = this.runners[ps.type];
      try {
        const result = runner?.poll ? await runner.poll(context(run, row), this.ports) : ({ status: 'running' } as StepResult);
        return this.settle(run, row, result, ['Executing']);
      } catch (err) {
        return this.fail(run, row, ps, asStepFailure(err), ['Executing']);
      }
    }
  }

  /** A step with no row yet: skipped, left waiting, or started. */
  private async maybeStart(run: Run, key: string, ps: PlanStep, frame: Frame): Promise<void> {
    // A parallel's branches start once the parallel has started, and are skipped with it.
    const owner = ps.parent !== null && run.plan.steps.get(ps.parent)!.type === 'parallel' ? run.rows.get(ps.parent) : undefined;
    if (ps.parent !== null && frame === TOP && (!owner || (owner.status !== 'Executing' && owner.status !== 'Skipped'))) return;
    const deps = ps.deps.map((d) => run.rows.get(keyIn(frame, d)));
    if (owner?.status === 'Skipped') deps.push(owner);
    if (deps.some((d) => !d || !terminal(d.status))) return;
    // A failure that was not caught ends the execution; nothing after it starts.
    if (deps.some((d) => d!.status === 'Failed' && !d!.caught) || deps.some((d) => d!.status === 'Stopped')) return;
    const skip = deps.some((d) => d!.status === 'Skipped' || (d!.status === 'Failed' && !ps.gates.some((g) => g.when === 'caught' && keyIn(frame, g.step) === d!.step))) || !ps.gates.every((g) => gateHolds(run, frame, g));
    const base = newRow(run, key, ps);
    if (skip) return void (await this.write(run, { ...base, status: 'Skipped', ended_at: iso(run.now) }, null));
    let inputs: Record<string, unknown>;
    const stepScope = scope(run, frame);
    try {
      inputs = resolveValue(inputFields(ps.def), stepScope) as Record<string, unknown>;
    } catch (err) {
      const started = { ...base, status: 'Starting', attempts: 1, started_at: iso(run.now) };
      if (!(await this.write(run, started, null))) return;
      return this.fail(run, started, ps, new StepFailure(asStepFailure(err).code, asStepFailure(err).message, false), ['Starting']);
    }
    const inputsJson = JSON.stringify(inputs);
    switch (ps.type) {
      case 'pass':
        return void (await this.write(run, { ...base, status: 'Succeeded', attempts: 1, runs: 1, inputs_json: inputsJson, outputs_json: JSON.stringify({ output: inputs.output ?? {} }), started_at: iso(run.now), ended_at: iso(run.now) }, null));
      case 'condition': {
        let result: boolean;
        try {
          result = evaluateCondition(ps.def.if, stepScope);
        } catch (err) {
          const started = { ...base, status: 'Starting', attempts: 1, started_at: iso(run.now) };
          if (!(await this.write(run, started, null))) return;
          return this.fail(run, started, ps, new StepFailure(asStepFailure(err).code, asStepFailure(err).message, false), ['Starting']);
        }
        return void (await this.write(run, { ...base, status: 'Succeeded', attempts: 1, runs: 1, inputs_json: inputsJson, outputs_json: JSON.stringify({ result }), started_at: iso(run.now), ended_at: iso(run.now) }, null));
      }
      case 'fail': {
        const started = { ...base, status: 'Starting', attempts: 1, runs: 1, inputs_json: inputsJson, started_at: iso(run.now) };
        if (!(await this.write(run, started, null))) return;
        return this.fail(run, started, ps, new StepFailure('ORCH_PIPELINE_STEP_FAILED', String(inputs.message ?? 'failed'), false), ['Starting']);
      }
      case 'wait': {
        const until = typeof inputs.seconds === 'number' ? run.now + inputs.seconds * 1000 : typeof inputs.until === 'string' ? Date.parse(inputs.until) : null;
        const nextAt = until === null || Number.isNaN(until) ? null : iso(until);
        if (!(await this.write(run, { ...base, status: 'Waiting', attempts: 1, runs: 1, inputs_json: inputsJson, next_at: nextAt, started_at: iso(run.now) }, null))) return;
        if (nextAt) this.wake(run, nextAt);
        return;
      }
      case 'parallel':
      case 'for-each':
        return void (await this.write(run, { ...base, status: 'Executing', attempts: 1, runs: 1, inputs_json: inputsJson, started_at: iso(run.now) }, null));
    }
    // A work step: the cache first, then the row written before the effect.
    const cacheKey = ps.def.cache?.enabled ? createHash('sha256').update(`${ps.type}\n${inputsJson}`).digest('hex') : null;
    if (cacheKey) {
      const hit = await this.store.cached(cacheKey, iso(run.now));
      if (hit) return void (await this.write(run, { ...base, status: 'Succeeded', attempts: 1, inputs_json: inputsJson, outputs_json: hit.outputs_json, cache_hit: 1, started_at: iso(run.now), ended_at: iso(run.now) }, null));
    }
    const started: StepsTable = { ...base, status: 'Starting', attempts: 1, runs: 1, resource: resourceName(run.exec.name, key, 1), inputs_json: inputsJson, started_at: iso(run.now) };
    if (!(await this.write(run, started, null))) return;
    return this.enter(run, started, ps, frame);
  }

  /** Calls a work step's runner for a `Starting` row (again, after a crash: the runner finds what it made). */
  private async enter(run: Run, row: StepsTable, ps: PlanStep, _frame: Frame): Promise<void> {
    const runner = this.runners[ps.type];
    if (!runner) return this.fail(run, row, ps, new StepFailure('ORCH_PIPELINE_INVALID', `Step type '${ps.type}' cannot run on this server`, false), ['Starting']);
    try {
      const result = await runner.start(context(run, row), this.ports);
      return this.settle(run, row, result, ['Starting']);
    } catch (err) {
      return this.fail(run, row, ps, asStepFailure(err), ['Starting']);
    }
  }

  private async settle(run: Run, row: StepsTable, result: StepResult, from: string[]): Promise<void> {
    if (result.status === 'done') return this.succeed(run, row, result.outputs, from);
    const nextAt = iso(run.now + (result.pollAfterMs ?? this.options.pollMs ?? 1000));
    if (row.status === 'Executing') {
      // Still running: nothing is written. The step is polled again at the next advance (a
      // sweep or a kick); the time set here only keeps this advance's later passes off it.
      row.next_at = nextAt;
      return;
    }
    await this.write(run, { ...row, status: 'Executing', next_at: nextAt, updated_at: iso(run.now) }, from);
  }

  private async succeed(run: Run, row: StepsTable, outputs: Record<string, unknown>, from: string[]): Promise<void> {
    const outputsJson = JSON.stringify(outputs);
    if (!(await this.write(run, { ...row, status: 'Succeeded', outputs_json: outputsJson, next_at: null, ended_at: iso(run.now), updated_at: iso(run.now) }, from))) return;
    const def = run.plan.steps.get(baseName(row.step))?.def;
    if (def?.cache?.enabled && row.inputs_json !== null) {
      const key = createHash('sha256').update(`${row.type}\n${row.inputs_json}`).digest('hex');
      const ttl = def.cache.expireAfter ? durationMs(def.cache.expireAfter) : null;
      await this.store.putCache({ key, outputs_json: outputsJson, execution: run.exec.name, step: row.step, created_at: iso(run.now), expires_at: ttl === null ? null : iso(run.now + ttl) });
    }
  }

  /** A failure: retried by the step's retry rules, caught by its catch rules, or the step fails. */
  private async fail(run: Run, row: StepsTable, ps: PlanStep, failure: StepFailure, from: string[]): Promise<void> {
    const matches = (errors: string[] | undefined) => !errors || errors.length === 0 || errors.includes('*') || errors.includes(failure.code);
    const rule = failure.retryable ? ps.def.retry?.find((r) => matches(r.errors)) : undefined;
    const reason = `${failure.code}: ${failure.message}`.slice(0, 4096);
    if (rule && row.attempts < (rule.maxAttempts ?? 3)) {
      const delay = (rule.intervalSeconds ?? 1) * 1000 * Math.pow(rule.backoffRate ?? 2, row.attempts - 1);
      const nextAt = iso(run.now + delay);
      if (await this.write(run, { ...row, status: 'Retrying', failure_code: failure.code, failure_reason: reason, next_at: nextAt, updated_at: iso(run.now) }, from)) this.wake(run, nextAt);
      return;
    }
    const caught = ps.def.catch?.some((c) => matches(c.errors)) ? 1 : 0;
    await this.write(run, { ...row, status: 'Failed', caught, failure_code: failure.code, failure_reason: reason, next_at: null, ended_at: iso(run.now), updated_at: iso(run.now) }, from);
  }

  private timedOut(run: Run, row: StepsTable, ps: PlanStep): boolean {
    const limit = ps.def.timeoutSeconds;
    return typeof limit === 'number' && row.started_at !== null && Date.parse(row.started_at) + limit * 1000 <= run.now;
  }

  private async timeOut(run: Run, row: StepsTable, ps: PlanStep, _frame: Frame): Promise<void> {
    await this.runners[ps.type]?.stop?.(context(run, row), this.ports).catch(() => undefined);
    return this.fail(run, row, ps, new StepFailure('ORCH_PIPELINE_STEP_TIMEOUT', `ran longer than its timeout of ${ps.def.timeoutSeconds} s`), ['Executing']);
  }

  // --- parallel and for-each ---

  private async joinParallel(run: Run, row: StepsTable, ps: PlanStep): Promise<void> {
    const children = ps.children.map((c) => run.rows.get(c));
    if (children.some((c) => !c || !terminal(c.status))) return;
    const failed = children.find((c) => c!.status === 'Failed' && !c!.caught);
    if (failed) return this.fail(run, row, ps, new StepFailure(failed.failure_code ?? 'ORCH_PIPELINE_STEP_FAILED', `step '${failed.step}' failed: ${failed.failure_reason ?? ''}`, false), ['Executing']);
    const branches = ((ps.def.branches as StepDef[][] | undefined) ?? []).map((branch) => Object.fromEntries(branch.map((s) => [s.name, outputsOf(run.rows.get(s.name))])));
    return this.succeed(run, row, { branches }, ['Executing']);
  }

  private async driveLoop(run: Run, row: StepsTable, ps: PlanStep): Promise<void> {
    const inputs = JSON.parse(row.inputs_json ?? '{}') as { items?: unknown; maxConcurrency?: number };
    if (!Array.isArray(inputs.items)) return this.fail(run, row, ps, new StepFailure('ORCH_PIPELINE_INVALID', `for-each '${ps.name}': items is not a list`, false), ['Executing']);
    const items = inputs.items;
    const limit = Math.max(1, inputs.maxConcurrency ?? items.length);
    const siblings = new Set(ps.children);
    let inFlight = 0;
    let done = 0;
    for (let i = 0; i < items.length; i++) {
      const frame: Frame = { prefix: `${ps.name}[${i}].`, item: items[i], index: i, siblings };
      const keys = ps.children.map((c) => iterationKey(ps.name, i, c));
      const started = keys.some((k) => run.rows.has(k));
      if (!started && inFlight >= limit) break;
      for (const child of ps.children) await this.visit(run, iterationKey(ps.name, i, child), run.plan.steps.get(child)!, frame);
      const states = keys.map((k) => run.rows.get(k));
      const failed = states.find((s) => s?.status === 'Failed' && !s.caught);
      if (failed) return this.fail(run, row, ps, new StepFailure(failed.failure_code ?? 'ORCH_PIPELINE_STEP_FAILED', `step '${failed.step}' failed: ${failed.failure_reason ?? ''}`, false), ['Executing']);
      if (states.every((s) => s && terminal(s.status))) done++;
      else inFlight++;
    }
    if (done < items.length) return;
    const results = items.map((_, i) => Object.fromEntries(ps.children.map((c) => [c, outputsOf(run.rows.get(iterationKey(ps.name, i, c)))])));
    return this.succeed(run, row, { results }, ['Executing']);
  }

  // --- the execution's end ---

  private async maybeEnd(run: Run): Promise<void> {
    const failed = [...run.rows.values()].find((r) => r.status === 'Failed' && !r.caught);
    if (failed) {
      // A failure stops what still runs, then ends the execution.
      for (const r of run.rows.values()) if (ACTIVE_STEP.includes(r.status)) await this.stopStep(run, r);
      const reason = `step '${failed.step}' failed: ${failed.failure_reason ?? ''}`.slice(0, 4096);
      await this.store.setExecution(run.exec.name, 'Failed', ['Executing'], { failure_reason: reason, ended_at: iso(Date.now()) });
      return;
    }
    for (const name of run.plan.order) {
      const ps = run.plan.steps.get(name)!;
      if (ps.parent !== null) continue;
      if (!terminal(run.rows.get(name)?.status)) return;
    }
    await this.store.setExecution(run.exec.name, 'Succeeded', ['Executing'], { ended_at: iso(Date.now()) });
  }

  private async stopAll(run: Run): Promise<void> {
    for (const r of run.rows.values()) if (ACTIVE_STEP.includes(r.status)) await this.stopStep(run, r);
    await this.store.setExecution(run.exec.name, 'Stopped', ['Executing', 'Stopping'], { ended_at: iso(Date.now()) });
  }

  private async stopStep(run: Run, row: StepsTable): Promise<void> {
    const runner = this.runners[row.type];
    if (row.resource && runner?.stop) await runner.stop(context(run, row), this.ports).catch(() => undefined);
    await this.write(run, { ...row, status: 'Stopped', next_at: null, ended_at: iso(Date.now()), updated_at: iso(Date.now()) }, ACTIVE_STEP);
  }

  // --- helpers ---

  private async write(run: Run, row: StepsTable, from: string[] | null): Promise<boolean> {
    const at = Math.max(Date.now(), run.stamp + 1);
    const stamped = { ...row, updated_at: iso(at) };
    const ok = await this.store.putStep(stamped, from);
    if (ok) {
      run.stamp = at;
      run.rows.set(row.step, stamped);
      run.changed = true;
    } else {
      // Another writer (an approval, a stop) got there first: read what it wrote.
      const fresh = await this.store.step(run.exec.name, row.step);
      if (fresh) {
        run.rows.set(row.step, fresh);
        run.stamp = Math.max(run.stamp, Date.parse(fresh.updated_at) || 0);
      }
    }
    return ok;
  }

  private wake(run: Run, at: string): void {
    this.options.wakeAt?.(run.exec.name, Date.parse(at));
  }
}
