/**
 * The `orchard` commands that rebuild a candidate by hand, with the CLI's real commands
 * and flags (src/cli/commands/datasets.ts, recipes.ts, training.ts): the class-id copy
 * of the data when there is one, the recipe created from its file, fitted, applied into
 * train and validation datasets, and the training job with the candidate's hyperparameters.
 */
import type { AutomlCandidate } from '../../contracts/index.js';
import { foldQuery } from '../analysis/index.js';

/** One command: what it does, its arguments, and the line to paste into a POSIX shell. */
export interface CliCommand {
  label: string;
  /** Arguments after `orchard`. */
  argv: string[];
  /** `orchard …` with every argument quoted as a POSIX shell reads it. */
  command: string;
}

/** An argument as a POSIX shell reads it back: plain when safe, else in single quotes. */
export function shellQuote(arg: string): string {
  if (arg !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

function command(label: string, argv: string[]): CliCommand {
  return { label, argv, command: ['orchard', ...argv].map(shellQuote).join(' ') };
}

/** Where the rebuilt candidate's data comes from. */
export interface ReproduceOptions {
  /** The dataset the job read, `D@N`. */
  dataset: string;
  /** The SELECT that wrote the class-id copy (`targetMappingQuery`), when the job made one. */
  inputQuery?: string;
}

/** How a cross-validated job dealt its input into folds (what `foldQuery` needs). */
export interface FoldPlan {
  folds: number;
  seed: number;
  target: string;
  /** Every column of the input, in its order (the rows' hash reads them all). */
  columns: string[];
  stratified: boolean;
}

/** The class-id copy's command and the dataset the recipes read (the copy, or the job's dataset). */
function inputCommands(job: string, options: ReproduceOptions): { commands: CliCommand[]; input: string } {
  if (!options.inputQuery) return { commands: [], input: options.dataset };
  const copy = reproName(job, 'input');
  return { commands: [command('the data with the classes as 0 … K-1 (once for every recipe)', ['datasets', 'create', copy, '--from-query', options.inputQuery])], input: copy };
}

/**
 * The commands that write fold `fold` (0-based) of the input: its training rows and its
 * held-out rows, by the same SELECTs the job ran (rows ranked by a seeded hash of all their
 * columns, so the rebuilt folds hold the same rows). The class-id copy comes first when the
 * job made one.
 */
export function foldDataCommands(job: string, fold: number, plan: FoldPlan, options: ReproduceOptions): { commands: CliCommand[]; train: string; validation: string } {
  const { commands, input } = inputCommands(job, options);
  const names = { train: reproName(job, `fold${fold + 1}-train`), validation: reproName(job, `fold${fold + 1}-validation`) };
  for (const side of ['train', 'validation'] as const) {
    const sql = foldQuery(input, plan.columns, plan.target, { fold, folds: plan.folds, seed: plan.seed, stratified: plan.stratified, side });
    commands.push(command(`fold ${fold + 1} of ${plan.folds}: ${side === 'train' ? 'the rows outside it' : 'its rows'}`, ['datasets', 'create', names[side], '--from-query', sql]));
  }
  return { commands, ...names };
}

/** The recipe file of a variant's recipe without its split (the one fitted per fold). */
export const foldRecipeFileName = (job: string, variant: string) => recipeFileName(reproName(job, `${variant}-cv-repro`));

/**
 * The commands that rebuild one variant's data for fold `fold` (0-based), on the fold's
 * datasets (`foldDataCommands`): the recipe without its split created as a recipe of its
 * own for the fold (so its first fit is version 1), fitted on the fold's training rows and
 * applied to both sides.
 */
export function foldRecipeCommands(job: string, variant: string, fold: number, data: { train: string; validation: string }): { commands: CliCommand[]; recipe: string; train: string; validation: string } {
  const recipe = reproName(job, `${variant}-cv${fold + 1}-repro`);
  const out = { train: `${recipe}-train`, validation: `${recipe}-validation` };
  const commands = [
    command(`create the ${variant} recipe without its split for fold ${fold + 1} (from ${foldRecipeFileName(job, variant)})`, ['recipes', 'create', recipe, '--file', foldRecipeFileName(job, variant)]),
    command("fit it on the fold's training rows", ['recipes', 'fit', recipe, '--dataset', data.train]),
    command("apply it to the fold's training rows", ['recipes', 'apply', `${recipe}@1`, '--dataset', data.train, '--output', out.train, '--wait']),
    command("apply it to the fold's held-out rows", ['recipes', 'apply', `${recipe}@1`, '--dataset', data.validation, '--output', out.validation, '--wait']),
  ];
  return { commands, recipe, ...out };
}

/** A dataset name (a letter first) for this job's rebuilt data. */
export function reproName(job: string, suffix: string): string {
  return `${/^[A-Za-z]/.test(job) ? job : `automl-${job}`}-${suffix}`;
}

/** The recipe file the report's `recipes create` reads. */
export const recipeFileName = (recipe: string) => `${recipe}.recipe.json`;

/** The commands for the data and the recipe of one variant (shared by its candidates). */
export function recipeCommands(job: string, variant: string, options: ReproduceOptions): { commands: CliCommand[]; recipe: string; train: string; validation: string } {
  const { commands, input } = inputCommands(job, options);
  const recipe = reproName(job, `${variant}-repro`);
  const output = `${recipe}-data`;
  commands.push(
    command(`create the ${variant} recipe (save its definition as ${recipeFileName(recipe)})`, ['recipes', 'create', recipe, '--file', recipeFileName(recipe)]),
    command('fit it (its first fit is version 1)', ['recipes', 'fit', recipe, '--dataset', input]),
    command('apply the fit: train and validation datasets', ['recipes', 'apply', `${recipe}@1`, '--dataset', input, '--output', output, '--wait']),
  );
  return { commands, recipe, train: `${output}-train`, validation: `${output}-validation` };
}

/**
 * The training command of a candidate on the data `recipeCommands` wrote, or, with `fold`
 * (0-based), of its training job on that fold (`<candidate>-cv<f>`) on the data
 * `foldRecipeCommands` wrote.
 */
export function trainCommand(candidate: Pick<AutomlCandidate, 'name' | 'algorithm' | 'hyperParameters'>, data: { train: string; validation: string }, fold?: number): CliCommand {
  const hp = Object.entries(candidate.hyperParameters)
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([k, v]) => ['--hp', `${k}=${v}`]);
  const label = fold === undefined ? `train ${candidate.algorithm} with the candidate's hyperparameters` : `train ${candidate.algorithm} on fold ${fold + 1} with the candidate's hyperparameters`;
  return command(label, [
    'train',
    '--name',
    fold === undefined ? `${candidate.name}-repro` : `${candidate.name}-cv${fold + 1}-repro`,
    '--algorithm',
    candidate.algorithm,
    '--train',
    data.train,
    '--validation',
    data.validation,
    ...hp,
    '--wait',
  ]);
}
