import fs from 'node:fs';
import { Option, type Command } from 'commander';
import type { Recipe, RecipeFit, RecipeJob, RecipeJobKind } from '../../sdk/index.js';
// Enum lists from the contracts' TypeBox-free module: a CLI call does not load the schemas.
import { JOB_STATUSES } from '../../contracts/values.js';
import { client, collect, exit, parseKeyValues, positiveInt, run } from '../context.js';
import { emit, fields, table } from '../output.js';

type Json = { json?: boolean };
const KINDS: RecipeJobKind[] = ['fit', 'apply'];

/**
 * `orchard recipes …`: data-preparation recipes (create, list, describe, delete), their
 * fits (`fit` waits for the job by default; `--no-wait` returns at once) and applying a
 * fit to a dataset (`apply` returns at once; `--wait` waits and prints the datasets).
 */
export function recipesCommand(program: Command): void {
  const recipes = program.command('recipes').description('Data-preparation recipes: steps fitted on a dataset, applied into new datasets, served in front of models');

  recipes
    .command('create <name>')
    .description('Create a recipe from a JSON or YAML file (steps: docs/recipes-steps.md)')
    .requiredOption('--file <path>', 'the recipe (recipe.yaml or recipe.json)')
    .option('--description <text>', 'free text')
    .option('--tag <key=value>', 'tag (repeatable)', collect)
    .option('--json', 'machine output')
    .action((name: string, opts: Json & { file: string; description?: string; tag?: string[] }) =>
      run(opts, async () => {
        const definition = fs.readFileSync(opts.file, 'utf8');
        const recipe = await client().recipes.create({ name, definition, description: opts.description, tags: parseKeyValues(opts.tag, '--tag') });
        emit(opts, recipe, () => `Created recipe ${recipe.name} (${recipe.steps.length} step(s)${recipe.target ? `, target ${recipe.target}` : ''})`);
      }),
    );

  recipes
    .command('list')
    .description('List recipes, newest first')
    .option('--name-contains <text>', 'only names containing this text')
    .option('--limit <n>', 'at most n', positiveInt)
    .option('--offset <n>', 'skip n', positiveInt)
    .option('--json', 'machine output')
    .action((opts: Json & { nameContains?: string; limit?: number; offset?: number }) =>
      run(opts, async () => {
        const { json: _json, ...filter } = opts;
        const res = await client().recipes.list(filter);
        emit(opts, res, () =>
          res.items.length === 0
            ? 'No recipes.'
            : table(
                ['name', 'steps', 'target', 'fits', 'latest', 'created'],
                res.items.map((r) => [r.name, stepKinds(r), r.target ?? '-', r.fitCount, r.latestFit === null ? '-' : `${r.name}@${r.latestFit}`, r.createdAt]),
              ) + `\n${res.items.length} of ${res.total}`,
        );
      }),
    );

  recipes
    .command('describe <name>')
    .description('Steps, target and fits of a recipe')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        const orchard = client();
        const recipe = await orchard.recipes.describe(name);
        const fits = await orchard.recipes.fits(name);
        emit(opts, { ...recipe, fits }, () => describeRecipe(recipe, fits));
      }),
    );

  recipes
    .command('fits <name>')
    .description("A recipe's fits, newest first")
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        const fits = await client().recipes.fits(name);
        emit(opts, fits, () => (fits.length === 0 ? `Recipe ${name} has no fits yet.` : fitsTable(fits)));
      }),
    );

  recipes
    .command('fit <name>')
    .description('Learn the recipe\'s parameters on a dataset version: the next fit version (waits for the job unless --no-wait)')
    .requiredOption('--dataset <dataset>', "the dataset ('name' or 'name@3')")
    .option('--name <job>', 'job name (default: recipe, kind and time)')
    .option('--no-wait', 'return once the job is queued')
    .option('--json', 'machine output')
    .action((name: string, opts: Json & { dataset: string; name?: string; wait: boolean }) =>
      run(opts, async () => {
        const orchard = client();
        const created = await orchard.recipes.startFit(name, { dataset: opts.dataset, name: opts.name });
        if (!opts.wait) {
          emit(opts, created, () => `Started fit job ${created.name} of ${created.recipe} on ${created.input.dataset}@${created.input.version}`);
          return;
        }
        const job = await waitFor(created);
        if (job.status !== 'Completed' || job.fitVersion === null) {
          exit.code = 1;
          emit(opts, job, () => describeJob(job));
          return;
        }
        const fit = await orchard.recipes.fit(`${job.recipe}@${job.fitVersion}`);
        emit(opts, { ...fit, status: job.status }, () => `Fitted ${fit.ref} on ${fit.dataset.dataset}@${fit.dataset.version}: ${fit.inputColumns.length} input column(s) -> ${fit.numFeatures} feature(s) (job ${job.name})`);
      }),
    );

  recipes
    .command('apply <ref>')
    .description("Apply a fit (R@N, or R for its newest) to a dataset, writing NAME (with a split step: NAME-train, NAME-validation, NAME-test)")
    .requiredOption('--dataset <dataset>', "the input dataset ('name' or 'name@3')")
    .requiredOption('--output <name>', 'the output dataset name (a new version is written)')
    .option('--name <job>', 'job name (default: recipe, kind and time)')
    .addOption(new Option('--format <format>', 'parquet (default: names and types kept) or csv (no header, target first: what built-in algorithms train on)').choices(['parquet', 'csv']))
    .option('--tag <key=value>', 'tag of the output datasets (repeatable)', collect)
    .option('--wait', 'wait for the job; print the datasets written; exit 1 unless it completes')
    .option('--json', 'machine output')
    .action((ref: string, opts: Json & { dataset: string; output: string; name?: string; format?: 'parquet' | 'csv'; tag?: string[]; wait?: boolean }) =>
      run(opts, async () => {
        const created = await client().recipes.startApply(ref, { dataset: opts.dataset, output: opts.output, name: opts.name, format: opts.format, tags: parseKeyValues(opts.tag, '--tag') });
        if (!opts.wait) {
          emit(opts, created, () => `Started apply job ${created.name} of ${created.recipe}@${created.fitVersion} on ${created.input.dataset}@${created.input.version}`);
          return;
        }
        const job = await waitFor(created);
        if (job.status !== 'Completed') {
          exit.code = 1;
          emit(opts, job, () => describeJob(job));
          return;
        }
        const result = applyResult(job);
        emit(opts, result, () => `Applied ${result.recipe} to ${job.input.dataset}@${job.input.version}: ${job.outputs.map((o) => `${o.ref} (${o.rows} rows)`).join(', ')}`);
      }),
    );

  recipes
    .command('jobs')
    .description('List fit and apply jobs, newest first')
    .option('--recipe <name>', 'only jobs of this recipe')
    .addOption(new Option('--kind <kind>', 'only fits or applies').choices(KINDS))
    .addOption(new Option('--status <status>', 'only jobs in this status').choices(JOB_STATUSES))
    .option('--limit <n>', 'at most n', positiveInt)
    .option('--json', 'machine output')
    .action((opts: Json & { recipe?: string; kind?: RecipeJobKind; status?: RecipeJob['status']; limit?: number }) =>
      run(opts, async () => {
        const { json: _json, ...filter } = opts;
        const res = await client().recipes.jobs.list(filter);
        emit(opts, res, () =>
          res.items.length === 0
            ? 'No recipe jobs.'
            : table(
                ['name', 'kind', 'status', 'recipe', 'input', 'output'],
                res.items.map((j) => [j.name, j.kind, j.status, j.fitVersion === null ? j.recipe : `${j.recipe}@${j.fitVersion}`, `${j.input.dataset}@${j.input.version}`, j.outputs.map((o) => o.ref).join(' ') || (j.output ?? '-')]),
              ),
        );
      }),
    );

  recipes
    .command('job <name>')
    .description('Status and result of a fit or apply job')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        const job = await client().recipes.jobs.describe(name);
        emit(opts, job, () => describeJob(job));
      }),
    );

  recipes
    .command('stop <job>')
    .description('Stop a fit or apply job (an apply that is stopped registers no dataset)')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        const job = await client().recipes.jobs.stop(name);
        emit(opts, job, () => `${job.name}: ${job.status}`);
      }),
    );

  recipes
    .command('delete <name>')
    .description('Delete a recipe and its fits (models made from them keep their copies; applied datasets stay)')
    .option('--json', 'machine output')
    .action((name: string, opts: Json) =>
      run(opts, async () => {
        await client().recipes.delete(name);
        emit(opts, { deleted: name }, () => `Deleted recipe ${name}`);
      }),
    );
}

/**
 * What `recipes apply --wait --json` prints: `dataset` is the output (`NAME@VERSION`);
 * with a split step it is the train split's, and `splits` names every split's version.
 */
export function applyResult(job: RecipeJob): Record<string, unknown> {
  const main = job.outputs.find((o) => o.split === 'train') ?? job.outputs.find((o) => o.split === 'all') ?? job.outputs[0];
  const split = job.outputs.some((o) => o.split !== 'all');
  return {
    dataset: main?.ref ?? null,
    ...(split ? { splits: Object.fromEntries(job.outputs.map((o) => [o.split, o.ref])) } : {}),
    rows: Object.fromEntries(job.outputs.map((o) => [o.split, o.rows])),
    recipe: `${job.recipe}@${job.fitVersion}`,
    source: `${job.input.dataset}@${job.input.version}`,
    job: job.name,
    status: job.status,
    outputs: job.outputs,
  };
}

/** Waits for a job, writing its status changes to stderr. */
async function waitFor(created: RecipeJob): Promise<RecipeJob> {
  let last = '';
  return client().recipes.jobs.waitFor(created.name, {
    pollMs: 500,
    onUpdate: (job) => {
      if (job.status !== last) process.stderr.write(`${job.name}: ${job.status}\n`);
      last = job.status;
    },
  });
}

function stepKinds(r: Recipe): string {
  return r.steps.map((s) => Object.keys(s as object)[0]).join(', ');
}

function fitsTable(fits: RecipeFit[]): string {
  return table(
    ['fit', 'dataset', 'inputs', 'features', 'job', 'created'],
    fits.map((f) => [f.ref, `${f.dataset.dataset}@${f.dataset.version}`, f.inputColumns.length, f.numFeatures, f.job, f.createdAt]),
  );
}

function describeRecipe(r: Recipe, fits: RecipeFit[]): string {
  const steps = r.steps.map((s, i) => `  ${i + 1}. ${JSON.stringify(s)}`).join('\n');
  return (
    fields([
      ['name', r.name],
      ['target', r.target],
      ['description', r.description],
      ['fits', r.fitCount],
      ['latest fit', r.latestFit === null ? undefined : `${r.name}@${r.latestFit}`],
      ['created', `${r.createdAt} by ${r.createdBy ?? '-'}`],
    ]) +
    `\nsteps:\n${steps}` +
    (fits.length > 0 ? `\nfits:\n${fitsTable(fits)}` : '')
  );
}

function describeJob(j: RecipeJob): string {
  return fields([
    ['name', j.name],
    ['kind', j.kind],
    ['status', j.status],
    ['failure', j.failureReason],
    ['recipe', j.fitVersion === null ? j.recipe : `${j.recipe}@${j.fitVersion}`],
    ['input', `${j.input.dataset}@${j.input.version} (${j.input.rows} rows)`],
    ['output', j.outputs.length > 0 ? j.outputs.map((o) => `${o.ref} (${o.split}, ${o.rows} rows)`).join(', ') : j.output],
    ['created', `${j.createdAt} by ${j.createdBy ?? '-'}`],
    ['ended', j.endedAt],
  ]);
}
