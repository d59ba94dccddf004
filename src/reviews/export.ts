/**
 * Completed human loops as training rows (pure): one row per reviewed record, the
 * reviewers' answer as the label. Requests sent as CSV become SageMaker's training CSV
 * (the label's class index first, then the features as the endpoint received them, no
 * header); any other request becomes a JSON Lines augmented manifest carrying the record,
 * the label and, in its metadata, the prediction, the inference id and the review time.
 */
import { readPredictions } from './prediction.js';

/** A completed loop as the export reads it. */
export interface ExportLoop {
  name: string;
  endedAt: string;
  inferenceId: string | null;
  /** A2I's `inputContent`: for an endpoint's loop `{request, response, ...}`; any object for StartHumanLoop's. */
  input: Record<string, unknown>;
  /** Its answers, first submitted first. */
  answers: { worker: string; answer: Record<string, unknown>; answeredAt: string }[];
}

/** What the export writes next to each row: where it came from. */
export interface ExportProvenance {
  loop: string;
  record: number;
  inferenceId: string | null;
  /** The model's class for the record and its confidence (null when the response says none). */
  prediction: { label: string | null; confidence: number | null };
  label: string;
  reviewedAt: string;
  workers: string[];
}

export interface ExportRows {
  format: 'csv' | 'jsonl';
  /** The version's body: CSV rows or manifest lines, each ending in a newline. */
  body: string;
  /** One per row, in the body's order. */
  provenance: ExportProvenance[];
  /** Loops that gave no row, and why. */
  skipped: { loop: string; reason: string }[];
}

interface Payload {
  contentType: string;
  encoding: string;
  data: string;
}

/** The attribute the manifest keeps the label under (Ground Truth's `label-attribute-name`). */
export const LABEL_ATTRIBUTE = 'label';

/**
 * Rows of the loops, CSV when every loop's request was CSV, else JSON Lines. A record's
 * label is its reviewers' majority (the earliest answer's on a tie), as a class index of
 * `labels`, the flow's classes in the model's output order.
 */
export function exportRows(loops: readonly ExportLoop[], labels: readonly string[]): ExportRows {
  const skipped: ExportRows['skipped'] = [];
  const kept: { loop: ExportLoop; records: (string | unknown)[]; csv: boolean; answers: string[]; predictions: ExportProvenance['prediction'][] }[] = [];
  for (const loop of loops) {
    const request = payloadOf(loop.input.request);
    const response = payloadOf(loop.input.response);
    let records: unknown[];
    let csv = false;
    if (request === null) records = [loop.input];
    else if (request.encoding === 'CSV') {
      records = request.data.split(/\r?\n/).filter((l) => l.trim().length > 0);
      csv = true;
    } else if (request.encoding === 'JSON') {
      const parsed = jsonRecords(request);
      if (parsed === null) {
        skipped.push({ loop: loop.name, reason: 'the request is not JSON' });
        continue;
      }
      records = parsed;
    } else {
      skipped.push({ loop: loop.name, reason: `a ${request.contentType || 'binary'} request is not exported` });
      continue;
    }
    const answers = consensus(loop.answers.map((a) => a.answer), records.length);
    if (answers === null) {
      skipped.push({ loop: loop.name, reason: `the answers do not give one label for each of the ${records.length} records` });
      continue;
    }
    const unknown = answers.find((a) => !labels.includes(a));
    if (unknown !== undefined) {
      skipped.push({ loop: loop.name, reason: `'${unknown}' is not one of the flow's labels` });
      continue;
    }
    const verdicts = response === null ? [] : readPredictions(response.contentType, Buffer.from(response.data, response.encoding === 'BASE64' ? 'base64' : 'utf8'));
    const predictions = records.map((_, i) => {
      const v = verdicts[i];
      return { label: v?.index === null || v?.index === undefined ? null : (labels[v.index] ?? String(v.index)), confidence: v?.confidence ?? null };
    });
    kept.push({ loop, records, csv, answers, predictions });
  }
  const format = kept.length > 0 && kept.every((k) => k.csv) ? 'csv' : 'jsonl';
  const lines: string[] = [];
  const provenance: ExportProvenance[] = [];
  for (const k of kept) {
    const workers = k.loop.answers.map((a) => a.worker);
    const reviewedAt = k.loop.endedAt;
    k.records.forEach((record, i) => {
      const label = k.answers[i];
      const index = labels.indexOf(label);
      const p: ExportProvenance = { loop: k.loop.name, record: i, inferenceId: k.loop.inferenceId, prediction: k.predictions[i], label, reviewedAt, workers };
      provenance.push(p);
      if (format === 'csv') lines.push(`${index},${String(record)}`);
      else {
        // A CSV record in a mixed export stays the text the endpoint received.
        lines.push(
          JSON.stringify({
            [LABEL_ATTRIBUTE]: index,
            [`${LABEL_ATTRIBUTE}-metadata`]: {
              'class-name': label,
              'human-annotated': 'yes',
              'creation-date': reviewedAt,
              type: 'orchard/human-review',
              'human-loop-name': k.loop.name,
              'inference-id': k.loop.inferenceId,
              prediction: { 'class-name': p.prediction.label, confidence: p.prediction.confidence },
              workers,
            },
            source: record,
          }),
        );
      }
    });
  }
  return { format, body: lines.map((l) => `${l}\n`).join(''), provenance, skipped };
}

function payloadOf(v: unknown): Payload | null {
  if (v === null || typeof v !== 'object') return null;
  const p = v as Record<string, unknown>;
  if (typeof p.data !== 'string' || typeof p.encoding !== 'string') return null;
  return { contentType: typeof p.contentType === 'string' ? p.contentType : '', encoding: p.encoding, data: p.data };
}

/** A JSON request's records: SageMaker's `{"instances": [...]}`, a list, JSON Lines, or the one object. */
function jsonRecords(request: Payload): unknown[] | null {
  const type = request.contentType.split(';')[0].trim().toLowerCase();
  try {
    if (type === 'application/jsonlines' || type === 'application/x-jsonlines') {
      return request.data.split('\n').filter((l) => l.trim().length > 0).map((l) => JSON.parse(l) as unknown);
    }
    const doc = JSON.parse(request.data) as unknown;
    if (Array.isArray(doc)) return doc;
    if (doc !== null && typeof doc === 'object' && Array.isArray((doc as Record<string, unknown>).instances)) return (doc as { instances: unknown[] }).instances;
    return [doc];
  } catch {
    return null;
  }
}

/**
 * One label per record from the reviewers' answers (`{label}` for one record, `{labels}`
 * one per record): the most frequent, the earliest answer's on a tie; null when an answer
 * does not cover the records.
 */
export function consensus(answers: readonly Record<string, unknown>[], records: number): string[] | null {
  const per: string[][] = [];
  for (const a of answers) {
    const list = Array.isArray(a.labels) ? a.labels : typeof a.label === 'string' ? [a.label] : null;
    if (list === null || list.length !== records || !list.every((l): l is string => typeof l === 'string')) return null;
    per.push(list);
  }
  if (per.length === 0) return null;
  return Array.from({ length: records }, (_, i) => {
    const counts = new Map<string, number>();
    for (const list of per) counts.set(list[i], (counts.get(list[i]) ?? 0) + 1);
    let best = per[0][i];
    for (const list of per) if (counts.get(list[i])! > counts.get(best)!) best = list[i];
    return best;
  });
}
