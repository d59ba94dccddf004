/**
 * Pearson correlations of the numeric features with the target. Dataset statistics hold
 * no covariances, so these come from one aggregate query the service runs with the
 * dataset service (every name and label quoted here): `corr(x, y)` per column, the
 * target as a number (a regression's value, or 1 for the positive class of a binary
 * problem and 0 for the other: the point-biserial correlation). Multiclass targets get
 * none (a correlation with class ids means nothing).
 */
import { sqlLabel, sqlName } from '../analysis/queries.js';
import type { Analysis } from '../analysis/types.js';

/** The query and the feature each of its result columns (`c0`, `c1`, …) belongs to. */
export interface CorrelationQuery {
  sql: string;
  columns: string[];
}

/** The part of an analysis the correlations need. */
export type CorrelationInput = Pick<Analysis, 'columns' | 'problemType' | 'targetMapping'>;

/**
 * The SELECT computing each numeric (and boolean) feature's correlation with the target,
 * over `source` (a dataset ref such as `cls@3`); null when there is nothing to correlate.
 */
export function correlationQuery(source: string, analysis: CorrelationInput): CorrelationQuery | null {
  const target = analysis.columns.find((c) => c.dropReason === 'target');
  if (!target || analysis.problemType === null || analysis.problemType === 'multiclass') return null;
  const features = analysis.columns.filter((c) => c.type === 'numeric' || (c.type === 'categorical' && /^BOOL/i.test(c.sourceType)));
  if (features.length === 0) return null;
  const t = sqlName(target.name);
  const mapping = analysis.targetMapping;
  const y =
    analysis.problemType === 'binary' && mapping
      ? `CASE WHEN ${t} = ${sqlLabel(mapping.labels[1])} THEN CAST(1 AS DOUBLE) WHEN ${t} = ${sqlLabel(mapping.labels[0])} THEN CAST(0 AS DOUBLE) END`
      : `CAST(${t} AS DOUBLE)`;
  const list = features.map((c, i) => `corr(CAST(${sqlName(c.name)} AS DOUBLE), ${y}) AS "c${i}"`);
  return { sql: `SELECT ${list.join(', ')} FROM ${sqlName(source)}`, columns: features.map((c) => c.name) };
}

/** The query's one result row as `{feature: r}`; a missing or non-finite value is null. */
export function readCorrelations(query: CorrelationQuery, row: Record<string, unknown>): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  query.columns.forEach((name, i) => {
    const v = row[`c${i}`];
    const x = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
    out[name] = Number.isFinite(x) ? x : null;
  });
  return out;
}
