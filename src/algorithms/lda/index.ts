/**
 * Built-in LDA (SageMaker's "Latent Dirichlet Allocation (LDA) Algorithm"): topics of a
 * bag-of-words corpus — CSV counts, one column per word, or sparse JSON Lines — and each
 * document's topic mixture at inference. Fitted by variational Bayes (lda-core.ts), not
 * SageMaker's spectral method; the hyperparameters keep SageMaker's names.
 */
import { OrchardError } from '../../core/errors.js';
import type { Algorithm, TrainContext } from '../algorithm.js';
import { LDA_HYPERPARAMETERS, ldaOptions, type LdaOptions } from './hyperparameters.js';
import { expElogBetaT, fitLda, inferMixtures, ldaThreads, topicBound, type Docs } from './lda-core.js';
import { loadDocs } from './lda-data.js';
import { LDA_FORMAT, LDA_VERSION, ldaPredictor, readLda, saveLda } from './lda-model.js';

export { fitLda, perplexity } from './lda-core.js';
export type { Docs, LdaFit } from './lda-core.js';

async function channelDocs(ctx: TrainContext, channel: string, o: LdaOptions): Promise<Docs | null> {
  const c = ctx.channels[channel];
  if (!c) return null;
  return loadDocs(c.files, c.contentType, { featureDim: o.featureDim, channel });
}

function words(docs: Docs): number {
  let s = 0;
  for (let p = 0; p < docs.indptr[docs.rows]; p++) s += docs.counts[p];
  return s;
}

async function train(ctx: TrainContext): Promise<void> {
  const o = ldaOptions(ctx.hyperparameters);
  const docs = await channelDocs(ctx, 'train', o);
  if (!docs) throw new OrchardError('ORCH_TRAINING_CHANNEL_MISSING', { message: 'lda needs a "train" channel', details: { channel: 'train' } });
  const online = o.miniBatchSize !== null && o.miniBatchSize < docs.rows;
  const threads = ldaThreads(docs.rows, ctx.threads);
  ctx.log(`lda: ${docs.rows} documents, ${words(docs)} words, feature_dim=${o.featureDim}, num_topics=${o.numTopics}, ${online ? `online variational Bayes, mini-batches of ${o.miniBatchSize}` : 'batch variational Bayes'}, ${o.maxRestarts} restarts, threads=${threads}`);
  const fit = await fitLda(docs, o, {
    seed: ctx.seed,
    threads,
    signal: ctx.signal,
    onPass: (pass, perplexity) => {
      ctx.log(`pass ${pass}: train:perplexity=${perplexity.toFixed(4)}`);
      ctx.metric('train:perplexity', perplexity, pass);
    },
  });
  ctx.log(`lda: ${fit.passes} passes from restart ${fit.restart + 1} of ${o.maxRestarts}`);
  const metrics: Record<string, number> = { 'train:perplexity': fit.perplexities[fit.perplexities.length - 1] };
  const test = await channelDocs(ctx, 'test', o);
  if (test) {
    const ebT = expElogBetaT(fit.lambda, o.numTopics, o.featureDim);
    const bound = inferMixtures(test, ebT, o.numTopics, o.alpha).bound + topicBound(fit.lambda, ebT, o.numTopics, o.featureDim, o.eta);
    const pwll = bound / words(test);
    metrics['test:pwll'] = pwll;
    metrics['test:perplexity'] = Math.exp(-pwll);
    ctx.metric('test:pwll', pwll);
    ctx.metric('test:perplexity', Math.exp(-pwll));
  }
  await saveLda(ctx.modelDir, {
    format: LDA_FORMAT,
    algorithm: 'lda',
    version: LDA_VERSION,
    hyperparameters: ctx.hyperparameters,
    seed: ctx.seed,
    numTopics: o.numTopics,
    featureDim: o.featureDim,
    alpha: o.alpha,
    eta: o.eta,
    lambda: Array.from(fit.lambda),
    metrics,
  });
}

export const lda: Algorithm = {
  name: 'lda',
  version: LDA_VERSION,
  description: 'Latent Dirichlet allocation (Blei et al. 2003) by variational Bayes: topics of a bag-of-words corpus and topic mixtures per document.',
  hyperparameters: LDA_HYPERPARAMETERS,
  metrics: [
    { name: 'train:perplexity', goal: 'minimize' },
    { name: 'test:pwll', goal: 'maximize' },
    { name: 'test:perplexity', goal: 'minimize' },
  ],
  inputContentTypes: ['text/csv', 'application/jsonlines'],
  requiredChannels: ['train'],
  optionalChannels: ['test'],
  train,
  async load(modelDir: string) {
    return ldaPredictor(await readLda(modelDir));
  },
  exportOnnx: {
    format: LDA_FORMAT,
    majorVersion: LDA_VERSION.split('.')[0],
    build: async (doc) => (await import('./lda-onnx.js')).exportLda(doc),
  },
};
