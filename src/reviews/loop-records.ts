/**
 * A human loop's records, built from a flow and what started it: the loop's row, its name,
 * where A2I's output lands, the answers as A2I writes them, and a request body as kept.
 */
import { randomBytes } from 'node:crypto';
import type { HumanAnswer } from '../contracts/index.js';
import type { HumanLoopSource } from '../contracts/reviews.values.js';
import { outputPrefixOf } from './exporter.js';
import type { HumanLoopsTable, ReviewFlowsTable } from './store.js';

export function loopRow(name: string, flow: ReviewFlowsTable, source: HumanLoopSource, now: string, inputJson: string): HumanLoopsTable {
  return {
    name,
    flow: flow.name,
    status: 'InProgress',
    source,
    endpoint: null,
    variant: null,
    inference_id: null,
    confidence: null,
    predicted_label: null,
    records: null,
    input_json: inputJson,
    reviewers_per_loop: flow.reviewers_per_loop,
    output: null,
    failure_reason: null,
    created_by: null,
    created_at: now,
    updated_at: now,
    ended_at: null,
  };
}

/** `<endpoint>-<time>-<random>`, within the 63 characters of a name. */
export function loopName(endpoint: string): string {
  return `${endpoint.slice(0, 40).replace(/-+$/, '')}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** A2I's layout: `<prefix>yyyy/mm/dd/hh/mm/ss/<loop>/output.json`, from the loop's creation time (so a retry writes the same key). */
export function outputKey(loop: Pick<HumanLoopsTable, 'flow' | 'name' | 'created_at'>): string {
  const t = loop.created_at;
  return `${outputPrefixOf(loop.flow)}${t.slice(0, 4)}/${t.slice(5, 7)}/${t.slice(8, 10)}/${t.slice(11, 13)}/${t.slice(14, 16)}/${t.slice(17, 19)}/${loop.name}/output.json`;
}

export function humanAnswers(rows: { worker: string; leased_at: string; answer_json: string | null; answered_at: string | null }[]): HumanAnswer[] {
  return rows
    .filter((r) => r.answered_at !== null && r.answer_json !== null)
    .map((r) => ({
      answerContent: JSON.parse(r.answer_json!) as Record<string, unknown>,
      submissionTime: r.answered_at!,
      timeSpentInSeconds: Math.max(0, Math.round((Date.parse(r.answered_at!) - Date.parse(r.leased_at)) / 10) / 100),
      workerId: r.worker,
    }));
}

/** A body as the capture record keeps it: text for CSV and JSON, base64 otherwise. */
export function payload(body: Buffer, contentType: string): { contentType: string; encoding: 'CSV' | 'JSON' | 'BASE64'; data: string } {
  const t = contentType.split(';')[0].trim().toLowerCase();
  const encoding = t === 'text/csv' ? 'CSV' : t.includes('json') ? 'JSON' : 'BASE64';
  return { contentType, encoding, data: encoding === 'BASE64' ? body.toString('base64') : body.toString('utf8') };
}
