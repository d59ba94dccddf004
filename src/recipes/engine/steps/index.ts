/**
 * The step catalogue. Each kind says, for one step: its options (validated, defaults
 * filled), the columns it reads, its output columns, how it fits (aggregate queries over
 * the rows reaching it), its SQL (one SELECT over the previous step's relation) and its
 * online function over one row (null for the steps that drop or route rows, which act in
 * batch only). The SQL and the row function compute the same float64 numbers: plain
 * arithmetic is written identically on both sides, and everything else (logarithms,
 * powers, sines, hashing, text parsing) runs through the functions of math.ts on both.
 * The kinds live one family per file; this table registers them in catalogue order.
 */
import type { StepKind } from '../index.js';
import { cast, drop, rename, select } from './columns.js';
import { date_parts } from './dates.js';
import { one_hot, ordinal, target_encode } from './encode.js';
import { impute } from './impute.js';
import { bucketize, log, power, scale } from './numeric.js';
import { dedupe, filter, split } from './rows.js';
import { tfidf } from './text.js';
import type { StepDef } from './types.js';

export { MAX_CATEGORIES, UNKNOWN_CATEGORY_MARK, unknownCategory } from './helpers.js';
export type { FitContext, OutCol, RowFn, SqlEnv, SqlPart, StepDef } from './types.js';

export const STEPS: Record<StepKind, StepDef<never, never>> = {
  select,
  drop,
  rename,
  cast,
  impute,
  dedupe,
  filter,
  one_hot,
  ordinal,
  scale,
  bucketize,
  log,
  power,
  date_parts,
  tfidf,
  target_encode,
  split,
} as unknown as Record<StepKind, StepDef<never, never>>;

export const STEP_KINDS = Object.keys(STEPS) as StepKind[];
