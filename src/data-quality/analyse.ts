/**
 * Computes a data-quality report over one dataset version's Parquet file with DuckDB.
 *
 * Passes over the data: the version's ingest statistics (missing and distinct counts,
 * min/max/mean, top values and histograms, computed over every row when it was created)
 * are reused; one reservoir sample (at most `sampleRows`, only when the data is larger)
 * gives each numeric column's median and MAD; one full pass counts duplicate rows (by a
 * 64-bit hash of the whole row), exact distinct values of the ID candidates and the
 * outliers outside each column's robust fences; one GROUP BY gives the class
 * distribution. The target analysis and the quick model read at most `modelRows` rows of
 * the sample into memory.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { DATA_QUALITY_LIMITS } from '../contracts/data-quality.values.js';
import { isOrchardError, OrchardError } from '../core/index.js';
import { openDuckDB, sqlIdent, sqlString, type DatasetColumn, type DuckDBSession } from '../data/index.js';
import { buildWarnings, columnKind, imbalanceOf, isConstant, isDateLike, isHighCardinality, isIdLike, outlierFences, robustScale, type ResolvedProblemType } from './detectors.js';
import { holdoutMask, singleFeatureScore, type FeatureValues, type TargetValues } from './scoring.js';
import type { DataQualityColumn, DataQualityContent, DataQualityFeatureImportance, DataQualityTarget } from './types.js';

export interface AnalyseInput {
  /** Local path of the version's Parquet copy. */
  parquet: string;
  dataset: { name: string; version: number; rows: number; columns: DatasetColumn[] };
  target: string | null;
  problemType: ResolvedProblemType | null;
  /** Scratch folder (DuckDB spills here); removed afterwards. */
  workDir: string;
  signal?: AbortSignal;
  onProgress?: (stage: string, percent: number) => void;
  /** Smaller limits (tests). */
  limits?: { sampleRows?: number; modelRows?: number };
}

/** Values of the sample held in memory at most (rows × columns): wide data gets fewer model rows. */
const MAX_SAMPLE_CELLS = 5_000_000;
/** Numeric columns per median query (the quantile states hold every sampled value). */
const MEDIAN_COLUMNS_PER_QUERY = 16;
const DUCKDB_MEMORY = '512MB';

type Row = Record<string, unknown>;

export async function analyseDataset(input: AnalyseInput): Promise<DataQualityContent> {
  const timings: Record<string, number> = {};
  let lap = Date.now();
  const mark = (name: string) => {
    const now = Date.now();
    timings[name] = (now - lap) / 1000;
    lap = now;
    input.signal?.throwIfAborted();
  };
  const progress = (stage: string, percent: number) => input.onProgress?.(stage, percent);
  const sampleLimit = input.limits?.sampleRows ?? DATA_QUALITY_LIMITS.sampleRows;
  const rows = input.dataset.rows;
  const all = input.dataset.columns;
  const analysed = all.slice(0, DATA_QUALITY_LIMITS.maxColumns);
  const notAnalysed = all.slice(DATA_QUALITY_LIMITS.maxColumns).map((c) => c.name);
  // The target is analysed even when it lies past the column limit.
  if (input.target && !analysed.some((c) => c.name === input.target)) analysed.push(all.find((c) => c.name === input.target)!);

  await fs.mkdir(input.workDir, { recursive: true });
  const db = await openDuckDB({ tempDirectory: path.join(input.workDir, 'spill'), memoryLimit: DUCKDB_MEMORY });
  // A stop, shutdown or lost lease interrupts the query under way, not only the next one.
  const interrupt = () => db.connection.interrupt();
  input.signal?.addEventListener('abort', interrupt, { once: true });
  try {
    await db.exec(`CREATE VIEW src AS SELECT * FROM read_parquet(${sqlString(input.parquet)})`);

    // 1. The sample: every row when there are few, else a reservoir sample.
    progress('sampling', 5);
    let sampleRows = rows;
    let sample = 'src';
    if (rows > sampleLimit) {
      await db.exec(`CREATE TEMP TABLE sample AS SELECT * FROM src USING SAMPLE reservoir(${sampleLimit} ROWS) REPEATABLE (42)`);
      sample = 'sample';
      sampleRows = sampleLimit;
    }
    mark('sample');

    // 2. Robust centre and scale of each numeric column, on the sample.
    progress('medians', 15);
    const numeric = analysed.filter((c) => columnKind(c.type) === 'numeric' && c.stats.distinct > 1);
    const centres = new Map<string, { median: number; mad: number; scale: number }>();
    for (let start = 0; start < numeric.length; start += MEDIAN_COLUMNS_PER_QUERY) {
      const group = numeric.slice(start, start + MEDIAN_COLUMNS_PER_QUERY);
      const medians = await oneRow(db, `SELECT ${group.map((c, i) => `median(${finite(c)}) AS m${i}`).join(', ')} FROM ${sample} AS t`);
      const spread = await oneRow(
        db,
        `SELECT ${group.map((c, i) => `median(abs(${finite(c)} - ${num(medians[`m${i}`])})) AS d${i}, avg(abs(${finite(c)} - ${num(medians[`m${i}`])})) AS a${i}`).join(', ')} FROM ${sample} AS t`,
      );
      group.forEach((c, i) => {
        const median = toNumber(medians[`m${i}`]);
        const mad = toNumber(spread[`d${i}`]);
        if (median === null || mad === null) return;
        centres.set(c.name, { median, mad, scale: robustScale(mad, toNumber(spread[`a${i}`]) ?? 0) });
      });
    }
    mark('medians');

    // 3. One full pass: duplicate rows, exact distinct counts of ID candidates, outliers.
    progress('duplicates and outliers', 30);
    const exprs = ['count(*) AS n', `count(DISTINCT hash(${all.map((c) => `t.${sqlIdent(c.name)}`).join(', ')})) AS u`];
    const idCandidates = analysed.filter((c) => {
      const kind = columnKind(c.type);
      const present = c.stats.count;
      return (kind === 'categorical' || /INT/i.test(c.type)) && present >= 2 && c.stats.distinct >= 0.9 * present;
    });
    idCandidates.forEach((c, i) => exprs.push(`count(DISTINCT t.${sqlIdent(c.name)}) AS x${i}`));
    const fenced = numeric.map((c) => ({ column: c, fences: centres.has(c.name) ? outlierFences(centres.get(c.name)!.median, centres.get(c.name)!.scale) : null })).filter((f) => f.fences);
    fenced.forEach((f, i) => exprs.push(`sum(CASE WHEN ${finite(f.column)} < ${num(f.fences!.lower)} OR ${finite(f.column)} > ${num(f.fences!.upper)} THEN 1 ELSE 0 END) AS o${i}`));
    const full = await oneRow(db, `SELECT ${exprs.join(', ')} FROM src AS t`);
    const duplicateRows = Number(full.n) - Number(full.u);
    const exactDistinct = new Map(idCandidates.map((c, i) => [c.name, Number(full[`x${i}`])]));
    const outlierCounts = new Map(fenced.map((f, i) => [f.column.name, { count: Number(full[`o${i}`] ?? 0), ...f.fences! }]));
    mark('fullPass');

    // Per-column facts.
    const columns: DataQualityColumn[] = analysed.map((c) => {
      const s = c.stats;
      const distinct = exactDistinct.get(c.name) ?? s.distinct;
      const counts = { type: c.type, rows, missing: s.nulls, distinct, min: s.min, max: s.max };
      const present = rows - s.nulls;
      const centre = centres.get(c.name);
      const out = outlierCounts.get(c.name);
      const constant = isConstant(counts);
      return {
        name: c.name,
        type: c.type,
        kind: columnKind(c.type),
        missing: s.nulls,
        missingShare: rows ? s.nulls / rows : 0,
        distinct,
        distinctShare: present ? distinct / present : 0,
        idLike: !constant && isIdLike(counts),
        constant,
        highCardinality: !constant && !isIdLike(counts) && isHighCardinality(counts),
        outliers: centre && out ? { count: out.count, share: rows ? out.count / rows : 0, median: centre.median, mad: centre.mad, lower: out.lower, upper: out.upper } : null,
        min: s.min,
        max: s.max,
        mean: s.mean,
        histogram: s.histogram,
        topValues: s.topValues,
        predictivePower: null,
      };
    });

    // 4. The target: classes over every row, then leakage and the quick model on the sample.
    let target: DataQualityTarget | null = null;
    let importance: DataQualityFeatureImportance | null = null;
    let modelSkipped: string | null = null;
    let modelRows = 0;
    if (input.target && input.problemType) {
      progress('target', 45);
      const t = analysed.find((c) => c.name === input.target)!;
      const ti = sqlIdent(t.name);
      const kind = columnKind(t.type);
      const problemType = input.problemType;
      let labels: string[] = [];
      let classes: DataQualityTarget['classes'] = null;
      if (problemType !== 'regression') {
        const max = DATA_QUALITY_LIMITS.maxClasses;
        const reader = await db.connection.runAndReadAll(`SELECT CAST(${ti} AS VARCHAR) AS v, count(*) AS n FROM src WHERE ${ti} IS NOT NULL GROUP BY 1 ORDER BY n DESC, v LIMIT ${max + 1}`);
        const found = reader.getRowObjectsJS().map((r) => ({ label: String(r.v), count: Number(r.n) }));
        if (found.length > max || (problemType === 'binary' && found.length !== 2)) {
          throw new OrchardError('ORCH_DATA_QUALITY_TARGET_INVALID', {
            message: `Target column '${t.name}' has ${found.length > max ? `more than ${max}` : found.length} classes; a ${problemType} target has ${problemType === 'binary' ? '2' : `at most ${max}`}`,
            details: { target: t.name, problemType },
          });
        }
        const present = found.reduce((n, c) => n + c.count, 0);
        classes = found.map((c) => ({ value: labelValue(c.label, kind), count: c.count, share: present ? c.count / present : 0 }));
        // Class indices in value order, so a binary target's positive class is its larger value (1, true).
        labels = found.map((c) => c.label).sort((a, b) => (kind === 'numeric' ? Number(a) - Number(b) : a < b ? -1 : a > b ? 1 : 0));
      }
      mark('classes');

      progress('target leakage', 55);
      const features = analysed.filter((c) => c.name !== t.name);
      const present = rows - t.stats.nulls;
      const cap = Math.max(100, Math.min(input.limits?.modelRows ?? DATA_QUALITY_LIMITS.modelRows, Math.floor(MAX_SAMPLE_CELLS / Math.max(1, features.length + 1))));
      const selects = features.map((c, i) => `${featureExpr(c)} AS f${i}`);
      selects.push(problemType === 'regression' ? `CAST(${ti} AS DOUBLE) AS y` : `CAST(${ti} AS VARCHAR) AS y`);
      const inner = `SELECT ${selects.join(', ')} FROM ${sample} AS t WHERE ${ti} IS NOT NULL${problemType === 'regression' ? ` AND isfinite(CAST(${ti} AS DOUBLE))` : ''}`;
      const bigger = sample !== 'src' || present > cap;
      const reader = await db.connection.runAndReadAll(bigger ? `SELECT * FROM (${inner}) USING SAMPLE reservoir(${cap} ROWS) REPEATABLE (7)` : inner);
      const data = reader.getColumnsObjectJS();
      const n = (data.y ?? []).length;
      const targetValues = toTargetValues(data.y ?? [], problemType, labels);
      const holdout = holdoutMask(n);
      const leakage: DataQualityTarget['leakage'] = [];
      const encoded: Array<{ column: DataQualityColumn; values: FeatureValues | null }> = [];
      features.forEach((c, i) => {
        const column = columns.find((col) => col.name === c.name)!;
        const values = encodeFeature(c, (data[`f${i}`] ?? []) as unknown[]);
        encoded.push({ column, values });
        if (!values || column.constant || n < 10) return;
        if (isIdentical(values, (data[`f${i}`] ?? []) as unknown[], data.y ?? [], problemType, kind)) {
          column.predictivePower = 1;
          leakage.push({ column: c.name, score: 1, metric: 'identical' });
          return;
        }
        const score = singleFeatureScore(values, targetValues, holdout);
        column.predictivePower = score;
        if (score !== null && score >= DATA_QUALITY_LIMITS.leakageScore) leakage.push({ column: c.name, score, metric: problemType === 'regression' ? 'r2' : 'auc' });
      });
      target = { column: t.name, problemType, missing: t.stats.nulls, classes, imbalance: classes ? imbalanceOf(classes) : null, leakage };
      mark('leakage');

      progress('quick model', 70);
      const excluded: DataQualityFeatureImportance['excluded'] = [];
      const used: Array<{ column: string; values: FeatureValues }> = [];
      for (const e of encoded) {
        if (!e.values) excluded.push({ column: e.column.name, reason: e.column.kind === 'temporal' ? 'a time of day' : 'not readable as a number or category' });
        else if (e.column.constant) excluded.push({ column: e.column.name, reason: 'constant' });
        else if (e.column.idLike) excluded.push({ column: e.column.name, reason: 'ID-like' });
        else used.push({ column: e.column.name, values: e.values });
      }
      const presentClasses = new Set(targetValues.y).size;
      if (used.length === 0) modelSkipped = 'No quick model: no column is usable as a feature.';
      else if (problemType !== 'regression' && presentClasses < 2) modelSkipped = 'No quick model: the sampled rows hold a single class.';
      else {
        try {
          const { trainQuickModel } = await import('./quick-model.js');
          const model = await trainQuickModel(
            used.map((u) => u.values),
            targetValues,
            // One thread: on at most 50k rows, starting a worker pool costs more than it saves
            // (300 rows: 0.2 s on one thread, 3 s on two; 50k rows: 0.3 s against 4.4 s).
            { threads: 1, signal: input.signal },
          );
          if (!model) modelSkipped = `No quick model: ${n} rows with a target are too few to train and validate on.`;
          else {
            modelRows = model.trainRows + model.validationRows;
            importance = {
              model: 'xgboost',
              objective: model.objective,
              trainRows: model.trainRows,
              validationRows: model.validationRows,
              validationMetric: model.validationMetric,
              validationScore: model.validationScore,
              features: used.map((u, i) => ({ column: u.column, importance: model.importance[i] })).sort((a, b) => b.importance - a.importance || (a.column < b.column ? -1 : 1)),
              excluded,
            };
          }
        } catch (err) {
          if (input.signal?.aborted || !isOrchardError(err)) throw err;
          modelSkipped = `No quick model: ${err.message}`;
        }
      }
      mark('quickModel');
    }

    progress('writing', 95);
    const warnings = buildWarnings({ rows, duplicateRows, columns, target, importance, modelSkipped, notAnalysed });
    const missingCells = columns.reduce((s, c) => s + c.missing, 0);
    const counts = { high: 0, medium: 0, low: 0 };
    for (const w of warnings) counts[w.severity]++;
    return {
      dataset: { name: input.dataset.name, version: input.dataset.version },
      summary: {
        rows,
        columns: all.length,
        duplicateRows,
        duplicateShare: rows ? duplicateRows / rows : 0,
        missingCells,
        missingShare: rows && columns.length ? missingCells / (rows * columns.length) : 0,
        sampleRows,
        modelRows,
        warnings: counts,
      },
      warnings,
      columns,
      target,
      featureImportance: importance,
      thresholds: { ...DATA_QUALITY_LIMITS, sampleRows: sampleLimit },
      timings,
    };
  } finally {
    input.signal?.removeEventListener('abort', interrupt);
    db.close();
    await fs.rm(input.workDir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** The column as a double, NULL where not finite (floats may hold NaN and ±Inf). */
function finite(c: DatasetColumn): string {
  const q = `t.${sqlIdent(c.name)}`;
  return /^(FLOAT|DOUBLE)$/i.test(c.type) ? `(CASE WHEN isfinite(${q}) THEN ${q}::DOUBLE END)` : `(${q}::DOUBLE)`;
}

/** How a feature is read into memory: a number, or text encoded as categories; NULL where it cannot be. */
function featureExpr(c: DatasetColumn): string {
  const q = `t.${sqlIdent(c.name)}`;
  const kind = columnKind(c.type);
  if (kind === 'numeric') return finite(c);
  if (kind === 'boolean') return `CAST(${q} AS DOUBLE)`;
  if (kind === 'temporal') return isDateLike(c.type) ? `CAST(epoch(${q}) AS DOUBLE)` : 'CAST(NULL AS DOUBLE)';
  return `CAST(${q} AS VARCHAR)`;
}

/** Numbers or category codes (categories numbered in sorted order); null for a time-of-day column. */
function encodeFeature(c: DatasetColumn, values: unknown[]): FeatureValues | null {
  const kind = columnKind(c.type);
  if (kind === 'temporal' && !isDateLike(c.type)) return null;
  if (kind === 'numeric' || kind === 'boolean' || kind === 'temporal') {
    return { kind: 'numeric', values: Float64Array.from(values, (v) => (v === null || v === undefined ? NaN : Number(v))) };
  }
  const distinct = [...new Set(values.filter((v): v is string => typeof v === 'string'))].sort();
  const code = new Map(distinct.map((v, i) => [v, i]));
  return { kind: 'categorical', codes: Int32Array.from(values, (v) => (typeof v === 'string' ? code.get(v)! : -1)) };
}

function toTargetValues(y: unknown[], problemType: ResolvedProblemType, labels: string[]): TargetValues {
  if (problemType === 'regression') return { problemType, y: Float64Array.from(y, (v) => Number(v)), classes: 1 };
  const index = new Map(labels.map((l, i) => [l, i]));
  return { problemType, y: Float64Array.from(y, (v) => index.get(String(v)) ?? 0), classes: labels.length };
}

/** A feature that holds the target's own value in every row. */
function isIdentical(values: FeatureValues, raw: unknown[], y: unknown[], problemType: ResolvedProblemType, targetKind: string): boolean {
  if (raw.length === 0) return false;
  for (let i = 0; i < raw.length; i++) {
    const f = raw[i];
    if (f === null || f === undefined) return false;
    if (values.kind === 'numeric') {
      const target = problemType === 'regression' ? Number(y[i]) : targetKind === 'numeric' || targetKind === 'boolean' ? labelNumber(String(y[i])) : NaN;
      if (!(Number(f) === target)) return false;
    } else if (String(f) !== String(y[i])) return false;
  }
  return true;
}

function labelNumber(label: string): number {
  if (label === 'true') return 1;
  if (label === 'false') return 0;
  return Number(label);
}

/** A class label as the report shows it: a number for numeric targets, a boolean for booleans. */
function labelValue(label: string, kind: string): string | number | boolean {
  if (kind === 'numeric') return Number(label);
  if (kind === 'boolean') return label === 'true';
  return label;
}

async function oneRow(db: DuckDBSession, sql: string): Promise<Row> {
  const reader = await db.connection.runAndReadAll(sql);
  return reader.getRowObjectsJS()[0] ?? {};
}

function toNumber(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** A number as a SQL literal (always finite here). */
function num(v: unknown): string {
  const n = Number(v);
  return Number.isFinite(n) ? `(${n.toString()})::DOUBLE` : 'NULL';
}
