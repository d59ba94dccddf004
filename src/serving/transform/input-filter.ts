import { OrchardError } from '../../core/index.js';

/**
 * Picks feature columns with SageMaker's InputFilter for CSV: a JSONPath over a row's
 * columns. `$` (or nothing) is every column; `$[1:]` drops the first (a label);
 * `$[a:b]` is a slice (end exclusive, negatives from the end); `$[0,2,5]` picks columns.
 * @example parseInputFilter('$[1:]', ['y', 'a', 'b']) // ['a', 'b']
 */
export function parseInputFilter(filter: string | undefined | null, columns: string[]): string[] {
  const text = (filter ?? '$').replace(/\s+/g, '');
  const pick = (i: number) => {
    const j = i < 0 ? columns.length + i : i;
    if (j < 0 || j >= columns.length) throw bad(filter!, `column ${i} is outside 0..${columns.length - 1}`);
    return columns[j];
  };
  let features: string[];
  if (text === '$') features = [...columns];
  else if (/^\$\[-?\d*:-?\d*\]$/.test(text)) {
    const [a, b] = text.slice(2, -1).split(':');
    const norm = (v: string, dflt: number) => (v === '' ? dflt : Number(v) < 0 ? columns.length + Number(v) : Number(v));
    features = columns.slice(Math.max(0, norm(a, 0)), Math.min(columns.length, norm(b, columns.length)));
  } else if (/^\$\[-?\d+(,-?\d+)*\]$/.test(text)) features = text.slice(2, -1).split(',').map((v) => pick(Number(v)));
  else throw bad(filter!, "use '$', '$[start:end]' or '$[i,j,…]'");
  if (features.length === 0) throw bad(filter!, 'it selects no columns');
  return features;
}

function bad(filter: string, why: string): OrchardError {
  return new OrchardError('ORCH_TRANSFORM_INVALID', { message: `Invalid input filter '${filter}': ${why}`, details: { filter } });
}
