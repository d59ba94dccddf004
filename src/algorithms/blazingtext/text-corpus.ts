/**
 * BlazingText's input: text files, one sentence a line, tokens separated by white
 * space; in supervised mode tokens starting with `__label__` are the line's labels.
 * One pass reads the files into provisional ids with counts; the vocabulary then keeps
 * the words seen `min_count` times, most frequent first (as word2vec and fastText order
 * it), and the token stream is renumbered.
 */
import { createReadStream } from 'node:fs';
import { OrchardError } from '../../core/errors.js';

export const LABEL_PREFIX = '__label__';
const SPACE = /[ \t\v\f\r]+/;

/** Reads lines from files without holding a whole file as one string. */
export async function* readLines(files: string[]): AsyncGenerator<string> {
  for (const file of files) {
    let carry = '';
    for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
      const text = carry + (chunk as string);
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        yield text.slice(start, nl);
        start = nl + 1;
      }
      carry = text.slice(start);
    }
    if (carry.length) yield carry;
  }
}

export function tokens(line: string): string[] {
  const t = line.split(SPACE);
  if (t.length && t[0] === '') t.shift();
  if (t.length && t[t.length - 1] === '') t.pop();
  return t;
}

/** FNV-1a over UTF-16 code units (fastText hashes bytes the same way). */
export function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Growable Int32 buffer. */
class IntList {
  a = new Int32Array(1024);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
}

export interface Vocabulary {
  words: string[];
  counts: Float64Array;
  index: Map<string, number>;
}

/** Orders words by count (then first sight) and keeps those seen `minCount` times. */
function finalize(names: string[], counts: number[], minCount: number): { vocab: Vocabulary; remap: Int32Array } {
  const order = names.map((_, i) => i).filter((i) => counts[i] >= minCount);
  order.sort((a, b) => counts[b] - counts[a] || a - b);
  const remap = new Int32Array(names.length).fill(-1);
  const words: string[] = [];
  const c = new Float64Array(order.length);
  const index = new Map<string, number>();
  order.forEach((p, i) => {
    remap[p] = i;
    words.push(names[p]);
    c[i] = counts[p];
    index.set(names[p], i);
  });
  return { vocab: { words, counts: c, index }, remap };
}

/** Word2Vec's corpus: word ids in shared memory, −1 at the end of each line. */
export interface Corpus {
  vocab: Vocabulary;
  /** Shared Int32Array of word ids and −1 line ends. */
  ids: Int32Array;
  /** Tokens kept (in the vocabulary). */
  words: number;
  lines: number;
}

export async function readCorpus(files: string[], minCount: number): Promise<Corpus> {
  const ids = new Map<string, number>();
  const names: string[] = [];
  const counts: number[] = [];
  const stream = new IntList();
  let lines = 0;
  for await (const line of readLines(files)) {
    for (const t of tokens(line)) {
      let id = ids.get(t);
      if (id === undefined) {
        id = names.length;
        ids.set(t, id);
        names.push(t);
        counts.push(0);
      }
      counts[id]++;
      stream.push(id);
    }
    stream.push(-1);
    lines++;
  }
  const { vocab, remap } = finalize(names, counts, minCount);
  if (vocab.words.length === 0) {
    throw new OrchardError('ORCH_TRAINING_DATA_INVALID', {
      message: names.length === 0 ? 'The train channel has no words' : `The vocabulary is empty: no word is seen min_count (${minCount}) times (the most frequent is seen ${Math.max(...counts)} times)`,
      details: { field: 'min_count', min_count: minCount, channel: 'train' },
    });
  }
  const out = new Int32Array(new SharedArrayBuffer(stream.n * 4));
  let n = 0;
  let words = 0;
  for (let i = 0; i < stream.n; i++) {
    const p = stream.a[i];
    if (p < 0) {
      if (n > 0 && out[n - 1] !== -1) out[n++] = -1;
      continue;
    }
    const w = remap[p];
    if (w >= 0) {
      out[n++] = w;
      words++;
    }
  }
  return { vocab, ids: out.subarray(0, n), words, lines };
}

/** A labelled line of the supervised mode: its words (provisional ids) and labels. */
export interface LabelledLines {
  vocab: Vocabulary;
  labels: string[];
  labelCounts: number[];
  /** Per line: word ids into `vocab` (words below min_count dropped). */
  lineOffsets: Int32Array;
  lineWords: Int32Array;
  /** Per line: label ids. */
  labelOffsets: Int32Array;
  lineLabels: Int32Array;
  lines: number;
}

/** Reads labelled lines; `fixed` reuses a vocabulary and label set (a validation channel). */
export async function readLabelledLines(files: string[], minCount: number, channel: string, fixed?: { vocab: Vocabulary; labels: string[] }): Promise<LabelledLines> {
  const ids = new Map<string, number>();
  const names: string[] = [];
  const counts: number[] = [];
  const labelIds = new Map<string, number>(fixed ? fixed.labels.map((l, i) => [l, i]) : []);
  const labels = fixed ? [...fixed.labels] : [];
  const labelCounts = labels.map(() => 0);
  const wordOff = new IntList();
  const wordIds = new IntList();
  const labOff = new IntList();
  const labs = new IntList();
  wordOff.push(0);
  labOff.push(0);
  let lines = 0;
  for await (const line of readLines(files)) {
    const toks = tokens(line);
    if (toks.length === 0) continue;
    for (const t of toks) {
      if (t.startsWith(LABEL_PREFIX)) {
        let l = labelIds.get(t);
        if (l === undefined) {
          // A label the training data never had cannot be predicted: the line counts as missed.
          if (fixed) continue;
          l = labels.length;
          labelIds.set(t, l);
          labels.push(t);
          labelCounts.push(0);
        }
        labelCounts[l]++;
        labs.push(l);
        continue;
      }
      if (fixed) {
        const w = fixed.vocab.index.get(t);
        if (w !== undefined) wordIds.push(w);
        continue;
      }
      let id = ids.get(t);
      if (id === undefined) {
        id = names.length;
        ids.set(t, id);
        names.push(t);
        counts.push(0);
      }
      counts[id]++;
      wordIds.push(id);
    }
    wordOff.push(wordIds.n);
    labOff.push(labs.n);
    lines++;
  }
  if (labels.length === 0) {
    throw new OrchardError('ORCH_TRAINING_DATA_INVALID', {
      message: `Channel "${channel}" has no labels: supervised mode reads lines like "${LABEL_PREFIX}positive a good film"`,
      details: { field: 'mode', channel },
    });
  }
  let vocab: Vocabulary;
  let words = wordIds.a.subarray(0, wordIds.n);
  let offsets = wordOff.a.subarray(0, wordOff.n);
  if (fixed) vocab = fixed.vocab;
  else {
    const f = finalize(names, counts, minCount);
    vocab = f.vocab;
    // Renumber and drop the words below min_count, line by line.
    const kept = new Int32Array(words.length);
    const off = new Int32Array(offsets.length);
    let n = 0;
    for (let l = 0; l < lines; l++) {
      off[l] = n;
      for (let p = offsets[l]; p < offsets[l + 1]; p++) {
        const w = f.remap[words[p]];
        if (w >= 0) kept[n++] = w;
      }
    }
    off[lines] = n;
    words = kept.subarray(0, n);
    offsets = off;
  }
  return { vocab, labels, labelCounts, lineOffsets: offsets, lineWords: words, labelOffsets: labOff.a.slice(0, labOff.n), lineLabels: labs.a.slice(0, labs.n), lines };
}

/**
 * A line's input rows for the classifier: its words' rows, then one row per word
 * n-gram (2..`n` consecutive in-vocabulary words, hashed into `buckets` as fastText
 * does). Buckets get rows in order of first use (`bucketRows`, grown while training,
 * read-only at inference where an unseen n-gram adds nothing).
 */
export function lineInputs(words: ArrayLike<number>, start: number, end: number, wordHashes: ArrayLike<number>, n: number, buckets: number, bucketRows: Map<number, number>, nextRow: { value: number } | null, out: number[]): void {
  for (let p = start; p < end; p++) out.push(words[p]);
  if (n <= 1) return;
  for (let i = start; i < end; i++) {
    let h = wordHashes[words[i]];
    for (let j = i + 1; j < end && j < i + n; j++) {
      h = (Math.imul(h, 116049371) + wordHashes[words[j]]) >>> 0;
      const b = h % buckets;
      let row = bucketRows.get(b);
      if (row === undefined) {
        if (!nextRow) continue;
        row = nextRow.value++;
        bucketRows.set(b, row);
      }
      out.push(row);
    }
  }
}

/** Character n-grams of `<word>` from `minn` to `maxn` code points, hashed into buckets (fastText's subwords). */
export function charNgramBuckets(word: string, minn: number, maxn: number, buckets: number): number[] {
  const chars = Array.from(`<${word}>`);
  const out: number[] = [];
  for (let i = 0; i < chars.length; i++) {
    let s = '';
    for (let j = i, len = 1; j < chars.length && len <= maxn; j++, len++) {
      s += chars[j];
      // fastText skips the n-grams that are the bracketed word itself and the lone brackets.
      if (len >= minn && !(len === 1 && (i === 0 || j === chars.length - 1)) && s !== chars.join('')) out.push(hashString(s) % buckets);
    }
  }
  return out;
}
