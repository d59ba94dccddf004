/**
 * seq2seq's input: sentence pairs in a `text` dataset, one pair a line: the source and the
 * target separated by a tab, or a JSON object `{"source": "…", "target": "…"}`; tokens
 * are separated by white space (tokenise before, as SageMaker's own preprocessing does).
 * The vocabularies are built from the train channel, `<pad>` 0, `<unk>` 1, `<s>` 2, `</s>`
 * 3, then the most frequent tokens first, and saved in the model.
 */
import { OrchardError } from '../../core/errors.js';
import type { ChannelInput } from '../algorithm.js';
import { readLines, tokens } from '../blazingtext/text-corpus.js';

export const PAD = 0;
export const UNK = 1;
export const BOS = 2;
export const EOS = 3;
export const SPECIALS = ['<pad>', '<unk>', '<s>', '</s>'] as const;

export interface Vocab {
  tokens: string[];
  index: Map<string, number>;
}

export interface Pairs {
  /** Source ids (cut to max_seq_len_source), one array a pair. */
  source: Int32Array[];
  /** Target ids (cut to max_seq_len_target), without `<s>` and `</s>`. */
  target: Int32Array[];
  /** Target tokens as written, for BLEU. */
  targetText: string[][];
}

function invalid(message: string, details: Record<string, unknown>): OrchardError {
  return new OrchardError('ORCH_TRAINING_DATA_INVALID', { message, details });
}

function checkText(c: ChannelInput, channel: string): void {
  const type = c.contentType.split(';')[0].trim();
  if (type !== 'text/plain') throw invalid(`seq2seq reads sentence pairs from a text dataset (--format text); channel "${channel}" is ${c.contentType}`, { channel, contentType: c.contentType });
}

/** Each pair's source and target tokens. */
export async function* readPairs(c: ChannelInput, channel: string): AsyncGenerator<{ source: string[]; target: string[] }> {
  checkText(c, channel);
  let n = 0;
  for await (const line of readLines(c.files)) {
    n++;
    if (!line.trim()) continue;
    let source: unknown;
    let target: unknown;
    if (!line.trimStart().startsWith('{')) {
      const tab = line.indexOf('\t');
      if (tab < 0) throw invalid(`Channel "${channel}", line ${n}: a pair is the source and the target separated by a tab, or {"source": …, "target": …}`, { channel, line: n });
      source = line.slice(0, tab);
      target = line.slice(tab + 1);
    } else {
      let doc: { source?: unknown; target?: unknown };
      try {
        doc = JSON.parse(line) as typeof doc;
      } catch {
        throw invalid(`Channel "${channel}", line ${n} is not JSON`, { channel, line: n });
      }
      ({ source, target } = doc ?? {});
    }
    if (typeof source !== 'string' || typeof target !== 'string') throw invalid(`Channel "${channel}", line ${n}: "source" and "target" are strings`, { channel, line: n });
    const s = tokens(source);
    const t = tokens(target);
    if (!s.length || !t.length) throw invalid(`Channel "${channel}", line ${n}: the ${s.length ? 'target' : 'source'} is empty`, { channel, line: n, field: s.length ? 'target' : 'source' });
    yield { source: s, target: t };
  }
}

function vocabOf(list: string[]): Vocab {
  return { tokens: list, index: new Map(list.map((t, i) => [t, i])) };
}

/** Vocabularies from the train channel's pairs: the special tokens, then by count. */
export async function buildVocabs(train: ChannelInput): Promise<{ source: Vocab; target: Vocab }> {
  const count = (m: Map<string, number>, ts: string[]) => {
    for (const t of ts) m.set(t, (m.get(t) ?? 0) + 1);
  };
  const src = new Map<string, number>();
  const trg = new Map<string, number>();
  for await (const p of readPairs(train, 'train')) {
    count(src, p.source);
    count(trg, p.target);
  }
  if (!src.size) throw invalid('Channel "train" has no sentence pairs: the vocabulary is empty', { channel: 'train' });
  // Map iteration keeps first sight; the sort is stable.
  const order = (m: Map<string, number>) => [...SPECIALS, ...[...m.entries()].filter(([t]) => !(SPECIALS as readonly string[]).includes(t)).sort((a, b) => b[1] - a[1]).map(([t]) => t)];
  return { source: vocabOf(order(src)), target: vocabOf(order(trg)) };
}

export function encodeTokens(v: Vocab, ts: readonly string[], max: number): Int32Array {
  const n = Math.min(ts.length, max);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = v.index.get(ts[i]) ?? UNK;
  return out;
}

export async function loadPairs(c: ChannelInput, channel: string, vocabs: { source: Vocab; target: Vocab }, maxSource: number, maxTarget: number): Promise<Pairs> {
  const out: Pairs = { source: [], target: [], targetText: [] };
  for await (const p of readPairs(c, channel)) {
    out.source.push(encodeTokens(vocabs.source, p.source, maxSource));
    out.target.push(encodeTokens(vocabs.target, p.target, maxTarget));
    out.targetText.push(p.target);
  }
  if (!out.source.length) throw invalid(`Channel "${channel}" has no sentence pairs`, { channel });
  return out;
}

/**
 * The longest answer decoded for a source of `length` tokens: as Sockeye bounds it, the
 * training pairs' mean target/source length ratio plus two standard deviations, times the
 * source's length (one more token for rounding), within max_seq_len_target.
 */
export function maxOutputLength(length: number, ratio: { mean: number; std: number }, maxTarget: number): number {
  return Math.max(1, Math.min(maxTarget, Math.ceil(length * (ratio.mean + 2 * ratio.std)) + 1));
}

/** Mean and standard deviation of target/source lengths. */
export function lengthRatio(pairs: Pairs): { mean: number; std: number } {
  let sum = 0;
  let sq = 0;
  const n = pairs.source.length;
  for (let i = 0; i < n; i++) {
    const r = pairs.target[i].length / pairs.source[i].length;
    sum += r;
    sq += r * r;
  }
  const mean = sum / n;
  return { mean, std: Math.sqrt(Math.max(0, sq / n - mean * mean)) };
}

/** Rows padded with `<pad>` to the longest in the batch, optionally framed by `<s>` … or … `</s>`. */
export function padded(seqs: readonly Int32Array[], frame: 'none' | 'bos' | 'eos'): { ids: Int32Array; length: number } {
  const extra = frame === 'none' ? 0 : 1;
  let length = 1;
  for (const s of seqs) length = Math.max(length, s.length + extra);
  const ids = new Int32Array(seqs.length * length);
  seqs.forEach((s, r) => {
    const at = r * length;
    if (frame === 'bos') {
      ids[at] = BOS;
      ids.set(s, at + 1);
    } else {
      ids.set(s, at);
      if (frame === 'eos') ids[at + s.length] = EOS;
    }
  });
  return { ids, length };
}
