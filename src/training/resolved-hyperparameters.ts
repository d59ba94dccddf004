/**
 * How a built-in algorithm's attempt gets its hyperparameters: resolved once, when the job
 * was created (typed, defaults filled in), stored with the job, and written beside
 * SageMaker's `hyperparameters.json` (which keeps the strings as given, for scripts and
 * for what describe shows) for the algorithm runner to read as they are.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { getAlgorithm, registerBuiltins, resolveHyperparameters, type Hyperparameters } from '../algorithms/index.js';
import { RESOLVED_HYPERPARAMETERS_FILE } from './resolved-hyperparameters-file.js';
import type { TrainingSpec } from './training-store.js';

export { RESOLVED_HYPERPARAMETERS_FILE, readResolvedHyperparameters } from './resolved-hyperparameters-file.js';

/**
 * The resolved hyperparameters of a built-in algorithm's job. A job stored before they
 * were kept with it is resolved from its strings (they were validated at its creation).
 */
export function resolvedHyperparametersOf(spec: TrainingSpec): Hyperparameters {
  if (spec.resolvedHyperParameters) return spec.resolvedHyperParameters;
  if (!spec.algorithm) throw new Error('Script-mode jobs have no resolved hyperparameters');
  registerBuiltins();
  return resolveHyperparameters(getAlgorithm(spec.algorithm), spec.hyperParameters);
}

/** Writes the resolved hyperparameters into an attempt's config folder (built-ins only). */
export async function writeResolvedHyperparameters(configDir: string, spec: TrainingSpec): Promise<void> {
  if (!spec.algorithm) return;
  await fs.writeFile(path.join(configDir, RESOLVED_HYPERPARAMETERS_FILE), JSON.stringify(resolvedHyperparametersOf(spec), null, 2) + '\n');
}
