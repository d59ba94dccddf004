import { describe, expect, it } from 'vitest';
import { checkHyperparameters, getAlgorithm, registerBuiltins } from '../algorithms/index.js';
import { sortLeaderboard } from './automl-service.js';
import { candidatePairs, initialConfigs, nextPair, pairKey, searchRanges, staticHyperParameters } from './candidates.js';
import type { AutomlCandidate } from './types.js';

describe('AutoML candidates', () => {
  it('pairs xgboost with the trees recipe and linear-learner with the linear one, xgboost on linear too with room for it', () => {
    expect(candidatePairs(['trees', 'linear'], 3).map(pairKey)).toEqual(['trees/xgboost', 'linear/linear-learner']);
    expect(candidatePairs(['trees', 'linear'], 6).map(pairKey)).toEqual(['trees/xgboost', 'linear/linear-learner', 'linear/xgboost']);
    expect(candidatePairs(['trees'], 10).map(pairKey)).toEqual(['trees/xgboost']);
  });

  it('takes the pair with the fewest candidates next, ties in order', () => {
    const pairs = candidatePairs(['trees', 'linear'], 10);
    expect(pairKey(nextPair(pairs, new Map()))).toBe('trees/xgboost');
    expect(pairKey(nextPair(pairs, new Map([['trees/xgboost', 1]])))).toBe('linear/linear-learner');
    expect(pairKey(nextPair(pairs, new Map([['trees/xgboost', 1], ['linear/linear-learner', 1]])))).toBe('linear/xgboost');
  });

  it('then gives xgboost on the trees recipe three candidates for each one of the others', () => {
    const pairs = candidatePairs(['trees', 'linear'], 10);
    const counts = new Map<string, number>();
    const order: string[] = [];
    for (let i = 0; i < 10; i++) {
      const key = pairKey(nextPair(pairs, counts));
      order.push(key);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(order.slice(0, 3)).toEqual(['trees/xgboost', 'linear/linear-learner', 'linear/xgboost']);
    expect(counts.get('trees/xgboost')).toBe(6);
    expect(counts.get('linear/linear-learner')).toBe(2);
    expect(counts.get('linear/xgboost')).toBe(2);
  });

  it('starts each pair from its portfolio, inside its search ranges', () => {
    for (const algorithm of ['xgboost', 'linear-learner'] as const) {
      const ranges = searchRanges(algorithm);
      for (const config of initialConfigs(algorithm)) {
        expect(Object.keys(config).sort()).toEqual(ranges.map((r) => r.name).sort());
        for (const r of ranges) if (r.type !== 'categorical') expect(config[r.name]).toBeGreaterThanOrEqual(r.min), expect(config[r.name]).toBeLessThanOrEqual(r.max);
      }
    }
  });

  it("gives hyperparameters every algorithm accepts at both ends of its ranges, and a metric it reports", () => {
    registerBuiltins();
    for (const problem of ['binary', 'multiclass', 'regression'] as const) {
      const objectives = problem === 'regression' ? (['mse', 'rmse', 'mae', 'r2'] as const) : (['auc', 'f1', 'accuracy', 'logloss'] as const);
      for (const objective of objectives) {
        if (problem === 'multiclass' && objective === 'auc') continue;
        for (const algorithm of ['xgboost', 'linear-learner'] as const) {
          const { hyperParameters, search } = staticHyperParameters(algorithm, problem, objective, 4, 7);
          const spec = getAlgorithm(algorithm);
          expect(spec.metrics.map((m) => m.name), `${algorithm} ${problem} ${objective}`).toContain(search.metric);
          expect(spec.metrics.find((m) => m.name === search.metric)!.goal).toBe(search.direction);
          for (const end of ['min', 'max'] as const) {
            const tuned = Object.fromEntries(searchRanges(algorithm).map((r) => [r.name, String(r.type === 'categorical' ? r.values[0] : r[end])]));
            const { problems } = checkHyperparameters(spec.hyperparameters, { ...hyperParameters, ...tuned });
            expect(problems, `${algorithm} ${problem} ${objective} ${end}`).toEqual([]);
          }
        }
      }
    }
  });
});

describe('the leaderboard order', () => {
  const c = (name: string, value: number | null, rank: number | null = null): AutomlCandidate => ({
    name, rank, status: 'Completed', algorithm: 'xgboost', recipe: 'trees', recipeFit: null, trainingJob: name, hyperParameters: {}, objective: { metric: 'auc', value }, metrics: {}, trainingSeconds: null, failureReason: null, createdAt: '',
  });

  it('puts scored candidates first, best first by the objective, and the unscored after in launch order', () => {
    expect(sortLeaderboard([c('a', 0.8), c('b', null), c('d', 0.9), c('e', null)], 'auc').map((x) => x.name)).toEqual(['d', 'a', 'b', 'e']);
    expect(sortLeaderboard([c('a', 0.8), c('d', 0.9)], 'mse').map((x) => x.name)).toEqual(['a', 'd']);
  });
});
