/**
 * Built-in NTM (SageMaker's "Neural Topic Model (NTM) Algorithm"): a variational
 * autoencoder over bags of words (see `ntm-network.ts`), trained on the neural engine by
 * minibatches with SageMaker's optimisers, gradient rescaling and clipping, weight decay
 * and early stopping; checkpointed every epoch. Answers each document's topic weights.
 */
import type * as Tf from '@tensorflow/tfjs';
import { OrchardError } from '../../core/errors.js';
import type { Algorithm, TrainContext } from '../algorithm.js';
import { createOptimizer, createParams, disposeParams, engineDescription, fit, neuralEngine, saveParams, type TfModule } from '../neural/index.js';
import { NTM_HYPERPARAMETERS, encoderLayers, ntmOptions } from './hyperparameters.js';
import { denseBatch, loadDocuments, type Documents } from './ntm-data.js';
import { NTM_FORMAT, NTM_VERSION, ntmPredictor, readNtm, saveNtm } from './ntm-model.js';
import { ntmLosses, ntmParamSpecs, type NtmShape } from './ntm-network.js';

/** Mean per-document losses of `docs` with z = μ, in batches. */
export function evaluateNtm(tf: TfModule, w: Record<string, Tf.Tensor>, s: NtmShape, docs: Documents, batchSize = 512): { total: number; recons: number; kld: number; perplexity: number } {
  let recons = 0;
  let kld = 0;
  let words = 0;
  for (let from = 0; from < docs.rows; from += batchSize) {
    const rows = Int32Array.from({ length: Math.min(batchSize, docs.rows - from) }, (_, i) => from + i);
    const [r, k] = tf.tidy(() => {
      const l = ntmLosses(tf, w, s, tf.tensor2d(denseBatch(docs, rows), [rows.length, docs.dim]), null);
      return [tf.sum(l.recons).dataSync()[0], tf.sum(l.kld).dataSync()[0]];
    });
    recons += r;
    kld += k;
  }
  for (const n of docs.lengths) words += n;
  // Perplexity bound per word: exp(negative ELBO / words), as NVDM reports it.
  return { total: (recons + kld) / docs.rows, recons: recons / docs.rows, kld: kld / docs.rows, perplexity: Math.exp((recons + kld) / Math.max(1, words)) };
}

async function train(ctx: TrainContext): Promise<void> {
  const o = ntmOptions(ctx.hyperparameters);
  const trainInput = ctx.channels.train;
  if (!trainInput) throw new OrchardError('ORCH_TRAINING_CHANNEL_MISSING', { message: 'ntm needs a "train" channel', details: { channel: 'train' } });
  const docs = await loadDocuments(trainInput, 'train', o.featureDim);
  const validation = ctx.channels.validation ? await loadDocuments(ctx.channels.validation, 'validation', o.featureDim) : null;
  const test = ctx.channels.test ? await loadDocuments(ctx.channels.test, 'test', o.featureDim) : null;
  const tf = await neuralEngine({ threads: ctx.threads });
  const shape: NtmShape = { featureDim: o.featureDim, numTopics: o.numTopics, encoderLayers: o.encoderLayers, activation: o.activation };
  ctx.log(`ntm: ${docs.rows} documents, vocabulary ${o.featureDim}, ${o.numTopics} topics, encoder [${o.encoderLayers.join(', ')}] ${o.activation}, ${o.optimizer}, mini_batch_size ${o.miniBatchSize}, up to ${o.epochs} epochs; ${engineDescription(tf)}`);
  const params = createParams(tf, ntmParamSpecs(shape), ctx.seed);
  const optimizer = createOptimizer(tf, o.optimizer, o.learningRate);
  try {
    const result = await fit(tf, params, {
      epochs: o.epochs,
      batchSize: o.miniBatchSize,
      rows: docs.rows,
      seed: ctx.seed,
      optimizer,
      loss: (rows, step) => {
        const counts = tf.tensor2d(denseBatch(docs, rows), [rows.length, o.featureDim]);
        // A fresh noise seed each step, from the job's seed: the run is reproducible.
        const l = ntmLosses(tf, params, shape, counts, (ctx.seed + Math.imul(7919, step)) >>> 0);
        return tf.mean(tf.add(l.recons, l.kld)) as Tf.Scalar;
      },
      validate: validation ? () => evaluateNtm(tf, params, shape, validation).total : undefined,
      rescaleGradient: o.rescaleGradient,
      clipGradient: o.clipGradient,
      weightDecay: o.weightDecay,
      earlyStopping: { patience: o.patience, tolerance: o.tolerance },
      checkpointDir: ctx.checkpointDir,
      signal: ctx.signal,
      log: ctx.log,
      onEpoch: (epoch, losses) => {
        ctx.metric('train:total_loss', losses.train, epoch);
        if (losses.validation !== undefined) ctx.metric('validation:total_loss', losses.validation, epoch);
        ctx.log(`epoch ${epoch}: train:total_loss=${losses.train.toFixed(4)}${losses.validation !== undefined ? ` validation:total_loss=${losses.validation.toFixed(4)}` : ''}`);
      },
    });
    const metrics: Record<string, number> = {};
    if (validation) metrics['validation:total_loss'] = result.last.validation!;
    if (test) {
      const t = evaluateNtm(tf, params, shape, test);
      Object.assign(metrics, { 'test:total_loss': t.total, 'test:recons_loss': t.recons, 'test:kld': t.kld, 'test:perplexity': t.perplexity });
    }
    for (const [name, value] of Object.entries(metrics)) if (!name.startsWith('validation:')) ctx.metric(name, value);
    await saveNtm(ctx.modelDir, {
      format: NTM_FORMAT,
      algorithm: 'ntm',
      version: NTM_VERSION,
      hyperparameters: ctx.hyperparameters,
      seed: ctx.seed,
      featureDim: o.featureDim,
      numTopics: o.numTopics,
      encoderLayers: o.encoderLayers,
      activation: o.activation,
      weights: saveParams(params),
      metrics,
      epochs: result.epochs,
    });
  } finally {
    optimizer.dispose();
    disposeParams(params);
  }
}

export const ntm: Algorithm = {
  name: 'ntm',
  version: NTM_VERSION,
  description: 'Neural topic model: a variational autoencoder over bags of words that learns num_topics word distributions and answers each document’s topic weights.',
  hyperparameters: NTM_HYPERPARAMETERS,
  checkHyperparameters(values) {
    const problems: { field: string; message: string; details?: Record<string, unknown> }[] = [];
    const layers = encoderLayers(values.encoder_layers, Number(values.num_topics));
    const size = layers.reduce((a, b) => a + b, 0);
    if (size > 100_000) problems.push({ field: 'encoder_layers', message: `encoder_layers has ${size} units in all; at most 100000`, details: { units: size } });
    // The decoder's topic-word matrix alone is num_topics × feature_dim floats.
    const beta = Number(values.num_topics) * Number(values.feature_dim);
    if (beta > 200_000_000) problems.push({ field: 'num_topics', message: `num_topics × feature_dim is ${beta}; at most 200000000 weights fit`, details: { weights: beta } });
    return problems;
  },
  metrics: [
    { name: 'train:total_loss', goal: 'minimize' },
    { name: 'validation:total_loss', goal: 'minimize' },
    { name: 'test:total_loss', goal: 'minimize' },
    { name: 'test:perplexity', goal: 'minimize' },
  ],
  inputContentTypes: ['text/csv', 'application/jsonlines'],
  requiredChannels: ['train'],
  optionalChannels: ['validation', 'test'],
  // The WebAssembly backend runs on one thread in Node.
  defaultCpus: 1,
  train,
  async load(modelDir: string) {
    return ntmPredictor(await readNtm(modelDir));
  },
  exportOnnx: {
    format: NTM_FORMAT,
    majorVersion: NTM_VERSION.split('.')[0],
    build: async (doc) => (await import('./ntm-onnx.js')).exportNtm(doc),
  },
};
