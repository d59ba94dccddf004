import { buffer } from 'node:stream/consumers';
import { errorOfProblems, OrchardError, type RequestProblem } from '../core/index.js';
import type { DatasetService } from '../data/index.js';
import { validateDatasetName } from '../data/index.js';
import type { JobQueue } from '../jobs/index.js';
import type { ArtifactStore, MetadataStore, StatusChanges } from '../storage/index.js';
import { checkRecipe, parseRecipe, type FittedRecipe, type RecipeSpec } from './engine/index.js';
import { RecipeStore, toFit, type RecipeFitsTable } from './recipe-store.js';
import {
  APPLY_KIND,
  FIT_KIND,
  queueJobId,
  RECIPE_JOB_ATTEMPTS,
  type CreateRecipeInput,
  type CreateRecipeJobInput,
  type FitForModel,
  type Recipe,
  type RecipeFilter,
  type RecipeFit,
  type RecipeJob,
  type RecipeJobFilter,
} from './types.js';

const NAME = /^[A-Za-z0-9](-*[A-Za-z0-9]){0,62}$/;
const SPLIT_SUFFIXES = ['train', 'validation', 'test'] as const;

export interface RecipeServiceDeps {
  metadata: MetadataStore;
  artifacts: ArtifactStore;
  queue: JobQueue;
  datasets: Pick<DatasetService, 'describe' | 'versions' | 'delete'>;
}

/**
 * Recipes (SageMaker Data Wrangler flows): a recipe is a list of steps; a fit job learns
 * its parameters on a dataset version (fit versions 1, 2, … per recipe, each stored as an
 * artifact); an apply job writes a fit's output over a dataset as new dataset versions.
 * The steps themselves are the engine's (`./engine`).
 */
export class RecipeService {
  private readonly store: RecipeStore;

  constructor(private readonly deps: RecipeServiceDeps) {
    this.store = new RecipeStore(deps.metadata);
  }

  /** Recipe jobs whose status changed since a time, for the platform feed. */
  readonly statusChanges: StatusChanges = (since, limit, after) => this.store.statusChanges(since, limit, after);

  async create(input: CreateRecipeInput): Promise<Recipe> {
    const name = validateRecipeName(input.name, 'ORCH_RECIPE_INVALID');
    if (typeof input.definition !== 'string' || input.definition.trim() === '') {
      throw new OrchardError('ORCH_RECIPE_INVALID', { message: 'The recipe definition is empty' });
    }
    const spec = parseRecipe(input.definition);
    if (await this.store.findRecipe(name)) throw new OrchardError('ORCH_RECIPE_EXISTS', { message: `A recipe named '${name}' exists`, details: { name } });
    await this.store.insertRecipe({
      name,
      definition: input.definition,
      spec_json: JSON.stringify(spec),
      description: input.description ?? null,
      tags_json: JSON.stringify(input.tags ?? {}),
      created_by: input.createdBy ?? null,
      created_at: new Date().toISOString(),
    });
    return this.store.recipe(name);
  }

  async describe(name: string): Promise<Recipe> {
    return this.store.recipe(validateRecipeName(name, 'ORCH_RECIPE_NOT_FOUND'));
  }

  async list(filter: RecipeFilter = {}): Promise<{ items: Recipe[]; total: number }> {
    return this.store.listRecipes(filter);
  }

  /**
   * Deletes a recipe, its fits and its jobs' records; refused while one of its jobs runs.
   * Models made from its fits keep their own copies, and applied datasets stay.
   */
  async delete(name: string): Promise<void> {
    const recipe = await this.describe(name);
    const running = await this.store.unfinished(recipe.name);
    if (running.length > 0) {
      throw new OrchardError('ORCH_RECIPE_IN_USE', {
        message: `Recipe '${recipe.name}' has jobs running (${running.map((j) => j.name).join(', ')}); stop them first`,
        details: { name: recipe.name, jobs: running.map((j) => j.name) },
      });
    }
    await this.store.deleteRecipe(recipe.name);
    await this.deps.artifacts.deletePrefix(`recipes/${recipe.name}/`).catch(() => undefined);
  }

  /** A recipe's fits, newest first. */
  async fits(name: string): Promise<RecipeFit[]> {
    const recipe = await this.describe(name);
    return this.store.fits(recipe.name);
  }

  /** `R@N`, or `R` for the newest fit. */
  async fit(ref: string): Promise<RecipeFit> {
    const { recipe, version } = parseRecipeRef(ref, 'ORCH_RECIPE_FIT_NOT_FOUND');
    return toFit(await this.store.fitRow(recipe, version));
  }

  /** The engine's fitted recipe of a fit. */
  async fitted(ref: string): Promise<{ fit: RecipeFit; fitted: FittedRecipe; body: Buffer }> {
    const fit = await this.fit(ref);
    const body = await buffer(await this.deps.artifacts.get(fit.artifactKey));
    return { fit, fitted: JSON.parse(body.toString('utf8')) as FittedRecipe, body };
  }

  /** What the registry copies into an inference-pipeline model (its `RecipeSource` port). */
  readonly fitForModel = async (ref: string): Promise<FitForModel> => {
    const { fit, body } = await this.fitted(ref);
    return { ref: fit.ref, recipe: fit.recipe, version: fit.version, target: fit.target, inputColumns: fit.inputColumns, numFeatures: fit.numFeatures, body };
  };

  /**
   * Starts a fit (`recipe: R`) or an apply (`recipe: R@N` or `R`, with `output`) job.
   * Everything that can be checked before it runs is: the request's fields (every
   * problem at once), the recipe, the fit, the dataset and its columns.
   */
  async createJob(input: CreateRecipeJobInput): Promise<RecipeJob> {
    const problems: RequestProblem[] = [];
    const problem = (field: string, message: string) => problems.push({ field, code: 'ORCH_RECIPE_JOB_INVALID', message });
    if (input.kind !== 'fit' && input.kind !== 'apply') problem('kind', `Unknown kind '${String(input.kind)}': use fit or apply`);
    const ref = parseRecipeRef(String(input.recipe ?? ''), 'ORCH_RECIPE_JOB_INVALID');
    if (input.kind === 'fit' && ref.version !== null) problem('recipe', `A fit takes the recipe's name ('${ref.recipe}'), not a fit version`);
    if (input.kind === 'fit' && input.output !== undefined) problem('output', 'A fit writes no dataset: leave out output');
    if (input.kind === 'fit' && input.format !== undefined) problem('format', 'A fit writes no dataset: leave out format');
    if (input.format !== undefined && input.format !== 'parquet' && input.format !== 'csv') problem('format', `Unknown format '${String(input.format)}': use parquet or csv`);
    if (input.kind === 'apply') {
      if (!input.output) problem('output', 'An apply needs the output dataset name (output)');
      else {
        for (const n of [input.output, ...SPLIT_SUFFIXES.map((s) => `${input.output}-${s}`)]) {
          try {
            validateDatasetName(n);
          } catch (err) {
            problem('output', `Invalid output dataset name '${n}': ${(err as Error).message}`);
            break;
          }
        }
      }
    }
    const stamp = new Date().toISOString().replace(/[^0-9]/g, '').slice(0, 17);
    const name = input.name ?? `${ref.recipe.slice(0, 36)}-${input.kind}-${stamp}`;
    if (!NAME.test(name)) problem('name', `Invalid job name '${name}': 1-63 letters, digits and hyphens`);
    if (problems.length > 0) throw errorOfProblems(problems);

    const recipeRow = await this.store.recipeRow(ref.recipe);
    const dataset = await this.deps.datasets.describe(input.dataset);
    const columns = dataset.columns.map((c) => ({ name: c.name, type: c.type }));
    let spec = JSON.parse(recipeRow.spec_json) as RecipeSpec;
    let fit: RecipeFitsTable | null = null;
    if (input.kind === 'apply') {
      fit = await this.store.fitRow(ref.recipe, ref.version);
      spec = (await this.fitted(`${fit.recipe}@${fit.version}`)).fitted.spec;
    }
    // Its columns must be there (a fit's recipe is checked as it was fitted).
    checkRecipe(spec, columns);
    const now = new Date().toISOString();
    await this.store.insertJob({
      name,
      kind: input.kind,
      status: 'InProgress',
      recipe: ref.recipe,
      fit_version: fit ? Number(fit.version) : null,
      dataset_name: dataset.name,
      dataset_version: dataset.version,
      dataset_rows: dataset.rowCount,
      output_name: input.kind === 'apply' ? input.output! : null,
      output_format: input.kind === 'apply' ? (input.format ?? 'parquet') : null,
      outputs_json: '[]',
      spec_json: JSON.stringify(spec),
      tags_json: JSON.stringify(input.tags ?? {}),
      failure_reason: null,
      created_by: input.createdBy ?? null,
      created_at: now,
      started_at: null,
      ended_at: null,
      updated_at: now,
    });
    await this.enqueue(name, input.kind);
    return this.store.job(name);
  }

  async describeJob(name: string): Promise<RecipeJob> {
    return this.store.job(name);
  }

  async listJobs(filter: RecipeJobFilter = {}): Promise<{ items: RecipeJob[]; total: number }> {
    return this.store.listJobs(filter);
  }

  /** Stops a running job: a queued one at once, a running one is aborted by its worker. */
  async stopJob(name: string): Promise<RecipeJob> {
    const row = await this.store.jobRow(name);
    if (row.status !== 'InProgress') return this.store.job(name);
    await this.store.updateJob(name, { stop_requested: 1 });
    await this.deps.queue.cancel(queueJobId(name)).catch(() => undefined);
    await this.store.endJob(name, 'Stopped', { failure_reason: null });
    return this.store.job(name);
  }

  /**
   * Enqueues again, under the same ids, the running jobs the queue lost (its data gone).
   * Enqueue is idempotent by id, so this is safe at any time. Returns how many.
   */
  async requeueLost(): Promise<number> {
    let requeued = 0;
    for (const row of await this.store.unfinished()) {
      if (await this.deps.queue.get(queueJobId(row.name))) continue;
      await this.enqueue(row.name, row.kind as 'fit' | 'apply');
      requeued++;
    }
    return requeued;
  }

  private async enqueue(name: string, kind: 'fit' | 'apply'): Promise<void> {
    await this.deps.queue.enqueue(kind === 'fit' ? FIT_KIND : APPLY_KIND, { name }, { jobId: queueJobId(name), maxAttempts: RECIPE_JOB_ATTEMPTS, backoffMs: 1000 });
  }
}

export function validateRecipeName(name: string, code: 'ORCH_RECIPE_INVALID' | 'ORCH_RECIPE_NOT_FOUND'): string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    const shown = String(name).slice(0, 100);
    throw new OrchardError(code, {
      message: code === 'ORCH_RECIPE_NOT_FOUND' ? `No recipe '${shown}'` : `Invalid recipe name '${shown}': 1-63 letters, digits and hyphens`,
      details: { name: shown },
    });
  }
  return name;
}

/**
 * `R` or `R@N` → its parts (version null: the newest fit). A reference that cannot be
 * read is refused with `code`.
 */
export function parseRecipeRef(ref: string, code: 'ORCH_RECIPE_FIT_NOT_FOUND' | 'ORCH_RECIPE_JOB_INVALID' | 'ORCH_MODEL_SOURCE_INVALID'): { recipe: string; version: number | null } {
  const at = ref.lastIndexOf('@');
  const recipe = at === -1 ? ref : ref.slice(0, at);
  const digits = at === -1 ? null : ref.slice(at + 1);
  if (!NAME.test(recipe) || (digits !== null && !/^[1-9][0-9]{0,8}$/.test(digits))) {
    throw new OrchardError(code, { message: `Invalid recipe reference '${ref.slice(0, 100)}': use 'recipe' or 'recipe@N'`, details: { ref: ref.slice(0, 100) } });
  }
  return { recipe, version: digits === null ? null : Number(digits) };
}
