import type { Kysely } from 'kysely';
import { OrchardError } from '../core/index.js';
import { readStatusChanges, type MetadataStore, type StatusChanges } from '../storage/index.js';
import type { Recipe, RecipeColumn, RecipeFit, RecipeJob, RecipeJobFilter, RecipeJobKind, RecipeJobOutput } from './types.js';

/** `recipes`: one row per recipe (its text as given and as parsed). */
export interface RecipesTable {
  name: string;
  definition: string;
  spec_json: string;
  description: string | null;
  tags_json: string;
  created_by: string | null;
  created_at: string;
}

/** `recipe_fits`: versions 1, 2, … per recipe; the fitted parameters are an artifact. */
export interface RecipeFitsTable {
  recipe: string;
  version: number;
  job_name: string;
  dataset_name: string;
  dataset_version: number;
  artifact_key: string;
  sha256: string;
  /** JSON {target, inputColumns, outputColumns, numFeatures}. */
  columns_json: string;
  created_by: string | null;
  created_at: string;
}

/** `recipe_jobs`: fit and apply jobs. */
export interface RecipeJobsTable {
  name: string;
  kind: string;
  status: string;
  recipe: string;
  fit_version: number | null;
  dataset_name: string;
  dataset_version: number;
  dataset_rows: number | string;
  output_name: string | null;
  /** apply: `parquet` or `csv`. */
  output_format: string | null;
  outputs_json: string;
  /** JSON: the recipe's spec when the job was created (a fit). */
  spec_json: string;
  tags_json: string;
  failure_reason: string | null;
  stop_requested: number;
  created_by: string | null;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  updated_at: string;
}

interface RecipeTables {
  recipes: RecipesTable;
  recipe_fits: RecipeFitsTable;
  recipe_jobs: RecipeJobsTable;
}

/** What a fit's columns_json holds. */
export interface FitColumns {
  target: string | null;
  inputColumns: RecipeColumn[];
  outputColumns: RecipeColumn[];
  numFeatures: number;
}

/** Reads and writes the recipe tables; the only code that knows their shape. */
export class RecipeStore {
  /** The metadata DB seen with this capability's tables (they are declared here, not in storage). */
  private readonly db: Kysely<RecipeTables>;
  readonly statusChanges: StatusChanges;

  constructor(private readonly metadata: MetadataStore) {
    this.db = metadata.db as unknown as Kysely<RecipeTables>;
    this.statusChanges = readStatusChanges(metadata, 'recipe_jobs' as never);
  }

  // ---- recipes ----

  async insertRecipe(row: RecipesTable): Promise<void> {
    try {
      await this.db.insertInto('recipes').values(row).execute();
    } catch (err) {
      if (this.metadata.isUniqueViolation(err)) throw exists(row.name);
      throw err;
    }
  }

  async findRecipe(name: string): Promise<RecipesTable | undefined> {
    return this.db.selectFrom('recipes').selectAll().where('name', '=', name).executeTakeFirst();
  }

  async recipeRow(name: string): Promise<RecipesTable> {
    const row = await this.findRecipe(name);
    if (!row) throw new OrchardError('ORCH_RECIPE_NOT_FOUND', { message: `No recipe '${name}'`, details: { name } });
    return row;
  }

  async recipe(name: string): Promise<Recipe> {
    return this.toRecipe(await this.recipeRow(name));
  }

  async listRecipes(filter: { nameContains?: string; limit?: number; offset?: number }): Promise<{ items: Recipe[]; total: number }> {
    let q = this.db.selectFrom('recipes');
    if (filter.nameContains) q = q.where('name', 'like', `%${filter.nameContains.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    const total = Number((await q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await q.selectAll().orderBy('created_at', 'desc').orderBy('name').limit(Math.min(filter.limit ?? 100, 1000)).offset(filter.offset ?? 0).execute();
    return { items: await Promise.all(rows.map((r) => this.toRecipe(r))), total };
  }

  /** Removes a recipe with its fits' rows and its jobs' rows. */
  async deleteRecipe(name: string): Promise<void> {
    await this.db.deleteFrom('recipe_jobs').where('recipe', '=', name).execute();
    await this.db.deleteFrom('recipe_fits').where('recipe', '=', name).execute();
    await this.db.deleteFrom('recipes').where('name', '=', name).execute();
  }

  private async toRecipe(row: RecipesTable): Promise<Recipe> {
    const stats = await this.db
      .selectFrom('recipe_fits')
      .select((eb) => [eb.fn.countAll().as('n'), eb.fn.max('version').as('latest')])
      .where('recipe', '=', row.name)
      .executeTakeFirstOrThrow();
    const spec = JSON.parse(row.spec_json) as { target?: string; steps: unknown[] };
    return {
      name: row.name,
      description: row.description,
      target: spec.target ?? null,
      steps: spec.steps,
      definition: row.definition,
      tags: JSON.parse(row.tags_json),
      fitCount: Number(stats.n),
      latestFit: stats.latest === null || stats.latest === undefined ? null : Number(stats.latest),
      createdBy: row.created_by,
      createdAt: row.created_at,
    };
  }

  // ---- fits ----

  /** The fit a job made, if it was recorded (a record repeated after a blink finds it). */
  async fitOfJob(job: string): Promise<RecipeFitsTable | undefined> {
    return this.db.selectFrom('recipe_fits').selectAll().where('job_name', '=', job).executeTakeFirst();
  }

  /**
   * Inserts the recipe's next fit version. Two fits racing for one number: the loser's
   * insert hits the primary key and it takes the next number.
   */
  async insertNextFit(row: Omit<RecipeFitsTable, 'version'>): Promise<number> {
    for (let tries = 0; ; tries++) {
      const done = await this.fitOfJob(row.job_name);
      if (done) return Number(done.version);
      const max = await this.db.selectFrom('recipe_fits').select((eb) => eb.fn.max('version').as('m')).where('recipe', '=', row.recipe).executeTakeFirst();
      const version = max?.m === null || max?.m === undefined ? 1 : Number(max.m) + 1;
      try {
        await this.db.insertInto('recipe_fits').values({ ...row, version }).execute();
        return version;
      } catch (err) {
        if (!this.metadata.isUniqueViolation(err) || tries >= 20) throw err;
      }
    }
  }

  /** Version `version` of a recipe's fits, or its newest when null. */
  async fitRow(recipe: string, version: number | null): Promise<RecipeFitsTable> {
    let q = this.db.selectFrom('recipe_fits').selectAll().where('recipe', '=', recipe);
    q = version === null ? q.orderBy('version', 'desc').limit(1) : q.where('version', '=', version);
    const row = await q.executeTakeFirst();
    if (!row) {
      await this.recipeRow(recipe); // a missing recipe says so rather than "no fit"
      throw new OrchardError('ORCH_RECIPE_FIT_NOT_FOUND', {
        message: version === null ? `Recipe '${recipe}' has no fits yet; run 'orchard recipes fit ${recipe} --dataset …' first` : `Recipe '${recipe}' has no fit version ${version}`,
        details: { recipe, version },
      });
    }
    return row;
  }

  async fits(recipe: string): Promise<RecipeFit[]> {
    const rows = await this.db.selectFrom('recipe_fits').selectAll().where('recipe', '=', recipe).orderBy('version', 'desc').execute();
    return rows.map(toFit);
  }

  // ---- jobs ----

  async insertJob(row: Omit<RecipeJobsTable, 'stop_requested'>): Promise<void> {
    try {
      await this.db.insertInto('recipe_jobs').values({ ...row, stop_requested: 0 }).execute();
    } catch (err) {
      if (this.metadata.isUniqueViolation(err)) throw new OrchardError('ORCH_RECIPE_JOB_EXISTS', { message: `A recipe job named '${row.name}' exists`, details: { name: row.name } });
      throw err;
    }
  }

  async jobRow(name: string): Promise<RecipeJobsTable> {
    const row = await this.db.selectFrom('recipe_jobs').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) throw new OrchardError('ORCH_RECIPE_JOB_NOT_FOUND', { message: `No recipe job '${name}'`, details: { name } });
    return row;
  }

  async job(name: string): Promise<RecipeJob> {
    return toJob(await this.jobRow(name));
  }

  async listJobs(filter: RecipeJobFilter): Promise<{ items: RecipeJob[]; total: number }> {
    let q = this.db.selectFrom('recipe_jobs');
    if (filter.recipe) q = q.where('recipe', '=', filter.recipe);
    if (filter.kind) q = q.where('kind', '=', filter.kind);
    if (filter.status) q = q.where('status', '=', filter.status);
    const total = Number((await q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await q.selectAll().orderBy('created_at', 'desc').orderBy('name').limit(Math.min(filter.limit ?? 100, 1000)).offset(filter.offset ?? 0).execute();
    return { items: rows.map(toJob), total };
  }

  /** Names of the jobs still InProgress (of one recipe, when given). */
  async unfinished(recipe?: string): Promise<RecipeJobsTable[]> {
    let q = this.db.selectFrom('recipe_jobs').selectAll().where('status', '=', 'InProgress');
    if (recipe) q = q.where('recipe', '=', recipe);
    return q.execute();
  }

  async updateJob(name: string, changes: Partial<RecipeJobsTable>): Promise<void> {
    await this.db.updateTable('recipe_jobs').set({ ...changes, updated_at: new Date().toISOString() }).where('name', '=', name).execute();
  }

  /** Ends a job that is still InProgress; false when it had ended already (it keeps its status). */
  async endJob(name: string, status: 'Completed' | 'Failed' | 'Stopped', extra: Partial<RecipeJobsTable> = {}): Promise<boolean> {
    const now = new Date().toISOString();
    const res = await this.db
      .updateTable('recipe_jobs')
      .set({ status, ended_at: now, updated_at: now, ...extra })
      .where('name', '=', name)
      .where('status', '=', 'InProgress')
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }
}

function exists(name: string): OrchardError {
  return new OrchardError('ORCH_RECIPE_EXISTS', { message: `A recipe named '${name}' exists`, details: { name } });
}

export function toFit(row: RecipeFitsTable): RecipeFit {
  const columns = JSON.parse(row.columns_json) as FitColumns;
  return {
    recipe: row.recipe,
    version: Number(row.version),
    ref: `${row.recipe}@${row.version}`,
    job: row.job_name,
    dataset: { dataset: row.dataset_name, version: Number(row.dataset_version) },
    target: columns.target,
    inputColumns: columns.inputColumns,
    outputColumns: columns.outputColumns,
    numFeatures: columns.numFeatures,
    artifactKey: row.artifact_key,
    sha256: row.sha256,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

function toJob(row: RecipeJobsTable): RecipeJob {
  return {
    name: row.name,
    kind: row.kind as RecipeJobKind,
    status: row.status as RecipeJob['status'],
    failureReason: row.failure_reason,
    recipe: row.recipe,
    fitVersion: row.fit_version === null ? null : Number(row.fit_version),
    input: { dataset: row.dataset_name, version: Number(row.dataset_version), rows: Number(row.dataset_rows) },
    output: row.output_name,
    format: row.output_format as RecipeJob['format'],
    outputs: JSON.parse(row.outputs_json) as RecipeJobOutput[],
    tags: JSON.parse(row.tags_json),
    createdBy: row.created_by,
    createdAt: row.created_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    updatedAt: row.updated_at,
  };
}
