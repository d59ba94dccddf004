/**
 * Built-in Object2Vec (SageMaker's "Object2Vec Algorithm"): learns embeddings of pairs of
 * token sequences (sentence pairs, user–item pairs) from labelled pairs, with two
 * encoders (hcnn, bilstm, pooled_embedding), a comparator and an MLP (see
 * `o2v-network.ts`), trained on the neural engine by minibatches with early stopping and
 * a checkpoint every epoch. Answers pair scores or each encoder's embeddings.
 */
import type * as Tf from '@tensorflow/tfjs';
import { OrchardError } from '../../core/errors.js';
import type { Algorithm, TrainContext } from '../algorithm.js';
import { createRandom } from '../parallel/random.js';
import { createOptimizer, createParams, disposeParams, engineDescription, fit, neuralEngine, saveParams, type TfModule } from '../neural/index.js';
import { O2V_HYPERPARAMETERS, checkO2vHyperparameters, o2vOptions, type O2vOptions } from './hyperparameters.js';
import { gatherSequences, loadPairs, type Pairs, type Sequences } from './o2v-data.js';
import { O2V_FORMAT, O2V_VERSION, o2vPredictor, readO2v, saveO2v } from './o2v-model.js';
import { encode, o2vParamSpecs, pairLoss, scorePairs, type O2vShape } from './o2v-network.js';

export const shapeOf = (o: O2vOptions): O2vShape => ({
  enc: o.enc,
  encDim: o.encDim,
  tied: o.tied,
  comparators: o.comparators,
  mlpDim: o.mlpDim,
  mlpLayers: o.mlpLayers,
  mlpActivation: o.mlpActivation,
  output: o.output,
  numClasses: o.numClasses,
});

/** Mean loss and, for softmax, accuracy of `pairs` (no dropout), in batches. */
export function evaluateO2v(tf: TfModule, w: Record<string, Tf.Tensor>, s: O2vShape, pairs: Pairs, batchSize = 256): { loss: number; accuracy?: number } {
  let loss = 0;
  let correct = 0;
  for (let from = 0; from < pairs.rows; from += batchSize) {
    const rows = Int32Array.from({ length: Math.min(batchSize, pairs.rows - from) }, (_, i) => from + i);
    const labels = pairs.labels.slice(from, from + rows.length);
    const [lossT, predT] = tf.tidy(() => {
      const out = scorePairs(tf, w, s, encode(tf, w, s, 0, gatherSequences(pairs.in0, rows)), encode(tf, w, s, 1, gatherSequences(pairs.in1, rows)));
      return [pairLoss(tf, s, out, labels), tf.argMax(out, 1)];
    });
    const l = lossT.dataSync()[0];
    const pred = s.output === 'softmax' ? (predT.dataSync() as Int32Array) : null;
    lossT.dispose();
    predT.dispose();
    loss += l * rows.length;
    if (pred) for (let i = 0; i < rows.length; i++) if (pred[i] === labels[i]) correct++;
  }
  return { loss: loss / pairs.rows, ...(s.output === 'softmax' ? { accuracy: correct / pairs.rows } : {}) };
}

/**
 * A training batch: the rows' pairs plus, with `negative_sampling_rate` r, r negatives per
 * positive row (label ≥ 1): its in0 with the in1 of another row drawn at random, label 0.
 */
function trainingBatch(pairs: Pairs, rows: Int32Array, rate: number, rng: ReturnType<typeof createRandom>): { in0: Sequences; in1: Sequences; labels: Float32Array } {
  if (rate === 0) return { in0: gatherSequences(pairs.in0, rows), in1: gatherSequences(pairs.in1, rows), labels: Float32Array.from(rows, (r) => pairs.labels[r]) };
  const left: number[] = [...rows];
  const right: number[] = [...rows];
  const labels: number[] = Array.from(rows, (r) => pairs.labels[r]);
  for (const r of rows) {
    if (pairs.labels[r] < 1 || pairs.rows < 2) continue;
    for (let k = 0; k < rate; k++) {
      let other = Math.floor(rng.next() * (pairs.rows - 1));
      if (other >= r) other++;
      left.push(r);
      right.push(other);
      labels.push(0);
    }
  }
  return { in0: gatherSequences(pairs.in0, left), in1: gatherSequences(pairs.in1, right), labels: Float32Array.from(labels) };
}

async function train(ctx: TrainContext): Promise<void> {
  const o = o2vOptions(ctx.hyperparameters);
  const trainInput = ctx.channels.train;
  if (!trainInput) throw new OrchardError('ORCH_TRAINING_CHANNEL_MISSING', { message: 'object2vec needs a "train" channel', details: { channel: 'train' } });
  const pairs = await loadPairs(trainInput, 'train', o.enc, o.output, o.numClasses);
  const validation = ctx.channels.validation ? await loadPairs(ctx.channels.validation, 'validation', o.enc, o.output, o.numClasses) : null;
  const test = ctx.channels.test ? await loadPairs(ctx.channels.test, 'test', o.enc, o.output, o.numClasses) : null;
  const tf = await neuralEngine({ threads: ctx.threads });
  const shape = shapeOf(o);
  const describe = (i: 0 | 1) => `${o.enc[i].network}${o.enc[i].layers ? ` ×${o.enc[i].layers}` : ''} (vocabulary ${o.enc[i].vocabSize}, ${o.enc[i].maxSeqLen} tokens, embedding ${o.enc[i].embeddingDim})`;
  ctx.log(
    `object2vec: ${pairs.rows} pairs; enc0 ${describe(0)}, enc1 ${describe(1)}${o.tied ? ', tied embeddings' : ''}, enc_dim ${o.encDim}; ` +
      `[${o.comparators.join(', ')}] → ${o.mlpLayers} × ${o.mlpDim} ${o.mlpActivation} → ${o.output}; ${o.optimizer}, mini_batch_size ${o.miniBatchSize}, up to ${o.epochs} epochs; ${engineDescription(tf)}`,
  );
  const params = createParams(tf, o2vParamSpecs(shape), ctx.seed);
  const optimizer = createOptimizer(tf, o.optimizer, o.learningRate);
  const metricName = o.output === 'softmax' ? 'cross_entropy' : 'mean_squared_error';
  try {
    const result = await fit(tf, params, {
      epochs: o.epochs,
      batchSize: o.miniBatchSize,
      rows: pairs.rows,
      seed: ctx.seed,
      optimizer,
      loss: (rows, step) => {
        // Negatives and dropout are drawn from the job's seed and the step: reproducible, also on resume.
        const seed = (ctx.seed + Math.imul(7919, step)) >>> 0;
        const b = trainingBatch(pairs, rows, o.negativeSamplingRate, createRandom(seed));
        const out = scorePairs(tf, params, shape, encode(tf, params, shape, 0, b.in0), encode(tf, params, shape, 1, b.in1), o.dropout > 0 ? { rate: o.dropout, seed } : undefined);
        return pairLoss(tf, shape, out, b.labels);
      },
      validate: validation ? () => evaluateO2v(tf, params, shape, validation).loss : undefined,
      weightDecay: o.weightDecay,
      earlyStopping: { patience: o.patience, tolerance: o.tolerance },
      checkpointDir: ctx.checkpointDir,
      signal: ctx.signal,
      log: ctx.log,
      onEpoch: (epoch, losses) => {
        ctx.metric(`train:${metricName}`, losses.train, epoch);
        if (losses.validation !== undefined) ctx.metric(`validation:${metricName}`, losses.validation, epoch);
        ctx.log(`epoch ${epoch}: train:${metricName}=${losses.train.toFixed(4)}${losses.validation !== undefined ? ` validation:${metricName}=${losses.validation.toFixed(4)}` : ''}`);
      },
    });
    const metrics: Record<string, number> = {};
    for (const [channel, data] of [['validation', validation], ['test', test]] as const) {
      if (!data) continue;
      const e = evaluateO2v(tf, params, shape, data);
      metrics[`${channel}:${metricName}`] = e.loss;
      if (e.accuracy !== undefined) metrics[`${channel}:accuracy`] = e.accuracy;
    }
    for (const [name, value] of Object.entries(metrics)) if (name !== `validation:${metricName}`) ctx.metric(name, value);
    await saveO2v(ctx.modelDir, {
      format: O2V_FORMAT,
      algorithm: 'object2vec',
      version: O2V_VERSION,
      hyperparameters: ctx.hyperparameters,
      seed: ctx.seed,
      shape,
      weights: saveParams(params),
      metrics,
      epochs: result.epochs,
    });
  } finally {
    optimizer.dispose();
    disposeParams(params);
  }
}

export const object2vec: Algorithm = {
  name: 'object2vec',
  version: O2V_VERSION,
  description: 'Object2Vec: learns embeddings of paired token sequences (two encoders, a comparator and an MLP) from labelled pairs; answers pair scores or encoder embeddings.',
  hyperparameters: O2V_HYPERPARAMETERS,
  checkHyperparameters: checkO2vHyperparameters,
  metrics: [
    { name: 'train:cross_entropy', goal: 'minimize' },
    { name: 'validation:cross_entropy', goal: 'minimize' },
    { name: 'validation:accuracy', goal: 'maximize' },
    { name: 'test:cross_entropy', goal: 'minimize' },
    { name: 'test:accuracy', goal: 'maximize' },
    { name: 'train:mean_squared_error', goal: 'minimize' },
    { name: 'validation:mean_squared_error', goal: 'minimize' },
    { name: 'test:mean_squared_error', goal: 'minimize' },
  ],
  inputContentTypes: ['application/jsonlines'],
  requiredChannels: ['train'],
  optionalChannels: ['validation', 'test'],
  // The WebAssembly backend runs on one thread in Node.
  defaultCpus: 1,
  train,
  async load(modelDir: string) {
    return o2vPredictor(await readO2v(modelDir));
  },
  exportOnnx: {
    format: O2V_FORMAT,
    majorVersion: O2V_VERSION.split('.')[0],
    build: async (doc) => (await import('./o2v-onnx.js')).exportObject2Vec(doc),
  },
};
