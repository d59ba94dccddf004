/**
 * seq2seq's inference: beam search over the decoder (the encoder runs once per sentence;
 * each step re-reads the whole prefix, which for sentences of tens of tokens costs less
 * than keeping per-layer caches in the engine), finished hypotheses ranked by
 * log-probability / ((5 + length) / 6)^α (Wu et al. 2016); and corpus BLEU-4 with the
 * brevity penalty (Papineni et al. 2002), on a 0–1 scale, for the validation metric.
 */
import type * as Tf from '@tensorflow/tfjs';
import type { TfModule } from '../neural/index.js';
import { BOS, EOS } from './seq2seq-data.js';
import { decodeLogits, encode, sourceBias, type TransformerShape } from './transformer.js';

export interface BeamOptions {
  beam: number;
  /** Target tokens at most (without `</s>`). */
  maxLength: number;
  alpha: number;
}

interface Hypothesis {
  /** `<s>` and the tokens so far. */
  ids: number[];
  /** Log-probability so far. */
  score: number;
  /** Ended by `</s>` (or by the length limit). */
  done: boolean;
  /** Score / length penalty, by which the beam is ranked. */
  rank: number;
}

const lengthPenalty = (length: number, alpha: number) => ((5 + length) / 6) ** alpha;

/** The `k` best (index, value) of row `r` of a row-major [rows × v] array. */
function topK(values: Float32Array, r: number, v: number, k: number): { token: number; logp: number }[] {
  const best: { token: number; logp: number }[] = [];
  const at = r * v;
  for (let j = 0; j < v; j++) {
    const x = values[at + j];
    if (best.length < k) {
      best.push({ token: j, logp: x });
      if (best.length === k) best.sort((a, b) => b.logp - a.logp);
    } else if (x > best[k - 1].logp) {
      let i = k - 1;
      while (i > 0 && best[i - 1].logp < x) {
        best[i] = best[i - 1];
        i--;
      }
      best[i] = { token: j, logp: x };
    }
  }
  return best.sort((a, b) => b.logp - a.logp);
}

/** The best target ids (without `<s>` and `</s>`) for one source sentence. */
export function beamSearch(tf: TfModule, w: Record<string, Tf.Tensor>, s: TransformerShape, source: Int32Array, o: BeamOptions): number[] {
  const ls = source.length;
  const memory = tf.tidy(() => encode(tf, w, s, source, 1, ls));
  const bias = sourceBias(tf, source, 1, ls);
  const v = s.targetVocab;
  try {
    // As Sockeye decodes: finished hypotheses stay in the beam, every one ranked by its
    // length-normalised score; the search ends when the whole beam has finished.
    let beam: Hypothesis[] = [{ ids: [BOS], score: 0, done: false, rank: 0 }];
    while (beam.some((h) => !h.done)) {
      const alive = beam.filter((h) => !h.done);
      const n = alive.length;
      const t = alive[0].ids.length;
      const candidates: Hypothesis[] = beam.filter((h) => h.done);
      if (t > o.maxLength) {
        // Out of length: what is alive ends here.
        for (const h of alive) candidates.push({ ...h, done: true, rank: h.score / lengthPenalty(t, o.alpha) });
      } else {
        const logp = tf.tidy(() => {
          const prefix = Int32Array.from(alive.flatMap((h) => h.ids));
          const mem = n === 1 ? memory : tf.tile(memory, [n, 1, 1]);
          const b = n === 1 ? bias : tf.tile(bias, [n, 1, 1, 1]);
          const logits = tf.reshape(decodeLogits(tf, w, s, mem, b, prefix, n, t), [n, t, v]);
          return tf.logSoftmax(tf.reshape(tf.slice(logits, [0, t - 1, 0], [n, 1, v]), [n, v])).dataSync() as Float32Array;
        });
        alive.forEach((h, r) => {
          for (const c of topK(logp, r, v, o.beam)) {
            const score = h.score + c.logp;
            // Length counts the new token, `</s>` included.
            const rank = score / lengthPenalty(t, o.alpha);
            candidates.push(c.token === EOS ? { ids: h.ids, score, done: true, rank } : { ids: [...h.ids, c.token], score, done: false, rank });
          }
        });
      }
      candidates.sort((a, b) => b.rank - a.rank);
      beam = candidates.slice(0, o.beam);
    }
    return beam[0].ids.slice(1);
  } finally {
    memory.dispose();
    bias.dispose();
  }
}

/** Corpus BLEU-4 of hypotheses against one reference each, token lists; 0 when an order has no match. */
export function corpusBleu(hypotheses: readonly (readonly string[])[], references: readonly (readonly string[])[]): number {
  const matches = [0, 0, 0, 0];
  const totals = [0, 0, 0, 0];
  let hypLength = 0;
  let refLength = 0;
  hypotheses.forEach((hyp, i) => {
    const ref = references[i];
    hypLength += hyp.length;
    refLength += ref.length;
    for (let n = 1; n <= 4; n++) {
      const counts = new Map<string, number>();
      for (let j = 0; j + n <= ref.length; j++) {
        const g = ref.slice(j, j + n).join('\u0001');
        counts.set(g, (counts.get(g) ?? 0) + 1);
      }
      for (let j = 0; j + n <= hyp.length; j++) {
        const g = hyp.slice(j, j + n).join('\u0001');
        const left = counts.get(g) ?? 0;
        if (left > 0) {
          matches[n - 1]++;
          counts.set(g, left - 1);
        }
      }
      totals[n - 1] += Math.max(0, hyp.length - n + 1);
    }
  });
  if (hypLength === 0 || matches.some((m) => m === 0)) return 0;
  const logPrecision = matches.reduce((acc, m, i) => acc + Math.log(m / totals[i]), 0) / 4;
  const brevity = hypLength < refLength ? Math.exp(1 - refLength / hypLength) : 1;
  return brevity * Math.exp(logPrecision);
}
