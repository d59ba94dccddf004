/**
 * The finalize step of an AutoML job, run by its finalize job on a worker: every trained
 * candidate predicts its recipe variant's held-out rows and is scored alike; in mode
 * `ensembling` Caruana's selection weighs the best of them into one ensemble model folder;
 * global importance is computed per raw column (mean |TreeSHAP| for xgboost, permutation
 * importance otherwise and for the ensemble).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { ENSEMBLE_FORMAT, ENSEMBLE_VERSION, getAlgorithm, registerBuiltins, writeEnsemble, type EnsembleArtifact } from '../../algorithms/index.js';
import { OrchardError } from '../../core/index.js';
import { openDuckDB, sqlString } from '../../data/index.js';
import { openPredictor, type ServingPredictor } from '../../serving/predictor.js';
import { ensembleSelection, isMaximized, metric, metrics, PROBLEM_METRICS } from '../scoring/index.js';
import { permutationSample, shapImportance, type Member, type SampledImportance } from './importance.js';
import type { CrossValidationScore, FinalizeCandidate, FinalizeInput, FinalizeResult } from './types.js';

/** Rows importance is computed on, at most (a seeded sample beyond). */
const IMPORTANCE_ROWS = 5000;

interface Validation {
  /** Class ids (classification) or values. */
  labels: Float64Array;
  features: Float32Array;
  rows: number;
  cols: number;
}

interface Scored {
  candidate: FinalizeCandidate;
  predictor: ServingPredictor;
  featureColumns: readonly string[];
  validation: Validation;
  /** Normalised predictions: K probabilities per row, or values. */
  predictions: Float64Array;
  objective: number;
  /** Cross-validation: every row's prediction by the fold model that did not see it. */
  oof?: Float64Array;
}

/** Every fold's held-out rows end to end: the labels, and where each fold starts (k + 1 offsets). */
interface OutOfFold {
  labels: Float64Array;
  offsets: number[];
}

function invalid(message: string, details?: Record<string, unknown>): OrchardError {
  return new OrchardError('ORCH_AUTOML_INVALID', { message, details });
}

/** Reads a variant's validation rows: the target (first column) and the features. */
async function readValidation(file: string, problemType: FinalizeInput['problemType'], classes: readonly string[] | undefined, K: number): Promise<Validation> {
  const db = await openDuckDB();
  try {
    const reader = await db.connection.runAndReadAll(`SELECT * FROM read_parquet(${sqlString(file)})`);
    const columns = reader.getColumnsJS();
    const rows = reader.currentRowCount;
    const cols = columns.length - 1;
    if (cols < 1) throw invalid(`The validation rows ${path.basename(file)} have no feature column`);
    const labels = new Float64Array(rows);
    const target = columns[0];
    for (let r = 0; r < rows; r++) {
      const v = target[r];
      if (problemType === 'regression') labels[r] = v === null ? NaN : Number(v);
      else {
        const text = v === null ? '' : String(v);
        const at = classes ? classes.indexOf(text) : -1;
        const id = at >= 0 ? at : Number(v);
        if (!(Number.isInteger(id) && id >= 0 && id < K)) throw invalid(`Validation row ${r + 1}: target ${JSON.stringify(v)} is not one of the classes`, { row: r + 1 });
        labels[r] = id;
      }
    }
    const features = new Float32Array(rows * cols);
    for (let c = 0; c < cols; c++) {
      const col = columns[c + 1];
      for (let r = 0; r < rows; r++) {
        const v = col[r];
        features[r * cols + c] = v === null ? NaN : typeof v === 'boolean' ? (v ? 1 : 0) : Number(v);
      }
    }
    return { labels, features, rows, cols };
  } finally {
    db.close();
  }
}

/** A model's outputs as K probabilities per row (classification) or one value (regression). */
export function normalise(values: Float32Array, k: number, rows: number, problemType: FinalizeInput['problemType'], K: number): Float64Array {
  if (problemType === 'regression') {
    if (k !== 1) throw invalid(`A regression model gave ${k} values per row`);
    return Float64Array.from(values);
  }
  const out = new Float64Array(rows * K);
  if (k === K) out.set(values);
  else if (k === 1 && K === 2) {
    for (let r = 0; r < rows; r++) {
      const p = Math.min(1, Math.max(0, values[r]));
      out[2 * r] = 1 - p;
      out[2 * r + 1] = p;
    }
  } else if (k === 1) {
    // A class id per row (multi:softmax): its class has probability 1.
    for (let r = 0; r < rows; r++) out[r * K + Math.round(values[r])] = 1;
  } else throw invalid(`A model gave ${k} values per row for ${K} classes`);
  return out;
}

function predictWith(predictor: ServingPredictor, features: Float32Array, rows: number, problemType: FinalizeInput['problemType'], K: number): Float64Array {
  const { values, outputsPerRow } = predictor.predictSync!(features, rows);
  return normalise(values, outputsPerRow, rows, problemType, K);
}

export async function finalizeCandidates(input: FinalizeInput): Promise<FinalizeResult> {
  const { problemType, objective, classes, signal } = input;
  if (!PROBLEM_METRICS[problemType]?.includes(objective)) throw invalid(`Objective ${objective} does not apply to ${problemType} problems`);
  const K = problemType === 'regression' ? 1 : problemType === 'binary' ? 2 : (classes?.length ?? 0);
  if (problemType === 'multiclass' && K < 3) throw invalid('A multiclass problem needs its classes');
  registerBuiltins();
  const validations = new Map<string, Validation>();
  const result: FinalizeResult = { scores: {}, failures: {}, importance: {}, degraded: [] };
  // The job's budget: past the deadline only what must be done is (see FinalizeInput.deadline).
  const deadline = input.deadline;
  const late = () => deadline !== undefined && Date.now() > deadline;
  const keep = input.keep ?? input.candidates.length;
  let unscored = 0;
  const scored: Scored[] = [];
  let rows = -1;
  // Cross-validation: each fold's held-out rows per variant, read once.
  const foldRows = new Map<string, Validation>();
  let oofLayout: OutOfFold | undefined;
  const readFold = async (fold: number, variant: string): Promise<Validation> => {
    const key = `${fold}/${variant}`;
    let v = foldRows.get(key);
    if (!v) {
      const file = input.folds![fold][variant];
      if (!file) throw invalid(`No held-out rows of fold ${fold + 1} for recipe variant ${variant}`);
      v = await readValidation(file, problemType, classes, K);
      const other = [...foldRows.entries()].find(([k]) => k.startsWith(`${fold}/`))?.[1];
      if (other && other.rows !== v.rows) throw invalid(`Fold ${fold + 1} of recipe variant ${variant} holds ${v.rows} rows; the others ${other.rows}`);
      foldRows.set(key, v);
    }
    return v;
  };
  for (const [i, candidate] of input.candidates.entries()) {
    signal?.throwIfAborted();
    if (i >= keep && late()) {
      unscored++;
      continue;
    }
    try {
      const file = input.recipes[candidate.recipeVariant];
      if (!file) throw invalid(`No validation rows for recipe variant ${candidate.recipeVariant}`);
      let validation = validations.get(candidate.recipeVariant);
      if (!validation) {
        validation = await readValidation(file, problemType, classes, K);
        if (rows >= 0 && validation.rows !== rows) throw invalid(`Recipe variant ${candidate.recipeVariant} holds ${validation.rows} validation rows; the others ${rows}`);
        rows = validation.rows;
        validations.set(candidate.recipeVariant, validation);
      }
      const predictor = await openPredictor({ dir: candidate.modelDir, format: 'algorithm', algorithm: candidate.algorithm, recipeFile: candidate.recipeFile });
      if (predictor.numFeatures !== validation.cols) throw invalid(`The model reads ${predictor.numFeatures} features; its recipe variant's rows hold ${validation.cols}`);
      if (!predictor.predictSync) throw invalid(`${candidate.algorithm} models cannot be scored here`);
      const predictions = predictWith(predictor, validation.features, validation.rows, problemType, K);
      const entry: Scored = { candidate, predictor, featureColumns: predictor.pipeline?.featureColumns ?? [], validation, predictions, objective: NaN };
      if (input.folds) {
        const out = await outOfFold(candidate, input.folds.length, readFold, problemType, K);
        if (oofLayout && (oofLayout.offsets.join() !== out.layout.offsets.join())) throw invalid(`Recipe variant ${candidate.recipeVariant} holds other fold sizes than the others`);
        oofLayout ??= out.layout;
        const cv = foldScores(objective, problemType, oofLayout, out.predictions, K);
        const all = metrics(problemType, oofLayout.labels, out.predictions, K);
        result.scores[candidate.name] = { objective: cv.mean, metrics: all, folds: cv.score };
        entry.oof = out.predictions;
        entry.objective = cv.mean;
      } else {
        const all = metrics(problemType, validation.labels, predictions, K);
        result.scores[candidate.name] = { objective: all[objective], metrics: all };
        entry.objective = all[objective];
      }
      scored.push(entry);
    } catch (err) {
      if (signal?.aborted) throw err;
      result.failures[candidate.name] = err instanceof Error ? err.message : String(err);
    }
  }
  if (unscored > 0) result.degraded.push(`${unscored} candidate(s) not scored: the budget's time ran out`);
  const maximize = isMaximized(objective);
  const score = (labels: Float64Array, p: Float64Array) => metric(objective, problemType, labels, p, K);

  // The ensemble first, then importance, the winner's first, so a short budget explains what is registered.
  let ensembleImportance: (seconds: number | undefined) => SampledImportance = () => ({ importance: {}, rows: 0, of: 0 });
  if (input.mode === 'ensembling' && scored.length >= 2 && late()) result.degraded.push("no ensemble: the budget's time ran out");
  else if (input.mode === 'ensembling' && scored.length >= 2) {
    signal?.throwIfAborted();
    const valid = scored.filter((s) => Number.isFinite(s.objective));
    const pool = valid.sort((a, b) => (maximize ? b.objective - a.objective : a.objective - b.objective)).slice(0, Math.max(2, input.ensembleCandidates ?? 10));
    const labels = pool[0]?.validation.labels;
    // The weights are chosen on the out-of-fold predictions when there are folds (every
    // row, predicted by models that never saw it), else on the held-out rows.
    const selectOn = (s: Scored) => s.oof ?? s.predictions;
    const selectLabels = oofLayout?.labels ?? labels;
    if (pool.length >= 2 && labels && selectLabels) {
      const selection = ensembleSelection({ predictions: pool.map(selectOn), score: (p) => score(selectLabels, p), maximize, rounds: input.ensembleRounds ?? 25 });
      const members = pool.map((s, i) => ({ s, weight: selection.weights[i] })).filter((m) => m.weight > 0);
      if (members.length >= 2) {
        const blended = new Float64Array(selectOn(pool[0]).length);
        for (const { s, weight } of members) {
          const p = selectOn(s);
          for (let i = 0; i < blended.length; i++) blended[i] += weight * p[i];
        }
        const all = metrics(problemType, selectLabels, blended, K);
        const cv = oofLayout ? foldScores(objective, problemType, oofLayout, blended, K) : undefined;
        const modelDir = path.join(input.outDir, 'ensemble');
        await writeEnsembleFolder(modelDir, members.map(({ s, weight }) => ({ candidate: s.candidate, weight })), problemType, K, classes);
        const importanceMembers: Member[] = members.map(({ s, weight }) => ({ predictor: s.predictor, features: s.validation.features, cols: s.validation.cols, featureColumns: s.featureColumns, weight }));
        const predictMembers = (features: Float32Array[], r: number) => {
          const out = new Float64Array(r * (problemType === 'regression' ? 1 : K));
          features.forEach((f, i) => {
            const p = predictWith(members[i].s.predictor, f, r, problemType, K);
            for (let j = 0; j < out.length; j++) out[j] += members[i].weight * p[j];
          });
          return out;
        };
        result.ensemble = {
          members: members.map(({ s, weight }) => ({ candidate: s.candidate.name, weight })),
          objective: cv ? cv.mean : all[objective],
          metrics: all,
          ...(cv ? { folds: cv.score } : {}),
          modelDir,
        };
        ensembleImportance = (seconds) => permutationSample(importanceMembers, labels, predictMembers, score, maximize, IMPORTANCE_ROWS, input.seed ?? 0, seconds);
      }
    }
  }

  // Best first: the ensemble where it ranks, then the candidates by their objective.
  const ENSEMBLE = null;
  const order: Array<Scored | typeof ENSEMBLE> = scored.filter((s) => Number.isFinite(s.objective)).sort((a, b) => (maximize ? b.objective - a.objective : a.objective - b.objective));
  order.push(...scored.filter((s) => !Number.isFinite(s.objective)));
  if (result.ensemble) {
    const e = result.ensemble.objective;
    const at = order.findIndex((s) => s !== ENSEMBLE && !(maximize ? s.objective >= e : s.objective <= e));
    order.splice(at < 0 ? order.length : at, 0, ENSEMBLE);
  }
  let unexplained = 0;
  for (const [i, s] of order.entries()) {
    signal?.throwIfAborted();
    // The best is explained whatever the time (on fewer rows when it is short); the others while time is left.
    if (i > 0 && late()) {
      unexplained++;
      continue;
    }
    // Twice an even share of the time left: most explanations take less than theirs, the last one gets what remains.
    const left = deadline === undefined ? 0 : Math.max(0, (deadline - Date.now()) / 1000);
    const seconds = deadline === undefined ? undefined : Math.min(left, (2 * left) / (order.length - i));
    let sampled: SampledImportance;
    if (s === ENSEMBLE) {
      sampled = ensembleImportance(seconds);
      result.ensemble!.importance = sampled.importance;
    } else {
      const member: Member = { predictor: s.predictor, features: s.validation.features, cols: s.validation.cols, featureColumns: s.featureColumns, weight: 1 };
      sampled =
        s.candidate.algorithm === 'xgboost' && s.predictor.explain
          ? shapImportance(member, s.validation.rows, IMPORTANCE_ROWS, input.seed ?? 0, seconds)
          : permutationSample([member], s.validation.labels, (f, r) => predictWith(s.predictor, f[0], r, problemType, K), score, maximize, IMPORTANCE_ROWS, input.seed ?? 0, seconds);
      result.importance[s.candidate.name] = sampled.importance;
    }
    if (sampled.rows < sampled.of) result.degraded.push(`importance of ${s === ENSEMBLE ? 'the ensemble' : s.candidate.name} on ${sampled.rows} of ${sampled.of} rows`);
  }
  if (unexplained > 0) result.degraded.push(`importance not computed for ${unexplained} of ${order.length}: the budget's time ran out`);
  return result;
}

/** A candidate's out-of-fold predictions: each fold's model on that fold's held-out rows, the folds end to end. */
async function outOfFold(candidate: FinalizeCandidate, k: number, readFold: (fold: number, variant: string) => Promise<Validation>, problemType: FinalizeInput['problemType'], K: number): Promise<{ predictions: Float64Array; layout: OutOfFold }> {
  if (candidate.folds?.length !== k) throw invalid(`Candidate ${candidate.name} has ${candidate.folds?.length ?? 0} fold models; the job has ${k} folds`);
  const parts: Float64Array[] = [];
  const labels: Float64Array[] = [];
  const offsets = [0];
  for (let fold = 0; fold < k; fold++) {
    const rows = await readFold(fold, candidate.recipeVariant);
    const m = candidate.folds[fold];
    const predictor = await openPredictor({ dir: m.modelDir, format: 'algorithm', algorithm: candidate.algorithm, recipeFile: m.recipeFile });
    if (predictor.numFeatures !== rows.cols) throw invalid(`The model of fold ${fold + 1} reads ${predictor.numFeatures} features; its rows hold ${rows.cols}`);
    if (!predictor.predictSync) throw invalid(`${candidate.algorithm} models cannot be scored here`);
    parts.push(predictWith(predictor, rows.features, rows.rows, problemType, K));
    labels.push(rows.labels);
    offsets.push(offsets.at(-1)! + rows.rows);
  }
  const concat = (xs: Float64Array[]) => {
    const out = new Float64Array(xs.reduce((n, x) => n + x.length, 0));
    let at = 0;
    for (const x of xs) {
      out.set(x, at);
      at += x.length;
    }
    return out;
  };
  return { predictions: concat(parts), layout: { labels: concat(labels), offsets } };
}

/** The objective on each fold's slice of the out-of-fold predictions, their mean and (population) standard deviation. */
function foldScores(objective: FinalizeInput['objective'], problemType: FinalizeInput['problemType'], layout: OutOfFold, predictions: Float64Array, K: number): { mean: number; score: CrossValidationScore } {
  const width = problemType === 'multiclass' ? K : problemType === 'binary' ? 2 : 1;
  const scores = layout.offsets.slice(1).map((end, f) => {
    const start = layout.offsets[f];
    return metric(objective, problemType, layout.labels.subarray(start, end), predictions.subarray(start * width, end * width), K);
  });
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
  const std = Math.sqrt(scores.reduce((a, b) => a + (b - mean) ** 2, 0) / scores.length);
  return { mean, score: { scores, std, rows: layout.labels.length } };
}

/** The ensemble model folder: model.json, each member's model folder and its fitted recipe. */
async function writeEnsembleFolder(dir: string, members: Array<{ candidate: FinalizeCandidate; weight: number }>, problemType: FinalizeInput['problemType'], K: number, classes: readonly string[] | undefined): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(path.join(dir, 'recipes'), { recursive: true });
  const total = members.reduce((a, m) => a + m.weight, 0);
  const artifact: EnsembleArtifact = {
    format: ENSEMBLE_FORMAT,
    algorithm: 'ensemble',
    version: ENSEMBLE_VERSION,
    hyperparameters: {},
    seed: 0,
    problemType,
    outputs: problemType === 'multiclass' ? K : 1,
    ...(classes ? { classes: [...classes] } : {}),
    members: members.map(({ candidate, weight }, i) => ({
      name: candidate.name,
      algorithm: candidate.algorithm,
      dir: `members/${i}`,
      weight: weight / total,
      recipe: `recipes/${i}.json`,
      variant: candidate.recipeVariant,
    })),
  };
  for (const [i, { candidate }] of members.entries()) {
    await fs.cp(candidate.modelDir, path.join(dir, 'members', String(i)), { recursive: true });
    await fs.copyFile(candidate.recipeFile, path.join(dir, 'recipes', `${i}.json`));
  }
  await writeEnsemble(dir, artifact);
  // What the registry will check: the folder loads.
  await getAlgorithm('ensemble').load(dir);
}
