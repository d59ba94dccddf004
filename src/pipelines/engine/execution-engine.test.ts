import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openMetadataStore, type MetadataStore } from '../../storage/index.js';
import { PipelineService } from '../pipeline-service.js';
import { PipelineStore } from '../pipeline-store.js';
import { PipelineController } from './controller.js';
import { ExecutionEngine } from './execution-engine.js';
import { StepFailure, type StepRunner } from './step-runner.js';

/**
 * The engine's state machine over a real (in-memory SQLite) store. The work step here is an
 * `sql` step whose runner is a test double: it records what it was asked to create, by
 * resource name, so repeats and re-entries show; the real runners are tested end to end in
 * test/integration/pipelines-*.test.ts.
 */
interface Effect {
  created: Map<string, number>;
  stopped: string[];
  /** Per resource: throw this many times before succeeding. */
  failures: Map<string, number>;
  /** Resources that stay running until released. */
  held: Set<string>;
}

function workRunner(effect: Effect): StepRunner<unknown> {
  return {
    async start(ctx) {
      const left = effect.failures.get(ctx.step) ?? 0;
      if (left > 0) {
        effect.failures.set(ctx.step, left - 1);
        throw new StepFailure('ORCH_PIPELINE_STEP_FAILED', `attempt ${ctx.attempt} failed`);
      }
      if (!effect.created.has(ctx.resource)) effect.created.set(ctx.resource, 0);
      effect.created.set(ctx.resource, effect.created.get(ctx.resource)! + 1);
      return effect.held.has(ctx.step) ? { status: 'running', pollAfterMs: 0 } : { status: 'done', outputs: { dataset: `${ctx.inputs.output}@1`, datasetName: ctx.inputs.output, version: 1, rows: 3 } };
    },
    async poll(ctx) {
      return effect.held.has(ctx.step) ? { status: 'running', pollAfterMs: 0 } : { status: 'done', outputs: { dataset: `${ctx.inputs.output}@1`, datasetName: ctx.inputs.output, version: 1, rows: 3 } };
    },
    async stop(ctx) {
      effect.stopped.push(ctx.resource);
    },
  };
}

const sql = (name: string, extra: Record<string, unknown> = {}) => ({ name, type: 'sql', query: 'select 1', output: `${name}-out`, ...extra });

describe('the execution engine', () => {
  let metadata: MetadataStore;
  let store: PipelineStore;
  let service: PipelineService;
  let engine: ExecutionEngine;
  let controller: PipelineController;
  let effect: Effect;

  beforeEach(async () => {
    metadata = await openMetadataStore('sqlite::memory:');
    store = new PipelineStore(metadata);
    service = new PipelineService(store);
    effect = { created: new Map(), stopped: [], failures: new Map(), held: new Set() };
    engine = new ExecutionEngine(store, { sql: workRunner(effect) }, {}, { pollMs: 0, wakeAt: (id, at) => controller.wakeAt(id, at) });
    controller = new PipelineController(metadata, store, engine, { sweepMs: 20 });
    service.onChange = (id) => controller.kick(id);
    controller.start();
  });

  afterEach(async () => {
    await controller.stop();
    await metadata.close();
  });

  async function run(definition: Record<string, unknown>, parameters: Record<string, unknown> = {}) {
    const name = `p${Math.random().toString(36).slice(2, 8)}`;
    await service.create({ name, definition });
    const started = await service.start(name, { parameters });
    return settle(started.id);
  }

  async function settle(id: string, done = (s: string) => ['Succeeded', 'Failed', 'Stopped'].includes(s)) {
    for (let i = 0; i < 500; i++) {
      const e = await service.execution(id);
      if (done(e.status)) return e;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`execution ${id} did not settle: ${JSON.stringify(await service.execution(id))}`);
  }

  const step = (e: { steps: Array<{ name: string }> }, name: string) => e.steps.find((s) => s.name === name) as { status: string; outputs: Record<string, unknown>; attempts: number; resource: string | null; failureReason: string | null; cacheHit: boolean } | undefined;

  it('runs a chain in order, each step once, passing outputs along', async () => {
    const e = await run({
      parameters: { n: { type: 'integer', default: 2 } },
      steps: [sql('a'), { name: 'b', type: 'pass', output: { from: { Get: 'Steps.a.dataset' }, n: { Get: 'Parameters.n' } } }, sql('c', { query: { Get: 'Steps.b.output.from' } })],
    });
    expect(e.status).toBe('Succeeded');
    expect(step(e, 'b')!.outputs).toEqual({ output: { from: 'a-out@1', n: 2 } });
    expect([...effect.created.values()]).toEqual([1, 1]);
    expect((await store.runCounts([e.id])).map((r) => r.runs)).toEqual([1, 1, 1]);
  });

  it('stamps each step write later than the last, so the feed lists a chain in the order it ran', async () => {
    // Pass steps end and free the next within the same millisecond; names sort against the run order.
    const e = await run({ parameters: {}, steps: [{ name: 'z', type: 'pass' }, { name: 'y', type: 'pass', dependsOn: ['z'] }, { name: 'x', type: 'pass', dependsOn: ['y'] }] });
    expect(e.status).toBe('Succeeded');
    const changes = await store.stepChanges(new Date(0).toISOString(), 100);
    expect(changes.map((c) => c.fields.step)).toEqual(['z', 'y', 'x']);
    const stamps = changes.map((c) => Date.parse(c.updatedAt));
    expect(stamps).toEqual([...new Set(stamps)].sort((a, b) => a - b));
  });

  it('takes the branch a condition chooses and skips the other, skips propagating', async () => {
    const e = await run({
      parameters: { x: { type: 'float', default: 0.5 } },
      steps: [
        { name: 'check', type: 'condition', if: { and: [{ '>=': [{ Get: 'Parameters.x' }, 0.3] }, { not: { '==': [{ Get: 'Parameters.x' }, 1] } }] }, then: ['yes'], else: ['no'] },
        { name: 'yes', type: 'pass' },
        { name: 'no', type: 'pass' },
        { name: 'after-no', type: 'pass', dependsOn: ['no'] },
      ],
    });
    expect(e.status).toBe('Succeeded');
    expect(step(e, 'check')!.outputs).toEqual({ result: true });
    expect(step(e, 'yes')!.status).toBe('Succeeded');
    expect(step(e, 'no')!.status).toBe('Skipped');
    expect(step(e, 'after-no')!.status).toBe('Skipped');
  });

  it('retries by the step’s rules with a new resource per attempt, then succeeds', async () => {
    effect.failures.set('flaky', 2);
    const e = await run({ parameters: {}, steps: [sql('flaky', { retry: [{ errors: ['ORCH_PIPELINE_STEP_FAILED'], intervalSeconds: 0.01, backoffRate: 1, maxAttempts: 3 }] })] });
    expect(e.status).toBe('Succeeded');
    expect(step(e, 'flaky')).toMatchObject({ attempts: 3, resource: `${e.id}-flaky-a3` });
  });

  it('fails the execution when retries run out, naming the step and the error', async () => {
    effect.failures.set('flaky', 5);
    const e = await run({ parameters: {}, steps: [sql('flaky', { retry: [{ intervalSeconds: 0.01, maxAttempts: 2 }] }), { name: 'never', type: 'pass', dependsOn: ['flaky'] }] });
    expect(e.status).toBe('Failed');
    expect(e.failureReason).toBe("step 'flaky' failed: ORCH_PIPELINE_STEP_FAILED: attempt 2 failed");
    expect(step(e, 'never')).toBeUndefined();
  });

  it('hands a caught failure to the catch step; the execution succeeds', async () => {
    effect.failures.set('risky', 1);
    const e = await run({ parameters: {}, steps: [sql('risky', { catch: [{ errors: ['*'], next: 'fallback' }] }), { name: 'fallback', type: 'pass', output: { saved: true } }] });
    expect(e.status).toBe('Succeeded');
    expect(step(e, 'risky')!.status).toBe('Failed');
    expect(step(e, 'fallback')!.outputs).toEqual({ output: { saved: true } });
  });

  it('re-enters a step written Starting before a crash: the runner finds its resource, nothing is made twice', async () => {
    await service.create({ name: 'crashy', definition: { parameters: {}, steps: [sql('one'), sql('two', { dependsOn: ['one'] })] } });
    // The state a server killed between writing `Starting` and its runner's call leaves.
    await controller.stop();
    const started = await service.start('crashy');
    const now = new Date().toISOString();
    await store.putStep({ execution: started.id, step: 'one', type: 'sql', status: 'Starting', attempts: 1, runs: 1, resource: `${started.id}-one`, inputs_json: JSON.stringify({ query: 'select 1', output: 'one-out' }), outputs_json: null, failure_code: null, failure_reason: null, caught: 0, cache_hit: 0, next_at: null, started_at: now, ended_at: null, updated_at: now }, null);
    effect.created.set(`${started.id}-one`, 1);
    controller = new PipelineController(metadata, store, engine, { sweepMs: 20 });
    controller.start();
    const e = await settle(started.id);
    expect(e.status).toBe('Succeeded');
    // The runner was called again for `one`, with the same name; a real runner finds the job it made.
    expect(effect.created.get(`${started.id}-one`)).toBe(2);
    expect(effect.created.get(`${started.id}-two`)).toBe(1);
    expect((await store.runCounts([started.id])).map((r) => r.runs)).toEqual([1, 1]);
  });

  it('runs a for-each body once per item with Item and Index, at most maxConcurrency at a time', async () => {
    const e = await run({
      parameters: { regions: { type: 'list', default: ['eu', 'us', 'ap'] } },
      steps: [{ name: 'each', type: 'for-each', items: { Get: 'Parameters.regions' }, maxConcurrency: 2, steps: [{ name: 'fit', type: 'pass', output: { region: { Get: 'Item' }, i: { Get: 'Index' } } }, sql('save', { output: { Join: { on: '-', values: ['out', { Get: 'Item' }] } }, dependsOn: ['fit'] })] }],
    });
    expect(e.status).toBe('Succeeded');
    expect((step(e, 'each')!.outputs.results as Array<Record<string, { output?: unknown; dataset?: string }>>).map((r) => [r.fit.output, r.save.dataset])).toEqual([
      [{ region: 'eu', i: 0 }, 'out-eu@1'],
      [{ region: 'us', i: 1 }, 'out-us@1'],
      [{ region: 'ap', i: 2 }, 'out-ap@1'],
    ]);
    expect(step(e, 'each[1].fit')!.status).toBe('Succeeded');
  });

  it('runs parallel branches, each in order, and joins their outputs', async () => {
    const e = await run({
      parameters: {},
      steps: [{ name: 'fan', type: 'parallel', branches: [[{ name: 'l1', type: 'pass', output: 1 }, { name: 'l2', type: 'pass', output: 2 }], [sql('r1')]] }, { name: 'after', type: 'pass', output: { Get: 'Steps.l2.output' }, dependsOn: ['fan'] }],
    });
    expect(e.status).toBe('Succeeded');
    expect(step(e, 'fan')!.outputs).toEqual({ branches: [{ l1: { output: 1 }, l2: { output: 2 } }, { r1: { dataset: 'r1-out@1', datasetName: 'r1-out', version: 1, rows: 3 } }] });
    expect(step(e, 'after')!.outputs).toEqual({ output: 2 });
  });

  it('reuses a cached step’s outputs for the same inputs', async () => {
    const def = { parameters: {}, steps: [sql('cached', { cache: { enabled: true, expireAfter: 'PT1H' } })] };
    await service.create({ name: 'cachey', definition: def });
    const first = await settle((await service.start('cachey')).id);
    const second = await settle((await service.start('cachey')).id);
    expect(step(first, 'cached')!.cacheHit).toBe(false);
    expect(step(second, 'cached')).toMatchObject({ status: 'Succeeded', cacheHit: true, outputs: step(first, 'cached')!.outputs });
    expect(effect.created.size).toBe(1);
  });

  it('stops running steps through their runner when the execution is stopped', async () => {
    effect.held.add('slow');
    await service.create({ name: 'stoppable', definition: { parameters: {}, steps: [sql('slow')] } });
    const started = await service.start('stoppable');
    await settle(started.id, () => effect.created.size === 1);
    await service.stop(started.id);
    const e = await settle(started.id);
    expect(e.status).toBe('Stopped');
    expect(step(e, 'slow')!.status).toBe('Stopped');
    expect(effect.stopped).toEqual([`${started.id}-slow`]);
  });

  it('fails a step past its timeout', async () => {
    effect.held.add('slow');
    const e = await run({ parameters: {}, steps: [sql('slow', { timeoutSeconds: 1 })] });
    expect(e.status).toBe('Failed');
    expect(step(e, 'slow')!.failureReason).toMatch(/^ORCH_PIPELINE_STEP_TIMEOUT/);
    expect(effect.stopped).toHaveLength(1);
  });

  it('queues an overlapping execution under the queue policy and skips it under skip', async () => {
    effect.held.add('slow');
    await service.create({ name: 'queued', definition: { parameters: {}, steps: [sql('slow')] }, overlap: 'queue' });
    const first = await service.start('queued');
    const second = await service.start('queued');
    expect(second.status).toBe('Queued');
    await service.update('queued', { overlap: 'skip' });
    const third = await service.start('queued');
    expect(third).toMatchObject({ status: 'Stopped' });
    expect(third.failureReason).toMatch(/^Skipped/);
    effect.held.delete('slow');
    expect((await settle(first.id)).status).toBe('Succeeded');
    expect((await settle(second.id)).status).toBe('Succeeded');
  });
});
