import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Orchard } from '../../src/sdk/index.js';
import { backends, writeClassificationCsv } from '../support/backends.js';
import { cliSuite } from '../support/cli-suite.js';
import { refusalOf } from '../support/refusals.js';
import { cli } from '../support/server.js';

/** A training script printing `loss=…` once per step: `losses` is a Python expression of the step `i`. */
function lossScript(dir: string, name: string, steps: number, loss: string): string {
  const file = path.join(dir, name, 'train.py');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(
    file,
    [
      'import os, time, json',
      `for i in range(${steps}):`,
      '    t = time.time()',
      '    while time.time() - t < 0.1: pass  # a busy step: the profile sees CPU',
      `    print('step %d loss=%.6f' % (i, ${loss}), flush=True)`,
      "json.dump({}, open(os.path.join(os.environ['SM_MODEL_DIR'], 'model.json'), 'w'))",
    ].join('\n') + '\n',
  );
  return file;
}

describe.each(backends)('Debugger rules and profiles through the CLI on $name', (backend) => {
  const suite = cliSuite(backend, { prefix: 'orchard-debugger-' });
  // The built-in algorithms' metric series (what the rules read, the same on both backends) run on
  // the first backend only; rules judged and stored on PostgreSQL + S3 are the script jobs' cases
  // here, and a rule stopping a job with its profile on the fleet's PostgreSQL is debugger-fleet.test.ts.
  const first = backend === backends[0] ? it : it.skip;
  let sdk: Orchard;

  beforeAll(async () => {
    // `orchard train --rule`, `training describe` and `training profile` are what this suite runs through the
    // CLI (each once); the datasets, the reads after them and the webhooks go through the SDK.
    sdk = new Orchard(suite.admin);
    for (const [name, rows, seed] of [['tr', 2000, 1], ['va', 500, 2]] as const) {
      await sdk.datasets.create({ name, file: writeClassificationCsv(path.join(suite.dir, `${name}.csv`), rows, seed) });
    }
  });

  it('stops a job whose loss stops falling (loss_not_decreasing:stop), not retried', async () => {
    // Falls for 8 steps, then flat: with num_steps=5 the rule fires at step 13 of 300.
    const script = lossScript(suite.dir, 'flat', 300, '1.0 - 0.05 * min(i, 8)');
    const res = await cli(['train', '--name', 'flat1', '--script', script, '--train', 'tr', '--metric', 'loss=loss=([0-9.]+)', '--max-retries', '2', '--rule', 'loss_not_decreasing:stop:num_steps=5', '--wait', '--json'], suite.admin);
    expect(res.json, res.stdout + res.stderr).toMatchObject({ status: 'Stopped', attempts: 1 });
    expect(res.json.failureReason).toMatch(/^Debugger rule loss_not_decreasing found issues: loss did not decrease by 0.1% over the last 5 steps/);
    expect(res.json.metrics.length).toBeLessThan(100);
    const described = await cli(['training', 'describe', 'flat1', '--json'], suite.admin);
    expect(described.json.rules).toEqual([{ name: 'loss_not_decreasing', status: 'IssuesFound', action: 'stop', message: expect.stringContaining('loss did not decrease'), updatedAt: expect.any(String) }]);
  });

  it('a healthy job ends with NoIssuesFound, and its profile has phases and CPU samples', async () => {
    const script = lossScript(suite.dir, 'healthy', 30, '1.0 / (i + 1)');
    const res = await cli(
      ['train', '--name', 'ok1', '--script', script, '--train', 'tr', '--metric', 'loss=loss=([0-9.]+)', '--rule', 'loss_not_decreasing:stop', '--rule', 'class_imbalance:notify', '--rule', 'exploding_tensor', '--wait', '--json'],
      suite.admin,
    );
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.json.status).toBe('Completed');
    const described = await sdk.training.describe('ok1');
    const rules = Object.fromEntries(described.rules!.map((r) => [r.name, r]));
    expect(rules.loss_not_decreasing.status).toBe('NoIssuesFound');
    expect(rules.exploding_tensor.status).toBe('NoIssuesFound');
    // The generated labels are about balanced: 0 and 1 both counted from the train channel.
    expect(rules.class_imbalance).toMatchObject({ status: 'NoIssuesFound', message: expect.stringMatching(/1: \d+, 0: \d+|0: \d+, 1: \d+/) });

    const profile = await cli(['training', 'profile', 'ok1', '--json'], suite.admin);
    expect(profile.code, profile.stdout + profile.stderr).toBe(0);
    const [attempt] = profile.json.attempts;
    expect(Object.keys(attempt.totals)).toEqual(expect.arrayContaining(['download', 'training', 'checkpointing', 'upload']));
    expect(attempt.totals.training).toBeGreaterThan(2);
    const cpu = attempt.samples.filter((s: { cpuPercent: number | null }) => s.cpuPercent !== null);
    expect(cpu.length).toBeGreaterThan(0);
    expect(attempt.cpu.maxPercent).toBeGreaterThan(20);
    expect(attempt.memory.maxMiB).toBeGreaterThan(1);
  });

  first('evaluates tensor rules on linear-learner, which logs gradient and weight norms per epoch', async () => {
    const res = await cli(
      [
        'train', '--name', 'll1', '--algorithm', 'linear-learner', '--train', 'tr', '--validation', 'va', '--hp', 'predictor_type=binary_classifier', '--hp', 'epochs=6',
        '--rule', 'vanishing_gradient', '--rule', 'exploding_tensor:stop', '--rule', 'poor_weight_initialization', '--rule', 'overtraining:none:patience_validation=50,patience_train=50', '--wait', '--json',
      ],
      suite.admin,
    );
    expect(res.code, res.stdout + res.stderr).toBe(0);
    const names = new Set((res.json.metrics as Array<{ name: string }>).map((m) => m.name));
    expect([...names]).toEqual(expect.arrayContaining(['gradient_norm', 'weight_norm', 'init:weight_std', 'train:loss', 'validation:loss']));
    const described = await sdk.training.describe('ll1');
    const rules = Object.fromEntries(described.rules!.map((r) => [r.name, r.status]));
    expect(rules).toEqual({ vanishing_gradient: 'NoIssuesFound', exploding_tensor: 'NoIssuesFound', poor_weight_initialization: 'NoIssuesFound', overtraining: 'NoIssuesFound' });
    const profile = await sdk.training.profile('ll1');
    expect(Object.keys(profile.attempts[0].totals)).toEqual(expect.arrayContaining(['download', 'data_loading', 'training', 'evaluation', 'save_model', 'upload']));
  });

  first("reads xgboost's per-round losses", async () => {
    const res = await cli(
      ['train', '--name', 'gb1', '--algorithm', 'xgboost', '--train', 'tr', '--validation', 'va', '--hp', 'objective=binary:logistic', '--hp', 'num_round=20', '--rule', 'overfit:none:ratio_threshold=5', '--rule', 'overtraining:none:patience_train=50,patience_validation=50', '--wait', '--json'],
      suite.admin,
    );
    expect(res.code, res.stdout + res.stderr).toBe(0);
    const described = await sdk.training.describe('gb1');
    const rules = Object.fromEntries(described.rules!.map((r) => [r.name, r]));
    expect(rules.overfit).toMatchObject({ status: 'NoIssuesFound', message: expect.stringMatching(/^validation:logloss stayed within 500% of train:logloss$/) });
    expect(rules.overtraining).toMatchObject({ status: 'NoIssuesFound', message: 'validation:logloss and train:logloss kept improving' });
  });

  it('a custom rule script with action notify delivers training.rule to the webhooks that take it', async () => {
    const received: Array<{ path: string; body: string }> = [];
    const receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => (received.push({ path: req.url ?? '', body }), res.writeHead(200).end('ok')));
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const url = (p: string) => `http://127.0.0.1:${(receiver.address() as AddressInfo).port}${p}`;
    try {
      await sdk.webhooks.allow({ pattern: '127.0.0.1' });
      await sdk.webhooks.create({ name: 'rules', url: url('/rules'), events: ['training.*'] });
      await sdk.webhooks.create({ name: 'pipes', url: url('/pipes'), events: ['pipeline.*'] });
      const rule = path.join(suite.dir, 'high_loss.py');
      fs.writeFileSync(
        rule,
        [
          'import json, sys',
          'd = json.load(sys.stdin)',
          "high = [p for p in d['metrics'].get('loss', []) if p['value'] > d['parameters'].get('limit', 0.5)]",
          "print(json.dumps({'status': 'IssuesFound' if high else 'NoIssuesFound', 'message': '%d steps above the limit' % len(high)}))",
        ].join('\n') + '\n',
      );
      // Five steps: the script rule runs once more at the end, over every point.
      const script = lossScript(suite.dir, 'notify', 5, '1.0 / (i + 1)');
      const res = await cli(['train', '--name', 'nt1', '--script', script, '--train', 'tr', '--metric', 'loss=loss=([0-9.]+)', '--rule-script', `high_loss:notify=${rule}`, '--wait', '--json'], suite.admin);
      expect(res.json?.status, res.stdout + res.stderr).toBe('Completed');
      const described = await sdk.training.describe('nt1');
      expect(described.rules).toEqual([expect.objectContaining({ name: 'high_loss', action: 'notify', status: 'IssuesFound', message: expect.stringMatching(/steps above the limit$/) })]);
      await expect.poll(() => received.length, { timeout: 20_000, interval: 200 }).toBeGreaterThan(0);
      const [got] = received;
      expect(got.path).toBe('/rules');
      expect(JSON.parse(got.body)).toMatchObject({ event: 'training.rule', payload: { job: 'nt1', attempt: 1, rule: 'high_loss', status: 'IssuesFound' } });
      expect(received.filter((r) => r.path === '/pipes')).toEqual([]);
    } finally {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });

  it('refuses bad rules with every problem listed, and a profile of an unknown job', async () => {
    const res = await cli(['train', '--name', 'bad1', '--algorithm', 'linear-learner', '--train', 'tr', '--hp', 'predictor_type=binary_classifier', '--rule', 'loss_decreasing', '--rule', 'overfit:patience=x', '--json'], suite.admin);
    expect(res.code).not.toBe(0);
    expect(res.json.code, res.stdout).toBe('ORCH_DEBUGGER_RULE_INVALID');
    expect(res.json.details.errors.map((e: { field: string }) => e.field)).toEqual(['rules[0].name', 'rules[1].parameters.patience']);
    // With a hyperparameter problem too: one error listing both (through the SDK, the request `--rule nope` makes).
    const both = await refusalOf(sdk.training.create({ name: 'bad2', algorithm: 'linear-learner', channels: { train: 'tr' }, rules: [{ name: 'nope' }] }));
    expect((both.details?.errors as Array<{ field: string; code: string }>).map((e) => [e.field, e.code])).toEqual([
      ['predictor_type', 'ORCH_HYPERPARAMETER_MISSING'],
      ['rules[0].name', 'ORCH_DEBUGGER_RULE_INVALID'],
    ]);
    const missing = await cli(['training', 'profile', 'nope', '--json'], suite.admin);
    expect(missing.json.code).toBe('ORCH_JOB_NOT_FOUND');
  });
});
