/**
 * The ensemble artifact (`model.json`) AutoML writes: a weighted average of member models,
 * each in its own sub-folder with the fitted recipe it reads. Members may read different
 * recipes, so a served ensemble takes raw rows (src/serving/predictor.ts applies each
 * member's recipe); here, without recipes, an ensemble reads the members' features side by
 * side (member 0's features, then member 1's, …), which is what the recipes produce.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Explanation, Predictor } from '../algorithm.js';
import { invalidModel, readModelFile, writeModelFile, type ModelHeader } from '../model-file.js';

export const ENSEMBLE_FORMAT = 'orchard-ensemble';
export const ENSEMBLE_VERSION = '1.0.0';
export const ENSEMBLE_PROBLEM_TYPES = ['binary', 'multiclass', 'regression'] as const;

export interface EnsembleMember {
  /** The candidate it was (`<job>-<n>`). */
  name: string;
  algorithm: string;
  /** Its unpacked model folder, relative to the ensemble's. */
  dir: string;
  /** Weights of all members sum to 1. */
  weight: number;
  /** Its fitted recipe (JSON), relative to the ensemble's folder; null when it reads features as they are. */
  recipe: string | null;
  /** The recipe variant it reads (`trees`, `linear`, …), for people. */
  variant: string | null;
}

export interface EnsembleArtifact extends ModelHeader {
  format: typeof ENSEMBLE_FORMAT;
  algorithm: 'ensemble';
  problemType: (typeof ENSEMBLE_PROBLEM_TYPES)[number];
  /**
   * Values per row: 1 for binary (the probability of class 1) and regression (the value),
   * the number of classes for multiclass (class probabilities).
   */
  outputs: number;
  classes?: string[];
  members: EnsembleMember[];
}

export async function writeEnsemble(dir: string, artifact: EnsembleArtifact): Promise<void> {
  await writeModelFile(dir, artifact);
}

/** A path inside the ensemble's folder, or null. */
function inside(dir: string, rel: unknown): string | null {
  if (typeof rel !== 'string' || rel === '' || path.isAbsolute(rel) || rel.includes('\\') || rel.includes('\0')) return null;
  const full = path.resolve(dir, rel);
  return full.startsWith(path.resolve(dir) + path.sep) ? full : null;
}

/** Reads and checks an ensemble's `model.json`; member paths are returned absolute. */
export async function readEnsemble(dir: string): Promise<EnsembleArtifact> {
  const a = await readModelFile<EnsembleArtifact>(dir, { format: ENSEMBLE_FORMAT, algorithm: 'ensemble', version: ENSEMBLE_VERSION, label: 'ensemble' });
  if (!ENSEMBLE_PROBLEM_TYPES.includes(a.problemType)) throw invalidModel(`ensemble model has an unknown problem type ${JSON.stringify(a.problemType)}`);
  if (!Number.isInteger(a.outputs) || a.outputs < 1 || (a.problemType !== 'multiclass' && a.outputs !== 1)) throw invalidModel('ensemble model has a bad outputs count');
  if (!Array.isArray(a.members) || a.members.length === 0) throw invalidModel('ensemble model has no members');
  let total = 0;
  const members = a.members.map((m, i) => {
    const memberDir = inside(dir, m?.dir);
    const recipe = m?.recipe === null ? null : inside(dir, m?.recipe);
    if (!memberDir || recipe === undefined || (m.recipe !== null && !recipe)) throw invalidModel(`ensemble member ${i + 1}: its folder and recipe must be paths inside the model folder`);
    if (typeof m.algorithm !== 'string' || m.algorithm === 'ensemble') throw invalidModel(`ensemble member ${i + 1}: bad algorithm ${JSON.stringify(m.algorithm)}`);
    if (!(Number.isFinite(m.weight) && m.weight >= 0)) throw invalidModel(`ensemble member ${i + 1}: weight must be a number ≥ 0`);
    total += m.weight;
    return { ...m, dir: memberDir, recipe };
  });
  if (Math.abs(total - 1) > 1e-6) throw invalidModel(`ensemble weights sum to ${total}, not 1`);
  if (members.some((m) => m.recipe !== null) && members.some((m) => m.recipe === null)) throw invalidModel('ensemble members must all read a recipe, or none');
  for (const m of members) {
    if (m.recipe) await fs.access(m.recipe).catch(() => Promise.reject(invalidModel(`ensemble member ${m.name}: its recipe file is missing`)));
  }
  return { ...a, members };
}

/**
 * A member's outputs as the ensemble's: binary members give P(class 1) (one value, or the
 * second of two), multiclass members their K probabilities, regression members a value.
 */
function memberOutputs(values: Float32Array, k: number, rows: number, outputs: number, name: string): Float32Array {
  if (k === outputs) return values;
  if (outputs === 1 && k === 2) return Float32Array.from({ length: rows }, (_, r) => values[r * 2 + 1]);
  throw invalidModel(`ensemble member ${name} gives ${k} values per row; the ensemble combines ${outputs}`);
}

/**
 * The weighted average of the members over their features side by side. `explain` is
 * present when every member explains: each member's contributions scaled by its weight,
 * in place of its features, the bases summed by weight. For regression the columns sum
 * to the ensemble's prediction; for classification they sum to the weighted mean of the
 * members' margins (log-odds), whose sign agrees with the averaged probability in most
 * cases but which is not its log-odds.
 */
export function ensemblePredictor(artifact: Pick<EnsembleArtifact, 'outputs' | 'members'>, predictors: readonly Predictor[]): Predictor {
  const { outputs, members } = artifact;
  const widths = predictors.map((p) => p.numFeatures);
  const offsets = widths.map((_, i) => widths.slice(0, i).reduce((a, b) => a + b, 0));
  const F = widths.reduce((a, b) => a + b, 0);
  const block = (features: Float32Array, rows: number, m: number): Float32Array => {
    if (members.length === 1) return features;
    const w = widths[m];
    const out = new Float32Array(rows * w);
    for (let r = 0; r < rows; r++) out.set(features.subarray(r * F + offsets[m], r * F + offsets[m] + w), r * w);
    return out;
  };
  const predictor: Predictor = {
    numFeatures: F,
    predict(features, rows) {
      if (features.length !== rows * F) throw invalidModel(`expected ${rows} rows of ${F} features, got ${features.length} values`);
      const values = new Float32Array(rows * outputs);
      predictors.forEach((p, m) => {
        const out = p.predict(block(features, rows, m), rows);
        const v = memberOutputs(out.values, out.outputsPerRow, rows, outputs, members[m].name);
        const w = members[m].weight;
        for (let i = 0; i < values.length; i++) values[i] += w * v[i];
      });
      return { values, outputsPerRow: outputs };
    },
  };
  if (predictors.every((p) => p.explain)) {
    predictor.explain = (features, rows): Explanation => {
      if (features.length !== rows * F) throw invalidModel(`expected ${rows} rows of ${F} features, got ${features.length} values`);
      const width = F + 1;
      const values = new Float64Array(rows * outputs * width);
      predictors.forEach((p, m) => {
        const e = p.explain!(block(features, rows, m), rows);
        const w = members[m].weight;
        const mw = widths[m] + 1;
        if (e.outputs !== outputs) throw invalidModel(`ensemble member ${members[m].name} explains ${e.outputs} outputs; the ensemble has ${outputs}`);
        for (let r = 0; r < rows; r++) {
          for (let k = 0; k < outputs; k++) {
            const src = (r * outputs + k) * mw;
            const dst = (r * outputs + k) * width;
            for (let j = 0; j < widths[m]; j++) values[dst + offsets[m] + j] += w * e.values[src + j];
            values[dst + F] += w * e.values[src + widths[m]];
          }
        }
      });
      return { values, outputs };
    };
  }
  return predictor;
}
