import { OrchardError, type RequestProblem } from '../../core/errors.js';
import { checkFitted, checkReplayedColumns } from './apply.js';
import type { FittedRecipe, RowTransform } from './index.js';
import { effectiveOpts, readSteps, throwProblems } from './plan.js';
import type { RowFn } from './steps/index.js';
import { type Col, type Value, kindOf, normalType, readRaw } from './values.js';

/**
 * Online (endpoints, batch transform): raw rows -> feature matrix, the target excluded;
 * the same numbers as applyRecipe. The steps that drop or route rows (filter, dedupe,
 * split) act in batch only and are skipped here: an endpoint answers every row it is sent.
 * Missing values in the output are NaN.
 */
export function rowTransform(fitted: FittedRecipe): RowTransform {
  checkFitted(fitted);
  const problems: RequestProblem[] = [];
  const plan = readSteps(fitted.spec, problems);
  throwProblems(problems);
  const target = plan.target;
  const inputs = fitted.inputColumns.filter((c) => c.name !== target);
  let cols: Col[] = inputs.map((c) => ({ name: c.name, type: normalType(c.type) }));
  const fns: RowFn[] = [];
  for (const [i, step] of plan.steps.entries()) {
    if (step.def.batchOnly) continue;
    const opts = effectiveOpts(step, cols, target);
    const p = fitted.steps[i];
    const fn = step.def.js(opts, p, cols);
    if (fn) fns.push(fn);
    cols = step.def.columns(opts, p, cols).map(({ name, type }) => ({ name, type }));
  }
  const expected = fitted.outputColumns.filter((c) => c.name !== target);
  checkReplayedColumns(cols, expected);
  // A recipe that leaves text or dates prepares data for batch use; online, where the
  // output is a matrix of numbers, transform() refuses it with this error.
  const notNumeric = cols.filter((c) => kindOf(c.type) !== 'number' && kindOf(c.type) !== 'boolean');
  const unusable = notNumeric.length
    ? new OrchardError('ORCH_RECIPE_INVALID', {
        message: `The recipe leaves columns that are not numbers (${notNumeric.map((c) => `${c.name}: ${c.type}`).join(', ')}); encode or drop them to use it online`,
        details: { columns: notNumeric.map((c) => c.name) },
      })
    : null;
  const inputColumns = inputs.map((c) => c.name);
  const inputTypes = inputs.map((c) => c.type);
  const outputColumns = cols.map((c) => c.name);
  const width = outputColumns.length;

  const readRow = (raw: ReadonlyArray<string | number | null> | Readonly<Record<string, unknown>>, r: number): Value[] => {
    const values: Value[] = new Array(inputColumns.length);
    if (Array.isArray(raw)) {
      if (raw.length !== inputColumns.length) {
        throw new OrchardError('ORCH_RECIPE_INVALID', {
          message: `Row ${r + 1} has ${raw.length} values; the recipe reads ${inputColumns.length} (${inputColumns.join(', ')})`,
          details: { row: r + 1 },
        });
      }
      for (let i = 0; i < values.length; i++) values[i] = readRaw(inputColumns[i], inputTypes[i], raw[i]);
    } else {
      const obj = raw as Readonly<Record<string, unknown>>;
      for (let i = 0; i < values.length; i++) values[i] = readRaw(inputColumns[i], inputTypes[i], obj[inputColumns[i]]);
    }
    return values;
  };

  return {
    inputColumns,
    outputColumns,
    numFeatures: width,
    transform(rows) {
      if (unusable) throw unusable;
      const out = new Float32Array(rows.length * width);
      for (let r = 0; r < rows.length; r++) {
        let row: Value[];
        try {
          row = readRow(rows[r], r);
        } catch (err) {
          if (err instanceof OrchardError && !err.message.startsWith('Row ')) {
            throw new OrchardError(err.code, { message: `Row ${r + 1}: ${err.message}`, details: { ...err.details, row: r + 1 } });
          }
          throw err;
        }
        for (const fn of fns) row = fn(row);
        const base = r * width;
        for (let j = 0; j < width; j++) {
          const v = row[j];
          out[base + j] = v === null ? Number.NaN : typeof v === 'boolean' ? (v ? 1 : 0) : (v as number);
        }
      }
      return out;
    },
  };
}
