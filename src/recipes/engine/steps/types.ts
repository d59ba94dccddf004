/** The shape every step kind implements, and what the engine hands it. */
import type { Options } from '../options.js';
import type { ScalarSpec } from '../udf.js';
import type { Col, Value } from '../values.js';

export interface FitContext {
  /** A relation holding the rows this step is fitted on, with the columns before it. */
  src: string;
  cols: Col[];
  target?: string;
  /** Runs a query; rows of plain JS values (BIGINT as number). */
  query(sql: string): Promise<unknown[][]>;
  /** A query's DOUBLE columns, each written `COALESCE(x, 'NaN'::DOUBLE)`, as float64 arrays without the missing values. */
  numbers(sql: string): Promise<Float64Array[]>;
  field: string;
}

export interface SqlEnv {
  /** The previous relation. */
  src: string;
  /** Hidden bookkeeping columns carried along (`__orch_row`, …), already quoted. */
  hidden: string[];
  /** SQL condition: this row is one the recipe was fitted on and `fitRows` was asked. */
  inFit: string;
  /** A short unique id for this step's helper names. */
  id: string;
  target?: string;
}

export interface SqlPart {
  sql: string;
  /** Statements to run before the query (lookup tables). */
  setup?: string[];
  functions?: ScalarSpec[];
  /** The step does not keep row order (joins, windows): the output sorts by row number. */
  reorders?: boolean;
  /** Hidden columns after this step (when it adds one). */
  hidden?: string[];
}

export type RowFn = (row: Value[]) => Value[];

/** A column after a step; `from` names the column of the previous step it derives from. */
export interface OutCol extends Col {
  from?: string;
  /** Only in check mode: a family of columns known after fit (`color_…` of one_hot), named by prefix. */
  dynamic?: boolean;
}

export interface StepDef<O = unknown, P = unknown> {
  validate(o: Options): O;
  /** Columns of the previous step this one reads. */
  reads(o: O, cols: Col[], target: string | undefined): string[];
  /** Kind checks and other static problems, reported through `problem`. */
  check?(o: O, cols: Col[], target: string | undefined, problem: (message: string) => void): void;
  /** Rows routed or dropped (filter, dedupe, split): batch only, skipped online; may read the target. */
  batchOnly?: boolean;
  /** Reads the target (allowed) and needs one. */
  needsTarget?: boolean | ((o: O) => boolean);
  fit?(o: O, ctx: FitContext): Promise<P>;
  /** Output columns; `p` is undefined in check mode (before fit), where `target` names the recipe's target. */
  columns(o: O, p: P | undefined, cols: Col[], target?: string): OutCol[];
  sql(o: O, p: P, cols: Col[], env: SqlEnv): SqlPart;
  js(o: O, p: P, cols: Col[]): RowFn | null;
}
