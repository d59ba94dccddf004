/**
 * Reads an endpoint's answer for what a review flow asks of it: per record, the top
 * class and its confidence. Pure: the invocation path calls it only for endpoints with a
 * flow. Shapes read: SageMaker's built-in outputs in JSON (`{"predictions": [...]}`),
 * JSON Lines (`{"prediction": ...}` per line) and CSV (one row per line); a record is a
 * binary probability (class 1's), a list of class probabilities, or an object with
 * `probabilities`, `score` and/or `predicted_label`.
 */

export interface RecordVerdict {
  /** The top class's index, or null when the record says nothing about classes. */
  index: number | null;
  /** The top class's probability, or null. */
  confidence: number | null;
}

/** The records of a response; an empty list when the body is not a shape read here. */
export function readPredictions(contentType: string, body: Buffer): RecordVerdict[] {
  const type = contentType.split(';')[0].trim().toLowerCase();
  try {
    if (type === 'text/csv') return readCsv(body.toString('utf8'));
    if (type === 'application/json') return readJsonDocument(JSON.parse(body.toString('utf8')) as unknown);
    if (type === 'application/jsonlines' || type === 'application/x-jsonlines') {
      return body
        .toString('utf8')
        .split('\n')
        .filter((l) => l.trim().length > 0)
        .map((l) => {
          const o = JSON.parse(l) as Record<string, unknown>;
          return verdictOf(o !== null && typeof o === 'object' && 'prediction' in o ? o.prediction : o);
        });
    }
  } catch {
    // Not JSON after all: nothing to judge.
  }
  return [];
}

function readJsonDocument(doc: unknown): RecordVerdict[] {
  if (doc !== null && typeof doc === 'object' && !Array.isArray(doc)) {
    const preds = (doc as Record<string, unknown>).predictions;
    if (Array.isArray(preds)) return preds.map(verdictOf);
    return [];
  }
  if (Array.isArray(doc)) return doc.map(verdictOf);
  return [];
}

function readCsv(text: string): RecordVerdict[] {
  const out: RecordVerdict[] = [];
  for (const line of text.split('\n')) {
    if (line.trim().length === 0) continue;
    const values = line.split(',').map((v) => Number(v));
    out.push(verdictOf(values.length === 1 ? values[0] : values));
  }
  return out;
}

const NONE: RecordVerdict = { index: null, confidence: null };

/** One record: a probability of class 1, class probabilities, or SageMaker's classifier object. */
export function verdictOf(record: unknown): RecordVerdict {
  if (typeof record === 'number') {
    if (!(record >= 0 && record <= 1)) return NONE;
    return record >= 0.5 ? { index: 1, confidence: record } : { index: 0, confidence: 1 - record };
  }
  if (Array.isArray(record)) {
    if (record.length === 1) return verdictOf(record[0]);
    if (record.length === 0 || !record.every((v) => typeof v === 'number' && v >= 0 && v <= 1)) return NONE;
    let best = 0;
    for (let i = 1; i < record.length; i++) if ((record[i] as number) > (record[best] as number)) best = i;
    return { index: best, confidence: record[best] as number };
  }
  if (record !== null && typeof record === 'object') {
    const o = record as Record<string, unknown>;
    if (Array.isArray(o.probabilities)) return verdictOf(o.probabilities);
    if (Array.isArray(o.score)) return verdictOf(o.score);
    const label = typeof o.predicted_label === 'number' && Number.isInteger(o.predicted_label) ? o.predicted_label : null;
    if (typeof o.score === 'number' && o.score >= 0 && o.score <= 1) {
      // Linear learner's binary record: `score` is class 1's probability, `predicted_label` the class.
      const v = verdictOf(o.score);
      return label === null || label === v.index ? v : { index: label, confidence: label === 1 ? o.score : 1 - o.score };
    }
    return label === null ? NONE : { index: label, confidence: null };
  }
  return NONE;
}

/** The activation conditions of a flow, as stored. */
export interface Activation {
  confidenceBelow?: number;
  labels?: string[];
  samplePercent?: number;
}

export interface Decision {
  /** Which condition started the loop. */
  source: 'confidence' | 'label' | 'sample';
  /** The least confident record's confidence and class name (its index when the flow has no such label). */
  confidence: number | null;
  predictedLabel: string | null;
  records: number;
}

/**
 * Whether an answer goes to people: some record below the confidence threshold, some
 * record predicted as one of the listed labels, or the random share (in that order of
 * precedence for the reported source). `random` is in [0, 1).
 */
export function decide(activation: Activation, labels: readonly string[], records: RecordVerdict[], random: number): Decision | null {
  let least: RecordVerdict | null = null;
  for (const r of records) if (r.confidence !== null && (least === null || r.confidence < least.confidence!)) least = r;
  const nameOf = (r: RecordVerdict | null) => (r === null || r.index === null ? null : (labels[r.index] ?? String(r.index)));
  const base = { records: records.length };
  if (activation.confidenceBelow !== undefined && least !== null && least.confidence! < activation.confidenceBelow) {
    return { ...base, source: 'confidence', confidence: least.confidence, predictedLabel: nameOf(least) };
  }
  if (activation.labels !== undefined) {
    const hit = records.find((r) => r.index !== null && activation.labels!.includes(nameOf(r)!));
    if (hit) return { ...base, source: 'label', confidence: hit.confidence, predictedLabel: nameOf(hit) };
  }
  if (activation.samplePercent !== undefined && random * 100 < activation.samplePercent) {
    return { ...base, source: 'sample', confidence: least?.confidence ?? null, predictedLabel: nameOf(least) };
  }
  return null;
}
