import { describe, expect, it } from 'vitest';
import { jsonErrorAt, parseDefinition } from './parse.js';
import { EXAMPLE_JSON, failure } from './test-fixtures.js';


const EXAMPLE_YAML = `
description: churn model
parameters:
  rounds: {type: integer, default: 20}
steps:
  - name: prep
    type: sql
    query: select * from raw
    output: prepared
  - name: train
    type: training
    algorithm: xgboost
    train: {Get: Steps.prep.dataset}
    hyperParameters:
      objective: "binary:logistic"
      num_round: {Get: Parameters.rounds}
  - name: check
    type: condition
    if: {">=": [{Get: "Steps.train.finalMetrics.train:auc"}, 0.8]}
    then: [register]
    else: [stop]
  - name: register
    type: register-model
    group: churn
    from: {Get: Steps.train}
  - name: stop
    type: fail
    message: AUC below 0.8
`;

describe('parseDefinition', () => {
  it("accepts the issue's example as JSON text and as a value", () => {
    const def = parseDefinition(EXAMPLE_JSON);
    expect(def.schemaVersion).toBe(1);
    expect(def.steps.map((s) => s.type)).toEqual(['sql', 'training', 'condition', 'register-model', 'fail']);
    expect(parseDefinition(JSON.parse(EXAMPLE_JSON))).toEqual(def);
  });

  it('reads the same definition from YAML, and fills schemaVersion', () => {
    const fromYaml = parseDefinition(EXAMPLE_YAML);
    expect(fromYaml).toEqual(parseDefinition(EXAMPLE_JSON));
    expect(fromYaml.schemaVersion).toBe(1);
  });

  it('follows the format argument over the first character', () => {
    expect(parseDefinition(`  ${EXAMPLE_JSON}`, 'yaml').steps).toHaveLength(5);
    const err = failure(() => parseDefinition('steps: []', 'json'));
    expect(err.code).toBe('ORCH_PIPELINE_INVALID');
    expect(err.message).toContain('not valid JSON at line 1, column 1');
  });

  it('names the line and column of a JSON syntax error', () => {
    const text = '{"steps": [\n  {"name": "a", "type": "pass",}\n]}';
    const err = failure(() => parseDefinition(text));
    expect(err.code).toBe('ORCH_PIPELINE_INVALID');
    expect(err.details?.errors).toEqual([{ field: 'definition', code: 'ORCH_PIPELINE_INVALID', message: expect.stringContaining('line 2, column 32') }]);
    expect(err.message).toContain('trailing comma');
  });

  it('names the line and column of a YAML syntax error, and refuses duplicate keys', () => {
    const err = failure(() => parseDefinition('steps:\n  - name: a\n    type: pass\n    name: b\n'));
    expect(err.message).toMatch(/not valid YAML at line 4, column 5/);
    const bad = failure(() => parseDefinition('steps: [\n  {name: a\n'));
    expect(bad.message).toMatch(/not valid YAML at line \d+, column \d+/);
  });

  it('refuses empty text and a value that is not an object', () => {
    expect(failure(() => parseDefinition('  ')).message).toContain('empty');
    expect(failure(() => parseDefinition([1, 2])).details?.errors).toEqual([expect.objectContaining({ field: 'definition' })]);
  });

  it('fills retry defaults in the stored definition', () => {
    const def = parseDefinition({ steps: [{ name: 'p', type: 'pass', retry: [{ errors: ['ORCH_PIPELINE_STEP_FAILED'] }, { maxAttempts: 5 }] }] });
    expect(def.steps[0].retry).toEqual([
      { errors: ['ORCH_PIPELINE_STEP_FAILED'], intervalSeconds: 1, backoffRate: 2, maxAttempts: 3 },
      { intervalSeconds: 1, backoffRate: 2, maxAttempts: 5 },
    ]);
    expect(def.parameters).toEqual({});
  });
});

describe('jsonErrorAt', () => {
  it('finds nothing wrong in valid JSON and the first offset of invalid JSON', () => {
    expect(jsonErrorAt('{"a": [1, 2.5e3, "x\\n", true, null, {}]}')).toBeNull();
    expect(jsonErrorAt('{"a": }')).toEqual({ offset: 6, message: expect.stringContaining('expected a value') });
    expect(jsonErrorAt('{a: 1}')?.offset).toBe(1);
    expect(jsonErrorAt('{"a": "b')?.message).toContain('never closed');
    expect(jsonErrorAt('{} x')?.message).toContain('after the end');
  });
});
