import { checkClasses, Problems } from './problems.js';

/** A labelled span of characters: [startOffset, endOffset), as Ground Truth writes them. */
export interface Entity {
  label: string;
  startOffset: number;
  endOffset: number;
}

/** Every entity one annotator marked in one text. */
export interface SpanAnswer {
  worker: string;
  entities: readonly Entity[];
}

export interface ConsolidateSpansOptions {
  /** The entity labels. */
  classes: readonly string[];
  text: string;
}

export interface ConsolidatedEntity extends Entity {
  /** Mean share of annotators that gave this label, over the entity's tokens; in [0, 1]. */
  confidence: number;
}

export interface ConsolidatedSpans {
  entities: ConsolidatedEntity[];
  annotators: number;
}

/** A token: a run of letters, digits and combining marks, or one other visible character. */
export interface Token {
  start: number;
  end: number;
}

/** Splits on whitespace and punctuation: words are runs of letters/digits/marks; every other non-space character is a token of its own. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  for (const m of text.matchAll(/[\p{L}\p{N}\p{M}]+|[^\s\p{L}\p{N}\p{M}]/gu)) tokens.push({ start: m.index!, end: m.index! + m[0].length });
  return tokens;
}

function checkSpanAnswers(answers: readonly SpanAnswer[], classes: readonly string[], text: string, problems: Problems): void {
  if (!Array.isArray(answers) || answers.length === 0) return problems.add('answers', 'must be a non-empty list (one entry per annotator)');
  const known = new Set(classes);
  const seen = new Set<string>();
  answers.forEach((a, i) => {
    const at = `answers[${i}]`;
    if (a === null || typeof a !== 'object') return problems.add(at, 'must be an object {worker, entities}');
    if (typeof a.worker !== 'string' || a.worker.length === 0) problems.add(`${at}.worker`, 'must be a non-empty string');
    else if (seen.has(a.worker)) problems.add(`${at}.worker`, `"${a.worker}" answers twice`);
    else seen.add(a.worker);
    if (!Array.isArray(a.entities as unknown)) return problems.add(`${at}.entities`, 'must be a list (empty when nothing is marked)');
    a.entities.forEach((e: Entity, j: number) => {
      const et = `${at}.entities[${j}]`;
      if (e === null || typeof e !== 'object') return problems.add(et, 'must be an object {label, startOffset, endOffset}');
      if (!known.has(e.label)) problems.add(`${et}.label`, `unknown label ${JSON.stringify(e.label)}; the labels are ${classes.join(', ')}`);
      if (!Number.isInteger(e.startOffset) || e.startOffset < 0 || e.startOffset >= text.length) problems.add(`${et}.startOffset`, `must be an integer in 0..${text.length - 1}`);
      if (!Number.isInteger(e.endOffset) || e.endOffset > text.length) problems.add(`${et}.endOffset`, `must be an integer of at most ${text.length}`);
      else if (Number.isInteger(e.startOffset) && e.endOffset <= e.startOffset) problems.add(`${et}.endOffset`, 'must be above startOffset');
    });
  });
}

/**
 * Consolidates the entities several annotators marked in one text, token by token. The
 * text is tokenised ({@link tokenize}); an annotator gives a token the label of an entity
 * that overlaps it (the later one in their list if two do), else none. Each token takes
 * the value most annotators gave it, none included; a tie leaves it unlabelled. Runs of
 * consecutive tokens with the same label become entities, split where most of the
 * annotators who gave both tokens that label put them in different entities (so two
 * adjacent names stay two). Offsets run from the first token's start to the last one's end.
 */
export function consolidateSpans(answers: readonly SpanAnswer[], options: ConsolidateSpansOptions): ConsolidatedSpans {
  const problems = new Problems();
  const { classes, text } = options;
  const classesOk = checkClasses(classes, problems);
  if (typeof text !== 'string' || text.length === 0) problems.add('text', 'must be a non-empty string');
  else if (classesOk) checkSpanAnswers(answers, classes, text, problems);
  problems.throwIfAny();

  const tokens = tokenize(text);
  const T = tokens.length;
  const n = answers.length;
  const K1 = classes.length + 1;
  const classIndex = new Map(classes.map((c, k) => [c, k + 1]));
  // Per annotator and token: label value (0 = none) and which of their entities covers it.
  const value = answers.map(() => new Int32Array(T));
  const entityOf = answers.map(() => new Int32Array(T).fill(-1));
  answers.forEach((a, i) =>
    a.entities.forEach((e, j) => {
      // Tokens are in text order: from the first that ends after the entity's start, while they start before its end.
      for (let t = firstEndingAfter(tokens, e.startOffset); t < T && tokens[t].start < e.endOffset; t++) {
        value[i][t] = classIndex.get(e.label)!;
        entityOf[i][t] = j;
      }
    }),
  );

  const chosen = new Int32Array(T);
  const share = new Float64Array(T);
  const counts = new Int32Array(K1);
  for (let t = 0; t < T; t++) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[value[i][t]]++;
    let best = 0;
    let tie = false;
    for (let v = 1; v < K1; v++) {
      if (counts[v] > counts[best]) [best, tie] = [v, false];
      else if (counts[v] === counts[best]) tie = true;
    }
    chosen[t] = tie ? 0 : best;
    share[t] = counts[chosen[t]] / n;
  }

  const entities: ConsolidatedEntity[] = [];
  let t = 0;
  while (t < T) {
    const v = chosen[t];
    if (v === 0) {
      t++;
      continue;
    }
    const first = t;
    let sum = share[t];
    t++;
    while (t < T && chosen[t] === v && !splitBetween(t - 1, t, v, value, entityOf)) sum += share[t++];
    entities.push({ label: classes[v - 1], startOffset: tokens[first].start, endOffset: tokens[t - 1].end, confidence: sum / (t - first) });
  }
  return { entities, annotators: n };
}

/** Index of the first token whose end is after `offset` (binary search). */
function firstEndingAfter(tokens: readonly Token[], offset: number): number {
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (tokens[mid].end <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** True when most annotators who gave tokens a and b the label v put them in different entities. */
function splitBetween(a: number, b: number, v: number, value: Int32Array[], entityOf: Int32Array[]): boolean {
  let both = 0;
  let apart = 0;
  for (let i = 0; i < value.length; i++) {
    if (value[i][a] !== v || value[i][b] !== v) continue;
    both++;
    if (entityOf[i][a] !== entityOf[i][b]) apart++;
  }
  return apart * 2 > both;
}
