import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchard } from 'orchard';
import { backends, TEST_ATTEMPTS_DIR, writeClassificationCsv } from '../support/backends.js';
import { cli, startServer, type RunningServer } from '../support/server.js';

describe.each(backends)('experiments and runs through the CLI on $name', (backend) => {
  let server: RunningServer;
  let teardown: () => Promise<void>;
  let admin: { url: string; token: string };
  let src: string;

  beforeAll(async () => {
    const b = await backend.setup();
    teardown = b.teardown;
    server = await startServer({ ...b.env, ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR });
    admin = { url: server.url, token: server.adminToken };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-exp-'));
    for (const [name, rows, seed] of [['tr', 1500, 1], ['va', 500, 2]] as const) {
      const res = await cli(['datasets', 'create', name, '--file', writeClassificationCsv(path.join(dir, `${name}.csv`), rows, seed), '--json'], admin);
      expect(res.code, res.stdout).toBe(0);
    }
    src = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-exp-src-'));
    // Python: the helper Orchard puts on PYTHONPATH.
    fs.writeFileSync(
      path.join(src, 'train.py'),
      [
        'import os',
        'from orchard import run',
        "run.log_parameters({'optimizer': 'adam', 'layers': 3})",
        'for epoch in range(4):',
        "    run.log_metric('validation:loss', 1.0 / (epoch + 1), step=epoch)",
        "open(os.path.join(os.environ['SM_MODEL_DIR'], 'model.txt'), 'w').write('ok')",
      ].join('\n') + '\n',
    );
    // TypeScript: the SDK's run helper, importable from the job's code folder.
    fs.writeFileSync(
      path.join(src, 'train.ts'),
      [
        "import { writeFileSync } from 'node:fs';",
        "import { run } from 'orchard/run';",
        "run.logParam('optimizer', 'sgd');",
        "for (let epoch = 0; epoch < 3; epoch++) run.logMetric('validation:loss', 2 / (epoch + 1), epoch);",
        "writeFileSync(process.env.SM_MODEL_DIR + '/model.txt', 'ok');",
      ].join('\n') + '\n',
    );
  });
  afterAll(async () => {
    await server?.stop();
    await teardown?.();
  });

  it('records every training job as a run of its experiment, with parameters logged from scripts', async () => {
    const trained: Array<[string, string[]]> = [
      ['x-d2', ['--algorithm', 'xgboost', '--hp', 'max_depth=2', '--hp', 'eta=0.3']],
      ['x-d6', ['--algorithm', 'xgboost', '--hp', 'max_depth=6', '--hp', 'eta=0.1']],
      ['x-d1', ['--algorithm', 'xgboost', '--hp', 'max_depth=1', '--hp', 'eta=0.01']],
    ];
    for (const [name, args] of trained) {
      const res = await cli(['train', '--name', name, ...args, '--hp', 'objective=binary:logistic', '--hp', 'num_round=15', '--train', 'tr', '--validation', 'va', '--experiment', 'churn', '--wait', '--json'], admin);
      expect(res.code, res.stdout + res.stderr).toBe(0);
      expect(res.json.experiment).toBe('churn');
    }
    const py = await cli(['train', '--name', 'py-run', '--script', path.join(src, 'train.py'), '--train', 'tr', '--experiment', 'scripts', '--wait', '--json'], admin);
    expect(py.code, py.stdout + py.stderr).toBe(0);
    const ts = await cli(['train', '--name', 'ts-run', '--script', path.join(src, 'train.ts'), '--train', 'tr', '--experiment', 'scripts', '--wait', '--json'], admin);
    expect(ts.code, ts.stdout + ts.stderr).toBe(0);
    // A job naming no experiment is a run of Default.
    const plain = await cli(['train', '--name', 'plain', '--algorithm', 'kmeans', '--hp', 'k=2', '--hp', 'feature_dim=5', '--train', 'tr', '--wait', '--json'], admin);
    expect(plain.json.experiment).toBe('Default');

    const pyRun = await cli(['runs', 'describe', 'py-run', '--json'], admin);
    expect(pyRun.json.parameters).toMatchObject({ optimizer: 'adam', layers: '3' });
    expect(pyRun.json.metrics['validation:loss']).toBeCloseTo(0.25);
    expect(pyRun.json.series['validation:loss'].map((p: { step: number }) => p.step)).toEqual([0, 1, 2, 3]);
    const tsRun = await cli(['runs', 'describe', 'ts-run', '--json'], admin);
    expect(tsRun.json.parameters).toMatchObject({ optimizer: 'sgd' });
    expect(tsRun.json.series['validation:loss'].map((p: { value: number }) => p.value)).toEqual([2, 1, 2 / 3]);

    const list = await cli(['experiments', 'list', '--json'], admin);
    const counts = Object.fromEntries(list.json.items.map((e: { name: string; runCount: number }) => [e.name, e.runCount]));
    expect(counts).toMatchObject({ churn: 3, scripts: 2, Default: 1 });
    const churn = await cli(['experiments', 'describe', 'churn', '--json'], admin);
    expect(churn.json).toMatchObject({ runCount: 3, statusCounts: { Completed: 3 } });
    expect(churn.json.metricNames).toContain('validation:auc');
    expect(churn.json.parameterNames).toEqual(expect.arrayContaining(['eta', 'max_depth', 'num_round']));
  });

  it('lists runs filtered and sorted, and compares them', async () => {
    const all = await cli(['runs', 'list', '--experiment', 'churn', '--sort', 'metrics.validation:auc desc', '--json'], admin);
    expect(all.code, all.stderr).toBe(0);
    const aucs = all.json.items.map((r: { metrics: Record<string, number> }) => r.metrics['validation:auc']);
    expect(aucs).toHaveLength(3);
    expect([...aucs].sort((a, b) => b - a)).toEqual(aucs);

    const deep = await cli(['runs', 'list', '--experiment', 'churn', '--filter', 'params.max_depth >= 2 and status = Completed', '--sort', 'params.max_depth', '--json'], admin);
    expect(deep.json.items.map((r: { name: string }) => r.name)).toEqual(['x-d2', 'x-d6']);
    const threshold = aucs[1];
    const good = await cli(['runs', 'list', '--experiment', 'churn', '--filter', `metrics.validation:auc >= ${threshold}`, '--json'], admin);
    expect(good.json.total).toBe(2);

    const table = await cli(['runs', 'compare', 'x-d2', 'x-d6', 'x-d1'], admin);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain('* max_depth');
    expect(table.stdout).toContain('validation:auc');
    const json = await cli(['runs', 'compare', 'x-d2', 'x-d6', 'x-d1', '--json'], admin);
    const depth = json.json.parameters.find((p: { name: string }) => p.name === 'max_depth');
    expect(depth).toEqual({ name: 'max_depth', values: ['2', '6', '1'], differs: true });
    const objective = json.json.parameters.find((p: { name: string }) => p.name === 'objective');
    expect(objective.differs).toBe(false);
    const auc = json.json.metrics.find((m: { name: string }) => m.name === 'validation:auc');
    expect(auc.best).toBe(Math.max(...auc.values));

    // The SDK sees the same runs.
    const orchard = new Orchard({ url: admin.url, token: admin.token });
    const viaSdk = await orchard.runs.list({ experiment: 'churn', filter: 'params.eta < 0.2', sort: 'name' });
    expect(viaSdk.items.map((r) => r.name)).toEqual(['x-d1', 'x-d6']);
  });

  it('refuses bad queries and unknown names with stable codes', async () => {
    const bad = await cli(['runs', 'list', '--filter', 'colour = red', '--json'], admin);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr + bad.stdout).toContain('ORCH_EXPERIMENT_INVALID_QUERY');
    const badSort = await cli(['runs', 'list', '--sort', 'metrics.auc sideways'], admin);
    expect(badSort.stderr).toContain('ORCH_EXPERIMENT_INVALID_QUERY');
    const missing = await cli(['experiments', 'describe', 'nope'], admin);
    expect(missing.stderr).toContain('ORCH_EXPERIMENT_NOT_FOUND');
    const badName = await cli(['train', '--name', 'bad-exp', '--algorithm', 'kmeans', '--hp', 'k=2', '--hp', 'feature_dim=5', '--train', 'tr', '--experiment', 'no spaces'], admin);
    expect(badName.stderr).toMatch(/ORCH_API_BAD_REQUEST|experiment/i);
    const dup = await cli(['experiments', 'create', 'churn'], admin);
    expect(dup.stderr).toContain('ORCH_EXPERIMENT_EXISTS');
    const one = await cli(['runs', 'compare', 'x-d2'], admin);
    expect(one.stderr).toContain('ORCH_EXPERIMENT_INVALID');
  });
});
