import type { CreateRecipeJobRequest, CreateRecipeRequest, Recipe, RecipeFilter, RecipeFit, RecipeJob, RecipeJobFilter } from '../contracts/index.js';
import type { HttpClient } from './http.js';
import type { PollOptions } from './poll.js';
import { JobClient, ResourceClient } from './resource-client.js';

export type { CreateRecipeJobRequest, CreateRecipeRequest };

/** Fit and apply jobs of recipes (`/recipe-jobs`). */
export class RecipeJobsClient extends JobClient<RecipeJob, CreateRecipeJobRequest, RecipeJobFilter> {
  constructor(http: HttpClient) {
    super(http, 'recipe-jobs', 'recipe-job');
  }
}

/**
 * Data-preparation recipes: `create` from JSON or YAML text, `fit` on a dataset version
 * (fit versions 1, 2, … per recipe), `apply` a fit (`R@N`, or `R` for the newest) to a
 * dataset into new dataset versions; `jobs` lists, waits for and stops those jobs.
 */
export class RecipesClient extends ResourceClient<Recipe, CreateRecipeRequest, RecipeFilter> {
  readonly jobs: RecipeJobsClient;

  constructor(http: HttpClient) {
    super(http, 'recipes');
    this.jobs = new RecipeJobsClient(http);
  }

  /** A recipe's fits, newest first. */
  async fits(name: string): Promise<RecipeFit[]> {
    return (await this.http.request<{ items: RecipeFit[] }>('GET', `${this.pathOf(name)}/fits`)).items;
  }

  /** `R@N`, or `R` for the newest fit. */
  async fit(ref: string): Promise<RecipeFit> {
    const at = ref.lastIndexOf('@');
    const [name, version] = at === -1 ? [ref, 'latest'] : [ref.slice(0, at), ref.slice(at + 1)];
    return this.http.request('GET', `${this.pathOf(name)}/fits/${encodeURIComponent(version)}`);
  }

  /** Starts a fit job of recipe `name` on `dataset` (`name` or `name@3`). */
  async startFit(name: string, input: { dataset: string; name?: string }): Promise<RecipeJob> {
    return this.jobs.create({ kind: 'fit', recipe: name, ...input });
  }

  /** Starts an apply job of fit `ref` (`R@N` or `R`) over `dataset`, writing `output` (one dataset per split with a split step). */
  async startApply(ref: string, input: { dataset: string; output: string; name?: string; format?: 'parquet' | 'csv'; tags?: Record<string, string> }): Promise<RecipeJob> {
    return this.jobs.create({ kind: 'apply', recipe: ref, ...input });
  }

  /** Fits and waits: the job's final state (check `status`; `fitVersion` is the new version). */
  async fitAndWait(name: string, input: { dataset: string; name?: string }, options?: PollOptions<RecipeJob>): Promise<RecipeJob> {
    const job = await this.startFit(name, input);
    return this.jobs.waitFor(job.name, options);
  }

  /** Applies and waits: the job's final state (check `status`; `outputs` lists the dataset versions). */
  async applyAndWait(ref: string, input: { dataset: string; output: string; name?: string; format?: 'parquet' | 'csv'; tags?: Record<string, string> }, options?: PollOptions<RecipeJob>): Promise<RecipeJob> {
    const job = await this.startApply(ref, input);
    return this.jobs.waitFor(job.name, options);
  }

  /** Deletes a recipe and its fits (models made from them keep their copies). */
  async delete(name: string): Promise<void> {
    await this.http.request('DELETE', this.pathOf(name));
  }
}
