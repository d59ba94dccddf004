/**
 * One model-quality evaluation: captured predictions in a window merged with uploaded
 * ground truth by inference id, metrics for the problem type, and a check against
 * constraints. Also the baseline: the same metrics on a dataset holding a prediction and
 * a label column, with the constraints they suggest. Pure of any service: the monitor's
 * schedules call these as they are, and so does the standalone `orchard monitor
 * model-quality run`.
 */
import { OrchardError } from '../../core/index.js';
import type { ArtifactStore } from '../../storage/index.js';
import {
  checkConstraints,
  constraintsFor,
  metricNames,
  scalarMetrics,
  statisticsOf,
  suggestConstraints,
  type ModelQualityConstraints,
  type ModelQualityStatistics,
  type ModelQualityViolation,
  type ProblemType,
  type QualityMetrics,
} from './constraints.js';
import { binaryMetrics, multiclassMetrics, regressionMetrics, type ConfusionMatrix } from './metrics.js';
import { readCapture, readGroundTruth } from './records.js';

/** How to read a prediction (SageMaker's ModelQualityJobInput attributes). */
export interface PredictionAttributes {
  /** The predicted label or value: a JSON key (dots for nesting) or a 0-based CSV column. Default: the first value. */
  inferenceAttribute?: string;
  /** The positive class's probability (binary): a JSON key or CSV column. */
  probabilityAttribute?: string;
  /** A probability at or above it predicts 1. @default 0.5 */
  probabilityThreshold?: number;
}

export interface ModelQualityRunInput extends PredictionAttributes {
  endpoint: string;
  problemType: ProblemType;
  /** Window of inference times, epoch ms; default everything captured. */
  since?: number;
  until?: number;
  /** SageMaker's model-quality constraints.json; absent: metrics only. */
  constraints?: unknown;
}

export type ModelQualityStatus = 'Completed' | 'CompletedWithViolations' | 'Failed';

export interface ModelQualityResult {
  status: ModelQualityStatus;
  problemType: ProblemType;
  /** Scalar metrics by name. */
  metrics: Record<string, number>;
  confusionMatrix: ConfusionMatrix | null;
  violations: ModelQualityViolation[];
  /** Captured predictions in the window. */
  captured: number;
  /** Of those, the ones with ground truth (the metrics' rows). */
  matched: number;
  /** Matched rows whose prediction or label could not be read. */
  skipped: number;
  statistics: ModelQualityStatistics | null;
  failureReason?: string;
}

interface Row {
  label: string;
  prediction: unknown[] | Record<string, unknown>;
}

/** Runs one evaluation over an endpoint's capture and ground truth. */
export async function runModelQuality(artifacts: ArtifactStore, input: ModelQualityRunInput): Promise<ModelQualityResult> {
  // Constraints are checked before any data is read: a bad file fails at once.
  const constraints = input.constraints === undefined ? null : constraintsFor(input.problemType, input.constraints, metricNames(input.problemType));
  const [captured, labels] = await Promise.all([readCapture(artifacts, input.endpoint, input.since, input.until), readGroundTruth(artifacts, input.endpoint)]);
  const rows: Row[] = [];
  let skipped = 0;
  for (const c of captured) {
    const label = labels.get(c.id);
    if (label === undefined) continue;
    const prediction = parseOutput(c.data, c.encoding);
    if (prediction === null) skipped++;
    else rows.push({ label, prediction });
  }
  const matched = rows.length + skipped;
  const base = { problemType: input.problemType, captured: captured.length, matched, confusionMatrix: null, violations: [], metrics: {}, statistics: null };
  if (captured.length === 0) return { ...base, status: 'Failed', skipped, failureReason: `No captured invocation of '${input.endpoint}' in the window (is data capture on?)` };
  if (matched === 0) return { ...base, status: 'Failed', skipped, failureReason: `None of the ${captured.length} captured invocations in the window has ground truth (upload labels with their inference ids)` };
  const { metrics, skipped: unreadable } = evaluate(input.problemType, rows, input);
  skipped += unreadable;
  if (metrics === null) return { ...base, status: 'Failed', skipped, failureReason: `None of the ${matched} matched predictions could be read with the given attributes` };
  const scalars = scalarMetrics(metrics);
  const violations = constraints ? checkConstraints(scalars, constraints) : [];
  return {
    status: violations.length > 0 ? 'CompletedWithViolations' : 'Completed',
    problemType: input.problemType,
    metrics: scalars,
    confusionMatrix: 'confusion_matrix' in metrics ? metrics.confusion_matrix : null,
    violations,
    captured: captured.length,
    matched,
    skipped,
    statistics: statisticsOf(input.problemType, metrics, matched - skipped),
  };
}

export interface ModelQualityBaselineInput extends PredictionAttributes {
  problemType: ProblemType;
  /** The column holding the true label or value. */
  groundTruthAttribute: string;
}

export interface ModelQualityBaseline {
  statistics: ModelQualityStatistics;
  constraints: ModelQualityConstraints;
  metrics: Record<string, number>;
  rows: number;
  skipped: number;
}

/**
 * A baseline from rows (a dataset's, as objects): metrics of the prediction columns
 * against the label column, and the constraints they suggest.
 */
export function modelQualityBaseline(rows: readonly Record<string, unknown>[], input: ModelQualityBaselineInput): ModelQualityBaseline {
  if (rows.length === 0) throw new OrchardError('ORCH_MONITOR_MODEL_QUALITY_INVALID', { message: 'The baseline dataset has no rows' });
  const columns = Object.keys(rows[0]);
  const missing = [input.groundTruthAttribute, input.inferenceAttribute, input.probabilityAttribute].filter((c): c is string => c !== undefined && !columns.includes(c));
  if (input.inferenceAttribute === undefined && input.probabilityAttribute === undefined) {
    throw new OrchardError('ORCH_MONITOR_MODEL_QUALITY_INVALID', { message: 'A baseline needs the prediction column: inferenceAttribute, or probabilityAttribute for binary classification' });
  }
  if (missing.length > 0) throw new OrchardError('ORCH_MONITOR_MODEL_QUALITY_INVALID', { message: `The baseline dataset has no column ${missing.map((m) => `'${m}'`).join(', ')} (it has ${columns.join(', ')})`, details: { missing } });
  const labelled: Row[] = [];
  let skipped = 0;
  for (const r of rows) {
    const label = r[input.groundTruthAttribute];
    if (label === null || label === undefined || String(label).trim() === '') skipped++;
    else labelled.push({ label: String(label), prediction: r });
  }
  const { metrics, skipped: unreadable } = evaluate(input.problemType, labelled, input);
  if (metrics === null) throw new OrchardError('ORCH_MONITOR_MODEL_QUALITY_INVALID', { message: 'No row of the baseline dataset has a readable prediction and label' });
  const used = labelled.length - unreadable;
  return { statistics: statisticsOf(input.problemType, metrics, used), constraints: suggestConstraints(input.problemType, metrics), metrics: scalarMetrics(metrics), rows: used, skipped: skipped + unreadable };
}

/** The metrics of merged rows, or null when no row could be read. */
function evaluate(problemType: ProblemType, rows: readonly Row[], attrs: PredictionAttributes): { metrics: QualityMetrics | null; skipped: number } {
  let skipped = 0;
  if (problemType === 'Regression') {
    const actual: number[] = [];
    const predicted: number[] = [];
    for (const r of rows) {
      const y = toNumber(r.label);
      const p = toNumber(pick(r.prediction, attrs.inferenceAttribute));
      if (y === null || p === null) skipped++;
      else {
        actual.push(y);
        predicted.push(p);
      }
    }
    return { metrics: actual.length ? regressionMetrics(actual, predicted) : null, skipped };
  }
  if (problemType === 'BinaryClassification') {
    const threshold = attrs.probabilityThreshold ?? 0.5;
    const actual: (0 | 1)[] = [];
    const predicted: (0 | 1)[] = [];
    const scores: number[] = [];
    let allScores = true;
    for (const r of rows) {
      const y = toBinary(r.label);
      // A probability attribute gives the score; the label comes from the inference
      // attribute when named, else from the score and the threshold. With neither named,
      // a single value is read as the score (a 0/1 label reads the same at 0.5).
      const score = attrs.probabilityAttribute !== undefined || attrs.inferenceAttribute === undefined ? toNumber(pick(r.prediction, attrs.probabilityAttribute)) : null;
      const label = attrs.inferenceAttribute !== undefined ? toBinary(pick(r.prediction, attrs.inferenceAttribute)) : score === null ? null : score >= threshold ? 1 : 0;
      if (y === null || label === null) {
        skipped++;
        continue;
      }
      actual.push(y);
      predicted.push(label);
      if (score === null) allScores = false;
      else scores.push(score);
    }
    return { metrics: actual.length ? binaryMetrics(actual, predicted, allScores ? scores : undefined) : null, skipped };
  }
  const actual: string[] = [];
  const predicted: string[] = [];
  for (const r of rows) {
    const p = multiclassLabel(r.prediction, attrs.inferenceAttribute);
    if (p === null) skipped++;
    else {
      actual.push(normalLabel(r.label));
      predicted.push(p);
    }
  }
  return { metrics: actual.length ? multiclassMetrics(actual, predicted) : null, skipped };
}

/**
 * A captured answer as the first prediction's values: CSV's first line split on commas,
 * JSON's `predictions[0]` (or the object itself, or its first element), JSON Lines'
 * first line (its `prediction`, or the object). Null when unreadable.
 */
export function parseOutput(data: string, encoding: string): unknown[] | Record<string, unknown> | null {
  const text = data.trim();
  if (text === '') return null;
  if (encoding === 'CSV') return text.split('\n')[0].split(',').map((v) => v.trim());
  if (encoding !== 'JSON') return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // JSON Lines: the first line.
    try {
      value = JSON.parse(text.split('\n')[0]);
    } catch {
      return null;
    }
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    if (Array.isArray(o.predictions)) value = o.predictions[0];
    else if ('prediction' in o) value = o.prediction;
  } else if (Array.isArray(value)) value = value[0];
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value;
  if (typeof value === 'object') return value as Record<string, unknown>;
  return [value];
}

/** An attribute of a prediction: a key (dotted) of an object, a 0-based index of a list; the first value when not named. */
function pick(prediction: unknown[] | Record<string, unknown>, attribute: string | undefined): unknown {
  if (Array.isArray(prediction)) {
    if (attribute === undefined) return prediction[0];
    const i = Number(attribute);
    return Number.isInteger(i) && i >= 0 ? prediction[i] : undefined;
  }
  if (attribute === undefined) return Object.values(prediction)[0];
  let v: unknown = prediction;
  for (const part of attribute.split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
  return v;
}

/** A multiclass prediction: the named attribute; else a single value; else the index of the largest score. */
function multiclassLabel(prediction: unknown[] | Record<string, unknown>, attribute: string | undefined): string | null {
  if (attribute !== undefined || !Array.isArray(prediction) || prediction.length === 1) {
    const v = pick(prediction, attribute);
    return v === null || v === undefined || String(v).trim() === '' ? null : normalLabel(String(v));
  }
  let best = -1;
  let bestScore = Number.NEGATIVE_INFINITY;
  prediction.forEach((v, i) => {
    const s = toNumber(v);
    if (s !== null && s > bestScore) {
      bestScore = s;
      best = i;
    }
  });
  return best < 0 ? null : String(best);
}

/** Labels compare as text, numbers in their shortest form ("1.0" is "1"). */
function normalLabel(v: string): string {
  const t = v.trim();
  const n = Number(t);
  return t !== '' && Number.isFinite(n) ? String(n) : t;
}

function toNumber(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v !== 'string' || v.trim() === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

function toBinary(v: unknown): 0 | 1 | null {
  if (typeof v === 'string') {
    const t = v.trim().toLowerCase();
    if (t === 'true') return 1;
    if (t === 'false') return 0;
  }
  const n = toNumber(v);
  return n === 1 ? 1 : n === 0 ? 0 : null;
}
