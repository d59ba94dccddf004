/**
 * The `filter` step's expression language: a small, safe language over the columns of a
 * row, compiled to SQL for batch application and to a JavaScript evaluator for online
 * use. User text never reaches SQL: the parser produces a tree, and the SQL is written
 * from the tree with every identifier quoted and every literal re-encoded.
 *
 *   expr   := or
 *   or     := and ('or' and)*
 *   and    := not ('and' not)*
 *   not    := 'not' not | cmp
 *   cmp    := sum [ (= | == | != | <> | < | <= | > | >=) sum
 *                 | 'is' ['not'] 'null' | ['not'] 'in' '(' literal (',' literal)* ')' ]
 *   sum    := term (('+' | '-') term)*
 *   term   := unary (('*' | '/' | '%') unary)*
 *   unary  := '-' unary | atom
 *   atom   := number | 'text' | true | false | null | name | `any name` | "any name" | '(' expr ')'
 *
 * Semantics are SQL's: a comparison with a missing value is unknown, `and`/`or`/`not` are
 * three-valued, and a row passes only when the whole expression is true. Arithmetic is in
 * float64; division or remainder by zero is missing. Text compares by code point; a date
 * column compares with a text literal written `YYYY-MM-DD[ HH:MM[:SS]]`.
 *
 * This file holds the grammar: tokens, the tree and the parser.
 */
export type Expr =
  | { t: 'num'; v: number }
  | { t: 'str'; v: string }
  | { t: 'bool'; v: boolean }
  | { t: 'null' }
  | { t: 'col'; name: string }
  | { t: 'neg'; e: Expr }
  | { t: 'not'; e: Expr }
  | { t: 'bin'; op: '+' | '-' | '*' | '/' | '%'; l: Expr; r: Expr }
  | { t: 'cmp'; op: '=' | '!=' | '<' | '<=' | '>' | '>='; l: Expr; r: Expr }
  | { t: 'logic'; op: 'and' | 'or'; l: Expr; r: Expr }
  | { t: 'isnull'; e: Expr; negate: boolean }
  | { t: 'in'; e: Expr; list: Expr[]; negate: boolean };

export class ExprError extends Error {}

type Token =
  | { k: 'num'; v: number; at: number }
  | { k: 'str'; v: string; at: number }
  | { k: 'name'; v: string; quoted: boolean; at: number }
  | { k: 'op'; v: string; at: number }
  | { k: 'end'; at: number };

const KEYWORDS = new Set(['and', 'or', 'not', 'is', 'null', 'in', 'true', 'false']);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const at = i;
    const num = /^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(text.slice(i));
    if (num) {
      tokens.push({ k: 'num', v: Number(num[0]), at });
      i += num[0].length;
      if (/[A-Za-z_]/.test(text[i] ?? '')) throw new ExprError(`unexpected character ${JSON.stringify(text[i])} at ${i + 1}`);
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw new ExprError(`unterminated ${c === "'" ? 'text' : 'name'} starting at ${at + 1}`);
        if (text[j] === c) {
          if (text[j + 1] === c) {
            value += c;
            j += 2;
            continue;
          }
          break;
        }
        value += text[j++];
      }
      i = j + 1;
      if (c === "'") tokens.push({ k: 'str', v: value, at });
      else tokens.push({ k: 'name', v: value, quoted: true, at });
      continue;
    }
    const word = /^[\p{L}_][\p{L}\p{N}_]*/u.exec(text.slice(i));
    if (word) {
      tokens.push({ k: 'name', v: word[0], quoted: false, at });
      i += word[0].length;
      continue;
    }
    const op = /^(==|!=|<>|<=|>=|[=<>+\-*/%(),])/.exec(text.slice(i));
    if (op) {
      tokens.push({ k: 'op', v: op[0], at });
      i += op[0].length;
      continue;
    }
    throw new ExprError(`unexpected character ${JSON.stringify(c)} at ${i + 1}`);
  }
  tokens.push({ k: 'end', at: text.length });
  return tokens;
}

/** Parses an expression; throws {@link ExprError} with the position of the first problem. */
export function parseExpr(text: string): Expr {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const isWord = (word: string) => {
    const t = tokens[pos];
    return t.k === 'name' && !t.quoted && t.v.toLowerCase() === word;
  };
  const isOp = (op: string) => {
    const t = tokens[pos];
    return t.k === 'op' && t.v === op;
  };
  const fail = (what: string): never => {
    const t = peek();
    const found = t.k === 'end' ? 'the end' : JSON.stringify(text.slice(t.at, t.at + 12));
    throw new ExprError(`expected ${what} at ${t.at + 1}, found ${found}`);
  };
  const expectOp = (op: string) => {
    if (!isOp(op)) fail(`'${op}'`);
    pos++;
  };

  function or(): Expr {
    let l = and();
    while (isWord('or')) {
      pos++;
      l = { t: 'logic', op: 'or', l, r: and() };
    }
    return l;
  }
  function and(): Expr {
    let l = not();
    while (isWord('and')) {
      pos++;
      l = { t: 'logic', op: 'and', l, r: not() };
    }
    return l;
  }
  function not(): Expr {
    if (isWord('not')) {
      pos++;
      return { t: 'not', e: not() };
    }
    return cmp();
  }
  function cmp(): Expr {
    const l = sum();
    const t = peek();
    if (t.k === 'op' && ['=', '==', '!=', '<>', '<', '<=', '>', '>='].includes(t.v)) {
      pos++;
      const op = t.v === '==' ? '=' : t.v === '<>' ? '!=' : (t.v as '=' | '!=' | '<' | '<=' | '>' | '>=');
      return { t: 'cmp', op, l, r: sum() };
    }
    if (isWord('is')) {
      pos++;
      let negate = false;
      if (isWord('not')) {
        pos++;
        negate = true;
      }
      if (!isWord('null')) fail("'null'");
      pos++;
      return { t: 'isnull', e: l, negate };
    }
    let negate = false;
    if (isWord('not') && tokens[pos + 1]?.k === 'name' && (tokens[pos + 1] as { v: string }).v.toLowerCase() === 'in') {
      pos++;
      negate = true;
    }
    if (isWord('in')) {
      pos++;
      expectOp('(');
      const list: Expr[] = [];
      do {
        if (list.length) pos++;
        const item = unary();
        if (item.t === 'neg' && item.e.t === 'num') list.push({ t: 'num', v: -item.e.v });
        else if (item.t === 'num' || item.t === 'str' || item.t === 'bool') list.push(item);
        else throw new ExprError(`the list after 'in' holds literals only (at ${peek().at + 1})`);
      } while (isOp(','));
      expectOp(')');
      return { t: 'in', e: l, list, negate };
    }
    return l;
  }
  function sum(): Expr {
    let l = term();
    for (;;) {
      const t = peek();
      if (t.k === 'op' && (t.v === '+' || t.v === '-')) {
        pos++;
        l = { t: 'bin', op: t.v, l, r: term() };
      } else return l;
    }
  }
  function term(): Expr {
    let l = unary();
    for (;;) {
      const t = peek();
      if (t.k === 'op' && (t.v === '*' || t.v === '/' || t.v === '%')) {
        pos++;
        l = { t: 'bin', op: t.v, l, r: unary() };
      } else return l;
    }
  }
  function unary(): Expr {
    if (isOp('-')) {
      pos++;
      return { t: 'neg', e: unary() };
    }
    return atom();
  }
  function atom(): Expr {
    const t = peek();
    if (t.k === 'num') {
      pos++;
      return { t: 'num', v: t.v };
    }
    if (t.k === 'str') {
      pos++;
      return { t: 'str', v: t.v };
    }
    if (t.k === 'op' && t.v === '(') {
      pos++;
      const e = or();
      expectOp(')');
      return e;
    }
    if (t.k === 'name') {
      if (!t.quoted) {
        const w = t.v.toLowerCase();
        if (w === 'true' || w === 'false') {
          pos++;
          return { t: 'bool', v: w === 'true' };
        }
        if (w === 'null') {
          pos++;
          return { t: 'null' };
        }
        if (KEYWORDS.has(w)) fail('a value');
      }
      pos++;
      return { t: 'col', name: t.v };
    }
    return fail('a value');
  }

  if (peek().k === 'end') throw new ExprError('the expression is empty');
  const tree = or();
  if (peek().k !== 'end') fail('an operator or the end');
  return tree;
}

/** Every column an expression reads. */
export function exprColumns(e: Expr, into: Set<string> = new Set()): Set<string> {
  switch (e.t) {
    case 'col':
      into.add(e.name);
      break;
    case 'neg':
    case 'not':
    case 'isnull':
    case 'in':
      exprColumns(e.e, into);
      break;
    case 'bin':
    case 'cmp':
    case 'logic':
      exprColumns(e.l, into);
      exprColumns(e.r, into);
      break;
    default:
  }
  return into;
}
