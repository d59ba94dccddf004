import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchard, OrchardApiError } from '../../src/sdk/index.js';
import { backends, fleetBackend, TEST_ATTEMPTS_DIR, writeClassificationCsv } from '../support/backends.js';
import { cli, startServer, startWorkerProcess, type RunningServer } from '../support/server.js';

/** The three ways to run: one machine on each store, and a fleet of two worker processes. */
const setups = [
  ...backends.map((b) => ({ name: b.name, fleet: false, setup: b.setup })),
  { name: 'a fleet (PostgreSQL + S3 + Redis, two workers)', fleet: true, setup: () => fleetBackend() },
];

describe.each(setups)('Bayesian tuning of xgboost through the CLI on $name', (setup) => {
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
    for (const [name, rows, seed] of [['tr', 600, 11], ['va', 1500, 12]] as const) {
      expect((await cli(['datasets', 'create', name, '--file', writeClassificationCsv(path.join(dir, `${name}.csv`), rows, seed, 6), '--json'], admin)).code).toBe(0);
    }
  });
  afterAll(async () => {
    for (const w of workers) await w.stop();
    await server?.stop();
    await teardown?.();
  });

  it('runs 6 trials 2 at a time and finds hyperparameters that beat the defaults', async () => {
    const baseline = await cli(['train', '--name', 'default-hps', '--algorithm', 'xgboost', '--hp', 'objective=binary:logistic', '--hp', 'num_round=40', '--train', 'tr', '--validation', 'va', '--wait', '--json'], admin);
    expect(baseline.code, baseline.stderr).toBe(0);
    const defaultAuc = baseline.json.finalMetrics['validation:auc'];

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

    // The trials are runs of an experiment named after the tuning job.
    const runs = await cli(['runs', 'list', '--experiment', 'bo1', '--sort', 'metrics.validation:auc desc', '--limit', '1', '--json'], admin);
    expect(runs.json.items[0].name).toBe(t.bestTrainingJob.name);
    const list = await cli(['tunes', 'list', '--json'], admin);
    expect(list.json.items.map((x: { name: string }) => x.name)).toContain('bo1');
    const text = await cli(['tunes', 'describe', 'bo1'], admin);
    expect(text.stdout).toContain('bo1-006');
  });
});

describe('tuning job behaviour (SQLite + file)', () => {
  let server: RunningServer | undefined;
  let home: string;
  let src: string;
  const env = { ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR, ORCHARD_WORKERS: '2', ORCHARD_JOB_LEASE_MS: '2000' };
  const admin = () => ({ url: server!.url, token: server!.adminToken });

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
    // A learning curve: q * (step + 1) / 10 over 10 steps, reported as it goes.
    fs.writeFileSync(
      path.join(src, 'curve.py'),
      [
        'import argparse, os, time',
        'from orchard import run',
        'p = argparse.ArgumentParser()',
        "p.add_argument('--q', type=float)",
        'a, _ = p.parse_known_args()',
        'for step in range(10):',
        "    run.log_metric('curve', a.q * (step + 1) / 10, step=step)",
        '    time.sleep(0.4)',
        "open(os.path.join(os.environ['SM_MODEL_DIR'], 'm.txt'), 'w').write('ok')",
      ].join('\n') + '\n',
    );
    fs.writeFileSync(path.join(src, 'd.csv'), '1,2\n');
    expect((await cli(['datasets', 'create', 'd', '--file', path.join(src, 'd.csv'), '--json'], admin())).code).toBe(0);
  });
  afterAll(async () => server?.stop());

  const scriptArgs = () => ['--script', path.join(src, 'score.py'), '--train', 'd', '--metric', 'score=score=([0-9.-]+)', '--objective', 'score', '--maximize'];

  it('counts failed trials and goes on, up to the failure budget', async () => {
    const ok = await cli(['tune', '--name', 'grid1', ...scriptArgs(), '--strategy', 'grid', '--range', 'mode=ok,fail', '--range', 'x=0:1:int', '--max-jobs', '10', '--max-parallel', '2', '--wait', '--json'], admin());
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.json.status).toBe('Completed');
    // The grid has 4 points: it ends after 4 trials although 10 were allowed.
    expect(ok.json.trainingJobCounts).toMatchObject({ completed: 2, failed: 2, inProgress: 0 });
    expect(ok.json.trials).toHaveLength(4);
    const failed = ok.json.trials.filter((x: { status: string }) => x.status === 'Failed');
    expect(failed.every((x: { hyperParameters: { mode: string }; failureReason: string }) => x.hyperParameters.mode === 'fail' && x.failureReason.includes('cannot train'))).toBe(true);
    expect(ok.json.bestTrainingJob.hyperParameters).toMatchObject({ mode: 'ok', x: '0' });

    const strict = await cli(['tune', '--name', 'grid2', ...scriptArgs(), '--strategy', 'grid', '--range', 'mode=fail,ok', '--range', 'x=0:1:int', '--max-jobs', '4', '--max-failed-jobs', '1', '--wait', '--json'], admin());
    expect(strict.code).not.toBe(0);
    expect(strict.json.status).toBe('Failed');
    expect(strict.json.failureReason).toContain('maxFailedJobs 1');
    expect(strict.json.trainingJobCounts.failed).toBe(2);
  });

  it('resumes after a server restart without losing or repeating trials', async () => {
    const created = await cli(['tune', '--name', 'resume1', ...scriptArgs(), '--strategy', 'random', '--seed', '3', '--range', 'x=0:1', '--hp', 'pause=1', '--max-jobs', '5', '--max-parallel', '1', '--json'], admin());
    expect(created.code, created.stderr).toBe(0);
    // Polled through the SDK: one request per poll, not an `orchard` process (`tunes describe` is asserted elsewhere).
    let before: any;
    for (;;) {
      before = await new Orchard(admin()).tuning.describe('resume1');
      if (before.trainingJobCounts.completed >= 2) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    await server!.stop();
    server = await startServer(env, home);
    let after: any;
    for (;;) {
      after = await new Orchard(admin()).tuning.describe('resume1');
      if (['Completed', 'Failed', 'Stopped'].includes(after.status)) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(after.status, after.failureReason).toBe('Completed');
    expect(after.trials.map((x: { trainingJob: string }) => x.trainingJob)).toEqual(['resume1-001', 'resume1-002', 'resume1-003', 'resume1-004', 'resume1-005']);
    expect(after.trainingJobCounts).toMatchObject({ completed: 5, failed: 0 });
    // Trials finished before the restart are kept as they were.
    for (const t of before.trials.filter((x: { status: string }) => x.status === 'Completed')) {
      const same = after.trials.find((x: { trial: number }) => x.trial === t.trial);
      expect(same).toMatchObject({ hyperParameters: t.hyperParameters, objective: t.objective, trainingJob: t.trainingJob });
    }
    // One training job per trial, each run once.
    const jobs = (await cli(['jobs', 'list', '--experiment', 'resume1', '--json'], admin())).json;
    expect(jobs.total).toBe(5);
  });

  it('warm-starts from a finished tuning job: its trials are observations of the new search', async () => {
    const res = await cli(['tune', '--name', 'warm1', ...scriptArgs(), '--strategy', 'bayesian', '--seed', '5', '--range', 'x=0:1', '--warm-start', 'resume1', '--max-jobs', '2', '--wait', '--json'], admin());
    expect(res.code, res.stderr).toBe(0);
    expect(res.json).toMatchObject({ status: 'Completed', warmStart: ['resume1'] });
    // Five observations of 1 - (x - 0.3)^2 put the next points near the optimum.
    for (const trial of res.json.trials) expect(Math.abs(Number(trial.hyperParameters.x) - 0.3)).toBeLessThan(0.2);
  });

  it('stops a trial early when it is worse than the median of finished trials at the same step', async () => {
    const res = await cli(['tune', '--name', 'median1', '--script', path.join(src, 'curve.py'), '--train', 'd', '--objective', 'curve', '--maximize', '--strategy', 'grid', '--range', 'q=9,8,7,1', '--early-stopping', 'auto', '--max-jobs', '4', '--wait', '--json'], admin());
    expect(res.code, res.stderr).toBe(0);
    const t = res.json;
    expect(t.trials.map((x: { hyperParameters: { q: string } }) => x.hyperParameters.q)).toEqual(['9', '8', '7', '1']);
    expect(t.trials.slice(0, 3).every((x: { status: string; earlyStopped: boolean }) => x.status === 'Completed' && !x.earlyStopped)).toBe(true);
    expect(t.trials[3]).toMatchObject({ status: 'Stopped', earlyStopped: true });
    expect(t.trials[3].objective).toBeLessThan(1);
    expect(t.trainingJobCounts).toMatchObject({ completed: 3, stopped: 1, earlyStopped: 1 });
    expect(t.bestTrainingJob.hyperParameters.q).toBe('9');
  });

  it('runs Hyperband: trials stopped by successive halving on their reported steps', async () => {
    const res = await cli(['tune', '--name', 'hb1', '--script', path.join(src, 'curve.py'), '--train', 'd', '--objective', 'curve', '--maximize', '--strategy', 'hyperband', '--seed', '2', '--range', 'q=1:9', '--min-resource', '1', '--max-resource', '10', '--max-jobs', '6', '--max-parallel', '2', '--wait', '--json'], admin());
    expect(res.code, res.stderr).toBe(0);
    const t = res.json;
    expect(t).toMatchObject({ status: 'Completed', strategy: 'hyperband', hyperband: { minResource: 1, maxResource: 10 } });
    expect(t.trainingJobCounts.completed + t.trainingJobCounts.stopped).toBe(6);
    for (const trial of t.trials.filter((x: { earlyStopped: boolean }) => x.earlyStopped)) expect(trial.status).toBe('Stopped');
    expect(t.bestTrainingJob.objective).toBe(Math.max(...t.trials.filter((x: { status: string }) => x.status === 'Completed').map((x: { objective: number }) => x.objective)));
  });

  it('stops on request, with its running trials', async () => {
    const stopped = await cli(['tune', '--name', 'stop1', ...scriptArgs(), '--strategy', 'random', '--range', 'x=0:1', '--hp', 'pause=30', '--max-jobs', '4', '--max-parallel', '2', '--json'], admin());
    expect(stopped.code).toBe(0);
    for (;;) {
      const t = await new Orchard(admin()).tuning.describe('stop1');
      if (t.trainingJobCounts.inProgress === 2) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect((await cli(['tunes', 'stop', 'stop1', '--json'], admin())).code).toBe(0);
    let t: any;
    // Polled through the SDK (`tunes describe` is asserted by the Bayesian case).
    for (;;) {
      t = await new Orchard(admin()).tuning.describe('stop1');
      if (t.status === 'Stopped') break;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(t.trials).toHaveLength(2);
    expect(t.trials.every((x: { status: string }) => x.status === 'Stopped')).toBe(true);
  });

  it('refuses bad tuning requests with stable codes', async () => {
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
    const sdk = new Orchard(admin());
    for (const [change, code, message] of cases) {
      const err: any = await sdk.tuning.create({ ...base, ...change } as unknown as Parameters<typeof sdk.tuning.create>[0]).then(() => undefined, (e: unknown) => e);
      expect(err, JSON.stringify(change)).toBeInstanceOf(OrchardApiError);
      expect(err.code, `${JSON.stringify(change)}: ${err.message}`).toBe(code);
      expect(`${err.message} ${JSON.stringify(err.details ?? {})}`, JSON.stringify(change)).toMatch(message);
    }
    expect((await cli(['tunes', 'describe', 'nope'], admin())).stderr).toContain('ORCH_TUNING_NOT_FOUND');
  });
});
