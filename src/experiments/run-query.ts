/**
 * The small query language of `orchard runs list --filter … --sort …`:
 *
 *   filter := clause ( "and" clause )*
 *   clause := key op value
 *   key    := metrics.<name> | params.<name> | tags.<name> | name | status | experiment | algorithm
 *   op     := = | != | > | >= | < | <= | ~ (contains)
 *   value  := number | 'text' | "text" | bare-word
 *   sort   := key [asc|desc] ( "," key [asc|desc] )*
 *
 * Numbers compare as numbers when both sides are numeric, otherwise as text.
 */
import { OrchardError } from '../core/index.js';
import type { Run } from './types.js';

type Op = '=' | '!=' | '>' | '>=' | '<' | '<=' | '~';
interface Clause {
  key: string;
  op: Op;
  value: string;
}
export type RunPredicate = (run: Run) => boolean;

const FIELDS = new Set(['name', 'status', 'experiment', 'algorithm']);
const KEY = /^(?:(?:metrics|params|tags)\.[A-Za-z0-9_.:/-]+|name|status|experiment|algorithm)$/;
const CLAUSE = /^\s*([A-Za-z0-9_.:/-]+)\s*(!=|>=|<=|=|>|<|~)\s*('(?:[^']*)'|"(?:[^"]*)"|[^\s'"]+)\s*$/;

function bad(message: string): never {
  throw new OrchardError('ORCH_EXPERIMENT_INVALID_QUERY', { message });
}

/** The value a key names on a run; undefined when the run lacks it. */
export function runValue(run: Run, key: string): string | number | undefined {
  if (key.startsWith('metrics.')) return run.metrics[key.slice(8)];
  if (key.startsWith('params.')) return run.parameters[key.slice(7)];
  if (key.startsWith('tags.')) return run.tags[key.slice(5)];
  if (key === 'algorithm') return 'algorithm' in run.source ? run.source.algorithm : undefined;
  if (FIELDS.has(key)) return run[key as 'name' | 'status' | 'experiment'];
  return undefined;
}

function checkKey(key: string, where: string): void {
  if (!KEY.test(key)) bad(`${where}: unknown key '${key}' (use metrics.<name>, params.<name>, tags.<name>, name, status, experiment or algorithm)`);
}

function splitClauses(filter: string): string[] {
  // "and" separates clauses outside quotes.
  const parts: string[] = [];
  let current = '';
  let quote: string | null = null;
  const words = filter.split(/(\s+)/);
  for (const word of words) {
    for (const ch of word) if (ch === "'" || ch === '"') quote = quote === ch ? null : quote ?? ch;
    if (!quote && /^and$/i.test(word.trim()) && word.trim() !== '') {
      parts.push(current);
      current = '';
    } else current += word;
  }
  if (quote) bad(`Filter: unclosed quote in '${filter}'`);
  parts.push(current);
  return parts;
}

export function parseFilter(filter: string): RunPredicate {
  if (filter.length > 2000) bad('Filter: longer than 2000 characters');
  const clauses: Clause[] = splitClauses(filter).map((part) => {
    if (part.trim() === '') bad(`Filter: an empty clause in '${filter}'`);
    const m = CLAUSE.exec(part);
    if (!m) bad(`Filter: cannot read '${part.trim()}' (expected key op value, e.g. metrics.validation:auc > 0.9)`);
    const [, key, op, raw] = m;
    checkKey(key, 'Filter');
    const value = /^['"]/.test(raw) ? raw.slice(1, -1) : raw;
    return { key, op: op as Op, value };
  });
  return (run) => clauses.every((c) => matches(runValue(run, c.key), c.op, c.value));
}

function matches(actual: string | number | undefined, op: Op, expected: string): boolean {
  if (actual === undefined) return op === '!=';
  if (op === '~') return String(actual).toLowerCase().includes(expected.toLowerCase());
  const a = Number(actual);
  const b = Number(expected);
  const numeric = String(actual).trim() !== '' && expected.trim() !== '' && Number.isFinite(a) && Number.isFinite(b);
  const cmp = numeric ? a - b : String(actual).localeCompare(expected);
  switch (op) {
    case '=':
      return cmp === 0;
    case '!=':
      return cmp !== 0;
    case '>':
      return cmp > 0;
    case '>=':
      return cmp >= 0;
    case '<':
      return cmp < 0;
    case '<=':
      return cmp <= 0;
  }
}

/** A comparator from a sort spec; runs lacking a key go last whatever the direction. */
export function parseSort(sort: string): (a: Run, b: Run) => number {
  const keys = sort.split(',').map((part) => {
    const [key, dir = 'asc', extra] = part.trim().split(/\s+/);
    if (!key || extra !== undefined || !/^(asc|desc)$/i.test(dir)) bad(`Sort: cannot read '${part.trim()}' (expected key [asc|desc])`);
    checkKey(key, 'Sort');
    return { key, sign: /^desc$/i.test(dir) ? -1 : 1 };
  });
  return (a, b) => {
    for (const { key, sign } of keys) {
      const x = runValue(a, key);
      const y = runValue(b, key);
      if (x === undefined || y === undefined) {
        if (x === y) continue;
        return x === undefined ? 1 : -1;
      }
      const nx = Number(x);
      const ny = Number(y);
      const cmp = Number.isFinite(nx) && Number.isFinite(ny) && String(x) !== '' && String(y) !== '' ? nx - ny : String(x).localeCompare(String(y));
      if (cmp !== 0) return sign * cmp;
    }
    return 0;
  };
}
