/**
 * The `orchard` commands that rebuild a candidate by hand, with the CLI's real commands
 * and flags (src/cli/commands/datasets.ts, recipes.ts, training.ts): the class-id copy
 * of the data when there is one, the recipe created from its file, fitted, applied into
 * train and validation datasets, and the training job with the candidate's hyperparameters.
 */
import type { AutomlCandidate } from '../../contracts/index.js';

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

/** A dataset name (a letter first) for this job's rebuilt data. */
export function reproName(job: string, suffix: string): string {
  return `${/^[A-Za-z]/.test(job) ? job : `automl-${job}`}-${suffix}`;
}

/** The recipe file the report's `recipes create` reads. */
export const recipeFileName = (recipe: string) => `${recipe}.recipe.json`;

/** The commands for the data and the recipe of one variant (shared by its candidates). */
export function recipeCommands(job: string, variant: string, options: ReproduceOptions): { commands: CliCommand[]; recipe: string; train: string; validation: string } {
  const commands: CliCommand[] = [];
  let input = options.dataset;
  if (options.inputQuery) {
    const copy = reproName(job, 'input');
    commands.push(command('the data with the classes as 0 … K-1 (once for every recipe)', ['datasets', 'create', copy, '--from-query', options.inputQuery]));
    input = copy;
  }
  const recipe = reproName(job, `${variant}-repro`);
  const output = `${recipe}-data`;
  commands.push(
    command(`create the ${variant} recipe (save its definition as ${recipeFileName(recipe)})`, ['recipes', 'create', recipe, '--file', recipeFileName(recipe)]),
    command('fit it (its first fit is version 1)', ['recipes', 'fit', recipe, '--dataset', input]),
    command('apply the fit: train and validation datasets', ['recipes', 'apply', `${recipe}@1`, '--dataset', input, '--output', output, '--wait']),
  );
  return { commands, recipe, train: `${output}-train`, validation: `${output}-validation` };
}

/** The training command of a candidate on the data `recipeCommands` wrote. */
export function trainCommand(candidate: Pick<AutomlCandidate, 'name' | 'algorithm' | 'hyperParameters'>, data: { train: string; validation: string }): CliCommand {
  const hp = Object.entries(candidate.hyperParameters)
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([k, v]) => ['--hp', `${k}=${v}`]);
  return command(`train ${candidate.algorithm} with the candidate's hyperparameters`, [
    'train',
    '--name',
    `${candidate.name}-repro`,
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
