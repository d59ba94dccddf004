/**
 * The candidate-definition report (Autopilot's candidate definition notebook): for every
 * candidate its recipe's steps, algorithm, hyperparameters, objective and metrics, global
 * importance, and the `orchard` commands that rebuild it by hand. For a cross-validated
 * job also the folds: the commands that write each fold's rows and each recipe's data per
 * fold, and per candidate its score on each fold and the command that trains each fold job.
 */
import type { AutomlCandidate, AutomlJob } from '../../contracts/index.js';
import { block, code, num, table } from './markdown.js';
import { recipeWithoutSplit } from '../analysis/index.js';
import { foldJobName } from '../types.js';
import { type CliCommand, type FoldPlan, foldDataCommands, foldRecipeCommands, foldRecipeFileName, recipeCommands, recipeFileName, trainCommand, type ReproduceOptions } from './commands.js';

/** A recipe the job used: its variant and its definition (JSON text). */
export interface ReportRecipe {
  variant: string;
  definition: string;
}

export interface CandidateReportOptions {
  /** The SELECT that wrote the class-id copy of the data, when the job made one. */
  inputQuery?: string;
}

export interface RecipeStepJson {
  op: string;
  description: string;
  options: Record<string, unknown>;
}

export interface CandidateJson {
  name: string;
  rank: number | null;
  status: string;
  algorithm: string;
  recipe: { variant: string; fit: string | null; recipeName: string | null; file: string | null; steps: RecipeStepJson[]; definition: string | null } | null;
  trainingJob: string | null;
  hyperParameters: Record<string, string>;
  objective: { metric: string; value: number | null };
  metrics: Record<string, number>;
  /** Global importance per raw column, largest first. */
  importance: Array<{ column: string; importance: number }>;
  members: Array<{ candidate: string; weight: number }>;
  trainingSeconds: number | null;
  failureReason: string | null;
  commands: CliCommand[];
  /**
   * A cross-validated candidate: the objective on each fold (`objective.value` is their
   * mean), their spread, and per fold the training job and the command that trains it again
   * on that fold's rebuilt data (the report's `folds` and its recipe's `folds` first).
   */
  crossValidation?: CandidateFoldsJson;
}

export interface CandidateFoldsJson {
  folds: number;
  scores: number[];
  /** The population standard deviation of `scores`. */
  std: number;
  /** Rows predicted out of fold. */
  rows: number;
  /** Per fold, for a trained candidate (none for the ensemble). */
  jobs: Array<{ fold: number; trainingJob: string; score: number | null; command: CliCommand }>;
}

/** One fold of a cross-validated job's input: the datasets of its two sides and the commands that write them. */
export interface FoldDataJson {
  /** 1-based. */
  fold: number;
  train: string;
  validation: string;
  commands: CliCommand[];
}

/** A variant's recipe without its split, fitted per fold: the file, and per fold the commands that write its data. */
export interface FoldRecipeJson {
  file: string;
  definition: string;
  folds: Array<{ fold: number; recipeName: string; train: string; validation: string; commands: CliCommand[] }>;
}

export interface CandidateReportJson {
  report: 'candidates';
  schemaVersion: 1;
  job: {
    name: string;
    dataset: string;
    target: string;
    problemType: string | null;
    objective: string;
    classes?: string[];
    validation: AutomlJob['validation'];
    bestCandidate: string | null;
    model: string | null;
  };
  recipes: Array<{ variant: string; recipeName: string; file: string; definition: string; commands: CliCommand[]; crossValidation?: FoldRecipeJson }>;
  /** A cross-validated job's folds of the input (empty for a hold-out). */
  folds: FoldDataJson[];
  candidates: CandidateJson[];
}

const list = (v: unknown): string => (Array.isArray(v) ? v.join(', ') : String(v));

/** One line saying what a recipe step does. */
export function describeStep(step: Record<string, unknown>): RecipeStepJson {
  const op = Object.keys(step)[0] ?? '?';
  const o = (step[op] ?? {}) as Record<string, unknown>;
  const cols = o.columns === undefined ? '' : list(o.columns);
  let description: string;
  switch (op) {
    case 'select':
      description = `keep the feature columns: ${cols}`;
      break;
    case 'filter':
      description = `keep the rows where ${String(o.expr)}`;
      break;
    case 'split': {
      const how = o.method === 'time' ? `by time (${String(o.column)}: the latest rows validate)` : o.method === 'stratified' ? 'stratified by the target' : 'at random';
      description = `split ${num(Number(o.train) * 100)} % train, ${num(Number(o.validation ?? 0) * 100)} % validation, ${how}, seed ${String(o.seed ?? 0)}`;
      break;
    }
    case 'impute':
      description = `fill missing values (${String(o.strategy ?? 'mean')}): ${cols}`;
      break;
    case 'one_hot':
      description = `one-hot encode (unknown categories ${String(o.unknown ?? 'ignore') === 'ignore' ? 'give zeros' : 'fail'}): ${cols}`;
      break;
    case 'ordinal':
      description = `ordinal encode (unknown categories ${String(o.unknown ?? 'ignore') === 'ignore' ? '-1' : 'fail'}): ${cols}`;
      break;
    case 'target_encode':
      description = `target encode (out of fold on the training rows): ${cols}`;
      break;
    case 'date_parts':
      description = `date parts ${list(o.parts ?? 'year, month, day, weekday, hour')}${o.cyclic === false ? '' : ' with sin/cos'}: ${cols}`;
      break;
    case 'tfidf':
      description = `tf-idf over ${String(o.features ?? 128)} hashed buckets: ${cols}`;
      break;
    case 'scale':
      description = `scale (${String(o.method ?? 'standard')}): ${cols}`;
      break;
    default:
      description = `${op}${cols ? `: ${cols}` : ''}`;
  }
  return { op, description, options: o };
}

function stepsOf(definition: string | null): RecipeStepJson[] {
  if (!definition) return [];
  try {
    const spec = JSON.parse(definition) as { steps?: unknown };
    return Array.isArray(spec.steps) ? spec.steps.filter((s): s is Record<string, unknown> => typeof s === 'object' && s !== null).map(describeStep) : [];
  } catch {
    return [];
  }
}

/**
 * Builds the candidate-definition report of a job from its leaderboard and the recipes
 * it used (their definitions as the analysis wrote them).
 */
export function candidateReport(
  job: AutomlJob,
  recipes: readonly ReportRecipe[],
  options: CandidateReportOptions = {},
): { json: CandidateReportJson; markdown: string } {
  const reproduce: ReproduceOptions = { dataset: job.dataset, inputQuery: options.inputQuery };
  const plan = foldPlan(job);
  const folds: FoldDataJson[] = plan ? Array.from({ length: plan.folds }, (_, f) => ({ fold: f + 1, ...foldDataCommands(job.name, f, plan, reproduce) })) : [];
  const byVariant = new Map(
    recipes.map((r) => {
      const rc = recipeCommands(job.name, r.variant, reproduce);
      const cv: FoldRecipeJson | undefined = plan
        ? {
            file: foldRecipeFileName(job.name, r.variant),
            definition: recipeWithoutSplit(r.definition),
            folds: folds.map((d) => {
              const fc = foldRecipeCommands(job.name, r.variant, d.fold - 1, d);
              return { fold: d.fold, recipeName: fc.recipe, train: fc.train, validation: fc.validation, commands: fc.commands };
            }),
          }
        : undefined;
      return [r.variant, { ...r, ...rc, file: recipeFileName(rc.recipe), cv }] as const;
    }),
  );
  const candidates: CandidateJson[] = job.leaderboard.map((c) => candidateJson(c, c.recipe ? byVariant.get(c.recipe) : undefined));
  const json: CandidateReportJson = {
    report: 'candidates',
    schemaVersion: 1,
    job: {
      name: job.name,
      dataset: job.dataset,
      target: job.target,
      problemType: job.problemType,
      objective: job.objective.metric,
      ...(job.classes ? { classes: job.classes } : {}),
      validation: job.validation,
      bestCandidate: job.bestCandidate?.name ?? null,
      model: job.bestCandidate?.model ?? null,
    },
    recipes: [...byVariant.values()].map((r) => ({ variant: r.variant, recipeName: r.recipe, file: r.file, definition: r.definition, commands: r.commands, ...(r.cv ? { crossValidation: r.cv } : {}) })),
    folds,
    candidates,
  };
  return { json, markdown: candidateMarkdown(json) };
}

/** How a cross-validated job dealt its input into folds, from the job as described; null for a hold-out. */
function foldPlan(job: AutomlJob): FoldPlan | null {
  if (job.validation?.method !== 'cv') return null;
  return { folds: job.validation.folds ?? 5, seed: job.seed, target: job.target, columns: job.columns.map((c) => c.name), stratified: job.problemType !== 'regression' };
}

type VariantCommands = ReportRecipe & { commands: CliCommand[]; recipe: string; train: string; validation: string; file: string; cv?: FoldRecipeJson };

/** A candidate's scores per fold and, for a trained candidate, its fold jobs with the commands that train them again. */
function candidateFolds(c: AutomlCandidate, variant: VariantCommands | undefined): CandidateFoldsJson | undefined {
  const cv = c.crossValidation;
  if (!cv) return undefined;
  const jobs =
    variant?.cv && c.trainingJob !== null && c.algorithm !== 'ensemble'
      ? variant.cv.folds.map((f) => ({ fold: f.fold, trainingJob: foldJobName(c.trainingJob!, f.fold - 1), score: cv.scores[f.fold - 1] ?? null, command: trainCommand(c, f, f.fold - 1) }))
      : [];
  return { folds: cv.folds, scores: [...cv.scores], std: cv.std, rows: cv.rows, jobs };
}

function candidateJson(c: AutomlCandidate, variant: VariantCommands | undefined): CandidateJson {
  const importance = Object.entries(c.importance ?? {})
    .filter(([, v]) => Number.isFinite(v))
    .map(([column, value]) => ({ column, importance: value }))
    .sort((a, b) => b.importance - a.importance || a.column.localeCompare(b.column));
  const commands = variant && c.trainingJob !== null && c.algorithm !== 'ensemble' ? [...variant.commands, trainCommand(c, variant)] : [];
  const folds = candidateFolds(c, variant);
  return {
    name: c.name,
    rank: c.rank,
    status: c.status,
    algorithm: c.algorithm,
    recipe: c.recipe
      ? { variant: c.recipe, fit: c.recipeFit, recipeName: variant?.recipe ?? null, file: variant?.file ?? null, steps: stepsOf(variant?.definition ?? null), definition: variant?.definition ?? null }
      : null,
    trainingJob: c.trainingJob,
    hyperParameters: { ...c.hyperParameters },
    objective: { metric: c.objective.metric, value: c.objective.value ?? null },
    metrics: { ...c.metrics },
    importance,
    members: c.members ? c.members.map((m) => ({ ...m })) : [],
    trainingSeconds: c.trainingSeconds,
    failureReason: c.failureReason,
    commands,
    ...(folds ? { crossValidation: folds } : {}),
  };
}

function candidateMarkdown(r: CandidateReportJson): string {
  const out: string[] = [];
  const j = r.job;
  out.push(`# Candidates of ${j.name}`, '');
  out.push(
    table(
      ['', ''],
      [
        ['dataset', j.dataset],
        ['target', j.target],
        ['problem type', j.problemType ?? ''],
        ['objective', j.objective],
        ...(j.classes ? [['classes (output order)', j.classes.map((c, i) => `${i}: ${c}`).join(', ')]] : []),
        ['validation', j.validation ? (j.validation.method === 'cv' ? `${j.validation.folds ?? 5}-fold cross-validation` : `hold-out of ${num((j.validation.validationShare ?? 0.2) * 100)} %`) : ''],
        ['best candidate', j.bestCandidate ?? ''],
        ['registered model', j.model ?? ''],
      ],
    ),
    '',
  );
  out.push('## Leaderboard', '');
  out.push(
    table(
      ['rank', 'candidate', 'algorithm', 'recipe', j.objective, 'status'],
      r.candidates.map((c) => [c.rank ?? '', c.name, c.algorithm, c.recipe?.variant ?? '', c.crossValidation && c.objective.value !== null ? `${num(c.objective.value)} ± ${num(c.crossValidation.std)}` : c.objective.value, c.status]),
    ),
    '',
  );
  if (r.folds.length > 0) {
    out.push('## Folds', '');
    out.push(`The job scored every candidate by ${r.folds.length}-fold cross-validation. These commands write each fold's rows as the job dealt them (the same rows, by a seeded hash of every column):`, '');
    const seen = new Set<string>();
    const lines = r.folds.flatMap((f) => f.commands.filter((c) => !seen.has(c.command) && seen.add(c.command)).map((c) => `# ${c.label}\n${c.command}`));
    out.push(block(lines.join('\n'), 'sh'), '');
  }
  out.push('## Recipes', '');
  for (const recipe of r.recipes) {
    out.push(`### ${recipe.variant}`, '');
    const steps = stepsOf(recipe.definition);
    steps.forEach((s, i) => out.push(`${i + 1}. ${code(s.op)}: ${s.description}`));
    out.push('', `Save as ${code(recipe.file)}:`, '', block(recipe.definition.trimEnd(), 'json'), '');
    out.push('Rebuild its data:', '', block(recipe.commands.map((c) => `# ${c.label}\n${c.command}`).join('\n'), 'sh'), '');
    const cv = recipe.crossValidation;
    if (cv) {
      out.push(`Per fold, the recipe without its split (save as ${code(cv.file)}):`, '', block(cv.definition.trimEnd(), 'json'), '');
      out.push("Rebuild each fold's data (after the folds' datasets above):", '', block(cv.folds.flatMap((f) => f.commands.map((c) => `# ${c.label}\n${c.command}`)).join('\n'), 'sh'), '');
    }
  }
  out.push('## Candidates', '');
  for (const c of r.candidates) {
    out.push(`### ${c.rank !== null ? `${c.rank}. ` : ''}${c.name}`, '');
    const facts: unknown[][] = [
      ['algorithm', c.algorithm],
      ['recipe', c.recipe ? `${c.recipe.variant}${c.recipe.fit ? ` (fit ${c.recipe.fit})` : ''}` : ''],
      ['training job', c.trainingJob ?? ''],
      ['status', c.status],
      [`objective (${c.objective.metric})`, c.objective.value],
      ...(c.trainingSeconds !== null ? [['training seconds', c.trainingSeconds]] : []),
      ...(c.failureReason ? [['failure', c.failureReason]] : []),
    ];
    out.push(table(['', ''], facts), '');
    const hps = Object.entries(c.hyperParameters).sort(([a], [b]) => a.localeCompare(b));
    if (hps.length) out.push('Hyperparameters:', '', table(['name', 'value'], hps), '');
    const metrics = Object.entries(c.metrics).sort(([a], [b]) => a.localeCompare(b));
    if (metrics.length) out.push('Metrics:', '', table(['metric', 'value'], metrics), '');
    const cv = c.crossValidation;
    if (cv) {
      const jobs = new Map(cv.jobs.map((j) => [j.fold, j.trainingJob]));
      out.push(`Cross-validation (${c.objective.metric}: mean ${num(c.objective.value ?? NaN)} ± ${num(cv.std)}, ${cv.rows} rows out of fold):`, '');
      out.push(table(['fold', c.objective.metric, 'training job'], cv.scores.map((s, i) => [i + 1, s, jobs.get(i + 1) ?? ''])), '');
    }
    if (c.members.length) out.push('Ensemble of:', '', table(['candidate', 'weight'], c.members.map((m) => [m.candidate, m.weight])), '');
    if (c.importance.length) out.push('Global importance:', '', table(['column', 'importance'], c.importance.slice(0, 20).map((i) => [i.column, i.importance])), '');
    if (c.commands.length) {
      out.push('Reproduce:', '', block(c.commands.map((x) => `# ${x.label}\n${x.command}`).join('\n'), 'sh'), '');
    }
    if (cv && cv.jobs.length > 0) {
      out.push("Reproduce a fold's training job (on the fold's data: see Folds and the recipe's folds):", '', block(cv.jobs.map((j) => `# ${j.command.label}\n${j.command.command}`).join('\n'), 'sh'), '');
    }
  }
  return out.join('\n').trimEnd() + '\n';
}
