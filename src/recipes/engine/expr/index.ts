/**
 * The `filter` step's expression language (grammar and semantics in parse.ts): the parser,
 * the type check, and the two emitters, SQL for batch and JavaScript for online use.
 */
export { ExprError, exprColumns, parseExpr } from './parse.js';
export type { Expr } from './parse.js';
export { checkExpr } from './check.js';
export { exprToSql } from './sql.js';
export { exprToJs } from './js.js';
