/**
 * Reading what an endpoint wrote and what a caller uploaded: capture records (the
 * prediction of each, keyed by the inference id the caller gave, else the event id) and
 * ground-truth records (SageMaker's shape, or `{"inferenceId", "label"}`), both JSON Lines
 * under `endpoints/<name>/` in the artifact store.
 */
import { randomUUID } from 'node:crypto';
import { OrchardError } from '../../core/index.js';
import type { ArtifactStore } from '../../storage/index.js';

export const captureRoot = (endpoint: string): string => `endpoints/${endpoint}/capture/`;
export const groundTruthRoot = (endpoint: string): string => `endpoints/${endpoint}/ground-truth/`;

/** One captured invocation's answer. */
export interface CapturedOutput {
  /** `eventMetadata.inferenceId` when the caller gave one, else `eventId`. */
  id: string;
  time: number;
  data: string;
  encoding: string;
}

/** SageMaker's ground-truth record. */
export interface GroundTruthRecord {
  groundTruthData: { data: string; encoding: 'CSV' | 'JSON' };
  eventMetadata: { eventId: string };
  eventVersion: '0';
}

const MAX_ID = 64;

async function text(artifacts: ArtifactStore, key: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await artifacts.get(key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The folder hour (UTC, `yyyy/mm/dd/hh`) of a key under a root, as epoch ms, or null. */
function hourOf(key: string, root: string): number | null {
  const m = /(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})\/[^/]+$/.exec(key.slice(root.length));
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4]) : null;
}

/**
 * Captured outputs with `since <= inferenceTime < until` (every variant), oldest first.
 * Files are skipped by their hour folder before they are read.
 */
export async function readCapture(artifacts: ArtifactStore, endpoint: string, since = 0, until = Number.POSITIVE_INFINITY): Promise<CapturedOutput[]> {
  const root = captureRoot(endpoint);
  const out: CapturedOutput[] = [];
  for (const info of await artifacts.list(root)) {
    if (!info.key.endsWith('.jsonl')) continue;
    const hour = hourOf(info.key, root);
    if (hour !== null && (hour + 3_600_000 <= since || hour >= until)) continue;
    for (const line of (await text(artifacts, info.key)).split('\n')) {
      if (line === '') continue;
      let record: { captureData?: { endpointOutput?: { data?: unknown; encoding?: unknown } }; eventMetadata?: { eventId?: unknown; inferenceId?: unknown; inferenceTime?: unknown } };
      try {
        record = JSON.parse(line);
      } catch {
        continue;
      }
      const meta = record.eventMetadata ?? {};
      const time = Date.parse(String(meta.inferenceTime));
      const output = record.captureData?.endpointOutput;
      if (!Number.isFinite(time) || time < since || time >= until || !output) continue;
      const id = typeof meta.inferenceId === 'string' ? meta.inferenceId : String(meta.eventId);
      out.push({ id, time, data: String(output.data ?? ''), encoding: String(output.encoding ?? '') });
    }
  }
  return out.sort((a, b) => a.time - b.time);
}

/** Every label uploaded for the endpoint, by inference id; a later upload of an id wins. */
export async function readGroundTruth(artifacts: ArtifactStore, endpoint: string): Promise<Map<string, string>> {
  const root = groundTruthRoot(endpoint);
  const labels = new Map<string, string>();
  const keys = (await artifacts.list(root)).map((i) => i.key).filter((k) => k.endsWith('.jsonl'));
  // Keys are time-ordered by their folders and file names (yyyy/mm/dd/hh/mm-ss-mmm-…).
  keys.sort();
  for (const key of keys) {
    for (const line of (await text(artifacts, key)).split('\n')) {
      if (line === '') continue;
      try {
        const r = JSON.parse(line) as GroundTruthRecord;
        labels.set(r.eventMetadata.eventId, r.groundTruthData.data);
      } catch {
        // A line this module did not write (the folder is the user's to add to, as in SageMaker).
      }
    }
  }
  return labels;
}

/**
 * Uploaded lines, checked and put in SageMaker's shape. Every bad line is reported
 * (the first 20) as `ORCH_MONITOR_GROUND_TRUTH_INVALID` with its 1-based number.
 */
export function parseGroundTruth(records: readonly unknown[]): GroundTruthRecord[] {
  const problems: { field: string; code: string; message: string }[] = [];
  const out: GroundTruthRecord[] = [];
  records.forEach((raw, i) => {
    const r = raw as Record<string, any> | null;
    let id: unknown;
    let label: unknown;
    let encoding: 'CSV' | 'JSON' = 'CSV';
    if (r && typeof r === 'object' && r.groundTruthData && typeof r.groundTruthData === 'object') {
      id = r.eventMetadata?.eventId;
      label = r.groundTruthData.data;
      if (r.groundTruthData.encoding === 'JSON') encoding = 'JSON';
    } else if (r && typeof r === 'object' && 'inferenceId' in r) {
      id = r.inferenceId;
      label = r.label;
    }
    if (typeof label === 'number' || typeof label === 'boolean') label = String(label);
    const line = i + 1;
    if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID) {
      problems.push({ field: `line ${line}`, code: 'ORCH_MONITOR_GROUND_TRUTH_INVALID', message: `Line ${line}: needs an inference id (eventMetadata.eventId, or inferenceId) of 1 to ${MAX_ID} characters` });
    } else if (typeof label !== 'string' || label.trim() === '') {
      problems.push({ field: `line ${line}`, code: 'ORCH_MONITOR_GROUND_TRUTH_INVALID', message: `Line ${line}: needs a label (groundTruthData.data, or label)` });
    } else out.push({ groundTruthData: { data: label.trim(), encoding }, eventMetadata: { eventId: id }, eventVersion: '0' });
  });
  if (problems.length > 0) {
    const shown = problems.slice(0, 20);
    throw new OrchardError('ORCH_MONITOR_GROUND_TRUTH_INVALID', { message: `${problems.length} ground-truth line(s) are not usable; ${shown[0].message}`, details: { errors: shown, count: problems.length } });
  }
  return out;
}

/** Writes one upload as one JSON Lines object under the hour it arrived, as SageMaker's layout has it. */
export async function writeGroundTruth(artifacts: ArtifactStore, endpoint: string, records: readonly GroundTruthRecord[], now = new Date()): Promise<string> {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const folder = `${now.getUTCFullYear()}/${p(now.getUTCMonth() + 1)}/${p(now.getUTCDate())}/${p(now.getUTCHours())}`;
  const key = `${groundTruthRoot(endpoint)}${folder}/${p(now.getUTCMinutes())}-${p(now.getUTCSeconds())}-${p(now.getUTCMilliseconds(), 3)}-${randomUUID().slice(0, 8)}.jsonl`;
  await artifacts.put(key, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return key;
}
