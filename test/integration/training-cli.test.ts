import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, TEST_ATTEMPTS_DIR, writeClassificationCsv } from '../support/backends.js';
import { cli, startServer, type RunningServer } from '../support/server.js';

describe.each(backends)('training through the CLI on $name', (backend) => {
  let server: RunningServer;
  let teardown: () => Promise<void>;
  let admin: { url: string; token: string };

  beforeAll(async () => {
    const b = await backend.setup();
    teardown = b.teardown;
    server = await startServer({ ...b.env, ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR });
    admin = { url: server.url, token: server.adminToken };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-train-'));
    for (const [name, rows, seed] of [['tr', 3000, 1], ['va', 800, 2]] as const) {
      const res = await cli(['datasets', 'create', name, '--file', writeClassificationCsv(path.join(dir, `${name}.csv`), rows, seed), '--json'], admin);
      expect(res.code, res.stdout).toBe(0);
    }
  });
  afterAll(async () => {
    await server?.stop();
    await teardown?.();
  });

  it('trains xgboost with --wait --json and reports validation:auc', async () => {
    const res = await cli(['train', '--name', 'gb1', '--algorithm', 'xgboost', '--train', 'tr', '--validation', 'va', '--hp', 'objective=binary:logistic', '--hp', 'num_round=60', '--wait', '--json'], admin);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.json).toMatchObject({ name: 'gb1', status: 'Completed', secondaryStatus: 'Completed', failureReason: null, hyperParameters: { objective: 'binary:logistic', num_round: '60' }, attempts: 1 });
    expect(res.json.finalMetrics['validation:auc']).toBeGreaterThan(0.9);
    expect(res.json.modelArtifact).toMatch(/jobs\/gb1\/output\/model\.tar\.gz$/);
    expect(res.json.metrics.length).toBeGreaterThan(10);
  });

  it('trains linear-learner, kmeans and pca the same way', async () => {
    const runs: Array<[string, string[]]> = [
      ['ll1', ['--algorithm', 'linear-learner', '--train', 'tr', '--validation', 'va', '--hp', 'predictor_type=binary_classifier']],
      ['km1', ['--algorithm', 'kmeans', '--train', 'tr', '--hp', 'k=4', '--hp', 'feature_dim=5']],
      ['pc1', ['--algorithm', 'pca', '--train', 'tr', '--hp', 'num_components=2', '--hp', 'feature_dim=5']],
    ];
    for (const [name, args] of runs) {
      const res = await cli(['train', '--name', name, ...args, '--wait', '--json'], admin);
      expect(res.code, `${name}: ${res.stdout}`).toBe(0);
      expect(res.json.status).toBe('Completed');
    }
  });

  it('runs a SageMaker script-mode Python script from a source folder, unchanged', async () => {
    const src = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-src-'));
    fs.writeFileSync(path.join(src, 'helpers.py'), 'def mean(xs):\n    return sum(xs) / len(xs)\n');
    fs.writeFileSync(
      path.join(src, 'train.py'),
      [
        'import argparse, csv, json, os',
        'from helpers import mean',
        "if __name__ == '__main__':",
        '    p = argparse.ArgumentParser()',
        "    p.add_argument('--alpha', type=float, default=1.0)",
        "    p.add_argument('--model-dir', type=str, default=os.environ['SM_MODEL_DIR'])",
        "    p.add_argument('--train', type=str, default=os.environ['SM_CHANNEL_TRAIN'])",
        '    args, _ = p.parse_known_args()',
        '    rows = [list(map(float, r)) for f in os.listdir(args.train) for r in csv.reader(open(os.path.join(args.train, f)))]',
        '    m = mean([r[0] for r in rows])',
        "    print('positive_rate=%.4f' % m)",
        "    json.dump({'alpha': args.alpha, 'rate': m}, open(os.path.join(args.model_dir, 'model.json'), 'w'))",
      ].join('\n') + '\n',
    );
    const res = await cli(['train', '--name', 'py1', '--script', path.join(src, 'train.py'), '--train', 'tr', '--hp', 'alpha=0.5', '--metric', 'train:positive_rate=positive_rate=([0-9.]+)', '--wait', '--json'], admin);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.json).toMatchObject({ status: 'Completed', script: { entryPoint: 'train.py' } });
    expect(res.json.finalMetrics['train:positive_rate']).toBeGreaterThan(0.3);
    const failing = path.join(src, 'boom.py');
    fs.writeFileSync(failing, "print('about to fail')\nraise ValueError('no such column: price')\n");
    const failed = await cli(['train', '--name', 'py2', '--script', failing, '--train', 'tr', '--wait', '--json'], admin);
    expect(failed.code).not.toBe(0);
    expect(failed.json.status).toBe('Failed');
    expect(failed.json.failureReason).toContain('no such column: price');
  });

  it('lists, describes and shows the logs of jobs', async () => {
    const list = await cli(['jobs', 'list', '--json'], admin);
    expect(list.json.items.map((j: { name: string }) => j.name)).toEqual(expect.arrayContaining(['gb1', 'll1']));
    const described = await cli(['jobs', 'describe', 'gb1', '--json'], admin);
    expect(described.json.finalMetrics['validation:auc']).toBeGreaterThan(0.9);
    const logs = await cli(['jobs', 'logs', 'gb1'], admin);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain('validation-auc');
  });

  it('refuses bad requests with stable codes and exits non-zero when a job fails', async () => {
    const unknown = await cli(['train', '--name', 'x1', '--algorithm', 'nope', '--train', 'tr', '--json'], admin);
    expect(unknown.json.code).toBe('ORCH_ALGORITHM_UNKNOWN');
    const range = await cli(['train', '--name', 'x2', '--algorithm', 'xgboost', '--train', 'tr', '--hp', 'num_round=10', '--hp', 'max_depth=-3', '--json'], admin);
    expect(range.json.code).toBe('ORCH_HYPERPARAMETER_INVALID');
    expect(range.json.message).toContain('max_depth');
    // Every problem at once, each naming its field: in the HTTP body's details and on the terminal.
    const both = await cli(['train', '--name', 'x2b', '--algorithm', 'xgboost', '--train', 'tr', '--hp', 'max_depth=-3', '--json'], admin);
    expect(both.json.code).toBe('ORCH_HYPERPARAMETER_MISSING');
    expect(both.json.details.errors.map((e: { field: string; code: string }) => [e.field, e.code])).toEqual([
      ['num_round', 'ORCH_HYPERPARAMETER_MISSING'],
      ['max_depth', 'ORCH_HYPERPARAMETER_INVALID'],
    ]);
    const bothHuman = await cli(['train', '--name', 'x2b', '--algorithm', 'xgboost', '--train', 'tr', '--hp', 'max_depth=-3'], admin);
    expect(bothHuman.stderr).toContain('error ORCH_HYPERPARAMETER_MISSING: 2 problems');
    expect(bothHuman.stderr).toMatch(/^  num_round: .*required.*\(ORCH_HYPERPARAMETER_MISSING\)$/m);
    expect(bothHuman.stderr).toMatch(/^  max_depth: .*integer in \[1, 20\].*\(ORCH_HYPERPARAMETER_INVALID\)$/m);
    const missing = await cli(['train', '--name', 'x3', '--algorithm', 'xgboost', '--validation', 'va', '--hp', 'num_round=5', '--json'], admin);
    expect(missing.json.code).toBe('ORCH_TRAINING_CHANNEL_MISSING');
    const failed = await cli(['train', '--name', 'f1', '--algorithm', 'pca', '--train', 'tr', '--hp', 'num_components=2', '--hp', 'feature_dim=9', '--wait', '--json'], admin);
    expect(failed.code).not.toBe(0);
    expect(failed.json).toMatchObject({ name: 'f1', status: 'Failed' });
    expect(failed.json.failureReason).toBeTruthy();
  });
});
