import { describe, expect, it } from 'vitest';
// The report builders' own types: a change to the reports' shape breaks this file's type-check.
import type { CandidateReportJson, ExplorationReportJson } from '../../../src/automl/reports/index.js';
import { readCandidateReport, readExplorationReport } from './automl-report-model';

const exploration: ExplorationReportJson = {
  report: 'exploration',
  schemaVersion: 1,
  summary: { dataset: 'churn@1', rows: 2000, problemType: 'binary' },
  columns: [
    { name: 'id', type: 'dropped', sourceType: 'BIGINT', dropReason: 'id-like', missing: 0, missingShare: 0, distinct: 2000, mean: 1000.5, stddev: 577, min: 1, max: 2000, topValues: [], histogram: null },
    { name: 'x1', type: 'numeric', sourceType: 'DOUBLE', dropReason: null, missing: 200, missingShare: 0.1, distinct: 1800, mean: 0.1, stddev: 1, min: -3, max: 3, topValues: [], histogram: [{ lower: -3, upper: 0, count: 900 }, { lower: 0, upper: 3, count: 900 }] },
    { name: 'plan', type: 'categorical', sourceType: 'VARCHAR', dropReason: null, missing: 40, missingShare: 0.02, distinct: 3, mean: null, stddev: null, min: 'a', max: 'c', topValues: [{ value: 'a', count: 1000 }, { value: null, count: 40 }], histogram: null },
  ],
  missing: [{ column: 'x1', missing: 200, share: 0.1 }],
  target: { column: 'y', problemType: 'binary', missing: 0, distribution: { classes: [{ value: '0', count: 1200, share: 0.6 }, { value: '1', count: 800, share: 0.4 }], histogram: [], mean: null, stddev: null, min: null, max: null } },
  correlations: { method: 'pearson', withTarget: [{ column: 'x1', correlation: 0.2 }, { column: 'x2', correlation: -0.7 }] },
  warnings: [{ severity: 'warning', column: 'id', message: 'id looks like an identifier and was dropped' }],
};

const candidates: CandidateReportJson = {
  report: 'candidates',
  schemaVersion: 1,
  job: { name: 'churn', dataset: 'churn@1', target: 'y', problemType: 'binary', objective: 'auc', validation: { method: 'cv', folds: 5 }, bestCandidate: 'churn-2', model: 'churn-best' },
  recipes: [{ variant: 'trees', recipeName: 'churn-trees', file: 'churn-trees.json', definition: '{}', commands: [{ label: 'Create the recipe', argv: ['recipes', 'create', 'churn-trees'], command: 'orchard recipes create churn-trees' }] }],
  folds: [],
  candidates: [
    {
      name: 'churn-2',
      rank: 1,
      status: 'Completed',
      algorithm: 'xgboost',
      recipe: { variant: 'trees', fit: 'churn-trees@1', recipeName: 'churn-trees', file: null, steps: [{ op: 'impute', description: 'median of x1', options: { columns: ['x1'] } }, { op: 'encode', description: 'ordinal plan', options: {} }], definition: null },
      trainingJob: 'churn-2',
      hyperParameters: { max_depth: '6', eta: '0.1' },
      objective: { metric: 'auc', value: 0.91 },
      metrics: { auc: 0.91, f1: 0.8 },
      importance: [{ column: 'plan', importance: 0.1 }, { column: 'x1', importance: 0.4 }],
      members: [],
      trainingSeconds: 3.2,
      failureReason: null,
      commands: [{ label: 'Train the candidate', argv: ['train'], command: "orchard train --name churn-2-repro --algorithm xgboost --hp 'eta=0.1'" }],
      crossValidation: {
        folds: 2,
        scores: [0.9, 0.92],
        std: 0.01,
        rows: 2000,
        jobs: [
          { fold: 1, trainingJob: 'churn-2-cv1', score: 0.9, command: { label: 'train xgboost on fold 1', argv: ['train'], command: 'orchard train --name churn-2-cv1-repro' } },
          { fold: 2, trainingJob: 'churn-2-cv2', score: 0.92, command: { label: 'train xgboost on fold 2', argv: ['train'], command: 'orchard train --name churn-2-cv2-repro' } },
        ],
      },
    },
    {
      name: 'churn-ensemble',
      rank: 2,
      status: 'Completed',
      algorithm: 'ensemble',
      recipe: null,
      trainingJob: null,
      hyperParameters: {},
      objective: { metric: 'auc', value: 0.9 },
      metrics: { auc: 0.9 },
      importance: [],
      members: [{ candidate: 'churn-2', weight: 0.75 }, { candidate: 'churn-1', weight: 0.25 }],
      trainingSeconds: null,
      failureReason: null,
      commands: [],
      crossValidation: { folds: 2, scores: [0.89, 0.91], std: 0.01, rows: 2000, jobs: [] },
    },
  ],
};

describe('AutoML report model', () => {
  it('reads the exploration report: columns, missing shares, target classes, correlations by strength, warnings', () => {
    const r = readExplorationReport(exploration);
    expect(r.columns.map((c) => [c.name, c.type, c.dropReason, c.missing])).toEqual([
      ['id', 'dropped', 'id-like', 0],
      ['x1', 'numeric', null, 200],
      ['plan', 'categorical', null, 40],
    ]);
    expect(r.columns[1].missingShare).toBe(0.1);
    expect(r.columns[1].histogram).toHaveLength(2);
    // A missing category's count is kept under its text; the null value is left out.
    expect(r.columns[2].topValues).toEqual([{ value: 'a', count: 1000 }]);
    expect(r.target).toMatchObject({ column: 'y', classes: [{ value: '0', count: 1200 }, { value: '1', count: 800 }] });
    expect(r.correlations).toEqual([
      { label: 'x2', value: -0.7 },
      { label: 'x1', value: 0.2 },
    ]);
    expect(r.warnings).toEqual([{ severity: 'warning', column: 'id', message: 'id looks like an identifier and was dropped' }]);
    expect(r.summary).toContainEqual(['rows', '2,000']);
  });

  it('reads the candidate report: recipe steps, hyperparameters, importance largest first, commands, ensemble members', () => {
    const { candidates: cs, recipes } = readCandidateReport(candidates);
    expect(cs.map((c) => c.name)).toEqual(['churn-2', 'churn-ensemble']);
    const best = cs[0];
    expect(best.recipe).toBe('trees · churn-trees@1');
    expect(best.steps).toEqual([
      { op: 'impute', detail: 'median of x1' },
      { op: 'encode', detail: 'ordinal plan' },
    ]);
    expect(best.hyperParameters).toEqual([
      ['max_depth', '6'],
      ['eta', '0.1'],
    ]);
    expect(best.importance.map((i) => i.label)).toEqual(['x1', 'plan']);
    expect(best.commands).toEqual([{ label: 'Train the candidate', command: "orchard train --name churn-2-repro --algorithm xgboost --hp 'eta=0.1'" }]);
    expect(best.objective).toEqual({ metric: 'auc', value: 0.91 });
    expect(cs[1].members).toEqual([
      { candidate: 'churn-2', weight: 0.75 },
      { candidate: 'churn-1', weight: 0.25 },
    ]);
    expect(recipes).toEqual([{ variant: 'trees', commands: [{ label: 'Create the recipe', command: 'orchard recipes create churn-trees' }] }]);
  });

  it("reads a cross-validated candidate's score per fold, with its fold jobs and their commands when it has them", () => {
    const [best, ensemble] = readCandidateReport(candidates).candidates;
    expect(best.crossValidation).toEqual({
      std: 0.01,
      rows: 2000,
      folds: [
        { fold: 1, score: 0.9, trainingJob: 'churn-2-cv1', command: { label: 'train xgboost on fold 1', command: 'orchard train --name churn-2-cv1-repro' } },
        { fold: 2, score: 0.92, trainingJob: 'churn-2-cv2', command: { label: 'train xgboost on fold 2', command: 'orchard train --name churn-2-cv2-repro' } },
      ],
    });
    expect(ensemble.crossValidation!.folds.map((f) => [f.fold, f.score, f.trainingJob, f.command])).toEqual([
      [1, 0.89, null, null],
      [2, 0.91, null, null],
    ]);
    // A hold-out candidate, or scores it cannot read, show no folds.
    expect(readCandidateReport({ candidates: [{ name: 'a' }, { name: 'b', crossValidation: { scores: ['x'] } }] }).candidates.map((c) => c.crossValidation)).toEqual([null, null]);
  });

  it('shows nothing rather than breaking on a document it does not know', () => {
    expect(readExplorationReport(null)).toMatchObject({ columns: [], correlations: [], warnings: [] });
    expect(readExplorationReport({ columns: [1, 'x', { name: 'a' }] }).columns).toHaveLength(1);
    expect(readCandidateReport('nonsense')).toEqual({ candidates: [], recipes: [] });
  });
});
