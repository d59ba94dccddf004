/**
 * Reading a recipe (its shape and every step's options) and walking it over a table's
 * columns: which columns each step sees and leaves, which input columns the recipe reads,
 * and every problem on the way, so a user fixes them all in one go.
 */
import { type RequestProblem, errorOfProblems } from '../../core/errors.js';
import type { RecipeSpec, StepKind } from './index.js';
import { Options } from './options.js';
import { type OutCol, STEPS, STEP_KINDS, type StepDef } from './steps/index.js';
import type { Col } from './values.js';

export interface PlannedStep {
  index: number;
  kind: StepKind;
  def: StepDef<unknown, unknown>;
  opts: unknown;
  /** `steps[3].one_hot` */
  field: string;
}

/** Names the engine keeps for its own bookkeeping columns. */
export const RESERVED_PREFIX = '__orch_';

/** The recipe's shape and every step's options; problems appended. */
export function readSteps(spec: unknown, problems: RequestProblem[]): { target?: string; steps: PlannedStep[] } {
  const invalid = (field: string, message: string) => problems.push({ field, code: 'ORCH_RECIPE_INVALID', message: `${field}: ${message}` });
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    invalid('recipe', 'must be an object with "steps" (and optionally "target")');
    return { steps: [] };
  }
  const raw = spec as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (key !== 'target' && key !== 'steps') invalid(key, 'unknown field (a recipe has "target" and "steps")');
  }
  let target: string | undefined;
  if (raw.target !== undefined && raw.target !== null) {
    if (typeof raw.target !== 'string' || raw.target === '') invalid('target', 'must be a column name');
    else target = raw.target;
  }
  const steps: PlannedStep[] = [];
  if (!Array.isArray(raw.steps)) {
    invalid('steps', 'is required: a list of steps such as {"impute": {"columns": ["x"], "strategy": "median"}}');
    return { target, steps };
  }
  raw.steps.forEach((step: unknown, index) => {
    const at = `steps[${index}]`;
    if (typeof step !== 'object' || step === null || Array.isArray(step)) {
      invalid(at, 'must be an object with one key naming its kind');
      return;
    }
    const keys = Object.keys(step);
    if (keys.length !== 1) {
      invalid(at, `must have exactly one key naming its kind (found ${keys.length ? keys.map((k) => JSON.stringify(k)).join(', ') : 'none'})`);
      return;
    }
    const kind = keys[0];
    if (!(STEP_KINDS as string[]).includes(kind)) {
      invalid(at, `unknown step kind ${JSON.stringify(kind)} (known: ${STEP_KINDS.join(', ')})`);
      return;
    }
    let body = (step as Record<string, unknown>)[kind];
    const field = `${at}.${kind}`;
    if (body === null && kind === 'dedupe') body = {};
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      invalid(field, 'must be an object of options');
      return;
    }
    const def = STEPS[kind as StepKind] as unknown as StepDef<unknown, unknown>;
    const opts = def.validate(new Options(body as Record<string, unknown>, field, problems));
    steps.push({ index, kind: kind as StepKind, def, opts, field });
  });
  if (steps.filter((s) => s.kind === 'split').length > 1) invalid('steps', 'a recipe splits its rows once (one split step)');
  return { target, steps };
}

export interface WalkResult {
  /** Columns before each step (index = position in `steps`) and after the last. */
  before: Col[][];
  output: Col[];
  /** Input columns the recipe reads (in input order). */
  used: Set<string>;
  /** Position of the split step, or -1. */
  splitAt: number;
}

/**
 * Walks the steps over the input columns. `params[i]` are step i's fitted parameters;
 * without them (check mode), columns only known after fit (one_hot's) are a family named
 * by prefix and references to them are accepted. Options adjusted for the walk (the target
 * kept by `select`) are what `effectiveOpts` returns.
 */
export function walk(
  steps: PlannedStep[],
  target: string | undefined,
  input: Col[],
  problems: RequestProblem[],
  params?: unknown[],
): WalkResult {
  let cols: OutCol[] = input.map((c) => ({ ...c }));
  let origins = new Map<string, Set<string>>(input.map((c) => [c.name, new Set([c.name])]));
  const used = new Set<string>();
  if (target !== undefined) {
    if (!input.some((c) => c.name === target)) {
      problems.push({ field: 'target', code: 'ORCH_RECIPE_COLUMN_MISSING', message: `target: no column ${JSON.stringify(target)} in the data` });
    } else used.add(target);
  }
  for (const c of input) {
    if (c.name.startsWith(RESERVED_PREFIX)) {
      problems.push({ field: c.name, code: 'ORCH_RECIPE_INVALID', message: `column ${JSON.stringify(c.name)}: names starting with ${RESERVED_PREFIX} are reserved` });
    }
  }
  const hasTarget = target !== undefined && input.some((c) => c.name === target);
  const before: Col[][] = [];
  let splitAt = -1;
  for (const step of steps) {
    before.push(cols.map(({ name, type }) => ({ name, type })));
    const opts = effectiveOpts(step, cols, target);
    const problem = (message: string) => problems.push({ field: step.field, code: 'ORCH_RECIPE_INVALID', message: `${step.field}: ${message}` });
    const needsTarget = typeof step.def.needsTarget === 'function' ? step.def.needsTarget(opts) : step.def.needsTarget;
    if (needsTarget && !hasTarget) problem(target === undefined ? 'needs the recipe\'s "target"' : 'needs the target column');
    const reads = step.def.reads(opts, cols, target);
    for (const name of reads) {
      const found = cols.some((c) => c.name === name && !c.dynamic);
      const family = !found && params === undefined && cols.some((c) => c.dynamic && name.startsWith(c.name));
      if (!found && !family) {
        problems.push({
          field: step.field,
          code: 'ORCH_RECIPE_COLUMN_MISSING',
          message: `${step.field}: no column ${JSON.stringify(name)} at this point of the recipe${hint(name, cols)}`,
        });
        continue;
      }
      if (name === target && !step.def.batchOnly && !(step.kind === 'select')) {
        problem(`the target ${JSON.stringify(target)} is left as it is; no step but filter, dedupe, select and split may name it`);
      }
      for (const o of origins.get(name) ?? []) used.add(o);
    }
    if (step.kind === 'split') splitAt = step.index;
    step.def.check?.(opts, cols, target, problem);
    const next = step.def.columns(opts, params?.[steps.indexOf(step)] ?? undefined, cols, target);
    // Names compare without case, as DuckDB and most Parquet readers see them.
    const seen = new Set<string>();
    for (const c of next) {
      if (seen.has(c.name.toLowerCase())) problem(`makes two columns named ${JSON.stringify(c.name)} (names compare without case); rename one first`);
      else if (c.name.startsWith(RESERVED_PREFIX)) problem(`column names starting with ${RESERVED_PREFIX} are reserved`);
      seen.add(c.name.toLowerCase());
    }
    const nextOrigins = new Map<string, Set<string>>();
    for (const c of next) nextOrigins.set(c.name, origins.get(c.from ?? c.name) ?? new Set());
    origins = nextOrigins;
    cols = next;
  }
  for (const c of cols) for (const o of origins.get(c.name) ?? []) used.add(o);
  return { before, output: cols.map(({ name, type }) => ({ name, type })), used, splitAt };
}

/** The step's options as the walk applies them: `select` keeps the target. */
export function effectiveOpts(step: PlannedStep, cols: Col[], target: string | undefined): unknown {
  if (step.kind === 'select' && target !== undefined && cols.some((c) => c.name === target)) {
    const o = step.opts as { columns: string[] };
    if (!o.columns.includes(target)) return { columns: [target, ...o.columns] };
  }
  return step.opts;
}

function hint(name: string, cols: Col[]): string {
  const lower = name.toLowerCase();
  const close = cols.find((c) => c.name.toLowerCase() === lower);
  if (close) return ` (did you mean ${JSON.stringify(close.name)}?)`;
  const names = cols.map((c) => c.name);
  return names.length <= 12 ? ` (columns: ${names.join(', ')})` : '';
}

/** Throws one error listing every problem, if any. */
export function throwProblems(problems: RequestProblem[]): void {
  if (problems.length) throw errorOfProblems(problems);
}

/** A spec's steps, read and checked over the columns; throws listing every problem. */
export function planRecipe(spec: RecipeSpec, columns: Col[]): { target?: string; steps: PlannedStep[]; walk: WalkResult } {
  const problems: RequestProblem[] = [];
  const read = readSteps(spec, problems);
  const result = walk(read.steps, read.target, columns, problems);
  throwProblems(problems);
  return { ...read, walk: result };
}
