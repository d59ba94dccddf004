import { describe, expect, it } from 'vitest';
import type { AutomlCandidate, AutomlJob } from '../../sdk/index.js';
import { budgetText, describeText, leaderboardTable, objectiveText } from './automl-text.js';

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
    // A job from before the budget was recorded has no Budget block.
    expect(text).not.toContain('Budget\n');
    const spent = describeText({ ...job, budget: { featureEngineeringSeconds: 4.2, tuningSeconds: 700, finalizeEstimateSeconds: 80.04, finalizeSeconds: 95.3, totalSeconds: 799.5, finalizeDegraded: [] } });
    const block = spent.slice(spent.indexOf('Budget\n'), spent.indexOf(leaderboardTable(leaderboard, 'cv1-ensemble'))).trimEnd();
    expect(block.split('\n').map((l) => l.trim().replace(/\s{2,}/, ': '))).toEqual([
      'Budget',
      'max runtime: 900 s',
      'feature engineering: 4.2 s',
      'tuning: 700 s',
      'finalize: estimated 80 s, took 95.3 s',
      'total: 799.5 s of 900 s (89%)',
      'finalize left out: nothing',
    ]);
  });
});

describe('orchard automl describe: the budget', () => {
  it('a running job: the phases not reached yet read -, and nothing is said of the finalize', () => {
    const text = budgetText({ maxRuntimeSeconds: 120, budget: { featureEngineeringSeconds: 3.14159 } })!;
    const line = (k: string) => text.split('\n').find((l) => l.trimStart().startsWith(k))?.trim().replace(/\s{2,}/, ': ');
    expect(line('feature engineering')).toBe('feature engineering: 3.1 s');
    expect(line('tuning')).toBe('tuning: -');
    expect(line('finalize ')).toBe('finalize: -');
    expect(line('total')).toBe('total: -');
    expect(line('finalize left out')).toBe('finalize left out: -');
    expect(budgetText({ maxRuntimeSeconds: 120 })).toBeNull();
  });

  it('lists what the finalize left out, one item a line, and a total past the budget', () => {
    const text = budgetText({
      maxRuntimeSeconds: 60,
      budget: { featureEngineeringSeconds: 5, tuningSeconds: 40, finalizeEstimateSeconds: 10, finalizeSeconds: 21.5, totalSeconds: 66.5, finalizeDegraded: ['2 candidate(s) not scored: the budget\'s time ran out', "no ensemble: the budget's time ran out"] },
    })!;
    const lines = text.split('\n');
    expect(lines.find((l) => l.includes('total'))).toContain('66.5 s of 60 s (111%, over by 6.5 s)');
    expect(lines.find((l) => l.includes('finalize ') && l.includes('estimated'))).toContain('estimated 10 s, took 21.5 s');
    const first = lines.findIndex((l) => l.includes('finalize left out'));
    expect(lines[first]).toContain('2 candidate(s) not scored');
    expect(lines[first + 1].trim()).toBe("no ensemble: the budget's time ran out");
    // The second item starts in the first one's column.
    expect(lines[first + 1].indexOf('no ensemble')).toBe(lines[first].indexOf('2 candidate(s)'));
  });
});
