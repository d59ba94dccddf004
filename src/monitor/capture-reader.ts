/**
 * Reads an endpoint's data capture (JSON Lines under
 * `endpoints/<name>/capture/<variant>/yyyy/mm/dd/hh/`, see serving/endpoints/capture.ts)
 * for a time window and feeds each request's rows into per-feature accumulators, file by
 * file and chunk by chunk: memory stays that of the accumulators whatever the hour held.
 */
import { StringDecoder } from 'node:string_decoder';
import type { ArtifactStore } from '../storage/index.js';
import type { CurrentData } from './constraints.js';
import { FeatureAccumulator, type InferredType } from './statistics.js';

/** The capture folder of an endpoint (the same as serving's `DataCapture.prefix`). */
export const capturePrefix = (endpoint: string) => `endpoints/${endpoint}/capture/`;

const HOUR_MS = 3_600_000;
/** Capture is written on flush: a file's folder hour can be later than its records' time by up to one flush. */
const FOLDER_SLACK_MS = HOUR_MS;

/** The request rows of capture, profiled against the baseline's features (by position for CSV, by name for JSON objects). */
export class CaptureProfile implements CurrentData {
  items = 0;
  /** Capture records read (one request may carry several rows). */
  records = 0;
  /** Records whose input could not be read (not CSV or JSON, or malformed). */
  unreadable = 0;
  readonly features: FeatureAccumulator[];
  readonly extraColumns = new Map<string, number>();
  readonly columnPresence: number[];
  private readonly index: Map<string, number>;

  constructor(features: ReadonlyArray<{ name: string; inferred_type: InferredType }>) {
    // A numeric baseline feature needs no value counts: its checks read the sketch and the kinds.
    this.features = features.map((f) => new FeatureAccumulator(f.name, f.inferred_type === 'String' || f.inferred_type === 'Unknown'));
    this.columnPresence = new Array<number>(features.length).fill(0);
    this.index = new Map(features.map((f, i) => [f.name, i]));
  }

  /** One capture line (SageMaker's capture record); false when it falls outside the window. */
  addRecord(line: string, window: { since?: string; until?: string } = {}): boolean {
    const fast = fastFields(line);
    if (fast) {
      const time = fast.time;
      if (time !== undefined && ((window.since !== undefined && time < window.since) || (window.until !== undefined && time >= window.until))) return false;
      this.records++;
      this.addCsv(fast.data);
      return true;
    }
    let record: { captureData?: { endpointInput?: { data?: unknown; encoding?: string; observedContentType?: string } }; eventMetadata?: { inferenceTime?: string } };
    try {
      record = JSON.parse(line);
    } catch {
      this.unreadable++;
      return true;
    }
    const time = record.eventMetadata?.inferenceTime;
    if (time !== undefined && ((window.since !== undefined && time < window.since) || (window.until !== undefined && time >= window.until))) return false;
    this.records++;
    const input = record.captureData?.endpointInput;
    if (!input || typeof input.data !== 'string') {
      this.unreadable++;
      return true;
    }
    const data = input.encoding === 'BASE64' ? Buffer.from(input.data, 'base64').toString('utf8') : input.data;
    const type = (input.observedContentType ?? '').toLowerCase();
    if (input.encoding === 'JSON' || type.includes('json')) {
      try {
        this.addJson(JSON.parse(data));
      } catch {
        this.unreadable++;
      }
    } else this.addCsv(data);
    return true;
  }

  /** CSV rows without a header, columns in the baseline's order. */
  addCsv(text: string): void {
    let start = 0;
    while (start < text.length) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      let line = text.slice(start, end);
      start = end + 1;
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line.length === 0) continue;
      this.addFields(line.includes('"') ? splitQuoted(line) : line.split(','));
    }
  }

  private addFields(fields: readonly (string | null)[]): void {
    this.items++;
    const n = this.features.length;
    for (let i = 0; i < fields.length; i++) {
      if (i < n) {
        this.features[i].add(fields[i]);
        this.columnPresence[i]++;
      } else {
        const name = `_c${i}`;
        this.extraColumns.set(name, (this.extraColumns.get(name) ?? 0) + 1);
      }
    }
    // A row shorter than the baseline: its last columns are absent, not missing values.
  }

  /** JSON input: `{instances: [...]}`, `{features: [...]}`, rows as arrays (by position) or objects (by name). */
  addJson(value: unknown): void {
    if (Array.isArray(value)) {
      if (value.length > 0 && value.every((v) => Array.isArray(v) || (typeof v === 'object' && v !== null))) for (const row of value) this.addJsonRow(row);
      else this.addJsonRow(value);
      return;
    }
    if (value && typeof value === 'object') {
      const o = value as Record<string, unknown>;
      if (Array.isArray(o.instances)) return this.addJson(o.instances);
      if (Array.isArray(o.features) && !this.index.has('features')) return this.addJsonRow(o.features);
      return this.addJsonRow(o);
    }
    this.unreadable++;
  }

  private addJsonRow(row: unknown): void {
    if (Array.isArray(row)) {
      this.items++;
      row.forEach((v, i) => {
        if (i < this.features.length) {
          this.features[i].addValue(v);
          this.columnPresence[i]++;
        } else this.extraColumns.set(`_c${i}`, (this.extraColumns.get(`_c${i}`) ?? 0) + 1);
      });
      return;
    }
    if (!row || typeof row !== 'object') {
      this.unreadable++;
      return;
    }
    this.items++;
    for (const [key, v] of Object.entries(row as Record<string, unknown>)) {
      const i = this.index.get(key);
      if (i === undefined) this.extraColumns.set(key, (this.extraColumns.get(key) ?? 0) + 1);
      else {
        this.features[i].addValue(v);
        this.columnPresence[i]++;
      }
    }
  }
}

const INPUT = '"endpointInput":{';
const DATA = '"data":"';
const TIME = '"inferenceTime":"';

/**
 * The CSV input and inference time of a capture line as serving writes it, read without
 * JSON.parse (most of the time of a whole parse goes to the output and metadata a data
 * check never reads). Anything unusual — escapes in the data, another encoding, fields
 * out of the usual order — returns null and the line is parsed in full.
 */
function fastFields(line: string): { data: string; time: string | undefined } | null {
  const input = line.indexOf(INPUT);
  if (input < 0) return null;
  const start = line.indexOf(DATA, input);
  const output = line.indexOf('"endpointOutput"', input);
  if (start < 0 || (output >= 0 && start > output)) return null;
  const from = start + DATA.length;
  const end = line.indexOf('"', from);
  if (end < 0) return null;
  const data = line.slice(from, end);
  if (data.includes('\\')) return null;
  // The fields after the data, up to the end of endpointInput: CSV only.
  const rest = line.slice(end, output >= 0 ? output : line.length);
  if (!rest.includes('"encoding":"CSV"')) return null;
  const head = line.slice(input, start);
  if (head.includes('"encoding"') && !head.includes('"encoding":"CSV"')) return null;
  const t = line.indexOf(TIME);
  const time = t < 0 ? undefined : line.slice(t + TIME.length, line.indexOf('"', t + TIME.length));
  return { data, time };
}

/** Splits a CSV line with quoted fields (RFC 4180: `""` inside quotes is one quote). */
export function splitQuoted(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(field);
      field = '';
    } else field += ch;
  }
  out.push(field);
  return out;
}

export interface CaptureWindow {
  /** ISO time, inclusive; absent: from the first record. */
  since?: string;
  /** ISO time, exclusive; absent: up to now. */
  until?: string;
}

/** The hour a capture key's folder names (`…/yyyy/mm/dd/hh/file`), epoch ms, or NaN. */
export function folderHour(key: string): number {
  const m = /\/(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})\/[^/]+$/.exec(key);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4])) : NaN;
}

/** The capture files that may hold records of the window, oldest folder first. */
export async function captureFiles(artifacts: ArtifactStore, endpoint: string, window: CaptureWindow): Promise<Array<{ key: string; size: number }>> {
  const since = window.since ? Date.parse(window.since) : -Infinity;
  const until = window.until ? Date.parse(window.until) : Infinity;
  const all = await artifacts.list(capturePrefix(endpoint));
  return all
    .filter((f) => {
      const hour = folderHour(f.key);
      if (Number.isNaN(hour)) return false;
      return hour + HOUR_MS + FOLDER_SLACK_MS > since && hour <= until;
    })
    .map((f) => ({ key: f.key, size: f.size }));
}

/** Streams the window's capture into a profile; `onFile` after each file (bytes read so far). */
export async function readCapture(
  artifacts: ArtifactStore,
  files: ReadonlyArray<{ key: string; size: number }>,
  profile: CaptureProfile,
  window: CaptureWindow,
  options: { signal?: AbortSignal; onFile?: (bytesRead: number) => void } = {},
): Promise<void> {
  let bytes = 0;
  for (const file of files) {
    options.signal?.throwIfAborted();
    const stream = await artifacts.get(file.key);
    const decoder = new StringDecoder('utf8');
    let carry = '';
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const text = carry + decoder.write(chunk);
      let start = 0;
      for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
        if (end > start) profile.addRecord(text.slice(start, end), window);
        start = end + 1;
      }
      carry = text.slice(start);
    }
    const rest = carry + decoder.end();
    if (rest.trim()) profile.addRecord(rest, window);
    bytes += file.size;
    options.onFile?.(bytes);
  }
}
