/**
 * The feature-engineering phase of an AutoML job: the class-id copy of the input, each
 * variant's recipe fitted and applied with its split by ordinary recipe jobs, and, when the
 * job cross-validates, the input dealt into folds with each variant's recipe (without its
 * split) fitted per fold. Every step is written to the job's state before it is acted on,
 * and "exists" counts as done, so a restarted server carries on without repeating.
 */
import { isOrchardError } from '../core/index.js';
import type { DatasetService } from '../data/index.js';
import type { RecipeService } from '../recipes/index.js';
import { foldQuery, recipeWithoutSplit, targetMappingQuery } from './analysis/index.js';
import type { AutomlStore } from './automl-store.js';
import { ignoreExists, JobFailure } from './job-failure.js';
import type { AutomlAnalysis, AutomlSpec, AutomlState } from './types.js';

export interface FeatureEngineeringDeps {
  store: Pick<AutomlStore, 'update'>;
  recipes: Pick<RecipeService, 'create' | 'createJob' | 'describeJob' | 'stopJob'>;
  datasets: Pick<DatasetService, 'createFromQuery' | 'describe'>;
}

/** Every variant has its train and validation splits and, with folds, every fold both sides. */
export function featuresEngineered(analysis: AutomlAnalysis, state: AutomlState): boolean {
  return analysis.recipes.every((r) => state.variants[r.variant]?.splits) && foldsEngineered(analysis, state);
}

/** Every fold of every variant has its training and held-out rows (always true without folds). */
export function foldsEngineered(analysis: AutomlAnalysis, state: AutomlState): boolean {
  if (analysis.validation.method !== 'cv') return true;
  const k = analysis.validation.folds ?? 5;
  return analysis.recipes.every((r) => {
    const folds = state.folds?.variants[r.variant]?.folds ?? [];
    return folds.length === k && folds.every((f) => f.train && f.validation);
  });
}

/** Every recipe job the phase has started (the variants' fit and apply, the folds' fit and both applies). */
export function recipeJobs(state: AutomlState): string[] {
  const variants = Object.values(state.variants).flatMap((v) => [v.fitJob, v.applyJob]);
  const folds = Object.values(state.folds?.variants ?? {}).flatMap((v) => v.folds.flatMap((f) => [f.fitJob, f.trainJob, f.validationJob]));
  return [...variants, ...folds].filter((j): j is string => Boolean(j));
}

export class FeatureEngineering {
  constructor(private readonly deps: FeatureEngineeringDeps) {}

  /** One step on: the input, then each variant's recipe, then (cross-validation) the folds. */
  async advance(name: string, spec: AutomlSpec, analysis: AutomlAnalysis, state: AutomlState): Promise<void> {
    await this.engineer(name, spec, analysis, state);
    if (analysis.validation.method === 'cv' && state.input) await this.engineerFolds(name, spec, analysis, state);
  }

  /** Stops the phase's running recipe jobs; the job is Stopped once none runs. */
  async stop(name: string, state: AutomlState): Promise<void> {
    let running = false;
    for (const job of recipeJobs(state)) {
      const j = await this.deps.recipes.describeJob(job).catch(() => null);
      if (j?.status === 'InProgress') {
        running = true;
        await this.deps.recipes.stopJob(job).catch(() => undefined);
      }
    }
    if (!running) await this.deps.store.update(name, { status: 'Stopped', secondary: 'Stopped' });
  }

  /** Fits and applies each variant's recipe, one recipe job at a time per variant. */
  private async engineer(name: string, spec: AutomlSpec, analysis: AutomlAnalysis, state: AutomlState): Promise<void> {
    const { store, recipes } = this.deps;
    if (!state.input) {
      state.input = await this.prepareInput(name, spec, analysis);
      await store.update(name, { state });
    }
    for (const r of analysis.recipes) {
      const v = (state.variants[r.variant] ??= { recipe: `${name}-${r.variant}` });
      if (v.splits) continue;
      if (!v.fitJob) {
        await ignoreExists(recipes.create({ name: v.recipe, definition: r.definition, description: `AutoML job ${name}: the ${r.variant} recipe`, tags: { automlJob: name } }), 'ORCH_RECIPE_EXISTS');
        v.fitJob = `${name}-${r.variant}-fit`;
        await store.update(name, { state });
        await ignoreExists(recipes.createJob({ kind: 'fit', name: v.fitJob, recipe: v.recipe, dataset: state.input, tags: { automlJob: name } }), 'ORCH_RECIPE_JOB_EXISTS');
        continue;
      }
      if (!v.fitRef) {
        const job = await recipes.describeJob(v.fitJob);
        if (job.status === 'InProgress') continue;
        if (job.status !== 'Completed' || job.fitVersion === null) throw new JobFailure(`Fitting the ${r.variant} recipe failed: ${job.failureReason ?? job.status}`);
        v.fitRef = `${v.recipe}@${job.fitVersion}`;
        v.applyJob = `${name}-${r.variant}-apply`;
        await store.update(name, { state });
        await ignoreExists(recipes.createJob({ kind: 'apply', name: v.applyJob, recipe: v.fitRef, dataset: state.input, output: `${name}-${r.variant}`, tags: { automlJob: name } }), 'ORCH_RECIPE_JOB_EXISTS');
        continue;
      }
      const job = await recipes.describeJob(v.applyJob!);
      if (job.status === 'InProgress') continue;
      if (job.status !== 'Completed') throw new JobFailure(`Applying the ${r.variant} recipe failed: ${job.failureReason ?? job.status}`);
      const splits = Object.fromEntries(job.outputs.map((o) => [o.split, o.ref]));
      if (!splits.train || !splits.validation) throw new JobFailure(`The ${r.variant} recipe wrote no train and validation splits (it wrote ${Object.keys(splits).join(', ') || 'nothing'})`);
      v.splits = splits;
      await store.update(name, { state });
    }
  }

  /**
   * The dataset the recipes read: the source, or, when the analysis maps the class labels
   * to 0 … K-1 (built-in algorithms read class ids), its copy made by one SELECT.
   */
  private async prepareInput(name: string, spec: AutomlSpec, analysis: AutomlAnalysis): Promise<string> {
    if (!analysis.targetMapping) return spec.dataset;
    const sql = targetMappingQuery(spec.dataset, analysis.columns.map((c) => c.name), analysis.targetMapping);
    const version = await this.deps.datasets.createFromQuery({ name: `${name}-input`, sql, description: `AutoML job ${name}: ${spec.dataset} with the classes as 0 … K-1`, tags: { automlJob: name } });
    return `${version.name}@${version.version}`;
  }

  /**
   * Cross-validation's data: the input dealt into k folds (two datasets per fold, by one
   * SELECT each), then per variant and fold its recipe without the split fitted on the
   * rows outside the fold and applied to both sides, so nothing a fold's model is scored
   * on was seen by its recipe or its training.
   */
  private async engineerFolds(name: string, spec: AutomlSpec, analysis: AutomlAnalysis, state: AutomlState): Promise<void> {
    const { store, recipes } = this.deps;
    const k = analysis.validation.folds ?? 5;
    const folds = (state.folds ??= { variants: {} });
    if (!folds.inputs) {
      const columns = analysis.columns.map((c) => c.name);
      const inputs: Array<{ train: string; validation: string }> = [];
      for (let fold = 0; fold < k; fold++) {
        const side = async (which: 'train' | 'validation') =>
          this.datasetOnce(`${name}-fold${fold + 1}-${which}`, foldQuery(state.input!, columns, spec.target, { fold, folds: k, seed: spec.seed, stratified: analysis.problemType !== 'regression', side: which }), `AutoML job ${name}: fold ${fold + 1} of ${k}, ${which === 'train' ? 'the rows outside it' : 'its rows'}`, name);
        inputs.push({ train: await side('train'), validation: await side('validation') });
      }
      folds.inputs = inputs;
      await store.update(name, { state });
    }
    for (const r of analysis.recipes) {
      const v = (folds.variants[r.variant] ??= { recipe: `${name}-${r.variant}-cv`, folds: [] });
      for (let fold = 0; fold < k; fold++) {
        const f = (v.folds[fold] ??= {});
        if (f.train && f.validation) continue;
        const label = `${name}-${r.variant}-cv${fold + 1}`;
        if (!f.fitJob) {
          await ignoreExists(recipes.create({ name: v.recipe, definition: recipeWithoutSplit(r.definition), description: `AutoML job ${name}: the ${r.variant} recipe without its split, fitted per fold`, tags: { automlJob: name } }), 'ORCH_RECIPE_EXISTS');
          f.fitJob = `${label}-fit`;
          await store.update(name, { state });
          await ignoreExists(recipes.createJob({ kind: 'fit', name: f.fitJob, recipe: v.recipe, dataset: folds.inputs[fold].train, tags: { automlJob: name } }), 'ORCH_RECIPE_JOB_EXISTS');
          continue;
        }
        if (!f.fitRef) {
          const job = await recipes.describeJob(f.fitJob);
          if (job.status === 'InProgress') continue;
          if (job.status !== 'Completed' || job.fitVersion === null) throw new JobFailure(`Fitting the ${r.variant} recipe on fold ${fold + 1} failed: ${job.failureReason ?? job.status}`);
          f.fitRef = `${v.recipe}@${job.fitVersion}`;
          f.trainJob = `${label}-train`;
          f.validationJob = `${label}-validation`;
          await store.update(name, { state });
          await ignoreExists(recipes.createJob({ kind: 'apply', name: f.trainJob, recipe: f.fitRef, dataset: folds.inputs[fold].train, output: `${label}-train`, tags: { automlJob: name } }), 'ORCH_RECIPE_JOB_EXISTS');
          await ignoreExists(recipes.createJob({ kind: 'apply', name: f.validationJob, recipe: f.fitRef, dataset: folds.inputs[fold].validation, output: `${label}-validation`, tags: { automlJob: name } }), 'ORCH_RECIPE_JOB_EXISTS');
          continue;
        }
        for (const side of ['train', 'validation'] as const) {
          if (f[side]) continue;
          const job = await recipes.describeJob(side === 'train' ? f.trainJob! : f.validationJob!);
          if (job.status === 'InProgress') continue;
          if (job.status !== 'Completed' || job.outputs.length !== 1) throw new JobFailure(`Applying the ${r.variant} recipe to fold ${fold + 1} (${side}) failed: ${job.failureReason ?? job.status}`);
          f[side] = job.outputs[0].ref;
          await store.update(name, { state });
        }
      }
    }
  }

  /** A dataset written by one SELECT, once: a version tagged with this job is taken as it is (a restart). */
  private async datasetOnce(dataset: string, sql: string, description: string, job: string): Promise<string> {
    const existing = await this.deps.datasets.describe(dataset).catch((err) => (isOrchardError(err) && err.code === 'ORCH_DATASET_NOT_FOUND' ? null : Promise.reject(err)));
    if (existing && existing.tags.automlJob === job) return `${existing.name}@${existing.version}`;
    const version = await this.deps.datasets.createFromQuery({ name: dataset, sql, description, tags: { automlJob: job } });
    return `${version.name}@${version.version}`;
  }
}
