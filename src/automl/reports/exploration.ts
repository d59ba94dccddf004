/**
 * The data-exploration report (Autopilot's data exploration notebook): per-column
 * statistics, missing values, the target's distribution, correlations with the target
 * and warnings, as JSON (what the studio draws) and Markdown (what is downloaded).
 */
import type { DatasetColumn } from '../../contracts/index.js';
import { compareLabels } from '../analysis/target.js';
import type { Analysis, TargetCount } from '../analysis/types.js';
import { bar, code, num, pct, table } from './markdown.js';

/** What the report reads of an analysis (the stored analysis of a job has these). */
export type ExplorationAnalysis = Pick<Analysis, 'problemType' | 'columns' | 'validation' | 'warnings'> &
  Partial<Pick<Analysis, 'objective' | 'classes' | 'classCounts' | 'targetMapping'>>;

/** The dataset version's statistics, as stored with it. */
export interface VersionStats {
  /** `D@N`, shown as the title. */
  dataset?: string;
  rowCount: number;
  columns: DatasetColumn[];
}

export interface ExplorationOptions {
  /** Pearson correlation per feature (from `correlationQuery` + `readCorrelations`). */
  correlations?: Record<string, number | null>;
  /**
   * Every class with its count (`targetCountsQuery`), when the analysis given has no
   * `classCounts`; without either, the classes are the statistics' 5 most frequent values.
   */
  targetCounts?: TargetCount[];
}

/** A correlation this strong with the target is likely a leak (a column written after the fact). */
export const LEAKAGE_CORRELATION = 0.95;

export interface ExplorationWarning {
  severity: 'high' | 'warning' | 'info';
  column: string | null;
  message: string;
}

export interface ExplorationColumnJson {
  name: string;
  type: string;
  sourceType: string;
  dropReason: string | null;
  missing: number;
  missingShare: number;
  distinct: number | null;
  mean: number | null;
  stddev: number | null;
  min: number | string | null;
  max: number | string | null;
  topValues: Array<{ value: string | number | boolean | null; count: number }>;
  histogram: Array<{ lower: number; upper: number; count: number }> | null;
}

export interface ExplorationReportJson {
  report: 'exploration';
  schemaVersion: 1;
  summary: Record<string, string | number>;
  columns: ExplorationColumnJson[];
  missing: Array<{ column: string; missing: number; share: number }>;
  target: {
    column: string | null;
    problemType: string | null;
    missing: number;
    distribution: {
      classes: Array<{ value: string; count: number; share: number }>;
      histogram: Array<{ lower: number; upper: number; count: number }>;
      mean: number | null;
      stddev: number | null;
      min: number | string | null;
      max: number | string | null;
    };
  };
  correlations: { method: 'pearson'; withTarget: Array<{ column: string; correlation: number }> } | null;
  warnings: ExplorationWarning[];
}

function validationText(v: ExplorationAnalysis['validation']): string {
  return v.method === 'cv' ? `${v.folds ?? 5}-fold cross-validation` : `hold-out of ${pct(v.validationShare ?? 0.2)}`;
}

function targetDistribution(analysis: ExplorationAnalysis, column: DatasetColumn | undefined, counts: TargetCount[] | undefined): ExplorationReportJson['target']['distribution'] {
  const s = column?.stats;
  const numeric = s && typeof s.mean === 'number';
  const out: ExplorationReportJson['target']['distribution'] = {
    classes: [],
    histogram: analysis.problemType === 'regression' && s?.histogram ? s.histogram : [],
    mean: numeric ? s.mean : null,
    stddev: numeric ? s.stddev : null,
    min: s?.min ?? null,
    max: s?.max ?? null,
  };
  if (analysis.problemType === 'binary' || analysis.problemType === 'multiclass') {
    let pairs: Array<[string, number]> = [];
    if (analysis.classes && analysis.classCounts) pairs = analysis.classes.map((c, i) => [c, analysis.classCounts![i] ?? 0]);
    else if (counts) pairs = [...counts].sort((a, b) => compareLabels(a.value, b.value)).map((c) => [String(c.value), Number(c.count)]);
    else if (s) pairs = s.topValues.filter((t) => t.value !== null).map((t) => [String(t.value), t.count]);
    const total = pairs.reduce((n, [, c]) => n + c, 0) || 1;
    out.classes = pairs.map(([value, count]) => ({ value, count, share: count / total }));
  }
  return out;
}

/**
 * Builds the data-exploration report. `analysis` is what `analyzeTable` returned (or what
 * a job stored of it); `version` the dataset version's statistics; correlations are
 * optional (computed by the service with `correlationQuery`).
 */
export function explorationReport(
  analysis: ExplorationAnalysis,
  version: VersionStats,
  options: ExplorationOptions = {},
): { json: ExplorationReportJson; markdown: string } {
  const rows = version.rowCount;
  const stats = new Map(version.columns.map((c) => [c.name, c]));
  const targetName = analysis.columns.find((c) => c.dropReason === 'target')?.name ?? null;
  const targetColumn = targetName === null ? undefined : stats.get(targetName);
  const columns: ExplorationColumnJson[] = analysis.columns.map((c) => {
    const s = stats.get(c.name)?.stats;
    return {
      name: c.name,
      type: c.type,
      sourceType: c.sourceType,
      dropReason: c.dropReason,
      missing: c.missing,
      missingShare: rows > 0 ? c.missing / rows : 0,
      distinct: c.distinct,
      mean: s?.mean ?? null,
      stddev: s?.stddev ?? null,
      min: s?.min ?? null,
      max: s?.max ?? null,
      topValues: s?.topValues ?? [],
      histogram: s?.histogram ?? null,
    };
  });
  const missing = columns
    .filter((c) => c.missing > 0)
    .map((c) => ({ column: c.name, missing: c.missing, share: c.missingShare }))
    .sort((a, b) => b.missing - a.missing || a.column.localeCompare(b.column));
  const withTarget = options.correlations
    ? Object.entries(options.correlations)
        .filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]))
        .map(([column, correlation]) => ({ column, correlation }))
        .sort((a, b) => Math.abs(b.correlation) - Math.abs(a.correlation) || a.column.localeCompare(b.column))
    : null;
  const warnings: ExplorationWarning[] = analysis.warnings.map((message) => ({ severity: 'warning', column: null, message }));
  for (const c of withTarget ?? []) {
    if (Math.abs(c.correlation) >= LEAKAGE_CORRELATION) {
      warnings.push({ severity: 'high', column: c.column, message: `${c.column} correlates with the target at ${num(c.correlation)}: check that it is known before the target is (a leak makes scores look better than the model will do)` });
    }
  }
  for (const c of columns) {
    if (c.type === 'categorical' && c.distinct !== null && rows > 0 && c.distinct > 0.5 * rows) {
      warnings.push({ severity: 'info', column: c.name, message: `${c.name} has ${num(c.distinct)} distinct values for ${num(rows)} rows: few rows per category` });
    }
  }
  const features = analysis.columns.filter((c) => c.type !== 'dropped').length;
  const summary: Record<string, string | number> = {
    ...(version.dataset ? { dataset: version.dataset } : {}),
    rows,
    columns: analysis.columns.length,
    features,
    dropped: analysis.columns.filter((c) => c.type === 'dropped' && c.dropReason !== 'target').length,
    ...(targetName !== null ? { target: targetName } : {}),
    ...(analysis.problemType ? { problemType: analysis.problemType } : {}),
    ...(analysis.objective ? { objective: analysis.objective } : {}),
    validation: validationText(analysis.validation),
  };
  const json: ExplorationReportJson = {
    report: 'exploration',
    schemaVersion: 1,
    summary,
    columns,
    missing,
    target: { column: targetName, problemType: analysis.problemType, missing: targetColumn?.stats.nulls ?? 0, distribution: targetDistribution(analysis, targetColumn, options.targetCounts) },
    correlations: withTarget ? { method: 'pearson', withTarget } : null,
    warnings,
  };
  return { json, markdown: explorationMarkdown(json, analysis) };
}

function explorationMarkdown(r: ExplorationReportJson, analysis: ExplorationAnalysis): string {
  const out: string[] = [];
  out.push(`# Data exploration${r.summary.dataset ? `: ${r.summary.dataset}` : ''}`, '');
  out.push('## Summary', '', table(['', ''], Object.entries(r.summary).map(([k, v]) => [k, v])), '');
  out.push('## Target', '');
  const t = r.target;
  if (t.column === null) out.push('No target column was found.', '');
  else {
    out.push(`${code(t.column)}, ${t.problemType ?? 'problem type unknown'}; ${num(t.missing)} row(s) without a value.`, '');
    const d = t.distribution;
    if (d.classes.length) {
      const mapped = analysis.targetMapping != null;
      out.push(table(['class', ...(mapped ? ['id'] : []), 'rows', 'share', ''], d.classes.map((c, i) => [c.value, ...(mapped ? [i] : []), c.count, pct(c.share), bar(c.share)])), '');
    } else if (d.histogram.length) {
      out.push(`mean ${num(d.mean as number)}, standard deviation ${num(d.stddev as number)}, min ${num(d.min as number)}, max ${num(d.max as number)}`, '');
      const peak = Math.max(1, ...d.histogram.map((b) => b.count));
      out.push(table(['from', 'to', 'rows', ''], d.histogram.map((b) => [b.lower, b.upper, b.count, bar(b.count / peak)])), '');
    }
  }
  out.push('## Columns', '');
  out.push(
    table(
      ['column', 'type', 'read as', 'missing', 'distinct', 'mean', 'min', 'max', 'most frequent'],
      r.columns.map((c) => [
        c.name,
        c.sourceType,
        c.type === 'dropped' ? `dropped (${c.dropReason})` : c.type,
        `${num(c.missing)} (${pct(c.missingShare)})`,
        c.distinct,
        c.mean,
        typeof c.min === 'number' ? num(c.min) : c.min,
        typeof c.max === 'number' ? num(c.max) : c.max,
        c.topValues.slice(0, 3).map((v) => `${String(v.value)} (${num(v.count)})`).join(', '),
      ]),
    ),
    '',
  );
  out.push('## Missing values', '');
  if (r.missing.length === 0) out.push('No column has missing values.', '');
  else out.push(table(['column', 'missing', 'share', ''], r.missing.map((m) => [m.column, m.missing, pct(m.share), bar(m.share)])), '');
  out.push('## Correlations with the target', '');
  if (r.correlations === null) out.push(t.problemType === 'multiclass' ? 'Not computed for a multiclass target.' : 'Not computed.', '');
  else if (r.correlations.withTarget.length === 0) out.push('No numeric feature to correlate.', '');
  else {
    out.push(`Pearson's r of each numeric feature with the target${t.problemType === 'binary' ? ' (the positive class as 1: point-biserial)' : ''}, strongest first.`, '');
    out.push(table(['column', 'r', ''], r.correlations.withTarget.map((c) => [c.column, c.correlation, bar(Math.abs(c.correlation))])), '');
  }
  out.push('## Warnings', '');
  if (r.warnings.length === 0) out.push('None.', '');
  else for (const w of r.warnings) out.push(`- **${w.severity}**${w.column ? ` (${code(w.column)})` : ''}: ${w.message}`);
  return out.join('\n').trimEnd() + '\n';
}
