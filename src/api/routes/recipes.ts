import type { FastifyInstance } from 'fastify';
import { CreateRecipeJobRequest, CreateRecipeRequest, JobName, NameParams, RecipeFilter, RecipeFitParams, RecipeJobFilter, RecipeName } from '../../contracts/index.js';
import type { RecipeService } from '../../recipes/index.js';
import { resourceRoutes } from '../resource-routes.js';

/**
 * Recipes (`/recipes`: create, list, describe, delete; `/recipes/{name}/fits`) and the
 * jobs that fit and apply them (`/recipe-jobs`: create, list, describe, stop). Recipes
 * and their fits are data preparation: `datasets:*`; their jobs run on the workers: `jobs:*`.
 */
export function recipeRoutes(app: FastifyInstance, recipes: RecipeService): void {
  resourceRoutes(app, {
    path: 'recipes',
    tag: 'recipes',
    name: RecipeName,
    permissions: { read: 'datasets:read', write: 'datasets:write' },
    create: { body: CreateRecipeRequest, summary: 'Create a recipe from its JSON or YAML definition (checked, not yet fitted)', run: (input) => recipes.create(input) },
    list: { filter: RecipeFilter, summary: 'List recipes, newest first', run: (filter) => recipes.list(filter) },
    describe: { summary: 'Describe a recipe: its steps, target and fits', run: (name) => recipes.describe(name) },
    delete: { status: 204, summary: 'Delete a recipe and its fits (refused while one of its jobs runs; models keep their copies)', run: (name) => recipes.delete(name) },
  });

  app.get<{ Params: { name: string } }>(
    '/recipes/:name/fits',
    { config: { permission: 'datasets:read' }, schema: { tags: ['recipes'], summary: "A recipe's fits, newest first", params: NameParams(RecipeName) } },
    async (request) => ({ items: await recipes.fits(request.params.name) }),
  );

  app.get<{ Params: { name: string; version: string } }>(
    '/recipes/:name/fits/:version',
    { config: { permission: 'datasets:read' }, schema: { tags: ['recipes'], summary: 'One fit of a recipe (a version, or latest): its dataset and columns', params: RecipeFitParams } },
    async (request) => recipes.fit(request.params.version === 'latest' ? request.params.name : `${request.params.name}@${request.params.version}`),
  );

  resourceRoutes(app, {
    path: 'recipe-jobs',
    tag: 'recipes',
    name: JobName,
    permissions: { read: 'jobs:read', write: 'jobs:write' },
    create: { body: CreateRecipeJobRequest, status: 202, summary: 'Fit a recipe on a dataset version, or apply a fit to a dataset into new dataset versions', run: (input) => recipes.createJob(input) },
    list: { filter: RecipeJobFilter, summary: 'List recipe jobs, newest first', run: (filter) => recipes.listJobs(filter) },
    describe: { summary: 'Describe a recipe job (status, the fit it made or applied, the datasets it wrote)', run: (name) => recipes.describeJob(name) },
    stop: { summary: 'Stop a recipe job', run: (name) => recipes.stopJob(name) },
  });
}
