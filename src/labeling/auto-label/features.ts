import type { GreyImage } from './grey-image.js';

/**
 * How items become rows of numbers for the model, saved with a round so the same mapping
 * scores its held-out and unlabeled items.
 * - text: a vocabulary of words and word pairs, the most frequent of the round's training
 *   texts (a linear model learns nothing for a term its training rows never hold, and a
 *   training channel is a CSV dataset, which stays narrow), tf-idf weighted (tf = 1 + ln n,
 *   idf = ln((1 + N) / (1 + df)) + 1 over every item, as scikit-learn's smooth idf) and
 *   scaled to unit length;
 * - image: grey levels resampled by area averaging to `side`×`side` (stretching), in [0, 1].
 */
export type Featurizer = { kind: 'text'; vocabulary: string[]; idf: number[] } | { kind: 'image'; side: number };

/** Text columns at most (a dataset's profile of a much wider CSV runs out of its memory). */
export const TEXT_TERMS = 300;
/** Image side after resampling: 256 columns, fine for digits, glyphs and thumbnails. */
export const IMAGE_SIDE = 16;

function tokens(text: string): string[] {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const out = [...words];
  for (let i = 0; i + 1 < words.length; i++) out.push(`${words[i]} ${words[i + 1]}`);
  return out;
}

function termCounts(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of tokens(text)) m.set(t, (m.get(t) ?? 0) + 1);
  return m;
}

/** The vocabulary from the training texts (by document frequency, then alphabetically), its idf over every item's text. */
export function fitTextFeaturizer(allTexts: readonly string[], trainTexts: readonly string[], maxTerms = TEXT_TERMS): Featurizer {
  const trainDf = new Map<string, number>();
  for (const t of trainTexts) for (const k of termCounts(t).keys()) trainDf.set(k, (trainDf.get(k) ?? 0) + 1);
  const vocabulary = [...trainDf].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).slice(0, maxTerms).map(([k]) => k);
  const index = new Map(vocabulary.map((k, i) => [k, i]));
  const df = new Float64Array(vocabulary.length);
  for (const t of allTexts) for (const k of termCounts(t).keys()) { const i = index.get(k); if (i !== undefined) df[i]++; }
  const n = allTexts.length;
  return { kind: 'text', vocabulary, idf: Array.from(df, (d) => Math.log((1 + n) / (1 + d)) + 1) };
}

const indexes = new WeakMap<object, Map<string, number>>();

export function textRow(f: Extract<Featurizer, { kind: 'text' }>, text: string, out: Float32Array): void {
  let index = indexes.get(f);
  if (!index) indexes.set(f, (index = new Map(f.vocabulary.map((k, i) => [k, i]))));
  out.fill(0);
  let norm = 0;
  for (const [k, n] of termCounts(text)) {
    const i = index.get(k);
    if (i === undefined) continue;
    const v = (1 + Math.log(n)) * f.idf[i];
    out[i] = v;
    norm += v * v;
  }
  if (norm > 0) {
    const s = 1 / Math.sqrt(norm);
    for (let i = 0; i < out.length; i++) if (out[i] !== 0) out[i] *= s;
  }
}

/** Area-average resampling of a grey image to side×side. */
export function imageRow(side: number, img: GreyImage, out: Float32Array): void {
  const sx = img.width / side;
  const sy = img.height / side;
  for (let oy = 0; oy < side; oy++) {
    const y0 = oy * sy, y1 = (oy + 1) * sy;
    for (let ox = 0; ox < side; ox++) {
      const x0 = ox * sx, x1 = (ox + 1) * sx;
      let sum = 0, area = 0;
      for (let y = Math.floor(y0); y < Math.ceil(y1); y++) {
        const wy = Math.min(y + 1, y1) - Math.max(y, y0);
        for (let x = Math.floor(x0); x < Math.ceil(x1); x++) {
          const w = wy * (Math.min(x + 1, x1) - Math.max(x, x0));
          sum += w * img.grey[y * img.width + x];
          area += w;
        }
      }
      out[oy * side + ox] = area > 0 ? sum / area : 0;
    }
  }
}

export function featureCount(f: Featurizer): number {
  return f.kind === 'text' ? Math.max(1, f.vocabulary.length) : f.side * f.side;
}
