/**
 * SageMaker Debugger's built-in rules over a training job's metric series ("tensors"
 * where an algorithm logs them: `gradient_norm`, `weight_norm`, `init:*`). Pure: series
 * in, verdict out. Each rule names its parameters as SageMaker does, with its defaults.
 */
import type { BuiltinRuleName } from '../contracts/debugger-values.js';

export interface SeriesPoint {
  step: number;
  value: number;
}

/** Every metric series of a job so far, by name, in the order logged. */
export type SeriesMap = ReadonlyMap<string, readonly SeriesPoint[]>;

export type Verdict =
  | { status: 'InProgress'; message: string | null }
  | { status: 'NoIssuesFound' | 'IssuesFound' | 'Error'; message: string };

export type ParamValue = string | number | boolean;
export type ParamSpec = { type: 'number'; default: number; min?: number; integer?: boolean } | { type: 'string'; default: string | null; regex?: boolean } | { type: 'boolean'; default: boolean };

export interface BuiltinRule {
  name: BuiltinRuleName;
  parameters: Record<string, ParamSpec>;
  /** Metric-driven rules evaluate on every point; `data` rules once, from the training data (see class-imbalance.ts). */
  source: 'metrics' | 'data';
  /** `final`: the attempt has ended, so a rule still waiting for data decides now. */
  evaluate(series: SeriesMap, params: Record<string, ParamValue | null>, final: boolean): Verdict;
}

// Training loss names: `loss`, `train:loss`, `train:objective_loss` (linear-learner),
// `train_loss`, `training:loss`, `train:logloss`, `train:rmse` (xgboost); not validation or test series.
export const TRAIN_LOSS = '^(?!val(idation)?[:_/]|test[:_/])(train(ing)?[:_/])?[a-z_]*loss$|^train(ing)?[:_/](rmse|mae)$';
// Validation loss names: `validation:loss`, `val_loss`, `validation:objective_loss`, `validation:logloss`, `validation:rmse`.
export const VALIDATION_LOSS = '^val(idation)?[:_/]([a-z_]*loss|rmse|mae)$';

const num = (p: Record<string, ParamValue | null>, k: string) => Number(p[k]);
const fmt = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(4)).toString() : String(x));

/** Series whose names match the rule's regex (or the exact `metric` when given). */
function matching(series: SeriesMap, pattern: string | null, exact?: string | null): Array<[string, readonly SeriesPoint[]]> {
  if (exact) return series.has(exact) ? [[exact, series.get(exact)!]] : [];
  const re = new RegExp(pattern ?? '.*');
  return [...series].filter(([name]) => re.test(name));
}

function nothingMatched(final: boolean, what: string, series: SeriesMap): Verdict {
  if (!final) return { status: 'InProgress', message: null };
  const names = [...series.keys()].filter((n) => !n.startsWith('profiler:'));
  return { status: 'Error', message: `No metric matched ${what}; the job logged ${names.length ? names.slice(0, 10).join(', ') : 'no metrics'}` };
}

/** Best (lowest) value in a slice of points. */
const lowest = (points: readonly SeriesPoint[]) => points.reduce((m, p) => (p.value < m ? p.value : m), Infinity);

/** Whether `now` improves on `before` by at least `fraction` of it. */
const improves = (now: number, before: number, fraction: number) => now < before - Math.abs(before) * fraction;

/**
 * loss_not_decreasing: the best loss of the last `num_steps` points does not improve on the
 * best before them by `diff_percent` percent. Judged once a series has num_steps + 1 points.
 */
const lossNotDecreasing: BuiltinRule = {
  name: 'loss_not_decreasing',
  source: 'metrics',
  parameters: {
    tensor_regex: { type: 'string', default: TRAIN_LOSS, regex: true },
    metric: { type: 'string', default: null },
    num_steps: { type: 'number', default: 10, min: 1, integer: true },
    diff_percent: { type: 'number', default: 0.1, min: 0 },
  },
  evaluate(series, p, final) {
    const found = matching(series, p.tensor_regex as string, p.metric as string | null);
    if (found.length === 0) return nothingMatched(final, p.metric ? `'${p.metric}'` : `tensor_regex '${p.tensor_regex}'`, series);
    const n = num(p, 'num_steps');
    const fraction = num(p, 'diff_percent') / 100;
    let judged = 0;
    for (const [name, points] of found) {
      if (points.length <= n) continue;
      judged++;
      const before = lowest(points.slice(0, points.length - n));
      const recent = lowest(points.slice(points.length - n));
      if (!improves(recent, before, fraction)) {
        return { status: 'IssuesFound', message: `${name} did not decrease by ${p.diff_percent}% over the last ${n} steps (best ${fmt(before)} before step ${points[points.length - n].step}, ${fmt(recent)} since)` };
      }
    }
    if (!final) return { status: 'InProgress', message: null };
    return { status: 'NoIssuesFound', message: judged ? `${found.map(([s]) => s).join(', ')} kept decreasing` : `Fewer than ${n + 1} points of ${found.map(([s]) => s).join(', ')}: nothing to judge` };
  },
};

/** Points of two series paired by step (the last point of a repeated step wins). */
function pairs(a: readonly SeriesPoint[], b: readonly SeriesPoint[]): Array<{ step: number; a: number; b: number }> {
  const byStep = new Map(b.map((p) => [p.step, p.value]));
  return a.filter((p) => byStep.has(p.step)).map((p) => ({ step: p.step, a: p.value, b: byStep.get(p.step)! }));
}

function trainAndValidation(series: SeriesMap, p: Record<string, ParamValue | null>) {
  const train = matching(series, TRAIN_LOSS, p.training_metric as string | null)[0];
  const validation = matching(series, VALIDATION_LOSS, p.validation_metric as string | null)[0];
  return { train, validation };
}

/**
 * overfit: validation loss above training loss by more than `ratio_threshold` (relative
 * to the training loss) on `patience` consecutive steps from `start_step`.
 */
const overfit: BuiltinRule = {
  name: 'overfit',
  source: 'metrics',
  parameters: {
    training_metric: { type: 'string', default: null },
    validation_metric: { type: 'string', default: null },
    start_step: { type: 'number', default: 0, min: 0 },
    patience: { type: 'number', default: 1, min: 1, integer: true },
    ratio_threshold: { type: 'number', default: 0.1, min: 0 },
  },
  evaluate(series, p, final) {
    const { train, validation } = trainAndValidation(series, p);
    if (!train || !validation) return nothingMatched(final, `a training and a validation loss (found ${train?.[0] ?? 'no training loss'}, ${validation?.[0] ?? 'no validation loss'})`, series);
    let run = 0;
    for (const { step, a, b } of pairs(train[1], validation[1])) {
      if (step < num(p, 'start_step')) continue;
      const ratio = (b - a) / Math.max(Math.abs(a), 1e-12);
      run = ratio > num(p, 'ratio_threshold') ? run + 1 : 0;
      if (run >= num(p, 'patience')) {
        return { status: 'IssuesFound', message: `${validation[0]} (${fmt(b)}) exceeds ${train[0]} (${fmt(a)}) by ${fmt(ratio * 100)}% at step ${step}, for ${run} step(s)` };
      }
    }
    return final ? { status: 'NoIssuesFound', message: `${validation[0]} stayed within ${fmt(num(p, 'ratio_threshold') * 100)}% of ${train[0]}` } : { status: 'InProgress', message: null };
  },
};

/** Steps since a series last improved on its best by `delta` (a fraction of it). */
function stalledFor(points: readonly SeriesPoint[], delta: number): number {
  let best = Infinity;
  let since = 0;
  for (const pt of points) {
    if (best === Infinity || improves(pt.value, best, delta)) {
      best = pt.value;
      since = 0;
    } else since++;
  }
  return since;
}

/**
 * overtraining: the validation loss has not improved by `delta` (relative) for
 * `patience_validation` steps, or the training loss for `patience_train` steps.
 */
const overtraining: BuiltinRule = {
  name: 'overtraining',
  source: 'metrics',
  parameters: {
    training_metric: { type: 'string', default: null },
    validation_metric: { type: 'string', default: null },
    patience_train: { type: 'number', default: 5, min: 1, integer: true },
    patience_validation: { type: 'number', default: 10, min: 1, integer: true },
    delta: { type: 'number', default: 0.01, min: 0 },
  },
  evaluate(series, p, final) {
    const { train, validation } = trainAndValidation(series, p);
    if (!train && !validation) return nothingMatched(final, 'a training or validation loss', series);
    const delta = num(p, 'delta');
    for (const [found, patience] of [
      [validation, num(p, 'patience_validation')],
      [train, num(p, 'patience_train')],
    ] as const) {
      if (!found) continue;
      const since = stalledFor(found[1], delta);
      if (since >= patience) return { status: 'IssuesFound', message: `${found[0]} has not improved by ${fmt(delta * 100)}% for ${since} steps (patience ${patience})` };
    }
    return final ? { status: 'NoIssuesFound', message: `${[validation?.[0], train?.[0]].filter(Boolean).join(' and ')} kept improving` } : { status: 'InProgress', message: null };
  },
};

/** vanishing_gradient: the latest absolute value of a gradient series falls below `threshold`. */
const vanishingGradient: BuiltinRule = {
  name: 'vanishing_gradient',
  source: 'metrics',
  parameters: {
    tensor_regex: { type: 'string', default: 'gradient', regex: true },
    threshold: { type: 'number', default: 0.0000001, min: 0 },
  },
  evaluate(series, p, final) {
    const found = matching(series, p.tensor_regex as string);
    if (found.length === 0) return nothingMatched(final, `tensor_regex '${p.tensor_regex}'`, series);
    for (const [name, points] of found) {
      const last = points[points.length - 1];
      if (last && Math.abs(last.value) < num(p, 'threshold')) return { status: 'IssuesFound', message: `${name} is ${fmt(last.value)} at step ${last.step}, below ${p.threshold}` };
    }
    return final ? { status: 'NoIssuesFound', message: `${found.map(([n]) => n).join(', ')} stayed above ${p.threshold}` } : { status: 'InProgress', message: null };
  },
};

/** exploding_tensor: a NaN (or, unless `only_nan`, an infinite value) in any matched series. */
const explodingTensor: BuiltinRule = {
  name: 'exploding_tensor',
  source: 'metrics',
  parameters: {
    tensor_regex: { type: 'string', default: '.*', regex: true },
    only_nan: { type: 'boolean', default: false },
  },
  evaluate(series, p, final) {
    const found = matching(series, p.tensor_regex as string).filter(([name]) => !name.startsWith('profiler:'));
    if (found.length === 0) return nothingMatched(final, `tensor_regex '${p.tensor_regex}'`, series);
    for (const [name, points] of found) {
      const bad = points.find((pt) => Number.isNaN(pt.value) || (!p.only_nan && !Number.isFinite(pt.value)));
      if (bad) return { status: 'IssuesFound', message: `${name} is ${bad.value} at step ${bad.step}` };
    }
    return final ? { status: 'NoIssuesFound', message: `${found.length} series, all finite` } : { status: 'InProgress', message: null };
  },
};

/**
 * poor_weight_initialization: the spread of the activation inputs' (or initial weights')
 * standard deviations across layers, as first logged: largest over smallest above
 * `threshold`, or a zero beside non-zero ones (SageMaker's variance ratio across layers).
 */
const poorWeightInitialization: BuiltinRule = {
  name: 'poor_weight_initialization',
  source: 'metrics',
  parameters: {
    activation_inputs_regex: { type: 'string', default: 'activation_input|^init:.*_std$', regex: true },
    threshold: { type: 'number', default: 10, min: 1 },
  },
  evaluate(series, p, final) {
    const found = matching(series, p.activation_inputs_regex as string).filter(([, pts]) => pts.length > 0);
    if (found.length === 0) return nothingMatched(final, `activation_inputs_regex '${p.activation_inputs_regex}'`, series);
    const first = found.map(([name, pts]) => ({ name, value: Math.abs(pts[0].value) }));
    if (first.some((f) => !Number.isFinite(f.value))) return { status: 'IssuesFound', message: `${first.find((f) => !Number.isFinite(f.value))!.name} is not finite at initialisation` };
    if (first.length >= 2) {
      const hi = first.reduce((a, b) => (b.value > a.value ? b : a));
      const lo = first.reduce((a, b) => (b.value < a.value ? b : a));
      if (hi.value > 0 && hi.value > lo.value * num(p, 'threshold')) {
        return { status: 'IssuesFound', message: `${hi.name} (${fmt(hi.value)}) is more than ${p.threshold}× ${lo.name} (${fmt(lo.value)}) at initialisation` };
      }
    }
    if (!final) return { status: 'InProgress', message: null };
    return { status: 'NoIssuesFound', message: first.length < 2 ? `One tensor (${first[0].name}): no layers to compare` : `${first.length} tensors within ${p.threshold}× of each other` };
  },
};

/** class_imbalance is judged from the training data's label counts (see class-imbalance.ts); these are its parameters. */
const classImbalance: BuiltinRule = {
  name: 'class_imbalance',
  source: 'data',
  parameters: {
    threshold_imbalance: { type: 'number', default: 10, min: 1 },
    labels: { type: 'string', default: null },
    channel: { type: 'string', default: 'train' },
  },
  evaluate: () => ({ status: 'InProgress', message: null }),
};

export const BUILTIN_RULE_TABLE: Record<BuiltinRuleName, BuiltinRule> = {
  loss_not_decreasing: lossNotDecreasing,
  overfit,
  overtraining,
  class_imbalance: classImbalance,
  vanishing_gradient: vanishingGradient,
  exploding_tensor: explodingTensor,
  poor_weight_initialization: poorWeightInitialization,
};

/** Class counts → verdict: the largest class over the smallest above `threshold_imbalance`. */
export function judgeClassCounts(counts: ReadonlyMap<string, number>, threshold: number): Verdict {
  if (counts.size === 0) return { status: 'Error', message: 'The channel has no rows' };
  if (counts.size > 1000) return { status: 'NoIssuesFound', message: `${counts.size} distinct labels: not a classification target` };
  const sorted = [...counts].sort((a, b) => b[1] - a[1]);
  const [top, bottom] = [sorted[0], sorted[sorted.length - 1]];
  const summary = sorted.slice(0, 10).map(([k, n]) => `${k}: ${n}`).join(', ');
  if (counts.size === 1) return { status: 'IssuesFound', message: `A single class (${summary})` };
  const ratio = top[1] / bottom[1];
  if (ratio > threshold) return { status: 'IssuesFound', message: `Class ${top[0]} has ${fmt(ratio)}× the rows of class ${bottom[0]} (threshold ${threshold}; ${summary})` };
  return { status: 'NoIssuesFound', message: `Largest over smallest class ${fmt(ratio)}× (threshold ${threshold}; ${summary})` };
}
