import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchard, type CreateTuningJobRequest } from '../../src/sdk/index.js';
import { backends, fleetBackend, TEST_ATTEMPTS_DIR, writeClassificationCsv } from '../support/backends.js';
import { refusedBySdk } from '../support/refusals.js';
import { cli, startServer, startWorkerProcess, type RunningServer } from '../support/server.js';

/**
 * Two ways to run: one machine on SQLite + files, where the controller hears of each trial's
 * end from the server's own worker loop, and a fleet of two worker processes on PostgreSQL +
 * S3 + Redis, where trials end elsewhere and the controller's tick finds them. PostgreSQL + S3
 * on one machine is not run again here: the fleet case drives the same flow on those stores,
 * and sagemaker-api.test.ts tunes xgboost through CreateHyperParameterTuningJob on both
 * single-machine backends.
 */
const setups = [
  { name: backends[0].name, fleet: false, setup: backends[0].setup },
  { name: 'a fleet (PostgreSQL + S3 + Redis, two workers)', fleet: true, setup: () => fleetBackend() },
];

const TERMINAL = ['Completed', 'Failed', 'Stopped'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Four servers side by side (suites marked concurrent): the Bayesian flows wait on xgboost trials
// two at a time and the behaviour cases mostly on scripts that pause, so together they take little
// more than the slowest. The behaviour cases are split between two servers and run one after
// another on each: the resume case restarts its server and the warm start reads its tuning job; the
// stopping rules (median, Hyperband, stop on request) wait on trials that report step by step.
describe.concurrent.each(setups)('Bayesian tuning of xgboost through the CLI on $name', (setup) => {
  let server: RunningServer;
  let workers: Array<Awaited<ReturnType<typeof startWorkerProcess>>> = [];
  let teardown: () => Promise<void>;
  let admin: { url: string; token: string };

  beforeAll(async () => {
    const b = await setup.setup();
    teardown = b.teardown;
    server = await startServer({ ...b.env, ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR, ...(setup.fleet ? { ORCHARD_WORKERS: '0' } : { ORCHARD_WORKERS: '2' }) });
    if (setup.fleet) workers = [await startWorkerProcess(b.env), await startWorkerProcess(b.env)];
    admin = { url: server.url, token: server.adminToken };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-tune-'));
    // Uploaded through the SDK (`datasets create` is the datasets CLI suite's).
    const sdk = new Orchard(admin);
    for (const [name, rows, seed] of [['tr', 600, 11], ['va', 1500, 12]] as const) {
      await sdk.datasets.create({ name, file: writeClassificationCsv(path.join(dir, `${name}.csv`), rows, seed, 6) });
    }
  });
  afterAll(async () => {
    for (const w of workers) await w.stop();
    await server?.stop();
    await teardown?.();
  });

  it('runs 6 trials 2 at a time and finds hyperparameters that beat the defaults', async () => {
    // The defaults' training job through the SDK, polled (`train --wait` is the training CLI suite's).
    const sdk = new Orchard(admin);
    await sdk.training.create({ name: 'default-hps', algorithm: 'xgboost', hyperParameters: { objective: 'binary:logistic', num_round: '40' }, channels: { train: 'tr', validation: 'va' } });
    let baseline = await sdk.training.describe('default-hps');
    while (!TERMINAL.includes(baseline.status)) {
      await sleep(250);
      baseline = await sdk.training.describe('default-hps');
    }
    expect(baseline.status, baseline.failureReason ?? '').toBe('Completed');
    const defaultAuc = baseline.finalMetrics['validation:auc'];

    const res = await cli(
      ['tune', '--name', 'bo1', '--algorithm', 'xgboost', '--train', 'tr', '--validation', 'va', '--hp', 'objective=binary:logistic', '--hp', 'num_round=40',
        '--range', 'eta=0.01:0.5:log', '--range', 'max_depth=1:10:int', '--objective', 'validation:auc', '--maximize', '--strategy', 'bayesian',
        '--max-jobs', '6', '--max-parallel', '2', '--seed', '7', '--wait', '--json'],
      admin,
    );
    expect(res.code, res.stderr).toBe(0);
    const t = res.json;
    expect(t).toMatchObject({ name: 'bo1', status: 'Completed', strategy: 'bayesian', objective: { metric: 'validation:auc', type: 'Maximize' } });
    expect(t.trainingJobCounts).toEqual({ completed: 6, failed: 0, stopped: 0, inProgress: 0, earlyStopped: 0 });
    expect(t.trials.map((x: { trainingJob: string }) => x.trainingJob)).toEqual(['bo1-001', 'bo1-002', 'bo1-003', 'bo1-004', 'bo1-005', 'bo1-006']);
    for (const trial of t.trials) {
      const eta = Number(trial.hyperParameters.eta);
      const depth = Number(trial.hyperParameters.max_depth);
      expect(eta).toBeGreaterThanOrEqual(0.01);
      expect(eta).toBeLessThanOrEqual(0.5);
      expect(Number.isInteger(depth) && depth >= 1 && depth <= 10).toBe(true);
      expect(typeof trial.objective).toBe('number');
    }
    const best = Math.max(...t.trials.map((x: { objective: number }) => x.objective));
    expect(t.bestTrainingJob.objective).toBe(best);
    expect(t.bestTrainingJob.finalMetrics['validation:auc']).toBe(best);
    expect(t.bestTrainingJob.hyperParameters).toMatchObject({ objective: 'binary:logistic', num_round: '40' });
    expect(best).toBeGreaterThan(defaultAuc);

    // The trials are runs of an experiment named after the tuning job (read through the SDK:
    // `runs list` is the experiments CLI suite's).
    const runs = await sdk.runs.list({ experiment: 'bo1', sort: 'metrics.validation:auc desc', limit: 1 });
    expect(runs.items[0].name).toBe(t.bestTrainingJob.name);
    const list = await cli(['tunes', 'list', '--json'], admin);
    expect(list.json.items.map((x: { name: string }) => x.name)).toContain('bo1');
    const text = await cli(['tunes', 'describe', 'bo1'], admin);
    expect(text.stdout).toContain('bo1-006');
  });
});

const SIDES = ['failure budget, restart, warm start and refusals', 'stopping rules'] as const;

describe.concurrent.each(SIDES)('tuning job behaviour (SQLite + file): %s', (side) => {
  const [restarts, stopping] = SIDES;
  let server: RunningServer | undefined;
  let home: string;
  let src: string;
  let sourceKey: string;
  const env = { ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR, ORCHARD_WORKERS: '2', ORCHARD_JOB_LEASE_MS: '2000' };
  const admin = () => ({ url: server!.url, token: server!.adminToken });
  const sdk = () => new Orchard(admin());
  /** Polls the tuning job through the SDK until it ends: one request per poll, no `orchard` process. */
  const ended = (name: string) => sdk().tuning.waitFor(name, { pollMs: 250 });
  /** The request `orchard tune --script score.py --train d --metric score=… --objective score --maximize` sends. */
  const scoreJob = (name: string, rest: Omit<CreateTuningJobRequest, 'name' | 'objective' | 'channels'>): CreateTuningJobRequest => ({
    name,
    script: { entryPoint: 'score.py', sourceKey },
    channels: { train: 'd' },
    metricDefinitions: [{ name: 'score', regex: 'score=([0-9.-]+)' }],
    objective: { metric: 'score', type: 'Maximize' },
    ...rest,
  });

  beforeAll(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-tune-home-'));
    server = await startServer(env, home);
    src = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-tune-src-'));
    // A script whose score is a known function of its hyperparameters; mode=fail fails.
    fs.writeFileSync(
      path.join(src, 'score.py'),
      [
        'import argparse, os, sys, time',
        'p = argparse.ArgumentParser()',
        "p.add_argument('--x', type=float, default=0.0)",
        "p.add_argument('--mode', type=str, default='ok')",
        "p.add_argument('--pause', type=float, default=0.0)",
        'a, _ = p.parse_known_args()',
        "if a.mode == 'fail':",
        "    sys.exit('ValueError: this configuration cannot train')",
        'time.sleep(a.pause)',
        "print('score=%.6f' % (1.0 - (a.x - 0.3) ** 2))",
        "open(os.path.join(os.environ['SM_MODEL_DIR'], 'm.txt'), 'w').write('ok')",
      ].join('\n') + '\n',
    );
    // A learning curve: q * (step + 1) / 10 over 10 steps, reported as it goes, 0.4 s a step
    // (a trial with q at or above --fast reports without pausing).
    fs.writeFileSync(
      path.join(src, 'curve.py'),
      [
        'import argparse, os, time',
        'from orchard import run',
        'p = argparse.ArgumentParser()',
        "p.add_argument('--q', type=float)",
        "p.add_argument('--fast', type=float, default=float('inf'))",
        'a, _ = p.parse_known_args()',
        'for step in range(10):',
        "    run.log_metric('curve', a.q * (step + 1) / 10, step=step)",
        '    time.sleep(0.4 if a.q < a.fast else 0.02)',
        "open(os.path.join(os.environ['SM_MODEL_DIR'], 'm.txt'), 'w').write('ok')",
      ].join('\n') + '\n',
    );
    fs.writeFileSync(path.join(src, 'd.csv'), '1,2\n');
    await sdk().datasets.create({ name: 'd', file: path.join(src, 'd.csv') });
    // The scripts' source archive, as `orchard tune --script` packs and stores it, for the
    // tuning jobs created through the SDK.
    const archive = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-tune-pack-')), 'sourcedir.tar.gz');
    await tar.c({ gzip: true, file: archive, cwd: src, portable: true }, ['score.py', 'curve.py']);
    sourceKey = 'sources/tune-behaviour/sourcedir.tar.gz';
    await sdk().artifacts.put(sourceKey, archive);
  });
  afterAll(async () => server?.stop());

  const scriptArgs = () => ['--script', path.join(src, 'score.py'), '--train', 'd', '--metric', 'score=score=([0-9.-]+)', '--objective', 'score', '--maximize'];

  if (side === restarts) it.sequential('counts failed trials and goes on, up to the failure budget', async () => {
    // Through the SDK; the CLI's `tune --wait` exit code is asserted on the failing job below.
    await sdk().tuning.create(scoreJob('grid1', { strategy: 'grid', ranges: [{ name: 'mode', type: 'categorical', values: ['ok', 'fail'] }, { name: 'x', type: 'integer', min: 0, max: 1 }], maxJobs: 10, maxParallel: 2 }));
    const ok = await ended('grid1');
    expect(ok.status).toBe('Completed');
    // The grid has 4 points: it ends after 4 trials although 10 were allowed.
    expect(ok.trainingJobCounts).toMatchObject({ completed: 2, failed: 2, inProgress: 0 });
    expect(ok.trials).toHaveLength(4);
    const failed = ok.trials.filter((x) => x.status === 'Failed');
    expect(failed.every((x) => x.hyperParameters.mode === 'fail' && (x.failureReason ?? '').includes('cannot train'))).toBe(true);
    expect(ok.bestTrainingJob!.hyperParameters).toMatchObject({ mode: 'ok', x: '0' });

    const strict = await cli(['tune', '--name', 'grid2', ...scriptArgs(), '--strategy', 'grid', '--range', 'mode=fail,ok', '--range', 'x=0:1:int', '--max-jobs', '4', '--max-failed-jobs', '1', '--wait', '--json'], admin());
    expect(strict.code).not.toBe(0);
    expect(strict.json.status).toBe('Failed');
    expect(strict.json.failureReason).toContain('maxFailedJobs 1');
    expect(strict.json.trainingJobCounts.failed).toBe(2);
  });

  if (side === restarts) it.sequential('resumes after a server restart without losing or repeating trials', async () => {
    await sdk().tuning.create(scoreJob('resume1', { strategy: 'random', seed: 3, ranges: [{ name: 'x', type: 'continuous', min: 0, max: 1 }], staticHyperParameters: { pause: '1' }, maxJobs: 5, maxParallel: 1 }));
    let before = await sdk().tuning.describe('resume1');
    while (before.trainingJobCounts.completed < 2) {
      await sleep(300);
      before = await sdk().tuning.describe('resume1');
    }
    await server!.stop();
    server = await startServer(env, home);
    const after = await ended('resume1');
    expect(after.status, after.failureReason ?? '').toBe('Completed');
    expect(after.trials.map((x) => x.trainingJob)).toEqual(['resume1-001', 'resume1-002', 'resume1-003', 'resume1-004', 'resume1-005']);
    expect(after.trainingJobCounts).toMatchObject({ completed: 5, failed: 0 });
    // Trials finished before the restart are kept as they were.
    for (const t of before.trials.filter((x) => x.status === 'Completed')) {
      const same = after.trials.find((x) => x.trial === t.trial);
      expect(same).toMatchObject({ hyperParameters: t.hyperParameters, objective: t.objective, trainingJob: t.trainingJob });
    }
    // One training job per trial, each run once.
    const jobs = await sdk().training.list({ experiment: 'resume1' });
    expect(jobs.total).toBe(5);
  });

  if (side === restarts) it.sequential('warm-starts from a finished tuning job: its trials are observations of the new search', async () => {
    const res = await cli(['tune', '--name', 'warm1', ...scriptArgs(), '--strategy', 'bayesian', '--seed', '5', '--range', 'x=0:1', '--warm-start', 'resume1', '--max-jobs', '2', '--json'], admin());
    expect(res.code, res.stderr).toBe(0);
    const t = await ended('warm1');
    expect(t).toMatchObject({ status: 'Completed', warmStart: ['resume1'] });
    // Five observations of 1 - (x - 0.3)^2 put the next points near the optimum.
    for (const trial of t.trials) expect(Math.abs(Number(trial.hyperParameters.x) - 0.3)).toBeLessThan(0.2);
  });

  if (side === stopping) it.sequential('stops a trial early when it is worse than the median of finished trials at the same step', async () => {
    // The three trials that must finish report without pausing (the rule needs three finished
    // trials before it stops any); the fourth, q=1, reports every 0.4 s, so it is seen running.
    const res = await cli(['tune', '--name', 'median1', '--script', path.join(src, 'curve.py'), '--train', 'd', '--objective', 'curve', '--maximize', '--strategy', 'grid', '--range', 'q=9,8,7,1', '--hp', 'fast=5', '--early-stopping', 'auto', '--max-jobs', '4', '--json'], admin());
    expect(res.code, res.stderr).toBe(0);
    const t = await ended('median1');
    expect(t.trials.map((x) => x.hyperParameters.q)).toEqual(['9', '8', '7', '1']);
    expect(t.trials.slice(0, 3).every((x) => x.status === 'Completed' && !x.earlyStopped)).toBe(true);
    expect(t.trials[3]).toMatchObject({ status: 'Stopped', earlyStopped: true });
    expect(t.trials[3].objective).toBeLessThan(1);
    expect(t.trainingJobCounts).toMatchObject({ completed: 3, stopped: 1, earlyStopped: 1 });
    expect(t.bestTrainingJob!.hyperParameters.q).toBe('9');
  });

  if (side === stopping) it.sequential('runs Hyperband: trials stopped by successive halving on their reported steps', async () => {
    const res = await cli(['tune', '--name', 'hb1', '--script', path.join(src, 'curve.py'), '--train', 'd', '--objective', 'curve', '--maximize', '--strategy', 'hyperband', '--seed', '2', '--range', 'q=1:9', '--min-resource', '1', '--max-resource', '10', '--max-jobs', '6', '--max-parallel', '2', '--json'], admin());
    expect(res.code, res.stderr).toBe(0);
    const t = await ended('hb1');
    expect(t).toMatchObject({ status: 'Completed', strategy: 'hyperband', hyperband: { minResource: 1, maxResource: 10 } });
    expect(t.trainingJobCounts.completed + t.trainingJobCounts.stopped).toBe(6);
    for (const trial of t.trials.filter((x) => x.earlyStopped)) expect(trial.status).toBe('Stopped');
    expect(t.bestTrainingJob!.objective).toBe(Math.max(...t.trials.filter((x) => x.status === 'Completed').map((x) => x.objective!)));
  });

  if (side === stopping) it.sequential('stops on request, with its running trials', async () => {
    await sdk().tuning.create(scoreJob('stop1', { strategy: 'random', ranges: [{ name: 'x', type: 'continuous', min: 0, max: 1 }], staticHyperParameters: { pause: '30' }, maxJobs: 4, maxParallel: 2 }));
    for (;;) {
      const t = await sdk().tuning.describe('stop1');
      if (t.trainingJobCounts.inProgress === 2) break;
      await sleep(200);
    }
    expect((await cli(['tunes', 'stop', 'stop1', '--json'], admin())).code).toBe(0);
    const t = await ended('stop1');
    expect(t.status).toBe('Stopped');
    expect(t.trials).toHaveLength(2);
    expect(t.trials.every((x) => x.status === 'Stopped')).toBe(true);
  });

  if (side === restarts) it.sequential('refuses bad tuning requests with stable codes', async () => {
    // The CLI's refusal (exit code, code and message on stderr) once; the other bad requests
    // through the SDK, with the request `orchard tune` sends for the same flags.
    const cliRes = await cli(['tune', '--name', 'bad1', '--algorithm', 'xgboost', '--train', 'd', '--range', 'eta=0:2', '--objective', 'validation:auc', '--hp', 'num_round=5', '--max-jobs', '2'], admin());
    expect(cliRes.code).not.toBe(0);
    expect(cliRes.stderr).toMatch(/ORCH_TUNING_INVALID.*eta/);
    const base = { name: 'bad1', algorithm: 'xgboost', staticHyperParameters: { num_round: '5' }, channels: { train: 'd' }, maxJobs: 2, objective: { metric: 'validation:auc' } };
    const eta = { name: 'eta' };
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ ranges: [{ name: 'colour', type: 'continuous', min: 1, max: 2 }] }, 'ORCH_TUNING_INVALID', /colour/],
      [{ ranges: [{ name: 'eta', type: 'continuous', min: 0, max: 0.5, scaling: 'Logarithmic' }] }, 'ORCH_TUNING_INVALID', /./],
      [{ ranges: [eta], objective: { metric: 'validation:nope' } }, 'ORCH_TUNING_INVALID', /validation:nope/],
      [{ ranges: [{ name: 'eta', type: 'continuous', min: 0.1, max: 0.3 }], strategy: 'grid' }, 'ORCH_TUNING_INVALID', /./],
      [{ ranges: [eta], channels: { train: 'missing' } }, 'ORCH_DATASET_NOT_FOUND', /./],
      [{ ranges: [eta], warmStart: ['nope'] }, 'ORCH_TUNING_INVALID', /nope/],
    ];
    for (const [change, code, message] of cases) {
      const refused = await refusedBySdk(sdk().tuning.create({ ...base, ...change } as unknown as CreateTuningJobRequest), code);
      expect(`${refused.message} ${JSON.stringify(refused.details)}`, JSON.stringify(change)).toMatch(message);
    }
    expect((await cli(['tunes', 'describe', 'nope'], admin())).stderr).toContain('ORCH_TUNING_NOT_FOUND');
  });
});
