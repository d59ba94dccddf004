import { describe, expect, it } from 'vitest';
import { formatRecipe, recipeWithoutSplit } from './analysis/index.js';
import { featuresEngineered, foldsEngineered, recipeJobs } from './automl-features.js';
import { candidateJobs } from './automl-training.js';
import type { AutomlAnalysis, AutomlState } from './types.js';

const definition = formatRecipe({
  target: 'churn',
  steps: [{ select: { columns: ['age', 'city'] } }, { impute: { columns: ['age'], strategy: 'median' } }, { split: { method: 'stratified', train: 0.8, validation: 0.2, seed: 5 } }],
} as Parameters<typeof formatRecipe>[0]);

function analysis(method: 'cv' | 'holdout'): AutomlAnalysis {
  return {
    problemType: 'binary',
    targetMapping: null,
    columns: [],
    validation: method === 'cv' ? { method, folds: 2 } : { method, validationShare: 0.2 },
    recipes: [
      { variant: 'trees', definition },
      { variant: 'linear', definition },
    ],
    warnings: [],
    estimate: { featureEngineering: 1, candidate: 1, finalize: 1 },
  };
}

const split = { train: 'd-train@1', validation: 'd-validation@1' };
const fold = { fitJob: 'f', fitRef: 'r@1', trainJob: 't', validationJob: 'v', train: 'a@1', validation: 'b@1' };

describe('AutoML feature engineering', () => {
  it('drops only the split step from a recipe, keeping the target and the other steps in order', () => {
    const out = JSON.parse(recipeWithoutSplit(definition)) as { target: string; steps: object[] };
    expect(out.target).toBe('churn');
    expect(out.steps.map((s) => Object.keys(s)[0])).toEqual(['select', 'impute']);
    // Written as the analysis writes recipes: one step per line.
    expect(recipeWithoutSplit(definition)).toBe(formatRecipe(out as Parameters<typeof formatRecipe>[0]));
  });

  it('is done when every variant has its splits, and with folds when every fold of every variant has both sides', () => {
    const state: AutomlState = { variants: { trees: { recipe: 'j-trees', splits: split }, linear: { recipe: 'j-linear', splits: split } } };
    expect(featuresEngineered(analysis('holdout'), state)).toBe(true);
    expect(featuresEngineered(analysis('holdout'), { variants: { trees: state.variants.trees } })).toBe(false);
    expect(foldsEngineered(analysis('holdout'), state)).toBe(true);
    expect(featuresEngineered(analysis('cv'), state)).toBe(false);
    const folds = { variants: { trees: { recipe: 'j-trees-cv', folds: [fold, fold] }, linear: { recipe: 'j-linear-cv', folds: [fold, { ...fold, validation: undefined }] } } };
    expect(featuresEngineered(analysis('cv'), { ...state, folds })).toBe(false);
    folds.variants.linear.folds[1] = fold;
    expect(featuresEngineered(analysis('cv'), { ...state, folds })).toBe(true);
    // A fold missing altogether is not done either.
    expect(foldsEngineered(analysis('cv'), { ...state, folds: { variants: { ...folds.variants, linear: { recipe: 'j-linear-cv', folds: [fold] } } } })).toBe(false);
  });

  it('lists every recipe job started, the variants first, so a stop reaches each', () => {
    const state: AutomlState = {
      variants: { trees: { recipe: 'j-trees', fitJob: 'j-trees-fit', applyJob: 'j-trees-apply' }, linear: { recipe: 'j-linear', fitJob: 'j-linear-fit' } },
      folds: { variants: { trees: { recipe: 'j-trees-cv', folds: [{ fitJob: 'j-trees-cv1-fit', trainJob: 'j-trees-cv1-train', validationJob: 'j-trees-cv1-validation' }, { fitJob: 'j-trees-cv2-fit' }] } } },
    };
    expect(recipeJobs(state)).toEqual(['j-trees-fit', 'j-trees-apply', 'j-linear-fit', 'j-trees-cv1-fit', 'j-trees-cv1-train', 'j-trees-cv1-validation', 'j-trees-cv2-fit']);
    expect(recipeJobs({ variants: {} })).toEqual([]);
  });

  it("names a candidate's training jobs: its own, then one per fold", () => {
    expect(candidateJobs('j-3', analysis('holdout'))).toEqual(['j-3']);
    expect(candidateJobs('j-3', analysis('cv'))).toEqual(['j-3', 'j-3-cv1', 'j-3-cv2']);
  });
});
