/**
 * The neural topic model: a variational autoencoder over bags of words (Miao, Grefenstette
 * & Blunsom 2017, "Discovering Discrete Latent Topics with Neural Variational Inference";
 * Srivastava & Sutton 2017 for the logistic-normal posterior).
 *
 * Encoder: log(1 + counts) → `encoder_layers` dense layers → μ and log σ of a
 * `num_topics`-dimensional Gaussian. A document's topic mixture is θ = softmax(z),
 * z = μ + σ·ε (ε ~ N(0, I) while training; z = μ for validation and inference). Decoder:
 * each topic k is a word distribution softmax(β_k), a document's words are drawn from
 * the mixture θᵀ softmax(β) — LDA's generative story, so the learned topics are word
 * distributions that can be read and compared. Loss per document (the negative ELBO):
 * −Σ_w n_w log p(w) + KL(N(μ, σ²) ‖ N(0, I)).
 */
import type * as Tf from '@tensorflow/tfjs';
import type { ParamSpec, TfModule } from '../neural/index.js';
import type { Activation } from './hyperparameters.js';

export interface NtmShape {
  featureDim: number;
  numTopics: number;
  encoderLayers: number[];
  activation: Activation;
}

/** The network's parameters, in creation (and seeded-init) order. */
export function ntmParamSpecs(s: NtmShape): ParamSpec[] {
  const specs: ParamSpec[] = [];
  let width = s.featureDim;
  s.encoderLayers.forEach((units, i) => {
    specs.push({ name: `enc${i}_w`, shape: [width, units], init: { kind: 'glorot' } }, { name: `enc${i}_b`, shape: [units], init: { kind: 'zeros' } });
    width = units;
  });
  specs.push(
    { name: 'mu_w', shape: [width, s.numTopics], init: { kind: 'glorot' } },
    { name: 'mu_b', shape: [s.numTopics], init: { kind: 'zeros' } },
    { name: 'logsigma_w', shape: [width, s.numTopics], init: { kind: 'glorot' } },
    { name: 'logsigma_b', shape: [s.numTopics], init: { kind: 'zeros' } },
    { name: 'beta', shape: [s.numTopics, s.featureDim], init: { kind: 'normal', sigma: 0.1 } },
  );
  return specs;
}

type Weights = Record<string, Tf.Tensor>;

function activate(tf: TfModule, x: Tf.Tensor, a: Activation): Tf.Tensor {
  return a === 'relu' ? tf.relu(x) : a === 'tanh' ? tf.tanh(x) : tf.sigmoid(x);
}

/** μ and log σ of a batch of count rows [B, V]. */
export function encode(tf: TfModule, w: Weights, s: NtmShape, counts: Tf.Tensor2D): { mu: Tf.Tensor2D; logSigma: Tf.Tensor2D } {
  let h: Tf.Tensor = tf.log1p(counts);
  for (let i = 0; i < s.encoderLayers.length; i++) h = activate(tf, tf.add(tf.matMul(h as Tf.Tensor2D, w[`enc${i}_w`] as Tf.Tensor2D), w[`enc${i}_b`]), s.activation);
  const mu = tf.add(tf.matMul(h as Tf.Tensor2D, w.mu_w as Tf.Tensor2D), w.mu_b) as Tf.Tensor2D;
  // Bounded so that σ = exp(log σ) cannot overflow early in training.
  const logSigma = tf.clipByValue(tf.add(tf.matMul(h as Tf.Tensor2D, w.logsigma_w as Tf.Tensor2D), w.logsigma_b), -10, 5) as Tf.Tensor2D;
  return { mu, logSigma };
}

/** Topic-word distributions softmax(β) [K, V]. */
export function topicWords(tf: TfModule, w: Weights): Tf.Tensor2D {
  return tf.softmax(w.beta as Tf.Tensor2D) as Tf.Tensor2D;
}

/**
 * Per-document reconstruction loss and KL divergence [B] each; `noiseSeed` draws ε, and
 * `null` uses z = μ (validation).
 */
export function ntmLosses(tf: TfModule, w: Weights, s: NtmShape, counts: Tf.Tensor2D, noiseSeed: number | null): { recons: Tf.Tensor1D; kld: Tf.Tensor1D } {
  const { mu, logSigma } = encode(tf, w, s, counts);
  const z = noiseSeed === null ? mu : tf.add(mu, tf.mul(tf.exp(logSigma), tf.randomNormal(mu.shape, 0, 1, 'float32', noiseSeed)));
  const theta = tf.softmax(z as Tf.Tensor2D);
  const p = tf.matMul(theta, topicWords(tf, w));
  const recons = tf.neg(tf.sum(tf.mul(counts, tf.log(tf.add(p, 1e-10))), 1)) as Tf.Tensor1D;
  const kld = tf.mul(-0.5, tf.sum(tf.sub(tf.sub(tf.add(1, tf.mul(2, logSigma)), tf.square(mu)), tf.exp(tf.mul(2, logSigma))), 1)) as Tf.Tensor1D;
  return { recons, kld };
}

/** Topic weights θ = softmax(μ) of a batch of count rows. */
export function topicWeights(tf: TfModule, w: Weights, s: NtmShape, counts: Tf.Tensor2D): Tf.Tensor2D {
  return tf.softmax(encode(tf, w, s, counts).mu) as Tf.Tensor2D;
}
