import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Orchard, type PipelineStepEvent, type PlatformEvent } from '../../src/sdk/index.js';
import { backends, writeClassificationCsv } from '../support/backends.js';
import { cliSuite } from '../support/cli-suite.js';
import { cli, type RunningServer } from '../support/server.js';
import { refusedBySdk } from '../support/refusals.js';

/** The definition the pipelines issue gives, as written. */
const ISSUE_DEFINITION = {
  parameters: { rounds: { type: 'integer', default: 20 } },
  steps: [
    { name: 'prep', type: 'sql', query: 'select * from raw', output: 'prepared' },
    { name: 'train', type: 'training', algorithm: 'xgboost', train: { Get: 'Steps.prep.dataset' }, hyperParameters: { objective: 'binary:logistic', num_round: { Get: 'Parameters.rounds' } } },
    { name: 'check', type: 'condition', if: { '>=': [{ Get: 'Steps.train.finalMetrics.train:auc' }, 0.8] }, then: ['register'], else: ['stop'] },
    { name: 'register', type: 'register-model', group: 'churn', from: { Get: 'Steps.train' } },
    { name: 'stop', type: 'fail', message: 'AUC below 0.8' },
  ],
};

type Step = { name: string; type: string; status: string; outputs: Record<string, unknown>; failureReason: string | null; resource: string | null; startedAt: string | null };

describe.each(backends)('pipelines through the CLI on $name', (backend) => {
  const suite = cliSuite(backend, { prefix: 'orchard-pipelines-', env: { ORCHARD_PIPELINE_POLL_MS: '200' } });
  // The two training flows and the step feed run on the first backend only: the CLI is the same
  // on both, and on PostgreSQL + S3 the same training, condition, register-model and fail steps
  // run in sagemaker-pipelines.test.ts (a SageMaker definition becomes these steps; parameters,
  // both branches and a stop), and step events reach the feed in order in pipelines-fleet.test.ts.
  const first = backend === backends[0] ? it : it.skip;
  let server: RunningServer;
  let admin: { url: string; token: string };
  let dir: string;

  async function ok(args: string[], who = admin) {
    const res = await cli([...args, '--json'], who);
    expect(res.code, `${args.join(' ')}\n${res.stdout}${res.stderr}`).toBe(0);
    return res.json;
  }

  async function refused(args: string[], code: string, who = admin) {
    const res = await cli([...args, '--json'], who);
    expect(res.code, `${args.join(' ')}\n${res.stdout}${res.stderr}`).not.toBe(0);
    expect(res.json.code, `${args.join(' ')}: ${res.json.message}`).toBe(code);
    return res.json;
  }


  function definition(name: string, def: unknown, ext = 'json'): string {
    const file = path.join(dir, `${name}.${ext}`);
    fs.writeFileSync(file, typeof def === 'string' ? def : JSON.stringify(def, null, 2));
    return file;
  }

  type Execution = { id: string; status: string; failureReason: string | null; steps: Step[] };

  async function until(id: string, done: (e: Execution) => boolean): Promise<Execution> {
    // Through the SDK: one request per poll, not an `orchard` process (`pipelines execution` is asserted below).
    for (let i = 0; i < 600; i++) {
      const e = (await new Orchard(admin).pipelines.execution(id)) as unknown as Execution;
      if (done(e)) return e;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`execution ${id} never got there`);
  }

  const step = (e: { steps: Step[] }, name: string) => e.steps.find((s) => s.name === name)!;

  beforeAll(async () => {
    ({ server, admin, dir } = suite);
    // Through the SDK: `datasets create` is the datasets CLI suite's.
    await new Orchard(admin).datasets.create({ name: 'raw', file: writeClassificationCsv(path.join(dir, 'raw.csv'), 400, 7) });
  });

  first("runs the issue's definition as written: SQL, training, condition, registration; the other branch skipped", async () => {
    const created = await ok(['pipelines', 'create', 'churn-flow', '--file', definition('churn', ISSUE_DEFINITION)]);
    expect(created).toMatchObject({ name: 'churn-flow', latestVersion: 1 });
    const e = await ok(['pipelines', 'start', 'churn-flow', '--wait']);
    expect(e.status, JSON.stringify(e.steps)).toBe('Succeeded');
    expect(step(e, 'prep')).toMatchObject({ status: 'Succeeded', outputs: { dataset: 'prepared@1', rows: 400 } });
    const train = step(e, 'train');
    expect(train.status).toBe('Succeeded');
    expect(train.outputs.finalMetrics).toHaveProperty(['train:auc']);
    expect((train.outputs.finalMetrics as Record<string, number>)['train:auc']).toBeGreaterThanOrEqual(0.8);
    expect(step(e, 'check').outputs).toEqual({ result: true });
    expect(step(e, 'register')).toMatchObject({ status: 'Succeeded', outputs: { package: 'churn@1', approvalStatus: 'PendingManualApproval' } });
    expect(step(e, 'stop').status).toBe('Skipped');
    // The job the step created is named after the execution and step, and took the parameter's default.
    const job = await ok(['jobs', 'describe', train.resource!]);
    expect(job.hyperParameters.num_round).toBe('20');
    expect(job.tags['orchard:pipeline-execution']).toBe(e.id);
    // The same object from `execution ID`.
    const again = await ok(['pipelines', 'execution', e.id]);
    expect(again.status).toBe('Succeeded');
    expect(again.steps.map((s: Step) => s.name).sort()).toEqual(['check', 'prep', 'register', 'stop', 'train']);
  });

  first('takes parameters, and fails through the else branch with the fail step’s message', async () => {
    const def = structuredClone(ISSUE_DEFINITION) as typeof ISSUE_DEFINITION & { parameters: Record<string, unknown> };
    def.parameters.minAuc = { type: 'float', default: 0.8 };
    (def.steps[2] as { if: unknown }).if = { '>=': [{ Get: 'Steps.train.finalMetrics.train:auc' }, { Get: 'Parameters.minAuc' }] };
    await ok(['pipelines', 'create', 'strict-flow', '--file', definition('strict', def)]);
    const res = await cli(['pipelines', 'start', 'strict-flow', '--param', 'rounds=3', '--param', 'minAuc=1.01', '--wait', '--json'], admin);
    expect(res.code).toBe(1);
    const e = res.json;
    expect(e.status).toBe('Failed');
    expect(e.parameters).toEqual({ rounds: 3, minAuc: 1.01 });
    expect(e.failureReason).toContain('AUC below 0.8');
    expect(step(e, 'check').outputs).toEqual({ result: false });
    expect(step(e, 'register').status).toBe('Skipped');
    expect((await ok(['jobs', 'describe', step(e, 'train').resource!])).hyperParameters.num_round).toBe('3');
  });

  it('waits for an approval: the right role approves, others are refused; a rejection fails the execution', async () => {
    const yaml = ['parameters: {}', 'steps:', '  - name: gate', '    type: wait', '    approval: {message: "Ship it?", role: admin}', '  - name: after', '    type: pass', '    dependsOn: [gate]', '    output: {shipped: true}', ''].join('\n');
    await ok(['pipelines', 'create', 'gated', '--file', definition('gated', yaml, 'yaml')]);
    // Started, and refused its deletion, through the SDK: `pipelines start` and `pipelines delete`
    // are asserted through the CLI in the feed and refusals cases.
    const sdk = new Orchard(admin);
    const first = await sdk.pipelines.start('gated');
    await until(first.id, (e) => step(e, 'gate')?.status === 'Waiting');
    await refusedBySdk(sdk.pipelines.delete('gated'), 'ORCH_PIPELINE_IN_USE');
    // A member may approve models, but this step asks for an admin.
    await sdk.users.create({ name: 'mia', role: 'member' });
    const member = { url: server.url, token: (await sdk.tokens.create({ user: 'mia', name: 'cli' })).token };
    await refused(['pipelines', 'approve', first.id], 'ORCH_AUTH_FORBIDDEN', member);
    const approved = await ok(['pipelines', 'approve', first.id, '--comment', 'looks good']);
    expect(step(approved, 'gate')).toMatchObject({ status: 'Succeeded', outputs: { approvedBy: 'admin', comment: 'looks good' } });
    const done = await until(first.id, (e) => e.status === 'Succeeded');
    expect(step(done, 'after').outputs).toEqual({ output: { shipped: true } });
    // `pipelines approve`'s CLI refusal is the member's above; this one through the SDK.
    await refusedBySdk(sdk.pipelines.approve(first.id), 'ORCH_PIPELINE_EXECUTION_ENDED');

    const second = await sdk.pipelines.start('gated');
    await until(second.id, (e) => step(e, 'gate')?.status === 'Waiting');
    await ok(['pipelines', 'reject', second.id, '--comment', 'not yet']);
    const rejected = await until(second.id, (e) => e.status === 'Failed');
    expect(rejected.failureReason).toContain('Rejected by admin: not yet');
    expect(step(rejected, 'after')).toBeUndefined();
    // Two executions waited on by polls and four orchard processes: more than the default 60 s on a loaded machine.
  }, 120_000);

  it('retries a failed execution from its failed step; finished steps keep their outputs', async () => {
    const def = {
      parameters: {},
      steps: [
        { name: 'first', type: 'sql', query: 'select * from raw limit 10', output: 'first-out' },
        { name: 'late', type: 'sql', query: 'select * from arrives_later', output: 'late-out', dependsOn: ['first'] },
      ],
    };
    // Created, started and checked through the SDK (`pipelines create` and `start --wait` are
    // asserted through the CLI in the other cases); `pipelines retry --wait` through the CLI.
    const sdk = new Orchard(admin);
    await sdk.pipelines.create({ name: 'late-data', definition: JSON.stringify(def) });
    const failed = await until((await sdk.pipelines.start('late-data')).id, (e) => ['Succeeded', 'Failed', 'Stopped'].includes(e.status));
    expect(failed.status).toBe('Failed');
    expect(step(failed, 'late').failureReason).toContain('ORCH_QUERY_UNKNOWN_DATASET');
    const firstStarted = step(failed, 'first').startedAt;
    await sdk.datasets.create({ name: 'arrives_later', file: writeClassificationCsv(path.join(dir, 'later.csv'), 20, 3) });
    const retried = await ok(['pipelines', 'retry', failed.id, '--wait']);
    expect(retried.status).toBe('Succeeded');
    expect(step(retried, 'first').startedAt).toBe(firstStarted);
    expect(step(retried, 'late').outputs).toMatchObject({ dataset: 'late-out@1', rows: 20 });
    // first ran once: one version of its output.
    expect(await sdk.datasets.versions('first-out')).toHaveLength(1);
  });

  first("puts every step's changes on the platform feed, in order, and `orchard events --execution` prints them", async () => {
    const def = {
      parameters: {},
      steps: [
        { name: 'first', type: 'pass' },
        { name: 'pause', type: 'wait', seconds: 1, dependsOn: ['first'] },
        { name: 'last', type: 'sql', query: 'select * from raw limit 5', output: 'fed', dependsOn: ['pause'] },
      ],
    };
    await ok(['pipelines', 'create', 'fed', '--file', definition('fed', def)]);
    const feed = new Orchard(admin).events.feed({ since: new Date() });
    // The stream is open (its first read started) before the execution starts.
    const first = feed.next();
    await new Promise((r) => setTimeout(r, 500));
    const started = await ok(['pipelines', 'start', 'fed']);
    const events: PlatformEvent[] = [];
    try {
      for (let next = await first; !next.done; next = await feed.next()) {
        const e = next.value;
        if (e.type === 'pipeline-step' ? e.execution !== started.id : e.name !== started.id) continue;
        events.push(e);
        if (e.type === 'status' && e.status === 'Succeeded') break;
      }
    } finally {
      // Stopping the generator closes its connection.
      await feed.return(undefined);
    }
    const steps = events.filter((e): e is PipelineStepEvent => e.type === 'pipeline-step');
    // Each step's changes in the order they happened; the steps in the order they ran; the execution's end last.
    const order = ['Pending', 'Starting', 'Executing', 'Waiting', 'Retrying', 'Succeeded'];
    for (const name of ['first', 'pause', 'last']) {
      const mine = steps.filter((e) => e.step === name).map((e) => order.indexOf(e.status));
      expect(mine, name).toEqual([...mine].sort((a, b) => a - b));
    }
    const lastOf = (name: string) => steps.findLastIndex((e) => e.step === name);
    const firstOf = (name: string) => steps.findIndex((e) => e.step === name);
    expect(lastOf('first')).toBeLessThan(firstOf('last'));
    expect(steps.filter((e) => e.step === 'pause').map((e) => e.status)).toEqual(expect.arrayContaining(['Waiting', 'Succeeded']));
    expect(lastOf('pause')).toBeLessThan(firstOf('last'));
    expect(steps.at(-1)).toMatchObject({ kind: 'pipeline-step', name: `${started.id}/last`, pipeline: 'fed', step: 'last', stepType: 'sql', status: 'Succeeded', attempt: 1, resource: `${started.id}-last`, failureCode: null });
    expect(events.at(-1)).toMatchObject({ type: 'status', kind: 'pipeline-execution', name: started.id, status: 'Succeeded' });
    // The CLI replays the execution from its start and ends with it.
    const res = await cli(['events', '--execution', started.id, '--json'], admin);
    expect(res.code, res.stderr).toBe(0);
    const printed = res.stdout.trim().split('\n').map((l) => JSON.parse(l) as PlatformEvent);
    expect(printed.filter((e) => e.type === 'pipeline-step').map((e) => [e.name, e.status])).toEqual([
      [`${started.id}/first`, 'Succeeded'],
      [`${started.id}/pause`, 'Succeeded'],
      [`${started.id}/last`, 'Succeeded'],
    ]);
    expect(printed.at(-1)).toMatchObject({ kind: 'pipeline-execution', status: 'Succeeded' });
    const text = await cli(['events', '--execution', started.id], admin);
    expect(text.stdout).toContain(`pipeline-step  ${started.id}/last  Succeeded  attempt 1  ${started.id}-last`);
  });

  it('refuses bad definitions, parameters and versions with a code each', async () => {
    const cycle = { parameters: {}, steps: [{ name: 'a', type: 'pass', dependsOn: ['b'] }, { name: 'b', type: 'pass', dependsOn: ['a'] }] };
    const bad = await refused(['pipelines', 'create', 'cyclic', '--file', definition('cycle', cycle)], 'ORCH_PIPELINE_INVALID');
    expect(JSON.stringify(bad)).toMatch(/cycle/i);
    // The other bad inputs through the SDK: the same requests the CLI sends, without an `orchard` process each.
    const sdk = new Orchard(admin);
    // A pipeline with typed parameters to start wrongly (the issue's definition; never run here).
    await sdk.pipelines.create({ name: 'typed-flow', definition: JSON.stringify(ISSUE_DEFINITION) });
    const dangling = { parameters: {}, steps: [{ name: 'a', type: 'training', algorithm: 'xgboost', train: { Get: 'Steps.nowhere.dataset' } }] };
    await refusedBySdk(sdk.pipelines.create({ name: 'dangling', definition: JSON.stringify(dangling) }), 'ORCH_PIPELINE_INVALID');
    await refusedBySdk(sdk.pipelines.create({ name: 'broken', definition: '{"steps": [' }), 'ORCH_PIPELINE_INVALID');
    await refused(['pipelines', 'start', 'typed-flow', '--param', 'nope=1'], 'ORCH_PIPELINE_PARAMETER_INVALID');
    await refusedBySdk(sdk.pipelines.start('typed-flow', { parameters: { rounds: 'many' } }), 'ORCH_PIPELINE_PARAMETER_INVALID');
    await refusedBySdk(sdk.pipelines.start('no-such-pipeline'), 'ORCH_PIPELINE_NOT_FOUND');
    await refused(['pipelines', 'execution', 'pe-000000000000'], 'ORCH_PIPELINE_EXECUTION_NOT_FOUND');
    // A new version, then the old one deleted: starting it is refused; the latest runs.
    await sdk.pipelines.create({ name: 'versioned', definition: JSON.stringify({ parameters: {}, steps: [{ name: 'a', type: 'pass' }] }) });
    const v2 = await ok(['pipelines', 'update', 'versioned', '--file', definition('v2', { parameters: {}, steps: [{ name: 'a', type: 'pass' }, { name: 'b', type: 'pass', dependsOn: ['a'] }] })]);
    expect(v2.latestVersion).toBe(2);
    await ok(['pipelines', 'delete', 'versioned', '--version', '1']);
    await refusedBySdk(sdk.pipelines.start('versioned', { version: 1 }), 'ORCH_PIPELINE_VERSION_DELETED');
    const e = await ok(['pipelines', 'start', 'versioned', '--wait']);
    expect(e).toMatchObject({ version: 2, status: 'Succeeded' });
    // `pipelines approve`'s CLI refusal is asserted in the approval case.
    await refusedBySdk(sdk.pipelines.approve(e.id), 'ORCH_PIPELINE_EXECUTION_ENDED');
  }, 180_000);
});
