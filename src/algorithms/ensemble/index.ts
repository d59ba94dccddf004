/**
 * The `ensemble` built-in: a weighted average of member models, built by AutoML from its
 * candidates' held-out predictions (ensemble selection), never trained as a job.
 */
import { OrchardError } from '../../core/errors.js';
import type { Algorithm, Predictor } from '../algorithm.js';
import { loadBuiltin } from '../builtin-loaders.js';
import { ENSEMBLE_VERSION, ensemblePredictor, readEnsemble } from './ensemble-model.js';

/** Loads an ensemble's members (through their own algorithms) over their features side by side. */
async function load(modelDir: string): Promise<Predictor> {
  const artifact = await readEnsemble(modelDir);
  // Members' folders are loaded as they are needed (a model server may have loaded only this one).
  const predictors = await Promise.all(artifact.members.map(async (m) => (await loadBuiltin(m.algorithm)).load(m.dir)));
  return ensemblePredictor(artifact, predictors);
}

export const ensemble: Algorithm = {
  name: 'ensemble',
  version: ENSEMBLE_VERSION,
  description: 'A weighted average of models (built by AutoML from its candidates; not trained by a job).',
  hyperparameters: [],
  metrics: [],
  inputContentTypes: [],
  requiredChannels: [],
  optionalChannels: [],
  async train() {
    throw new OrchardError('ORCH_TRAINING_INVALID', { message: 'Ensembles are built by AutoML jobs from their candidates, not trained by a training job' });
  },
  load,
};

export { ENSEMBLE_FORMAT, ENSEMBLE_VERSION, ensemblePredictor, readEnsemble, writeEnsemble } from './ensemble-model.js';
export type { EnsembleArtifact, EnsembleMember } from './ensemble-model.js';
