import fs from 'node:fs/promises';
import path from 'node:path';
import { OrchardError } from '../core/errors.js';
import type { Hyperparameters } from './algorithm.js';

/** The file every built-in writes into its model folder. */
export const MODEL_FILE = 'model.json';

/** What every saved model says it is (conventions: artifacts say what they are). */
export interface ModelHeader {
  format: string;
  algorithm: string;
  version: string;
  hyperparameters: Hyperparameters;
  seed: number;
}

export function invalidModel(message: string, details?: Record<string, unknown>): OrchardError {
  return new OrchardError('ORCH_MODEL_INVALID', { message, details });
}

/** True when `a` is an array of `n` finite numbers. */
export const finiteArray = (a: unknown, n: number): boolean => Array.isArray(a) && a.length === n && a.every(Number.isFinite);

export async function writeModelFile(modelDir: string, artifact: ModelHeader): Promise<void> {
  await fs.mkdir(modelDir, { recursive: true });
  await fs.writeFile(path.join(modelDir, MODEL_FILE), JSON.stringify(artifact));
}

/**
 * Reads `model.json` and checks its header against what the loader expects: format,
 * algorithm, version, and that the hyperparameters and seed were recorded. The
 * algorithm-specific shape checks stay with each algorithm.
 */
export async function readModelFile<T extends ModelHeader>(modelDir: string, expected: { format: string; algorithm: string; version: string; label: string }): Promise<T> {
  let a: T;
  try {
    a = JSON.parse(await fs.readFile(path.join(modelDir, MODEL_FILE), 'utf8')) as T;
  } catch (cause) {
    throw new OrchardError('ORCH_MODEL_INVALID', { message: `No readable ${MODEL_FILE} in the model folder`, cause });
  }
  if (a?.format !== expected.format || a.algorithm !== expected.algorithm) {
    throw invalidModel(`Not a ${expected.label} model (format ${JSON.stringify(a?.format)}, algorithm ${JSON.stringify(a?.algorithm)})`);
  }
  if (a.version !== expected.version) throw invalidModel(`${expected.label} model version ${a.version} is not ${expected.version}`, { version: a.version });
  if (typeof a.seed !== 'number' || typeof a.hyperparameters !== 'object' || a.hyperparameters === null) {
    throw invalidModel(`${expected.label} model lacks its seed or hyperparameters`);
  }
  return a;
}

/** Refuses a prediction batch whose size is not `rows` rows of `d` features. */
export function assertFeatureCount(features: Float32Array, rows: number, d: number): void {
  if (features.length !== rows * d) {
    throw new OrchardError('ORCH_MODEL_INPUT_INVALID', { message: `Expected ${rows} rows of ${d} features`, details: { featureDim: d } });
  }
}
