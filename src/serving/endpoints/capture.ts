/**
 * Data capture (SageMaker's DataCaptureConfig): a sampled share of invocations, request
 * and response, as JSON Lines in the artifact store under
 * `endpoints/<name>/capture/<variant>/yyyy/mm/dd/hh/<time>-<id>.jsonl`, one record per
 * line in SageMaker's capture shape, so a model monitor can read it later. Records are
 * buffered and written every `flushMs`, when a buffer passes `maxBufferBytes`, and on
 * close.
 */
import { randomUUID } from 'node:crypto';
import type { ArtifactStore } from '../../storage/index.js';
import type { MediaType } from './codecs.js';
import { mediaTypeOf } from './codecs.js';

export interface CaptureOptions {
  /** @default 10000 */
  flushMs?: number;
  /** @default 1 MiB */
  maxBufferBytes?: number;
  log(message: string): void;
}

/** A buffer larger than this is dropped rather than kept for a retry (the store is failing). */
const MAX_RETAINED_BYTES = 16 * 1024 * 1024;

interface Buffered {
  lines: string[];
  bytes: number;
}

export class DataCapture {
  private readonly buffers = new Map<string, Buffered>();
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private readonly maxBufferBytes: number;

  constructor(
    private readonly artifacts: ArtifactStore,
    private readonly endpoint: string,
    public percent: number,
    private readonly options: CaptureOptions,
  ) {
    this.maxBufferBytes = options.maxBufferBytes ?? 1024 * 1024;
    this.timer = setInterval(() => void this.flush(), options.flushMs ?? 10_000);
    this.timer.unref();
  }

  /** The folder captured files go to. */
  static prefix(endpoint: string): string {
    return `endpoints/${endpoint}/capture/`;
  }

  /** True for the sampled share of calls. */
  sample(): boolean {
    return this.percent > 0 && Math.random() * 100 < this.percent;
  }

  /** `inferenceId` is the caller's `X-Amzn-SageMaker-Inference-Id`: ground truth is matched to it later. */
  record(variant: string, input: { body: Buffer; contentType: string | undefined }, output: { body: Buffer; contentType: string }, inferenceId?: string): void {
    const eventId = randomUUID();
    const inferenceTime = new Date().toISOString();
    const line = JSON.stringify({
      captureData: {
        endpointInput: payload(input.body, input.contentType ?? '', 'INPUT'),
        endpointOutput: payload(output.body, output.contentType, 'OUTPUT'),
      },
      eventMetadata: inferenceId === undefined ? { eventId, inferenceTime } : { eventId, inferenceId, inferenceTime },
      eventVersion: '0',
    });
    let buffer = this.buffers.get(variant);
    if (!buffer) this.buffers.set(variant, (buffer = { lines: [], bytes: 0 }));
    buffer.lines.push(line);
    buffer.bytes += line.length + 1;
    if (buffer.bytes >= this.maxBufferBytes) void this.flush();
  }

  /** Writes what is buffered (one object per variant); flushes never overlap. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.writeAll());
    return this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private async writeAll(): Promise<void> {
    for (const [variant, buffer] of [...this.buffers]) {
      if (buffer.lines.length === 0) continue;
      this.buffers.set(variant, { lines: [], bytes: 0 });
      const now = new Date();
      const p = (n: number, w = 2) => String(n).padStart(w, '0');
      const folder = `${now.getUTCFullYear()}/${p(now.getUTCMonth() + 1)}/${p(now.getUTCDate())}/${p(now.getUTCHours())}`;
      const file = `${p(now.getUTCMinutes())}-${p(now.getUTCSeconds())}-${p(now.getUTCMilliseconds(), 3)}-${randomUUID().slice(0, 8)}.jsonl`;
      const key = `${DataCapture.prefix(this.endpoint)}${variant}/${folder}/${file}`;
      try {
        await this.artifacts.put(key, buffer.lines.join('\n') + '\n');
      } catch (err) {
        const current = this.buffers.get(variant)!;
        if (current.bytes + buffer.bytes <= MAX_RETAINED_BYTES) {
          this.buffers.set(variant, { lines: [...buffer.lines, ...current.lines], bytes: buffer.bytes + current.bytes });
          this.options.log(`data capture of ${this.endpoint}/${variant}: write failed, kept for the next flush (${(err as Error).message})`);
        } else this.options.log(`data capture of ${this.endpoint}/${variant}: write failed, ${buffer.lines.length} records dropped (${(err as Error).message})`);
      }
    }
  }
}

function payload(body: Buffer, contentType: string, mode: 'INPUT' | 'OUTPUT') {
  const type: MediaType | null = mediaTypeOf(contentType);
  const encoding = type === 'text/csv' ? 'CSV' : type ? 'JSON' : 'BASE64';
  return { observedContentType: contentType, mode, data: encoding === 'BASE64' ? body.toString('base64') : body.toString('utf8'), encoding };
}
