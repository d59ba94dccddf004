/** The JavaScript emitter: an expression as a row evaluator with SQL's three-valued semantics. */
import { type Value, compareKeys, kindOf, parseDateText } from '../values.js';
import type { Expr } from './parse.js';

/** A row evaluator: column name -> value (dates as epoch ms); true when the row passes. */
export function exprToJs(e: Expr, types: ReadonlyMap<string, string>): (row: (name: string) => Value) => boolean {
  type V = number | string | boolean | null;
  const isDateCol = (x: Expr) => x.t === 'col' && kindOf(types.get(x.name)!) === 'date';
  const compile = (x: Expr, asDate = false): ((row: (name: string) => Value) => V) => {
    switch (x.t) {
      case 'num': {
        const v = x.v;
        return () => v;
      }
      case 'str': {
        const v = asDate ? parseDateText(x.v) : x.v;
        return () => v;
      }
      case 'bool': {
        const v = x.v;
        return () => v;
      }
      case 'null':
        return () => null;
      case 'col': {
        const name = x.name;
        const k = kindOf(types.get(name)!);
        if (k === 'boolean' || k === 'string' || k === 'date') return (row) => row(name);
        return (row) => {
          const v = row(name);
          return typeof v === 'boolean' ? (v ? 1 : 0) : v;
        };
      }
      case 'neg': {
        const f = compile(x.e);
        return (row) => {
          const v = f(row);
          return v === null ? null : -(v as number);
        };
      }
      case 'not': {
        const f = compile(x.e);
        return (row) => {
          const v = f(row);
          return v === null ? null : !v;
        };
      }
      case 'bin': {
        const l = compile(x.l);
        const r = compile(x.r);
        const op = x.op;
        return (row) => {
          const a = l(row) as number | null;
          const b = r(row) as number | null;
          if (a === null || b === null) return null;
          switch (op) {
            case '+':
              return a + b;
            case '-':
              return a - b;
            case '*':
              return a * b;
            case '/':
              return b === 0 ? null : a / b;
            case '%':
              return b === 0 ? null : a % b;
          }
        };
      }
      case 'logic': {
        const l = compile(x.l);
        const r = compile(x.r);
        if (x.op === 'and') {
          return (row) => {
            const a = l(row);
            const b = r(row);
            if (a === false || b === false) return false;
            if (a === null || b === null) return null;
            return true;
          };
        }
        return (row) => {
          const a = l(row);
          const b = r(row);
          if (a === true || b === true) return true;
          if (a === null || b === null) return null;
          return false;
        };
      }
      case 'isnull': {
        const f = compile(x.e);
        const negate = x.negate;
        return (row) => (f(row) === null) !== negate;
      }
      case 'cmp': {
        const dates = isDateCol(x.l) || isDateCol(x.r);
        const l = compile(x.l, dates);
        const r = compile(x.r, dates);
        const op = x.op;
        return (row) => {
          const a = l(row);
          const b = r(row);
          if (a === null || b === null) return null;
          const c = typeof a === 'string' ? compareKeys(a, b as string) : a === b ? 0 : (a as number) < (b as number) ? -1 : 1;
          switch (op) {
            case '=':
              return c === 0;
            case '!=':
              return c !== 0;
            case '<':
              return c < 0;
            case '<=':
              return c <= 0;
            case '>':
              return c > 0;
            case '>=':
              return c >= 0;
          }
        };
      }
      case 'in': {
        const dates = isDateCol(x.e);
        const f = compile(x.e, dates);
        const items = x.list.map((i) => compile(i, dates)(() => null));
        const negate = x.negate;
        return (row) => {
          const v = f(row);
          if (v === null) return null;
          return items.includes(typeof v === 'boolean' ? v : v) !== negate;
        };
      }
    }
  };
  const run = compile(e);
  return (row) => run(row) === true;
}
