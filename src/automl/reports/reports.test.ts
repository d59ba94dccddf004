import { execFileSync } from 'node:child_process';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { datasetsCommand } from '../../cli/commands/datasets.js';
import { recipesCommand } from '../../cli/commands/recipes.js';
import { trainCommand as trainCli } from '../../cli/commands/training.js';
import type { AutomlCandidate, AutomlJob, DatasetColumn } from '../../contracts/index.js';
import { analyzeTable, foldQuery, recipeWithoutSplit, targetMappingQuery } from '../analysis/index.js';
import { candidateReport, correlationQuery, explorationReport, readCorrelations, shellQuote } from './index.js';

function col(name: string, type: string, o: Partial<DatasetColumn['stats']> = {}): DatasetColumn {
  return {
    name,
    type,
    stats: { count: 200, nulls: 0, distinct: 200, min: null, max: null, mean: null, stddev: null, topValues: [], histogram: null, ...o },
  };
}

const columns: DatasetColumn[] = [
  col('id', 'BIGINT', { min: 1, max: 200 }),
  col('age', 'BIGINT', { count: 180, nulls: 20, distinct: 60, min: 18, max: 80, mean: 44.2, stddev: 12.1 }),
  col('x|pipe', 'DOUBLE', { mean: 0.5, stddev: 0.2, min: 0, max: 1 }),
  col('city', 'VARCHAR', { distinct: 3, topValues: [{ value: 'Auckland', count: 100 }, { value: 'Wellington', count: 60 }, { value: 'Napier', count: 40 }] }),
  col('churn', 'VARCHAR', { distinct: 2, topValues: [{ value: 'no', count: 150 }, { value: 'yes', count: 50 }] }),
];
const version = { dataset: 'customers@2', rowCount: 200, columns };
const analysis = analyzeTable({ version, target: 'churn', maxRuntimeSeconds: 3600, seed: 1 });

describe('exploration report', () => {
  it('has every section in Markdown and JSON that survives a round trip', () => {
    const { json, markdown } = explorationReport(analysis, version, { correlations: { age: -0.31, 'x|pipe': 0.97 } });
    for (const h of ['# Data exploration: customers@2', '## Summary', '## Target', '## Columns', '## Missing values', '## Correlations with the target', '## Warnings']) {
      expect(markdown).toContain(h);
    }
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
    expect(json.summary).toMatchObject({ dataset: 'customers@2', rows: 200, target: 'churn', problemType: 'binary', objective: 'auc', validation: '5-fold cross-validation' });
    expect(json.target.distribution.classes).toEqual([
      { value: 'no', count: 150, share: 0.75 },
      { value: 'yes', count: 50, share: 0.25 },
    ]);
    expect(json.missing).toEqual([{ column: 'age', missing: 20, share: 0.1 }]);
    expect(json.correlations?.withTarget.map((c) => c.column)).toEqual(['x|pipe', 'age']);
    // A near-perfect correlation is flagged as a possible leak.
    expect(json.warnings.find((w) => w.severity === 'high')).toMatchObject({ column: 'x|pipe' });
    expect(json.columns.find((c) => c.name === 'id')).toMatchObject({ type: 'dropped', dropReason: 'id-like' });
    // A pipe in a column name does not break the table.
    expect(markdown).toContain('| x\\|pipe |');
    expect(markdown).toMatch(/\| no \| 0 \| 150 \| 75\.0 % \|/);
  });

  it('lists every class of a stored analysis from the target counts, in the output order', () => {
    const { classCounts: _c, ...stored } = analysis;
    // The statistics hold 'no' and 'yes' only; the counts are the whole story.
    const counts = [{ value: 'yes', count: 50 }, { value: 'no', count: 140 }, { value: 'maybe', count: 10 }];
    expect(explorationReport(stored, version, { targetCounts: counts }).json.target.distribution.classes.map((c) => [c.value, c.count])).toEqual([
      ['maybe', 10],
      ['no', 140],
      ['yes', 50],
    ]);
  });

  it('draws a regression target as a histogram and says when correlations were not computed', () => {
    const hist = Array.from({ length: 20 }, (_, i) => ({ lower: i, upper: i + 1, count: 10 }));
    const v = { rowCount: 200, columns: [columns[1], col('price', 'DOUBLE', { distinct: 190, mean: 10, stddev: 3, min: 0, max: 20, histogram: hist })] };
    const a = analyzeTable({ version: v, target: 'price', maxRuntimeSeconds: 3600 });
    const { json, markdown } = explorationReport(a, v);
    expect(json.target.distribution.histogram).toHaveLength(20);
    expect(json.correlations).toBeNull();
    expect(markdown).toContain('mean 10, standard deviation 3');
    expect(markdown).toContain('## Correlations with the target\n\nNot computed.');
  });
});

describe('correlation query', () => {
  it('correlates numeric features with the positive class, names quoted', () => {
    const q = correlationQuery('customers@2', analysis)!;
    expect(q.columns).toEqual(['age', 'x|pipe']);
    expect(q.sql).toBe(
      `SELECT corr(CAST("age" AS DOUBLE), CASE WHEN "churn" = 'yes' THEN CAST(1 AS DOUBLE) WHEN "churn" = 'no' THEN CAST(0 AS DOUBLE) END) AS "c0", ` +
        `corr(CAST("x|pipe" AS DOUBLE), CASE WHEN "churn" = 'yes' THEN CAST(1 AS DOUBLE) WHEN "churn" = 'no' THEN CAST(0 AS DOUBLE) END) AS "c1" FROM "customers@2"`,
    );
    expect(readCorrelations(q, { c0: 0.5, c1: null })).toEqual({ age: 0.5, 'x|pipe': null });
  });
});

/** The argv a POSIX shell makes of a command line (the real /bin/sh). */
function shellWords(line: string): string[] {
  const out = execFileSync('/bin/sh', ['-c', `printf '%s\\0' ${line}`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

/** Parses `orchard …` argv with the CLI's own commands; the action never runs. */
async function parseCli(argv: string[]): Promise<{ command: string; args: string[]; opts: Record<string, unknown> }> {
  const program = new Command('orchard').exitOverride();
  datasetsCommand(program);
  recipesCommand(program);
  trainCli(program);
  let seen: { command: string; args: string[]; opts: Record<string, unknown> } | undefined;
  const stop = new Error('parsed');
  program.hook('preAction', (_root, action) => {
    seen = { command: action.name(), args: action.args, opts: action.opts() };
    throw stop;
  });
  await expect(program.parseAsync(argv, { from: 'user' })).rejects.toBe(stop);
  return seen!;
}

function candidate(o: Partial<AutomlCandidate> & Pick<AutomlCandidate, 'name' | 'algorithm'>): AutomlCandidate {
  return {
    rank: null,
    status: 'Completed',
    recipe: null,
    recipeFit: null,
    trainingJob: null,
    hyperParameters: {},
    objective: { metric: 'auc', value: null },
    metrics: {},
    trainingSeconds: null,
    failureReason: null,
    createdAt: '2026-12-03T08:00:00.000Z',
    ...o,
  };
}

const job: AutomlJob = {
  name: 'churn1',
  dataset: 'customers@2',
  target: 'churn',
  problemTypeRequested: 'auto',
  problemType: 'binary',
  objective: { metric: 'auc', value: 0.91 },
  maxCandidates: 10,
  maxRuntimeSeconds: 3600,
  mode: 'ensembling',
  timeColumn: null,
  maxParallel: 1,
  seed: 1,
  validation: { method: 'cv', folds: 5 },
  status: 'Completed',
  secondaryStatus: 'Completed',
  failureReason: null,
  columns: analysis.columns,
  classes: analysis.classes,
  candidateCounts: { completed: 3, failed: 1, inProgress: 0, stopped: 0 },
  bestCandidate: { name: 'churn1-ensemble', algorithm: 'ensemble', objective: { metric: 'auc', value: 0.91 }, model: 'churn1-best' },
  leaderboard: [
    candidate({ name: 'churn1-ensemble', algorithm: 'ensemble', rank: 1, members: [{ candidate: 'churn1-1', weight: 0.7 }, { candidate: 'churn1-2', weight: 0.3 }], objective: { metric: 'auc', value: 0.91 } }),
    candidate({
      name: 'churn1-1',
      algorithm: 'xgboost',
      rank: 2,
      recipe: 'trees',
      recipeFit: 'churn1-trees@1',
      trainingJob: 'churn1-1',
      hyperParameters: { objective: 'binary:logistic', num_round: '200', eta: '0.1', max_depth: '6' },
      objective: { metric: 'auc', value: 0.9 },
      metrics: { auc: 0.9, accuracy: 0.85 },
      importance: { city: 0.1, age: 0.4, 'x|pipe': 0.2 },
      trainingSeconds: 4.2,
    }),
    candidate({
      name: 'churn1-2',
      algorithm: 'linear-learner',
      rank: 3,
      recipe: 'linear',
      recipeFit: 'churn1-linear@1',
      trainingJob: 'churn1-2',
      hyperParameters: { predictor_type: 'binary_classifier', l1: "0.01 it's" },
      objective: { metric: 'auc', value: 0.86 },
    }),
    candidate({ name: 'churn1-3', algorithm: 'xgboost', recipe: 'trees', trainingJob: 'churn1-3', status: 'Failed', failureReason: 'ORCH_TRAINING_DATA_INVALID: bad | row' }),
  ],
  tags: {},
  createdBy: 'admin',
  createdAt: '2026-12-03T08:00:00.000Z',
  endedAt: '2026-12-03T08:10:00.000Z',
  updatedAt: '2026-12-03T08:10:00.000Z',
};

describe('candidate report', () => {
  const inputQuery = targetMappingQuery('customers@2', columns.map((c) => c.name), analysis.targetMapping!);
  const { json, markdown } = candidateReport(job, analysis.recipes, { inputQuery });

  it('has each candidate with its recipe steps, algorithm, hyperparameters, metrics and importance', () => {
    for (const h of ['# Candidates of churn1', '## Leaderboard', '## Recipes', '### trees', '### linear', '## Candidates', '### 1. churn1-ensemble', '### 2. churn1-1', '### churn1-3']) {
      expect(markdown).toContain(h);
    }
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
    const xgb = json.candidates.find((c) => c.name === 'churn1-1')!;
    expect(xgb.recipe).toMatchObject({ variant: 'trees', fit: 'churn1-trees@1' });
    expect(xgb.recipe!.steps.map((s) => s.op)).toEqual(['select', 'filter', 'split', 'one_hot']);
    expect(xgb.recipe!.steps[2].description).toBe('split 80 % train, 20 % validation, stratified by the target, seed 1');
    expect(xgb.importance.map((i) => i.column)).toEqual(['age', 'x|pipe', 'city']);
    expect(markdown).toContain('| eta | 0.1 |');
    expect(markdown).toContain('| churn1-1 | 0.7 |');
    expect(markdown).toContain('| failure | ORCH_TRAINING_DATA_INVALID: bad \\| row |');
    expect(json.job.classes).toEqual(['no', 'yes']);
    // An ensemble and a failed candidate have nothing to rebuild on their own but the failed one's recipe.
    expect(json.candidates.find((c) => c.name === 'churn1-ensemble')!.commands).toEqual([]);
  });

  it('lists commands with the CLI\'s real flags that a shell reads back exactly', async () => {
    const xgb = json.candidates.find((c) => c.name === 'churn1-1')!;
    expect(xgb.commands.map((c) => c.argv.slice(0, 2).join(' '))).toEqual(['datasets create', 'recipes create', 'recipes fit', 'recipes apply', 'train --name']);
    for (const c of [...xgb.commands, ...json.candidates.find((c) => c.name === 'churn1-2')!.commands]) {
      expect(shellWords(c.command.replace(/^orchard /, ''))).toEqual(c.argv);
      await parseCli(c.argv);
    }
    const parsed = await Promise.all(xgb.commands.map((c) => parseCli(c.argv)));
    expect(parsed[0]).toMatchObject({ command: 'create', args: ['churn1-input'], opts: { fromQuery: inputQuery } });
    expect(parsed[1]).toMatchObject({ command: 'create', args: ['churn1-trees-repro'], opts: { file: 'churn1-trees-repro.recipe.json' } });
    expect(parsed[2]).toMatchObject({ command: 'fit', args: ['churn1-trees-repro'], opts: { dataset: 'churn1-input' } });
    expect(parsed[3]).toMatchObject({ command: 'apply', args: ['churn1-trees-repro@1'], opts: { dataset: 'churn1-input', output: 'churn1-trees-repro-data', wait: true } });
    expect(parsed[4]).toMatchObject({
      command: 'train',
      opts: {
        name: 'churn1-1-repro',
        algorithm: 'xgboost',
        train: 'churn1-trees-repro-data-train',
        validation: 'churn1-trees-repro-data-validation',
        hp: ['eta=0.1', 'max_depth=6', 'num_round=200', 'objective=binary:logistic'],
      },
    });
    const linear = await parseCli(json.candidates.find((c) => c.name === 'churn1-2')!.commands.at(-1)!.argv);
    expect(linear.opts.hp).toEqual(["l1=0.01 it's", 'predictor_type=binary_classifier']);
    // The recipe file the commands read is the definition in the report.
    expect(markdown).toContain(`Save as \`churn1-trees-repro.recipe.json\``);
    expect(markdown).toContain(analysis.recipes[0].definition);
  });

  it('quotes arguments for the shell only when needed', () => {
    expect(shellQuote('customers@2')).toBe('customers@2');
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote('')).toBe("''");
    expect(shellWords(['x', "it's", '$HOME', '`id`', 'a"b', ''].map(shellQuote).join(' '))).toEqual(['x', "it's", '$HOME', '`id`', 'a"b', '']);
  });
});

describe('candidate report of a cross-validated job', () => {
  const inputQuery = targetMappingQuery('customers@2', columns.map((c) => c.name), analysis.targetMapping!);
  const scores = [0.88, 0.9, 0.93, 0.87, 0.92];
  const cv = { folds: 5, scores, std: 0.0228, rows: 200 };
  const cvJob: AutomlJob = {
    ...job,
    leaderboard: job.leaderboard.map((c) => (c.status === 'Completed' ? { ...c, crossValidation: c.algorithm === 'ensemble' ? { ...cv, scores: scores.map((s) => s + 0.01) } : cv } : c)),
  };
  const { json, markdown } = candidateReport(cvJob, analysis.recipes, { inputQuery });

  it('writes the folds of the input with the SELECTs the job ran, on the class-id copy', async () => {
    expect(json.folds.map((f) => [f.fold, f.train, f.validation])).toEqual([1, 2, 3, 4, 5].map((f) => [f, `churn1-fold${f}-train`, `churn1-fold${f}-validation`]));
    const third = await Promise.all(json.folds[2].commands.map((c) => parseCli(c.argv)));
    expect(third.map((p) => p.args[0])).toEqual(['churn1-input', 'churn1-fold3-train', 'churn1-fold3-validation']);
    const names = analysis.columns.map((c) => c.name);
    expect(third[1].opts.fromQuery).toBe(foldQuery('churn1-input', names, 'churn', { fold: 2, folds: 5, seed: 1, stratified: true, side: 'train' }));
    expect(third[2].opts.fromQuery).toBe(foldQuery('churn1-input', names, 'churn', { fold: 2, folds: 5, seed: 1, stratified: true, side: 'validation' }));
    for (const c of json.folds.flatMap((f) => f.commands)) expect(shellWords(c.command.replace(/^orchard /, ''))).toEqual(c.argv);
  });

  it("rebuilds each variant's data per fold with its recipe without the split, a recipe of its own per fold", async () => {
    const trees = json.recipes.find((r) => r.variant === 'trees')!.crossValidation!;
    expect(trees.file).toBe('churn1-trees-cv-repro.recipe.json');
    expect(trees.definition).toBe(recipeWithoutSplit(analysis.recipes[0].definition));
    expect(trees.definition).not.toContain('"split"');
    const fold3 = trees.folds[2];
    expect(fold3).toMatchObject({ fold: 3, recipeName: 'churn1-trees-cv3-repro', train: 'churn1-trees-cv3-repro-train', validation: 'churn1-trees-cv3-repro-validation' });
    const parsed = await Promise.all(fold3.commands.map((c) => parseCli(c.argv)));
    expect(parsed[0]).toMatchObject({ command: 'create', args: ['churn1-trees-cv3-repro'], opts: { file: 'churn1-trees-cv-repro.recipe.json' } });
    expect(parsed[1]).toMatchObject({ command: 'fit', args: ['churn1-trees-cv3-repro'], opts: { dataset: 'churn1-fold3-train' } });
    expect(parsed[2]).toMatchObject({ command: 'apply', args: ['churn1-trees-cv3-repro@1'], opts: { dataset: 'churn1-fold3-train', output: 'churn1-trees-cv3-repro-train', wait: true } });
    expect(parsed[3]).toMatchObject({ command: 'apply', args: ['churn1-trees-cv3-repro@1'], opts: { dataset: 'churn1-fold3-validation', output: 'churn1-trees-cv3-repro-validation', wait: true } });
  });

  it("lists each candidate's fold scores and fold jobs with the command that trains each again", async () => {
    const xgb = json.candidates.find((c) => c.name === 'churn1-1')!;
    expect(xgb.crossValidation).toMatchObject({ folds: 5, scores, std: 0.0228, rows: 200 });
    expect(xgb.crossValidation!.jobs.map((j) => [j.fold, j.trainingJob, j.score])).toEqual(scores.map((s, i) => [i + 1, `churn1-1-cv${i + 1}`, s]));
    const train = await parseCli(xgb.crossValidation!.jobs[2].command.argv);
    expect(train).toMatchObject({
      command: 'train',
      opts: { name: 'churn1-1-cv3-repro', algorithm: 'xgboost', train: 'churn1-trees-cv3-repro-train', validation: 'churn1-trees-cv3-repro-validation', hp: ['eta=0.1', 'max_depth=6', 'num_round=200', 'objective=binary:logistic'] },
    });
    // The linear candidate trains on the linear recipe's folds; the ensemble has scores but no job of its own.
    expect(json.candidates.find((c) => c.name === 'churn1-2')!.crossValidation!.jobs[0].command.argv).toContain('churn1-linear-cv1-repro-train');
    const ens = json.candidates.find((c) => c.name === 'churn1-ensemble')!.crossValidation!;
    expect(ens.scores).toHaveLength(5);
    expect(ens.jobs).toEqual([]);
    // A failed candidate has no fold scores.
    expect(json.candidates.find((c) => c.name === 'churn1-3')!.crossValidation).toBeUndefined();
  });

  it('shows mean ± std, the scores per fold and the fold commands in Markdown', () => {
    expect(markdown).toContain('## Folds');
    expect(markdown).toContain('| 2 | churn1-1 | xgboost | trees | 0.9 ± 0.0228 | Completed |');
    expect(markdown).toContain('| 3 | 0.93 | churn1-1-cv3 |');
    expect(markdown).toContain(json.folds[4].commands[2].command);
    expect(markdown).toContain(json.recipes[1].crossValidation!.folds[4].commands[3].command);
    expect(markdown).toContain(json.candidates[1].crossValidation!.jobs[4].command.command);
    expect(markdown).toContain('save as `churn1-trees-cv-repro.recipe.json`');
    // The class-id copy is listed once in the folds' section, not once per fold.
    const folds = markdown.slice(markdown.indexOf('## Folds'), markdown.indexOf('## Recipes'));
    expect(folds.split('datasets create churn1-input ').length - 1).toBe(1);
  });

  it('has no folds for a hold-out job', () => {
    const holdout = candidateReport({ ...job, validation: { method: 'holdout', validationShare: 0.2 } }, analysis.recipes, { inputQuery });
    expect(holdout.json.folds).toEqual([]);
    expect(holdout.json.recipes.every((r) => r.crossValidation === undefined)).toBe(true);
    expect(holdout.markdown).not.toContain('## Folds');
  });
});
