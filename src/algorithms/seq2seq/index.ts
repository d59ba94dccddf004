/**
 * Built-in seq2seq (SageMaker's "Sequence-to-Sequence Algorithm"): a Transformer
 * encoder–decoder (see `transformer.ts`) trained on sentence pairs of a text dataset with
 * label-smoothed cross-entropy on the neural engine, validated every epoch (perplexity,
 * token accuracy, and BLEU of beam-searched answers when asked), early-stopped on the
 * optimized metric and checkpointed every epoch. Answers sentences by beam search.
 */
import type * as Tf from '@tensorflow/tfjs';
import { OrchardError } from '../../core/errors.js';
import type { Algorithm, TrainContext } from '../algorithm.js';
import { createOptimizer, createParams, disposeParams, engineDescription, fit, neuralEngine, saveParams, type TfModule } from '../neural/index.js';
import { beamSearch, corpusBleu } from './decode.js';
import { SEQ2SEQ_HYPERPARAMETERS, checkSeq2SeqHyperparameters, seq2seqOptions, type Seq2SeqOptions } from './hyperparameters.js';
import { buildVocabs, lengthRatio, loadPairs, maxOutputLength, padded, type Pairs, type Vocab } from './seq2seq-data.js';
import { SEQ2SEQ_FORMAT, SEQ2SEQ_VERSION, readSeq2Seq, saveSeq2Seq, seq2seqPredictor } from './seq2seq-model.js';
import { decodeLogits, encode, sourceBias, tokenLosses, transformerParamSpecs, type TransformerShape } from './transformer.js';

export interface Seq2SeqScores {
  perplexity: number;
  accuracy: number;
  bleu?: number;
}

/** Teacher-forced scores of `pairs` and, for the first `bleuSample` of them, BLEU of beam search. */
export function evaluateSeq2Seq(tf: TfModule, w: Record<string, Tf.Tensor>, s: TransformerShape, pairs: Pairs, o: Pick<Seq2SeqOptions, 'batchSize' | 'beamSize' | 'maxTarget' | 'lengthPenalty'>, targetVocab: Vocab, ratio: { mean: number; std: number }, bleuSample = 0): Seq2SeqScores {
  let nll = 0;
  let correct = 0;
  let tokens = 0;
  const rows = pairs.source.length;
  for (let from = 0; from < rows; from += o.batchSize) {
    const to = Math.min(rows, from + o.batchSize);
    const [n, c, t] = tf.tidy(() => {
      const l = batchLosses(tf, w, s, pairs, Array.from({ length: to - from }, (_, i) => from + i), null, 0, true);
      return [l.nll.dataSync()[0], l.correct!.dataSync()[0], l.tokens];
    });
    nll += n;
    correct += c;
    tokens += t;
  }
  const scores: Seq2SeqScores = { perplexity: Math.exp(nll / tokens), accuracy: correct / tokens };
  const sample = Math.min(rows, bleuSample);
  if (sample > 0) {
    const hyps: string[][] = [];
    for (let i = 0; i < sample; i++) hyps.push(beamSearch(tf, w, s, pairs.source[i], { beam: o.beamSize, maxLength: maxOutputLength(pairs.source[i].length, ratio, o.maxTarget), alpha: o.lengthPenalty }).map((id) => targetVocab.tokens[id]));
    scores.bleu = corpusBleu(hyps, pairs.targetText.slice(0, sample));
  }
  return scores;
}

/** The token losses of the pairs `rows`, teacher-forced (`<s>` + target in, target + `</s>` out). */
function batchLosses(tf: TfModule, w: Record<string, Tf.Tensor>, s: TransformerShape, pairs: Pairs, rows: ArrayLike<number>, dropout: { source: number; target: number; seed: number } | null, smoothing: number, withAccuracy: boolean) {
  const pick = <T>(list: T[]) => Array.from(rows, (r) => list[r]);
  const src = padded(pick(pairs.source), 'none');
  const trgIn = padded(pick(pairs.target), 'bos');
  const trgOut = padded(pick(pairs.target), 'eos');
  const n = rows.length;
  const memory = encode(tf, w, s, src.ids, n, src.length, dropout?.source ?? 0, dropout?.seed ?? null);
  const logits = decodeLogits(tf, w, s, memory, sourceBias(tf, src.ids, n, src.length), trgIn.ids, n, trgIn.length, dropout?.target ?? 0, dropout ? (dropout.seed ^ 0x2545f491) >>> 0 : null);
  return tokenLosses(tf, logits, trgOut.ids, smoothing, withAccuracy);
}

async function train(ctx: TrainContext): Promise<void> {
  const o = seq2seqOptions(ctx.hyperparameters);
  const trainInput = ctx.channels.train;
  if (!trainInput) throw new OrchardError('ORCH_TRAINING_CHANNEL_MISSING', { message: 'seq2seq needs a "train" channel', details: { channel: 'train' } });
  if (o.encoderType !== 'transformer' || o.decoderType !== 'transformer') ctx.log(`seq2seq: encoder_type ${o.encoderType}, decoder_type ${o.decoderType} asked; Orchard's seq2seq trains a Transformer`);
  if (o.unused.length) ctx.log(`seq2seq: ${o.unused.join(', ')} ${o.unused.length === 1 ? 'is' : 'are'} read by SageMaker's RNN or CNN networks only, not used here`);
  const vocabs = await buildVocabs(trainInput);
  const data = await loadPairs(trainInput, 'train', vocabs, o.maxSource, o.maxTarget);
  const ratio = lengthRatio(data);
  const validation = ctx.channels.validation ? await loadPairs(ctx.channels.validation, 'validation', vocabs, o.maxSource, o.maxTarget) : null;
  const bleuSample = !validation ? 0 : o.bleuSampleSize === -1 || (o.bleuSampleSize === 0 && o.optimizedMetric === 'bleu') ? validation.source.length : o.bleuSampleSize;
  const shape: TransformerShape = { sourceVocab: vocabs.source.tokens.length, targetVocab: vocabs.target.tokens.length, width: o.width, heads: o.heads, ffn: o.ffn, layersEncoder: o.layersEncoder, layersDecoder: o.layersDecoder, weightTying: o.weightTying };
  const tf = await neuralEngine({ threads: ctx.threads });
  ctx.log(`seq2seq: ${data.source.length} pairs, vocabularies ${shape.sourceVocab} → ${shape.targetVocab}, Transformer width ${o.width}, ${o.heads} heads, ${o.layersEncoder}+${o.layersDecoder} layers, ${o.optimizer}, batch_size ${o.batchSize}, up to ${o.epochs} epochs; ${engineDescription(tf)}`);
  const params = createParams(tf, transformerParamSpecs(shape), ctx.seed);
  const optimizer = createOptimizer(tf, o.optimizer, o.learningRate);
  let scores: Seq2SeqScores | null = null;
  try {
    const result = await fit(tf, params, {
      epochs: o.epochs,
      batchSize: o.batchSize,
      rows: data.source.length,
      seed: ctx.seed,
      optimizer,
      loss: (rows, step) => {
        // Dropout's masks are drawn from the job's seed and the step: the run is reproducible.
        const l = batchLosses(tf, params, shape, data, rows, { source: o.dropoutSource, target: o.dropoutTarget, seed: (ctx.seed + Math.imul(7919, step)) >>> 0 }, o.labelSmoothing, false);
        return tf.div(l.smoothed, l.tokens) as Tf.Scalar;
      },
      validate: validation
        ? () => {
            scores = evaluateSeq2Seq(tf, params, shape, validation, o, vocabs.target, ratio, bleuSample);
            // Early stopping follows the optimized metric, as a loss (lower is better).
            return o.optimizedMetric === 'perplexity' ? Math.log(scores.perplexity) : o.optimizedMetric === 'accuracy' ? 1 - scores.accuracy : 1 - (scores.bleu ?? 0);
          }
        : undefined,
      clipGradient: o.clipGradient,
      weightDecay: o.weightDecay,
      earlyStopping: { patience: o.patience, tolerance: 0, minEpochs: o.minEpochs },
      checkpointDir: ctx.checkpointDir,
      signal: ctx.signal,
      log: ctx.log,
      onEpoch: (epoch, losses) => {
        ctx.metric('train:loss', losses.train, epoch);
        const line = [`epoch ${epoch}: train:loss=${losses.train.toFixed(4)}`];
        if (scores) {
          for (const [name, value] of Object.entries(scores)) {
            ctx.metric(`validation:${name}`, value, epoch);
            line.push(`validation:${name}=${value.toFixed(4)}`);
          }
        }
        ctx.log(line.join(' '));
      },
    });
    const metrics: Record<string, number> = { 'train:loss': result.last.train };
    if (scores) for (const [name, value] of Object.entries(scores as Seq2SeqScores)) metrics[`validation:${name}`] = value;
    await saveSeq2Seq(ctx.modelDir, {
      format: SEQ2SEQ_FORMAT,
      algorithm: 'seq2seq',
      version: SEQ2SEQ_VERSION,
      hyperparameters: ctx.hyperparameters,
      seed: ctx.seed,
      shape,
      sourceVocab: vocabs.source.tokens,
      targetVocab: vocabs.target.tokens,
      maxSource: o.maxSource,
      maxTarget: o.maxTarget,
      lengthRatio: ratio,
      beam: o.beamSize,
      alpha: o.lengthPenalty,
      weights: saveParams(params),
      metrics,
      epochs: result.epochs,
    });
  } finally {
    optimizer.dispose();
    disposeParams(params);
  }
}

export const seq2seq: Algorithm = {
  name: 'seq2seq',
  version: SEQ2SEQ_VERSION,
  description: 'Sequence to sequence: a Transformer encoder–decoder trained on sentence pairs (translation, summarisation), answering by beam search.',
  hyperparameters: SEQ2SEQ_HYPERPARAMETERS,
  checkHyperparameters: checkSeq2SeqHyperparameters,
  metrics: [
    { name: 'train:loss', goal: 'minimize' },
    { name: 'validation:perplexity', goal: 'minimize' },
    { name: 'validation:accuracy', goal: 'maximize' },
    { name: 'validation:bleu', goal: 'maximize' },
  ],
  inputContentTypes: ['text/plain'],
  requiredChannels: ['train'],
  optionalChannels: ['validation'],
  // The WebAssembly backend runs on one thread in Node.
  defaultCpus: 1,
  train,
  async load(modelDir: string) {
    return seq2seqPredictor(await readSeq2Seq(modelDir));
  },
  exportOnnx: {
    format: SEQ2SEQ_FORMAT,
    majorVersion: SEQ2SEQ_VERSION.split('.')[0],
    build: async (doc) => (await import('./seq2seq-onnx.js')).exportSeq2Seq(doc),
  },
};
