import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { OrchardError, type RequestProblem } from '../../core/errors.js';
import { sqlIdent, sqlString } from '../../data/duckdb-session.js';
import { viewName } from './fit.js';
import type { ApplyResult, FittedRecipe, SplitName } from './index.js';
import { effectiveOpts, readSteps, throwProblems } from './plan.js';
import { baseColumns, baseSelect, openRecipeSession } from './session.js';
import type { SqlEnv } from './steps/index.js';
import type { Col } from './values.js';

/** The splits a split step writes, in order, with their fractions. */
function splitsOf(fitted: FittedRecipe): Array<{ split: SplitName; fraction: number }> {
  const step = fitted.spec.steps.find((s) => 'split' in s) as { split: { train: number; validation?: number; test?: number } } | undefined;
  if (!step) return [{ split: 'all', fraction: 1 }];
  const { train, validation = 0 } = step.split;
  const test = step.split.test ?? Math.max(0, 1 - train - validation);
  return (
    [
      { split: 'train', fraction: train },
      { split: 'validation', fraction: validation },
      { split: 'test', fraction: test },
    ] as Array<{ split: SplitName; fraction: number }>
  ).filter((s) => s.fraction > 0);
}

/** Checks a fitted recipe's shape before use (it may come from storage). */
export function checkFitted(fitted: FittedRecipe): void {
  if (!fitted || fitted.formatVersion !== 1 || !Array.isArray(fitted.steps) || !Array.isArray(fitted.inputColumns) || !Array.isArray(fitted.outputColumns)) {
    throw new OrchardError('ORCH_RECIPE_INVALID', { message: 'The fitted recipe is not one this engine reads (formatVersion 1)' });
  }
}

/** The columns the fitted steps give when replayed must be the ones the fit recorded. */
export function checkReplayedColumns(columns: Col[], expected: Col[]): void {
  if (JSON.stringify(columns) !== JSON.stringify(expected)) {
    throw new OrchardError('ORCH_RECIPE_INVALID', { message: 'The fitted recipe does not match its own steps; fit it again' });
  }
}

/**
 * Applies a fitted recipe to a whole dataset: one generated SELECT per step chained as
 * views, written by DuckDB's `COPY … TO … (FORMAT parquet)`: `all.parquet`, or with a
 * split step `train.parquet`, `validation.parquet`, `test.parquet` (the splits with a
 * fraction above zero). The target comes first, then the features. Rows keep the input's
 * order. A dataset without the target column is accepted when no step needs it: the
 * outputs then hold the features only.
 */
export async function applyRecipe(
  fitted: FittedRecipe,
  input: { parquetPath: string },
  opts: { outputDir: string; scratchDir: string; threads?: number; signal?: AbortSignal; fitRows?: boolean },
): Promise<ApplyResult> {
  checkFitted(fitted);
  const problems: RequestProblem[] = [];
  const plan = readSteps(fitted.spec, problems);
  throwProblems(problems);
  const target = plan.target;
  await mkdir(opts.outputDir, { recursive: true });
  const session = await openRecipeSession({
    scratchDir: opts.scratchDir,
    readPaths: [input.parquetPath],
    writeDirs: [opts.outputDir],
    threads: opts.threads,
    signal: opts.signal,
  });
  try {
    const actual = await session.describe(input.parquetPath);
    const targetNeeded = plan.steps.some((s) => {
      const needs = typeof s.def.needsTarget === 'function' ? s.def.needsTarget(s.opts) : s.def.needsTarget;
      return (needs && s.kind !== 'target_encode') || (s.kind === 'filter' && target !== undefined && s.def.reads(s.opts, [], target).includes(target));
    });
    const missing = fitted.inputColumns.filter((c) => !actual.some((a) => a.name === c.name) && (c.name !== target || targetNeeded));
    if (missing.length) {
      throwProblems(
        missing.map((c) => ({
          field: c.name,
          code: 'ORCH_RECIPE_COLUMN_MISSING',
          message: `The data has no column ${JSON.stringify(c.name)}, which the recipe reads`,
        })),
      );
    }
    const withTarget = target !== undefined && actual.some((a) => a.name === target);
    await session.lock();
    await session.exec(`CREATE TEMP VIEW ${viewName(0)} AS ${baseSelect(input.parquetPath, fitted.inputColumns, actual)}`);
    let cols: Col[] = baseColumns(fitted.inputColumns, actual);
    let hidden = ['"__orch_row"'];
    let split = false;
    let reorders = false;
    for (const [i, step] of plan.steps.entries()) {
      const stepOpts = effectiveOpts(step, cols, target);
      const p = fitted.steps[i];
      const inFit = !opts.fitRows ? 'FALSE' : split ? `("__orch_split" = 'train')` : 'TRUE';
      const env: SqlEnv = { src: viewName(i), hidden, inFit, id: `s${i}`, target };
      const part = step.def.sql(stepOpts, p, cols, env);
      if (part.functions?.length) await session.functions(part.functions);
      for (const s of part.setup ?? []) await session.exec(s);
      await session.exec(`CREATE TEMP VIEW ${viewName(i + 1)} AS ${part.sql}`);
      if (part.hidden) hidden = part.hidden;
      if (part.reorders) reorders = true;
      if (step.kind === 'split') split = true;
      cols = step.def.columns(stepOpts, p, cols).map(({ name, type }) => ({ name, type }));
    }
    const features = cols.filter((c) => c.name !== target);
    const columns = [...(withTarget ? cols.filter((c) => c.name === target) : []), ...features];
    const expected = fitted.outputColumns.filter((c) => withTarget || c.name !== target);
    checkReplayedColumns(columns, expected);
    const last = viewName(plan.steps.length);
    const list = columns.map((c) => sqlIdent(c.name)).join(', ');
    const order = reorders ? ' ORDER BY "__orch_row"' : '';
    const outputs: ApplyResult['outputs'] = [];
    const splits = splitsOf(fitted);
    if (!split) {
      const file = path.join(opts.outputDir, 'all.parquet');
      const rows = await session.copy(`COPY (SELECT ${list} FROM ${last}${order}) TO ${sqlString(file)} (FORMAT parquet, ROW_GROUP_SIZE 122880)`);
      outputs.push({ split: 'all', parquetPath: file, rows });
    } else {
      // One pass over the recipe into a scratch file, then one cheap copy per split.
      const staged = path.join(opts.outputDir, `.staged-${process.pid}-${Date.now()}.parquet`);
      try {
        await session.copy(`COPY (SELECT "__orch_row", "__orch_split", ${list} FROM ${last}) TO ${sqlString(staged)} (FORMAT parquet)`);
        for (const { split: name } of splits) {
          const file = path.join(opts.outputDir, `${name}.parquet`);
          const rows = await session.copy(
            `COPY (SELECT ${list} FROM read_parquet(${sqlString(staged)}) WHERE "__orch_split" = ${sqlString(name)} ORDER BY "__orch_row") TO ${sqlString(file)} (FORMAT parquet, ROW_GROUP_SIZE 122880)`,
          );
          outputs.push({ split: name, parquetPath: file, rows });
        }
      } finally {
        await rm(staged, { force: true });
      }
    }
    return { outputs, columns };
  } finally {
    await session.close();
  }
}
