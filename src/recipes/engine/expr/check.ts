/** Type checking of a parsed expression against the columns' types. */
import { type Kind, kindOf, parseDateText } from '../values.js';
import type { Expr } from './parse.js';

/** An operand's kind; a text literal that reads as a date may compare with a date column. */
export type EKind = Kind | 'null' | 'date-text';

/** The kind of a text literal. */
export function textKind(text: string): EKind {
  return parseDateText(text) !== null ? 'date-text' : 'string';
}

/**
 * Checks an expression's types against the columns (name -> DuckDB type) and that the
 * whole is a condition; returns the problems, empty when it is usable.
 */
export function checkExpr(e: Expr, types: ReadonlyMap<string, string>): string[] {
  const problems: string[] = [];
  const kind = (x: Expr): EKind => {
    switch (x.t) {
      case 'num':
        return 'number';
      case 'str':
        return textKind(x.v);
      case 'bool':
        return 'boolean';
      case 'null':
        return 'null';
      case 'col': {
        const type = types.get(x.name);
        if (type === undefined) {
          problems.push(`unknown column ${JSON.stringify(x.name)}`);
          return 'null';
        }
        return kindOf(type);
      }
      case 'neg': {
        const k = kind(x.e);
        if (k !== 'number' && k !== 'null') problems.push(`'-' needs a number`);
        return 'number';
      }
      case 'bin': {
        for (const side of [kind(x.l), kind(x.r)]) {
          if (side !== 'number' && side !== 'null') problems.push(`'${x.op}' needs numbers`);
        }
        return 'number';
      }
      case 'not': {
        const k = kind(x.e);
        if (k !== 'boolean' && k !== 'null') problems.push(`'not' needs a condition`);
        return 'boolean';
      }
      case 'logic': {
        for (const side of [kind(x.l), kind(x.r)]) {
          if (side !== 'boolean' && side !== 'null') problems.push(`'${x.op}' needs conditions on both sides`);
        }
        return 'boolean';
      }
      case 'isnull':
        kind(x.e);
        return 'boolean';
      case 'cmp': {
        const a = kind(x.l);
        const b = kind(x.r);
        if (!comparable(a, b)) problems.push(`cannot compare ${describe(a)} with ${describe(b)}`);
        else if ((a === 'boolean' || b === 'boolean') && x.op !== '=' && x.op !== '!=') {
          problems.push(`booleans compare with = and != only`);
        }
        return 'boolean';
      }
      case 'in': {
        const a = kind(x.e);
        for (const item of x.list) {
          const b = kind(item);
          if (!comparable(a, b)) problems.push(`cannot compare ${describe(a)} with ${describe(b)} in 'in'`);
        }
        return 'boolean';
      }
    }
  };
  const top = kind(e);
  if (top !== 'boolean' && top !== 'null') problems.push('the expression is not a condition (it must be true or false)');
  return [...new Set(problems)];
}

function describe(k: EKind): string {
  return k === 'date-text' ? 'text' : k === 'null' ? 'null' : k === 'string' ? 'text' : `a ${k}`;
}

function comparable(a: EKind, b: EKind): boolean {
  if (a === 'null' || b === 'null') return true;
  const norm = (k: EKind) => (k === 'date-text' ? 'string' : k);
  if (norm(a) === norm(b)) return true;
  return (a === 'date' && b === 'date-text') || (a === 'date-text' && b === 'date');
}
