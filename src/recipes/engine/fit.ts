import type { RequestProblem } from '../../core/errors.js';
import { sqlIdent } from '../../data/duckdb-session.js';
import type { FittedRecipe, RecipeColumn, RecipeSpec } from './index.js';
import { effectiveOpts, planRecipe, throwProblems, walk } from './plan.js';
import { baseColumns, baseSelect, openRecipeSession, type RecipeSession } from './session.js';
import type { Col } from './values.js';
import type { PlannedStep } from './plan.js';
import type { SqlEnv } from './steps/index.js';

/** The relation name of the rows after step i (0 = the input). */
export const viewName = (i: number) => sqlIdent(`__orch_v${i}`);

/**
 * Fits a recipe on a dataset: each step in order is fitted with aggregate queries over the
 * rows that reach it (after the filters, dedupes and steps before it; after a split, the
 * training rows only), then becomes a view the next step reads.
 */
export async function fitRecipe(
  spec: RecipeSpec,
  input: { parquetPath: string; columns: RecipeColumn[] },
  opts: { scratchDir: string; threads?: number; signal?: AbortSignal },
): Promise<FittedRecipe> {
  const plan = planRecipe(spec, input.columns);
  const inputColumns = input.columns.filter((c) => plan.walk.used.has(c.name)).map((c) => ({ name: c.name, type: c.type }));
  const session = await openRecipeSession({
    scratchDir: opts.scratchDir,
    readPaths: [input.parquetPath],
    writeDirs: [],
    threads: opts.threads,
    signal: opts.signal,
  });
  try {
    const actual = await session.describe(input.parquetPath);
    const missing = inputColumns.filter((c) => !actual.some((a) => a.name === c.name));
    if (missing.length) {
      throwProblems(
        missing.map((c) => ({ field: c.name, code: 'ORCH_RECIPE_COLUMN_MISSING', message: `The data has no column ${JSON.stringify(c.name)}` })),
      );
    }
    await session.lock();
    await session.exec(`CREATE TEMP VIEW ${viewName(0)} AS ${baseSelect(input.parquetPath, inputColumns, actual)}`);
    const params = await fitSteps(session, plan.steps, plan.target, baseColumns(inputColumns, actual));
    const problems: RequestProblem[] = [];
    const result = walk(plan.steps, plan.target, baseColumns(inputColumns, actual), problems, params);
    throwProblems(problems);
    const target = plan.target;
    const outputColumns = [
      ...result.output.filter((c) => c.name === target),
      ...result.output.filter((c) => c.name !== target),
    ];
    return { formatVersion: 1, spec, inputColumns, outputColumns, steps: params.map((p) => p ?? null) };
  } finally {
    await session.close();
  }
}

async function fitSteps(session: RecipeSession, steps: PlannedStep[], target: string | undefined, input: Col[]): Promise<unknown[]> {
  const params: unknown[] = [];
  let cols: Col[] = input;
  let hidden = ['"__orch_row"'];
  let split = false;
  for (const [i, step] of steps.entries()) {
    const opts = effectiveOpts(step, cols, target);
    const src = viewName(i);
    const fitSrc = split ? `(SELECT * FROM ${src} WHERE "__orch_split" = 'train')` : src;
    let p: unknown = null;
    if (step.def.fit) {
      p = await step.def.fit(opts, {
        src: fitSrc,
        cols,
        target,
        field: step.field,
        query: (sql) => session.query(sql),
        numbers: (sql) => session.numbers(sql),
      });
    }
    params.push(p);
    // Later steps are fitted on what this one gives the rows the recipe is fitted on:
    // out-of-fold target encodings included, as applyRecipe(…, { fitRows: true }) writes them.
    const env: SqlEnv = { src, hidden, inFit: split ? `("__orch_split" = 'train')` : 'TRUE', id: `s${i}`, target };
    const part = step.def.sql(opts, p, cols, env);
    if (part.functions?.length) await session.functions(part.functions);
    for (const s of part.setup ?? []) await session.exec(s);
    await session.exec(`CREATE TEMP VIEW ${viewName(i + 1)} AS ${part.sql}`);
    if (part.hidden) hidden = part.hidden;
    if (step.kind === 'split') split = true;
    cols = step.def.columns(opts, p, cols).map(({ name, type }) => ({ name, type }));
  }
  return params;
}
