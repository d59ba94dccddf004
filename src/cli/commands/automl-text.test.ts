import { describe, expect, it } from 'vitest';
import type { AutomlCandidate, AutomlJob } from '../../sdk/index.js';
import { describeText, leaderboardTable, objectiveText } from './automl-text.js';

function candidate(o: Partial<AutomlCandidate> & Pick<AutomlCandidate, 'name'>): AutomlCandidate {
  return {
    rank: null,
    status: 'Completed',
    algorithm: 'xgboost',
    recipe: 'trees',
    recipeFit: null,
    trainingJob: o.name,
    hyperParameters: {},
    objective: { metric: 'auc', value: null },
    metrics: {},
    trainingSeconds: 12.4,
    failureReason: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    ...o,
  };
}

const cv = (scores: number[], std: number) => ({ folds: scores.length, scores, std, rows: 700 });

const leaderboard = [
  candidate({ name: 'cv1-ensemble', rank: 1, algorithm: 'ensemble', recipe: null, trainingJob: null, members: [{ candidate: 'cv1-1', weight: 0.75 }, { candidate: 'cv1-2', weight: 0.25 }], objective: { metric: 'auc', value: 0.91 }, crossValidation: cv([0.9, 0.92], 0.01), trainingSeconds: null }),
  candidate({ name: 'cv1-1', rank: 2, objective: { metric: 'auc', value: 0.875 }, crossValidation: cv([0.85, 0.9], 0.025) }),
  candidate({ name: 'cv1-2', rank: 3, algorithm: 'linear-learner', recipe: 'linear', objective: { metric: 'auc', value: 0.8 }, crossValidation: cv([0.8, 0.8], 0) }),
  candidate({ name: 'cv1-3', status: 'Failed', failureReason: 'out of memory' }),
];

const rows = (text: string) => text.split('\n').filter((l) => l.includes('cv1-'));

describe('orchard automl leaderboard as text', () => {
  it("shows a cross-validated candidate's objective as mean ± std over its folds", () => {
    expect(objectiveText(leaderboard[1])).toBe('0.875 ± 0.025');
    expect(objectiveText(candidate({ name: 'h', objective: { metric: 'auc', value: 0.875 } }))).toBe('0.875');
    expect(objectiveText(leaderboard[3])).toBe('');
    const text = leaderboardTable(leaderboard);
    expect(text).toContain('auc (mean ± std, 2 folds)');
    const [ens, one, two, failed] = rows(text);
    expect(ens).toContain('0.91 ± 0.01');
    expect(ens).toContain('cv1-1×0.75 cv1-2×0.25');
    expect(one).toContain('0.875 ± 0.025');
    expect(two).toContain('0.8 ± 0');
    expect(failed).not.toContain('±');
  });

  it('marks the best candidate: rank 1, or the one the job names', () => {
    const byRank = rows(leaderboardTable(leaderboard));
    expect(byRank[0]).toContain('cv1-ensemble (best)');
    expect(byRank.slice(1).join('\n')).not.toContain('(best)');
    const named = rows(leaderboardTable(leaderboard, 'cv1-1'));
    expect(named[1]).toContain('cv1-1 (best)');
    expect(named[0]).not.toContain('(best)');
    // Nothing scored yet: nothing marked.
    expect(leaderboardTable([leaderboard[3]])).not.toContain('(best)');
  });

  it('a hold-out leaderboard reads plain values under the metric', () => {
    const text = leaderboardTable([candidate({ name: 'ho-1', rank: 1, objective: { metric: 'rmse', value: 3.5 } })]);
    expect(text).toContain('rmse');
    expect(text).not.toContain('folds');
    expect(text).toContain('ho-1 (best)');
    expect(text).toContain('3.5');
  });

  it('describe ends with the same leaderboard, the best marked by the job', () => {
    const job = {
      name: 'cv1',
      status: 'Completed',
      secondaryStatus: 'Completed',
      failureReason: null,
      dataset: 'churn@1',
      target: 'churn',
      problemType: 'binary',
      problemTypeRequested: 'auto',
      classes: ['no', 'yes'],
      objective: { metric: 'auc' },
      validation: { method: 'cv', folds: 2 },
      columns: [],
      maxCandidates: 3,
      maxRuntimeSeconds: 900,
      mode: 'ensembling',
      maxParallel: 1,
      seed: 5,
      candidateCounts: { inProgress: 0, completed: 2, failed: 1, stopped: 0 },
      bestCandidate: { name: 'cv1-ensemble', algorithm: 'ensemble', objective: { metric: 'auc', value: 0.91 }, model: 'cv1-best' },
      leaderboard,
      createdAt: '2026-01-01T00:00:00.000Z',
      createdBy: 'admin',
      endedAt: null,
    } as unknown as AutomlJob;
    const text = describeText(job);
    expect(text).toContain('2-fold cross-validation');
    expect(text.endsWith(leaderboardTable(leaderboard, 'cv1-ensemble'))).toBe(true);
    expect(rows(text).find((l) => l.includes('(best)'))).toContain('0.91 ± 0.01');
  });
});
