/**
 * Each built-in's folder, loaded on its own by name. A process that runs one algorithm (a
 * training attempt's runner) loads that folder only, where `registerBuiltins` loads all of
 * them: k-NN's folder loads in about 0.08 s, the sixteen together in 0.3 to 0.7 s, which
 * every training job paid before its first line. The table names the same folders as
 * `builtins.ts` (its test checks they agree).
 */
import { OrchardError } from '../core/errors.js';
import type { Algorithm } from './algorithm.js';
import { getAlgorithm, hasAlgorithm, registerAlgorithm } from './registry.js';

const LOADERS: Readonly<Record<string, () => Promise<Algorithm>>> = {
  xgboost: async () => (await import('./xgboost/index.js')).xgboost,
  'linear-learner': async () => (await import('./linear-learner/index.js')).linearLearner,
  kmeans: async () => (await import('./kmeans/index.js')).kmeans,
  pca: async () => (await import('./pca/index.js')).pca,
  deepar: async () => (await import('./deepar/index.js')).deepar,
  ensemble: async () => (await import('./ensemble/index.js')).ensemble,
  knn: async () => (await import('./knn/index.js')).knn,
  randomcutforest: async () => (await import('./randomcutforest/index.js')).randomCutForest,
  'factorization-machines': async () => (await import('./factorization-machines/index.js')).factorizationMachines,
  lda: async () => (await import('./lda/index.js')).lda,
  ipinsights: async () => (await import('./ipinsights/index.js')).ipInsights,
  ntm: async () => (await import('./ntm/index.js')).ntm,
  blazingtext: async () => (await import('./blazingtext/index.js')).blazingtext,
  object2vec: async () => (await import('./object2vec/index.js')).object2vec,
  'image-classification': async () => (await import('./image-classification/index.js')).imageClassification,
  seq2seq: async () => (await import('./seq2seq/index.js')).seq2seq,
};

/** The names {@link loadBuiltin} knows, sorted. */
export const BUILTIN_NAMES: readonly string[] = Object.keys(LOADERS).sort();

/**
 * The built-in `name`, its folder loaded (alone) and registered if it was not yet:
 * `ORCH_ALGORITHM_UNKNOWN` listing the built-ins for another name.
 */
export async function loadBuiltin(name: string): Promise<Algorithm> {
  if (hasAlgorithm(name)) return getAlgorithm(name);
  const load = Object.hasOwn(LOADERS, name) ? LOADERS[name] : undefined;
  if (!load) {
    throw new OrchardError('ORCH_ALGORITHM_UNKNOWN', {
      message: `Unknown algorithm "${name}"; known: ${BUILTIN_NAMES.join(', ')}`,
      details: { name, known: [...BUILTIN_NAMES] },
    });
  }
  const algorithm = await load();
  if (!hasAlgorithm(name)) registerAlgorithm(algorithm);
  return algorithm;
}
