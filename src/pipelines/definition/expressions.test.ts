import { describe, expect, it } from 'vitest';
import { durationMs, evaluateCondition, referencedSteps, resolveValue, type Scope } from './expressions.js';
import { failure } from './test-fixtures.js';

const scope: Scope = {
  parameters: { rounds: 20, regions: ['eu', 'us'], threshold: 0.8 },
  steps: {
    train: { type: 'training', status: 'Succeeded', outputs: { jobName: 'job-1', modelArtifact: 'jobs/job-1/model.tar.gz', finalMetrics: { 'train:auc': 0.91 } } },
    loop: { type: 'for-each', status: 'Succeeded', outputs: { results: [{ q: { rows: 3 } }, { q: { rows: 0 } }] } },
  },
  execution: { id: 'ex-1', pipeline: 'churn', version: 3, startTime: '2026-01-01T00:00:00Z' },
  item: { region: 'eu', limits: { max: 5 } },
  index: 1,
};

describe('resolveValue', () => {
  it('resolves Gets at any depth, on nested paths, list indexes and keys with colons', () => {
    const value = {
      job: { Get: 'Steps.train.jobName' },
      auc: { Get: 'Steps.train.finalMetrics.train:auc' },
      nested: [{ rows: { Get: 'Steps.loop.results.1.q.rows' } }, 'as is', 4],
      params: { rounds: { Get: 'Parameters.rounds' }, first: { Get: 'Parameters.regions.0' } },
      run: { Get: 'Execution.version' },
    };
    expect(resolveValue(value, scope)).toEqual({ job: 'job-1', auc: 0.91, nested: [{ rows: 0 }, 'as is', 4], params: { rounds: 20, first: 'eu' }, run: 3 });
  });

  it('gives a whole step as {step, type, status, outputs}', () => {
    expect(resolveValue({ Get: 'Steps.train' }, scope)).toEqual({ step: 'train', type: 'training', status: 'Succeeded', outputs: scope.steps.train.outputs });
  });

  it('joins values as text, a list joining its items', () => {
    const join = { Join: { on: '-', values: ['model', { Get: 'Execution.id' }, { Get: 'Index' }, { Get: 'Parameters.regions' }, true] } };
    expect(resolveValue(join, scope)).toBe('model-ex-1-1-eu-us-true');
    expect(resolveValue({ Join: { values: ['a', 'b'] } }, scope)).toBe('ab');
  });

  it('reads Item and Index, and refuses them with no current item', () => {
    expect(resolveValue({ region: { Get: 'Item.region' }, max: { Get: 'Item.limits.max' }, i: { Get: 'Index' }, all: { Get: 'Item' } }, scope)).toEqual({ region: 'eu', max: 5, i: 1, all: scope.item });
    const { item: _i, index: _x, ...outside } = scope;
    expect(failure(() => resolveValue({ Get: 'Item.region' }, outside)).message).toContain('no current item');
  });

  it('names a path that has no value at run time', () => {
    const err = failure(() => resolveValue({ a: { Get: 'Steps.train.finalMetrics.validation:auc' } }, scope));
    expect(err.code).toBe('ORCH_PIPELINE_INVALID');
    expect(err.message).toBe(`{"Get": "Steps.train.finalMetrics.validation:auc"}: Steps.train.finalMetrics has no value 'validation:auc'`);
    expect(failure(() => resolveValue({ Get: 'Steps.register.package' }, scope)).message).toContain("the step 'register' has not run");
    expect(failure(() => resolveValue({ Get: 'Parameters.nope' }, scope)).message).toContain("no parameter 'nope'");
  });

  it('leaves the scope untouched when the result is changed', () => {
    const got = resolveValue({ Get: 'Item.limits' }, scope) as { max: number };
    got.max = 99;
    expect((scope.item as { limits: { max: number } }).limits.max).toBe(5);
  });
});

describe('evaluateCondition', () => {
  it('compares numbers, values and lists', () => {
    expect(evaluateCondition({ '>=': [{ Get: 'Steps.train.finalMetrics.train:auc' }, { Get: 'Parameters.threshold' }] }, scope)).toBe(true);
    expect(evaluateCondition({ '<': [{ Get: 'Parameters.rounds' }, 10] }, scope)).toBe(false);
    expect(evaluateCondition({ '==': [{ Get: 'Item.limits' }, { max: 5 }] }, scope)).toBe(true);
    expect(evaluateCondition({ '!=': [{ Get: 'Item.region' }, 'eu'] }, scope)).toBe(false);
    expect(evaluateCondition({ in: [{ Get: 'Item.region' }, { Get: 'Parameters.regions' }] }, scope)).toBe(true);
    expect(evaluateCondition({ in: ['ap', ['eu', 'us']] }, scope)).toBe(false);
  });

  it('combines with and, or, not', () => {
    const big = { '>': [{ Get: 'Parameters.rounds' }, 10] };
    const small = { '<': [{ Get: 'Parameters.rounds' }, 10] };
    expect(evaluateCondition({ and: [big, { not: small }] }, scope)).toBe(true);
    expect(evaluateCondition({ or: [small, false] }, scope)).toBe(false);
    expect(evaluateCondition(true, scope)).toBe(true);
  });

  it('refuses a numeric comparison of a string and a Get that is not a boolean', () => {
    expect(failure(() => evaluateCondition({ '>=': [{ Get: 'Item.region' }, 1] }, scope)).message).toContain("'>=' compares numbers");
    expect(failure(() => evaluateCondition({ Get: 'Parameters.rounds' }, scope)).message).toContain('not a boolean');
  });
});

describe('referencedSteps', () => {
  it('lists each step a value refers to once, Joins and conditions included', () => {
    const value = {
      if: { and: [{ '>': [{ Get: 'Steps.train.finalMetrics.auc' }, 1] }, { Get: 'Steps.check' }] },
      name: { Join: { values: [{ Get: 'Steps.prep.dataset' }, { Get: 'Parameters.x' }, { Get: 'Steps.train.jobName' }] } },
    };
    expect(referencedSteps(value)).toEqual(['train', 'check', 'prep']);
    expect(referencedSteps('Steps.x')).toEqual([]);
  });
});

describe('durationMs', () => {
  it('reads ISO-8601 durations', () => {
    expect(durationMs('P30D')).toBe(30 * 86_400_000);
    expect(durationMs('PT1H30M')).toBe(5_400_000);
    expect(durationMs('P1DT0.5S')).toBe(86_400_500);
    expect(durationMs('P2W')).toBe(14 * 86_400_000);
    expect(failure(() => durationMs('P')).code).toBe('ORCH_PIPELINE_INVALID');
    expect(() => durationMs('PT')).toThrow();
  });
});
