import { describe, expect, it } from 'vitest';
import { parseFilter, parseSort } from './run-query.js';
import type { Run } from './types.js';

function run(name: string, metrics: Record<string, number>, parameters: Record<string, string>, extra: Partial<Run> = {}): Run {
  return {
    name,
    experiment: 'e1',
    status: 'Completed',
    source: { algorithm: 'xgboost' },
    parameters,
    metrics,
    tags: {},
    inputs: {},
    modelArtifact: null,
    failureReason: null,
    createdAt: '2026-01-01T00:00:00Z',
    startedAt: null,
    endedAt: null,
    durationSeconds: null,
    ...extra,
  };
}

const runs = [
  run('a', { 'validation:auc': 0.95 }, { max_depth: '6', eta: '0.1' }, { tags: { team: 'risk' } }),
  run('b', { 'validation:auc': 0.85 }, { max_depth: '10', eta: '0.3' }),
  run('c', {}, { max_depth: '3' }, { status: 'Failed', source: { script: 'train.py' } }),
  run('d', { 'validation:auc': 0.91 }, { max_depth: '4', optimizer: 'adam' }),
];
const names = (list: Run[]) => list.map((r) => r.name);

describe('run filters', () => {
  it('compares metrics and parameters as numbers (10 > 6, not as text)', () => {
    expect(names(runs.filter(parseFilter('metrics.validation:auc > 0.9')))).toEqual(['a', 'd']);
    expect(names(runs.filter(parseFilter('params.max_depth >= 6')))).toEqual(['a', 'b']);
    expect(names(runs.filter(parseFilter('metrics.validation:auc > 0.8 AND params.max_depth < 8')))).toEqual(['a', 'd']);
  });

  it('matches text fields, quoted values and contains', () => {
    expect(names(runs.filter(parseFilter('status = Failed')))).toEqual(['c']);
    expect(names(runs.filter(parseFilter("params.optimizer = 'adam'")))).toEqual(['d']);
    expect(names(runs.filter(parseFilter('tags.team = "risk"')))).toEqual(['a']);
    expect(names(runs.filter(parseFilter('algorithm != xgboost')))).toEqual(['c']);
    expect(names(runs.filter(parseFilter('name ~ D')))).toEqual(['d']);
  });

  it('treats a missing value as not matching, except for !=', () => {
    expect(names(runs.filter(parseFilter('metrics.validation:auc < 2')))).toEqual(['a', 'b', 'd']);
    expect(names(runs.filter(parseFilter('params.eta != 0.1')))).toEqual(['b', 'c', 'd']);
  });

  it('refuses what it cannot read with ORCH_EXPERIMENT_INVALID_QUERY', () => {
    for (const bad of ['metrics.auc >', 'foo = 1', 'metrics.auc > 1 and', "params.x = 'open", 'metrics.auc >> 1']) {
      expect(() => parseFilter(bad), bad).toThrow(expect.objectContaining({ code: 'ORCH_EXPERIMENT_INVALID_QUERY' }));
    }
  });
});

describe('run sorting', () => {
  it('sorts by a metric descending with runs lacking it last, then by a second key', () => {
    expect(names([...runs].sort(parseSort('metrics.validation:auc desc')))).toEqual(['a', 'd', 'b', 'c']);
    expect(names([...runs].sort(parseSort('metrics.validation:auc')))).toEqual(['b', 'd', 'a', 'c']);
    expect(names([...runs].sort(parseSort('status desc, params.max_depth asc')))).toEqual(['c', 'd', 'a', 'b']);
  });

  it('refuses unknown keys and directions', () => {
    expect(() => parseSort('metrics.auc sideways')).toThrow(expect.objectContaining({ code: 'ORCH_EXPERIMENT_INVALID_QUERY' }));
    expect(() => parseSort('colour')).toThrow(expect.objectContaining({ code: 'ORCH_EXPERIMENT_INVALID_QUERY' }));
  });
});
