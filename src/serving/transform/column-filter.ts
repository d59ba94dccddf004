import { errorOfProblems } from '../../core/index.js';

/**
 * SageMaker's DataProcessing filters for CSV, a JSONPath over a row's columns: `$` (or
 * nothing) is every column; `$[a:b]` a slice (end exclusive, either end optional,
 * negatives from the end); `$[i,j,…]` the columns named by index, in that order. The same
 * grammar serves InputFilter (which input columns are features) and OutputFilter (which
 * columns of the written row — the input then the predictions when joined — are kept).
 */
export type ColumnFilter = { kind: 'all' } | { kind: 'slice'; start: number | null; end: number | null } | { kind: 'list'; indexes: number[] };

/** The request field a filter came in, named in its errors. */
export type ColumnFilterField = 'inputFilter' | 'outputFilter';

const SLICE = /^\$\[(-?\d*):(-?\d*)\]$/;
const LIST = /^\$\[-?\d+(,-?\d+)*\]$/;

/**
 * Reads a filter's grammar, before any column is known (`ORCH_TRANSFORM_INVALID` naming
 * the field). A slice that is empty whatever the row's width (`$[3:1]`, `$[-1:-2]`) is refused here.
 * @example readColumnFilter('$[0,-1]', 'outputFilter') // { kind: 'list', indexes: [0, -1] }
 */
export function readColumnFilter(filter: string | undefined | null, field: ColumnFilterField): ColumnFilter {
  const text = (filter ?? '$').replace(/\s+/g, '');
  if (text === '$') return { kind: 'all' };
  const slice = SLICE.exec(text);
  if (slice) {
    const [start, end] = [slice[1], slice[2]].map((v) => (v === '' ? null : Number(v)));
    if (start !== null && end !== null && Math.sign(start + 0.5) === Math.sign(end + 0.5) && start >= end) throw bad(field, filter!, 'it selects no columns');
    return { kind: 'slice', start, end };
  }
  if (LIST.test(text)) return { kind: 'list', indexes: text.slice(2, -1).split(',').map(Number) };
  throw bad(field, filter!, "use '$', '$[start:end]' or '$[i,j,…]'");
}

/**
 * The columns a filter picks, in its order. An index outside the row, an empty pick, or
 * (for an output filter, whose columns become a dataset's) a column picked twice is
 * `ORCH_TRANSFORM_INVALID` naming the field.
 */
export function selectColumns(filter: ColumnFilter, columns: readonly string[], field: ColumnFilterField, text: string | undefined | null): string[] {
  const n = columns.length;
  let picked: string[];
  if (filter.kind === 'all') picked = [...columns];
  else if (filter.kind === 'slice') {
    const at = (v: number | null, dflt: number) => (v === null ? dflt : v < 0 ? n + v : v);
    picked = columns.slice(Math.max(0, at(filter.start, 0)), Math.min(n, at(filter.end, n)));
  } else {
    picked = filter.indexes.map((i) => {
      const j = i < 0 ? n + i : i;
      if (j < 0 || j >= n) throw bad(field, text ?? '$', `column ${i} is outside 0..${n - 1} (${n === 1 ? 'one column' : `${n} columns`}: ${preview(columns)})`);
      return columns[j];
    });
  }
  if (picked.length === 0) throw bad(field, text ?? '$', `it selects no columns of ${preview(columns)}`);
  if (field === 'outputFilter') {
    const twice = picked.find((c, i) => picked.indexOf(c) !== i);
    if (twice !== undefined) throw bad(field, text ?? '$', `it picks column ${twice} twice`);
  }
  return picked;
}

/**
 * Reads a filter and applies it to a row's columns.
 * @example parseColumnFilter('$[1:]', ['y', 'a', 'b'], 'inputFilter') // ['a', 'b']
 * @example parseColumnFilter('$[0,-1]', ['id', 'a', 'prediction'], 'outputFilter') // ['id', 'prediction']
 */
export function parseColumnFilter(filter: string | undefined | null, columns: readonly string[], field: ColumnFilterField): string[] {
  return selectColumns(readColumnFilter(filter, field), columns, field, filter);
}

/** SageMaker's InputFilter: which input columns are the model's features. */
export function parseInputFilter(filter: string | undefined | null, columns: string[]): string[] {
  return parseColumnFilter(filter, columns, 'inputFilter');
}

function preview(columns: readonly string[]): string {
  return columns.length <= 8 ? columns.join(', ') : `${columns.slice(0, 4).join(', ')}, …, ${columns.slice(-3).join(', ')}`;
}

function bad(field: ColumnFilterField, filter: string, why: string) {
  const message = `Invalid ${field === 'inputFilter' ? 'input' : 'output'} filter '${filter}' (${field}): ${why}`;
  return errorOfProblems([{ field, code: 'ORCH_TRANSFORM_INVALID', message, details: { field, filter } }]);
}
