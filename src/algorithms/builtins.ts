/**
 * The built-in algorithms: one import and one table entry per algorithm folder.
 */
import type { Algorithm } from './algorithm.js';
import { hasAlgorithm, registerAlgorithm } from './registry.js';
import { xgboost } from './xgboost/index.js';
import { linearLearner } from './linear-learner/index.js';
import { kmeans } from './kmeans/index.js';
import { pca } from './pca/index.js';
import { deepar } from './deepar/index.js';
import { ensemble } from './ensemble/index.js';
import { knn } from './knn/index.js';
import { randomCutForest } from './randomcutforest/index.js';
import { factorizationMachines } from './factorization-machines/index.js';
import { lda } from './lda/index.js';
import { ipInsights } from './ipinsights/index.js';
import { ntm } from './ntm/index.js';
import { blazingtext } from './blazingtext/index.js';
import { object2vec } from './object2vec/index.js';
import { imageClassification } from './image-classification/index.js';
import { seq2seq } from './seq2seq/index.js';

/** Every built-in algorithm, in the order they are listed. */
export const BUILTIN_ALGORITHMS: readonly Algorithm[] = [
  xgboost,
  linearLearner,
  kmeans,
  pca,
  deepar,
  ensemble,
  knn,
  randomCutForest,
  factorizationMachines,
  lda,
  ipInsights,
  ntm,
  blazingtext,
  object2vec,
  imageClassification,
  seq2seq,
];

/**
 * Registers the built-ins. Idempotent: a built-in already registered is skipped, so
 * several entry points (server, worker, CLI) may call it.
 */
export function registerBuiltins(): void {
  for (const algorithm of BUILTIN_ALGORITHMS) {
    if (!hasAlgorithm(algorithm.name)) registerAlgorithm(algorithm);
  }
}
