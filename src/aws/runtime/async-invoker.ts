/**
 * SageMaker's asynchronous inference (`InvokeEndpointAsync`): the request names its input
 * in the store (`s3://<bucket>/<key>`), is recorded, and only then answered with where its
 * output will be; a few at a time, the recorded requests are read back, their input read,
 * the endpoint invoked on the same path as a real-time call, and the model's answer written
 * to the output location, or the error to the failure location.
 *
 * On a platform the record is a row of `async_invocations` (see `AsyncInvocationStore`),
 * run by the server that hosts the endpoints (model servers live in that process; a fleet
 * worker has none) under a lease it renews while the request runs. A request accepted
 * before a restart runs after it: rows nobody holds at once, rows held by the stopped server
 * when their lease runs out. A row taken a second time first looks for an output or failure
 * written since it was accepted, so an answer is written once. An endpoint not in service
 * yet (it is starting after the restart) or at capacity delays the request; past
 * `ttlMs` it fails.
 */
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { isOrchardError, OrchardError } from '../../core/index.js';
import { MAX_PAYLOAD_BYTES, type EndpointService } from '../../serving/endpoints/index.js';
import type { ArtifactStore } from '../../storage/index.js';
import { artifactKeyOfS3Key, resolveS3Uri } from '../s3-uri.js';
import { MemoryAsyncInvocationQueue, type AsyncInvocationQueue, type StoredInvocation } from './async-store.js';

/** Where an endpoint's async outputs go when its config names them (AsyncInferenceConfig.OutputConfig). */
export interface AsyncOutputConfig {
  /** `s3://<bucket>/<prefix>`: outputs are `<prefix>/<inference id>.out`. */
  outputPath?: string;
  /** `s3://<bucket>/<prefix>`: failures are `<prefix>/<inference id>-error.out`. */
  failurePath?: string;
}

export interface AsyncInvokerDeps {
  endpoints: Pick<EndpointService, 'invoke' | 'describe'>;
  artifacts: Pick<ArtifactStore, 'get' | 'put' | 'head'>;
  /** Where accepted requests are recorded. @default in memory (lost when the process ends) */
  queue?: AsyncInvocationQueue;
  /** The bucket `s3://` URIs name (the S3 API's). @default `orchard` */
  bucket?: string;
  /** The endpoint's configured output locations, when its endpoint config has them. */
  outputConfig?: (endpointName: string) => Promise<AsyncOutputConfig | undefined>;
  /** Requests run at once; 0 records them and runs none. @default 4 */
  concurrency?: number;
  /** How long a taken request is this server's without a renewal. @default 30000 */
  leaseMs?: number;
  /** How often leases are renewed and the queue looked at (after `start`). @default 5000 */
  sweepMs?: number;
  /** The wait before a request whose endpoint was not ready is tried again. @default 1000 */
  retryMs?: number;
  /** How long a request may wait for its endpoint before it fails (SageMaker's RequestTTL). @default 6 hours */
  ttlMs?: number;
  log(err: unknown, message: string): void;
}

export interface AsyncRequest {
  endpointName: string;
  inputLocation: string;
  contentType?: string;
  accept?: string;
  customAttributes?: string;
  inferenceId?: string;
  targetVariant?: string;
}

export interface AsyncAccepted {
  inferenceId: string;
  outputLocation: string;
  failureLocation: string;
}

type Item = StoredInvocation<AsyncRequest & { inferenceId: string }>;

/** Accepts async invocations, records them, and runs them a few at a time. */
export class AsyncInvoker {
  private readonly queue: AsyncInvocationQueue;
  private readonly bucket: string;
  /** This server's name on the leases it holds. */
  private readonly owner = randomUUID();
  private readonly running = new Map<string, Promise<void>>();
  private pumping = false;
  private again = false;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: AsyncInvokerDeps) {
    this.bucket = deps.bucket ?? 'orchard';
    this.queue = deps.queue ?? new MemoryAsyncInvocationQueue();
  }

  /** Checks the locations, records the request and says where its answer will be. */
  async submit(request: AsyncRequest): Promise<AsyncAccepted> {
    // An unknown endpoint is refused now, not found later by the queue.
    await this.deps.endpoints.describe(request.endpointName);
    const inputKey = resolveS3Uri(request.inputLocation, { bucket: this.bucket });
    const inferenceId = request.inferenceId ?? randomUUID();
    const config = (await this.deps.outputConfig?.(request.endpointName)) ?? {};
    const output = this.prefix(config.outputPath) ?? `endpoints/${request.endpointName}/async-outputs`;
    const failure = this.prefix(config.failurePath) ?? `endpoints/${request.endpointName}/async-failures`;
    // An inference id becomes a file name: only what is safe in one path segment.
    const file = inferenceId.replace(/[^A-Za-z0-9._-]/g, '_');
    const outputKey = artifactKeyOfS3Key(`${output}/${file}.out`);
    const failureKey = artifactKeyOfS3Key(`${failure}/${file}-error.out`);
    // Recorded before the answer: nothing acknowledged is lost.
    await this.queue.insert({ id: randomUUID(), request: { ...request, inferenceId }, inputKey, outputKey, failureKey });
    this.pump();
    return { inferenceId, outputLocation: `s3://${this.bucket}/${outputKey}`, failureLocation: `s3://${this.bucket}/${failureKey}` };
  }

  /** Runs what was recorded before (a restart) and keeps renewing leases and retrying; stopped by `close`. */
  start(): void {
    if (this.closed || this.timer) return;
    this.timer = setInterval(() => void this.sweep(), this.deps.sweepMs ?? 5000);
    this.timer.unref();
    this.pump();
  }

  /** Takes nothing more and waits for the requests running here (bounded by the endpoints' timeout). */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await Promise.allSettled([...this.running.values()]);
  }

  /** Resolves when nothing is recorded or running (for tests). */
  async drained(): Promise<void> {
    for (;;) {
      await Promise.allSettled([...this.running.values()]);
      if (this.running.size === 0 && (await this.queue.count()) === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  private async sweep(): Promise<void> {
    try {
      await this.queue.renew(this.owner, [...this.running.keys()], this.deps.leaseMs ?? 30_000);
    } catch (err) {
      this.deps.log(err, 'could not renew the leases of async invocations');
    }
    this.pump();
  }

  private prefix(uri: string | undefined): string | undefined {
    if (uri === undefined) return undefined;
    return resolveS3Uri(uri, { bucket: this.bucket, allowEmpty: true }).replace(/\/+$/, '') || undefined;
  }

  /** Takes recorded requests while there is room; one taker at a time. */
  private pump(): void {
    if (this.closed) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    void (async () => {
      try {
        const limit = this.deps.concurrency ?? 4;
        while (!this.closed && this.running.size < limit) {
          const item = await this.queue.claim<Item['request']>(this.owner, this.deps.leaseMs ?? 30_000);
          if (!item) break;
          const run = this.run(item)
            .catch((err) => this.deps.log(err, `async invocation ${item.request.inferenceId} of ${item.request.endpointName} failed`))
            .finally(() => {
              this.running.delete(item.id);
              this.pump();
            });
          this.running.set(item.id, run);
        }
      } catch (err) {
        this.deps.log(err, 'could not read the async invocation queue');
      } finally {
        this.pumping = false;
        if (this.again) {
          this.again = false;
          this.pump();
        }
      }
    })();
  }

  private async run(item: Item): Promise<void> {
    const { request } = item;
    // Taken before (its server stopped mid-run): an answer written since it was accepted stands.
    if (item.attempts > 1 && (await this.answered(item))) {
      await this.queue.remove(item.id);
      return;
    }
    try {
      const body = await readAll(await this.deps.artifacts.get(item.inputKey), MAX_PAYLOAD_BYTES);
      const result = await this.deps.endpoints.invoke(request.endpointName, { body, contentType: request.contentType, accept: request.accept, targetVariant: request.targetVariant, inferenceId: request.inferenceId });
      if (result.status >= 200 && result.status < 300) {
        await this.deps.artifacts.put(item.outputKey, result.body);
        await this.queue.remove(item.id);
        return;
      }
      await this.fail(item, { status: result.status, variant: result.variant, message: result.body.toString('utf8') });
    } catch (err) {
      const e = isOrchardError(err) ? err : new OrchardError('ORCH_INTERNAL', { cause: err });
      // Not in service yet (starting, updating) or at capacity: tried again, as SageMaker's queue waits for instances.
      if (e.details?.retryAfterSeconds !== undefined && Date.now() - Date.parse(item.createdAt) < (this.deps.ttlMs ?? 6 * 3600_000)) {
        await this.queue.release(this.owner, item.id, this.deps.retryMs ?? 1000);
        return;
      }
      if (e.status >= 500) this.deps.log(err, `async invocation ${request.inferenceId} of ${request.endpointName} failed`);
      await this.fail(item, { code: e.code, message: e.message });
    }
  }

  private async answered(item: Item): Promise<boolean> {
    for (const key of [item.outputKey, item.failureKey]) {
      const info = await this.deps.artifacts.head(key);
      if (info && info.createdAt >= item.createdAt) return true;
    }
    return false;
  }

  private async fail(item: Item, error: Record<string, unknown>): Promise<void> {
    const text = JSON.stringify({ inferenceId: item.request.inferenceId, endpointName: item.request.endpointName, ...error });
    try {
      await this.deps.artifacts.put(item.failureKey, Buffer.from(text));
    } catch (err) {
      // Kept: tried again once the store takes writes.
      this.deps.log(err, `could not write the failure of async invocation ${item.request.inferenceId}`);
      await this.queue.release(this.owner, item.id, this.deps.retryMs ?? 1000);
      return;
    }
    await this.queue.remove(item.id);
  }
}

async function readAll(stream: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      stream.destroy();
      throw new OrchardError('ORCH_ENDPOINT_PAYLOAD_TOO_LARGE', { message: `The input is larger than ${limit} bytes, the most a model server takes in one request` });
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
}
