import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classImbalance } from './class-imbalance.js';
import { resolveRules } from './rule-config.js';
import { BUILTIN_RULE_TABLE, TRAIN_LOSS, VALIDATION_LOSS, type SeriesPoint } from './rules.js';
import { parseVerdict, runScriptRule } from './script-rule.js';
import { AttemptProfiler, summarise } from './profiler.js';

const series = (entries: Record<string, number[]>) => new Map(Object.entries(entries).map(([k, vs]) => [k, vs.map((value, step): SeriesPoint => ({ step, value }))]));
const params = (name: keyof typeof BUILTIN_RULE_TABLE, given: Record<string, string | number | boolean> = {}) => {
  const { rules, problems } = resolveRules([{ name, parameters: given }]);
  expect(problems).toEqual([]);
  return rules[0].params;
};
const run = (name: keyof typeof BUILTIN_RULE_TABLE, s: ReturnType<typeof series>, final: boolean, given = {}) => BUILTIN_RULE_TABLE[name].evaluate(s, params(name, given), final);

const falling = Array.from({ length: 40 }, (_, i) => 2 / (i + 1) + 0.1);
const flat = [...Array.from({ length: 10 }, (_, i) => 1 - i * 0.05), ...Array.from({ length: 15 }, () => 0.55)];

describe('loss_not_decreasing', () => {
  it('finds a loss that stopped falling, naming the series and step', () => {
    const v = run('loss_not_decreasing', series({ loss: flat }), false);
    expect(v.status).toBe('IssuesFound');
    expect(v.message).toMatch(/^loss did not decrease by 0.1% over the last 10 steps/);
  });
  it('stays InProgress, then NoIssuesFound, on a healthy series', () => {
    expect(run('loss_not_decreasing', series({ 'train:loss': falling }), false).status).toBe('InProgress');
    expect(run('loss_not_decreasing', series({ 'train:loss': falling }), true).status).toBe('NoIssuesFound');
  });
  it('waits for num_steps + 1 points, and reads only the named metric', () => {
    expect(run('loss_not_decreasing', series({ loss: [1, 1, 1] }), false).status).toBe('InProgress');
    expect(run('loss_not_decreasing', series({ loss: flat, other: falling }), true, { metric: 'other' }).status).toBe('NoIssuesFound');
    expect(run('loss_not_decreasing', series({ 'validation:loss': flat }), false).status).toBe('InProgress');
  });
  it('is an Error at the end when no series matched', () => {
    const v = run('loss_not_decreasing', series({ accuracy: [0.5, 0.6] }), true);
    expect(v).toEqual({ status: 'Error', message: expect.stringContaining('the job logged accuracy') });
  });
});

describe('loss names', () => {
  it('tells training losses from validation and test ones (linear-learner, xgboost, scripts)', () => {
    const names = ['loss', 'train:loss', 'train:objective_loss', 'train_loss', 'training:loss', 'train:logloss', 'train:rmse', 'val_loss', 'validation:loss', 'validation:logloss', 'validation:rmse', 'test:objective_loss', 'train:auc'];
    expect(names.filter((n) => new RegExp(TRAIN_LOSS).test(n))).toEqual(['loss', 'train:loss', 'train:objective_loss', 'train_loss', 'training:loss', 'train:logloss', 'train:rmse']);
    expect(names.filter((n) => new RegExp(VALIDATION_LOSS).test(n))).toEqual(['val_loss', 'validation:loss', 'validation:logloss', 'validation:rmse']);
  });
});

describe('overfit and overtraining', () => {
  const train = Array.from({ length: 20 }, (_, i) => 1 / (i + 1));
  it('overfit: validation loss far above training loss', () => {
    const s = series({ 'train:loss': train, 'validation:loss': train.map((t, i) => (i < 5 ? t * 1.02 : t * 2)) });
    const v = run('overfit', s, false, { patience: 3 });
    expect(v.status).toBe('IssuesFound');
    expect(v.message).toMatch(/validation:loss .* exceeds train:loss .* at step 7, for 3 step/);
  });
  it('overfit: validation close to training is healthy', () => {
    expect(run('overfit', series({ 'train:loss': train, 'validation:loss': train.map((t) => t * 1.05) }), true).status).toBe('NoIssuesFound');
  });
  it('overtraining: validation loss stalled for patience_validation steps', () => {
    const val = [...train.slice(0, 5), ...Array.from({ length: 12 }, () => train[4])];
    expect(run('overtraining', series({ 'train:loss': train, 'val_loss': val }), false, { patience_validation: 10 }).status).toBe('IssuesFound');
    expect(run('overtraining', series({ 'train:loss': train, 'val_loss': train }), true).status).toBe('NoIssuesFound');
  });
});

describe('tensor rules', () => {
  it('vanishing_gradient: below the threshold', () => {
    expect(run('vanishing_gradient', series({ gradient_norm: [1, 0.1, 1e-9] }), false).status).toBe('IssuesFound');
    expect(run('vanishing_gradient', series({ gradient_norm: [1, 0.1, 0.01] }), true).status).toBe('NoIssuesFound');
  });
  it('exploding_tensor: NaN always, infinity unless only_nan', () => {
    expect(run('exploding_tensor', series({ weight_norm: [1, 2, NaN] }), false).status).toBe('IssuesFound');
    expect(run('exploding_tensor', series({ weight_norm: [1, Infinity] }), false).status).toBe('IssuesFound');
    expect(run('exploding_tensor', series({ weight_norm: [1, Infinity] }), true, { only_nan: 'true' }).status).toBe('NoIssuesFound');
    expect(run('exploding_tensor', series({ weight_norm: [1, 2, 3] }), true).status).toBe('NoIssuesFound');
  });
  it('poor_weight_initialization: spread of activation inputs across layers', () => {
    expect(run('poor_weight_initialization', series({ 'layer1:activation_input_std': [1], 'layer2:activation_input_std': [40] }), false).status).toBe('IssuesFound');
    expect(run('poor_weight_initialization', series({ 'layer1:activation_input_std': [1], 'layer2:activation_input_std': [2] }), true).status).toBe('NoIssuesFound');
    expect(run('poor_weight_initialization', series({ 'init:weight_std': [0] }), true)).toEqual({ status: 'NoIssuesFound', message: expect.stringContaining('no layers to compare') });
  });
});

describe('class_imbalance', () => {
  it('counts the label column of a CSV (by index without a header, by name with one)', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rules-'));
    const plain = path.join(dir, 'a.csv');
    await fs.writeFile(plain, [...Array(95).fill('0,1.5'), ...Array(5).fill('1,2.5')].join('\n') + '\n');
    expect((await classImbalance({ files: [plain], contentType: 'text/csv', header: false }, null, 10)).status).toBe('IssuesFound');
    expect((await classImbalance({ files: [plain], contentType: 'text/csv', header: false }, null, 20)).status).toBe('NoIssuesFound');
    const named = path.join(dir, 'b.csv');
    await fs.writeFile(named, 'x,label\n' + [...Array(50).fill('1,a'), ...Array(50).fill('2,b')].join('\n') + '\n');
    const v = await classImbalance({ files: [named], contentType: 'text/csv', header: true }, 'label', 10);
    expect(v).toEqual({ status: 'NoIssuesFound', message: expect.stringContaining('a: 50, b: 50') });
    expect((await classImbalance({ files: [named], contentType: 'text/csv', header: true }, 'nope', 10)).status).toBe('Error');
    await fs.rm(dir, { recursive: true });
  });
});

describe('rule requests', () => {
  it('lists every problem: unknown rule, parameter, bad value, bad action', () => {
    const { problems } = resolveRules([
      { name: 'loss_decreasing' },
      { name: 'overfit', parameters: { patience: 'x', nope: 1 } },
      { name: 'overtraining', action: 'explode' as never },
    ]);
    expect(problems.map((p) => [p.field, p.code])).toEqual([
      ['rules[0].name', 'ORCH_DEBUGGER_RULE_INVALID'],
      ['rules[1].parameters.patience', 'ORCH_DEBUGGER_RULE_INVALID'],
      ['rules[1].parameters.nope', 'ORCH_DEBUGGER_RULE_INVALID'],
      ['rules[2].action', 'ORCH_DEBUGGER_RULE_INVALID'],
    ]);
  });
});

describe('custom rule scripts', () => {
  it('reads the series on stdin and answers a status', async () => {
    const source = 'import json,sys\nd=json.load(sys.stdin)\nv=d["metrics"]["loss"]\nprint(json.dumps({"status":"IssuesFound" if v[-1]["value"]>1 else "NoIssuesFound","message":"last %s" % v[-1]["value"]}))\n';
    const input = { metrics: { loss: [{ step: 0, value: 3 }] } };
    expect(await runScriptRule({ fileName: 'r.py', source }, input)).toEqual({ status: 'IssuesFound', message: 'last 3' });
    const js = 'let s="";process.stdin.on("data",(b)=>s+=b).on("end",()=>{const d=JSON.parse(s);console.log(JSON.stringify({status:"NoIssuesFound",message:String(d.metrics.loss.length)}))});';
    expect(await runScriptRule({ fileName: 'r.js', source: js }, input)).toEqual({ status: 'NoIssuesFound', message: '1' });
  });
  it('a script that fails or answers nothing is an Error', async () => {
    expect((await runScriptRule({ fileName: 'r.py', source: 'raise SystemExit(3)' }, {})).status).toBe('Error');
    expect(parseVerdict('hello\n').status).toBe('Error');
    expect((await runScriptRule({ fileName: 'r.py', source: 'import time\ntime.sleep(5)' }, {}, 300)).message).toMatch(/killed/);
  });
});

describe('profiler', () => {
  it('keeps samples bounded by merging pairs, and sums phases', () => {
    const p = new AttemptProfiler(1, 4);
    for (let i = 0; i < 9; i++) p.add({ t: i, cpuPercent: i * 10, memoryMiB: i });
    p.phase('download');
    p.phase('training');
    p.phase(null);
    const s = summarise(p.snapshot());
    expect(s.samples.length).toBeLessThanOrEqual(4);
    expect(s.intervalSeconds).toBe(4);
    expect(s.memory.maxMiB).toBe(8);
    expect(Object.keys(s.totals)).toEqual(['download', 'training']);
  });
});
