import { describe, expect, it } from 'vitest';
import { parseDefinition } from '../pipelines/definition/index.js';
import { EXAMPLE_JSON } from '../pipelines/definition/test-fixtures.js';
import { get, join, pipeline, when } from './pipeline-builder.js';

describe('the pipeline builder', () => {
  it("writes the issue's example, which the server accepts as it is", () => {
    const built = pipeline('churn')
      .description('churn model')
      .parameter('rounds', { type: 'integer', default: 20 })
      .step({ name: 'prep', type: 'sql', query: 'select * from raw', output: 'prepared' })
      .step({
        name: 'train',
        type: 'training',
        algorithm: 'xgboost',
        train: get('Steps.prep.dataset'),
        hyperParameters: { objective: 'binary:logistic', num_round: get('Parameters.rounds') },
      })
      .step({ name: 'check', type: 'condition', if: when.gte(get('Steps.train.finalMetrics.train:auc'), 0.8), then: ['register'], else: ['stop'] })
      .step({ name: 'register', type: 'register-model', group: 'churn', from: get('Steps.train') })
      .step({ name: 'stop', type: 'fail', message: 'AUC below 0.8' });
    expect(built.toJSON()).toEqual(JSON.parse(EXAMPLE_JSON));
    expect(parseDefinition(JSON.stringify(built))).toEqual(parseDefinition(EXAMPLE_JSON));
  });

  it('builds nested bodies, joins and conditions the server accepts', () => {
    const def = pipeline('regions')
      .parameter('regions', { type: 'list', default: ['eu', 'us'] })
      .step({
        name: 'loop',
        type: 'for-each',
        items: get('Parameters.regions'),
        maxConcurrency: 2,
        steps: [{ name: 'q', type: 'sql', query: join(' ', ['select * from sales where region =', get('Item')]), output: join('-', ['sales', get('Index')]) }],
      })
      .step({ name: 'par', type: 'parallel', branches: [[{ name: 'a', type: 'pass', output: get('Steps.loop.results') }], [{ name: 'b', type: 'wait', seconds: 1 }]] })
      .step({ name: 'gate', type: 'condition', if: when.and(when.not(false), when.in('eu', get('Parameters.regions'))), then: ['tell'] })
      .step({ name: 'tell', type: 'notify', webhook: 'ops', payload: { run: get('Execution.id') }, retry: [{ maxAttempts: 5 }] })
      .toJSON();
    expect(parseDefinition(def).steps.map((s) => s.name)).toEqual(['loop', 'par', 'gate', 'tell']);
  });

  it('refuses a step name or parameter used twice, nested bodies included', () => {
    const b = pipeline('p').parameter('x', { type: 'string' }).step({ name: 'a', type: 'pass' });
    expect(() => b.parameter('x', { type: 'integer' })).toThrow("the parameter 'x' is declared twice");
    expect(() => b.step({ name: 'par', type: 'parallel', branches: [[{ name: 'a', type: 'pass' }]] })).toThrow("the step name 'a' is used twice");
  });

  it('types each step by its type', () => {
    // @ts-expect-error a sql step has no `algorithm`
    const wrongField = { name: 's', type: 'sql', query: 'q', output: 'o', algorithm: 'xgboost' } satisfies Parameters<ReturnType<typeof pipeline>['step']>[0];
    // @ts-expect-error a training step's maxRetries is a number or an expression
    pipeline('p').step({ name: 't', type: 'training', algorithm: 'xgboost', maxRetries: 'two' });
    expect(wrongField.type).toBe('sql');
  });
});
