import { errorOfProblems } from '../../core/index.js';

/**
 * SageMaker's DataProcessing filters for CSV, a JSONPath over a row's columns: `$` (or
 * nothing) is every column; `$[…]` lists indexes (`$[0,2]`) and slices (`$[1:]`,
 * `$[a:b]`: end exclusive, either end optional), negatives counting from the end, picked
 * in the order written (`$[0,5:]`: the first column and every one from the sixth). The
 * same grammar serves InputFilter (which input columns are features) and OutputFilter
 * (which columns of the written row — the input then the predictions when joined — are kept).
 */
export type ColumnFilter = { kind: 'all' } | { kind: 'pick'; parts: ColumnPick[] };
export type ColumnPick = { index: number } | { start: number | null; end: number | null };

/** The request field a filter came in, named in its errors. */
export type ColumnFilterField = 'inputFilter' | 'outputFilter';

const PART = '(-?\\d+|(-?\\d+)?:(-?\\d+)?)';
const PICK = new RegExp(`^\\$\\[${PART}(,${PART})*\\]$`);

/**
 * Reads a filter's grammar, before any column is known (`ORCH_TRANSFORM_INVALID` naming
 * the field). A slice that is empty whatever the row's width (`$[3:1]`, `$[-1:-2]`) is refused here.
 * @example readColumnFilter('$[0,-1]', 'outputFilter') // { kind: 'pick', parts: [{ index: 0 }, { index: -1 }] }
 */
export function readColumnFilter(filter: string | undefined | null, field: ColumnFilterField): ColumnFilter {
  const text = (filter ?? '$').replace(/\s+/g, '');
  if (text === '$') return { kind: 'all' };
  if (!PICK.test(text)) throw bad(field, filter!, "use '$', or '$[…]' with indexes and slices such as '$[1:]', '$[0,-1]' or '$[0,5:]'");
  const parts = text.slice(2, -1).split(',').map((part): ColumnPick => {
    if (!part.includes(':')) return { index: Number(part) };
    const [start, end] = part.split(':').map((v) => (v === '' ? null : Number(v)));
    // Both ends on the same side (from the start, or from the end) and out of order: empty at any width.
    if (start !== null && end !== null && start < 0 === end < 0 && start >= end) throw bad(field, filter!, `the slice ${part} selects no columns`);
    return { start, end };
  });
  return { kind: 'pick', parts };
}

/**
 * The columns a filter picks, in its order. An index outside the row, an empty pick, or
 * (for an output filter, whose columns become a dataset's) a column picked twice is
 * `ORCH_TRANSFORM_INVALID` naming the field.
 */
export function selectColumns(filter: ColumnFilter, columns: readonly string[], field: ColumnFilterField, text: string | undefined | null): string[] {
  const n = columns.length;
  const at = (v: number | null, dflt: number) => (v === null ? dflt : v < 0 ? n + v : v);
  const picked: string[] =
    filter.kind === 'all'
      ? [...columns]
      : filter.parts.flatMap((part) => {
          if ('start' in part) return columns.slice(Math.max(0, at(part.start, 0)), Math.min(n, at(part.end, n)));
          const j = at(part.index, 0);
          if (j < 0 || j >= n) throw bad(field, text ?? '$', `column ${part.index} is outside 0..${n - 1} (${n === 1 ? 'one column' : `${n} columns`}: ${preview(columns)})`);
          return [columns[j]];
        });
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
