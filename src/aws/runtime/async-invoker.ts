/**
 * SageMaker's asynchronous inference (`InvokeEndpointAsync`): the request names its input
 * in the store (`s3://<bucket>/<key>`), is answered at once with where its output will be,
 * and waits in a queue; the queue reads the input, invokes the endpoint on the same path as
 * a real-time call, and writes the model's answer to the output location, or the error to
 * the failure location.
 *
 * The queue lives in the server that runs the endpoints (as the endpoints do), with a few
 * requests at a time; a request still queued when the server stops is not run (its output
 * never appears), as an async request past its TTL is dropped by SageMaker.
 */
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { isOrchardError, OrchardError } from '../../core/index.js';
import { MAX_PAYLOAD_BYTES, type EndpointService } from '../../serving/endpoints/index.js';
import type { ArtifactStore } from '../../storage/index.js';
import { artifactKeyOfS3Key, resolveS3Uri } from '../s3-uri.js';

/** Where an endpoint's async outputs go when its config names them (AsyncInferenceConfig.OutputConfig). */
export interface AsyncOutputConfig {
  /** `s3://<bucket>/<prefix>`: outputs are `<prefix>/<inference id>.out`. */
  outputPath?: string;
  /** `s3://<bucket>/<prefix>`: failures are `<prefix>/<inference id>-error.out`. */
  failurePath?: string;
}

export interface AsyncInvokerDeps {
  endpoints: Pick<EndpointService, 'invoke' | 'describe'>;
  artifacts: ArtifactStore;
  /** The bucket `s3://` URIs name (the S3 API's). @default `orchard` */
  bucket?: string;
  /** The endpoint's configured output locations, when its endpoint config has them. */
  outputConfig?: (endpointName: string) => Promise<AsyncOutputConfig | undefined>;
  /** Requests run at once. @default 4 */
  concurrency?: number;
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

interface Queued {
  request: AsyncRequest;
  inputKey: string;
  outputKey: string;
  failureKey: string;
}

/** Accepts async invocations and runs them a few at a time. */
export class AsyncInvoker {
  private readonly queue: Queued[] = [];
  private running = 0;
  private readonly bucket: string;
  private readonly idle = new Set<() => void>();

  constructor(private readonly deps: AsyncInvokerDeps) {
    this.bucket = deps.bucket ?? 'orchard';
  }

  /** Checks the locations, queues the request and says where its answer will be. */
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
    this.queue.push({ request: { ...request, inferenceId }, inputKey, outputKey, failureKey });
    this.pump();
    return { inferenceId, outputLocation: `s3://${this.bucket}/${outputKey}`, failureLocation: `s3://${this.bucket}/${failureKey}` };
  }

  /** Resolves when nothing is queued or running (for shutdown and tests). */
  drained(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.add(resolve));
  }

  private prefix(uri: string | undefined): string | undefined {
    if (uri === undefined) return undefined;
    return resolveS3Uri(uri, { bucket: this.bucket, allowEmpty: true }).replace(/\/+$/, '') || undefined;
  }

  private pump(): void {
    const limit = this.deps.concurrency ?? 4;
    while (this.running < limit && this.queue.length > 0) {
      const next = this.queue.shift()!;
      this.running++;
      void this.run(next).finally(() => {
        this.running--;
        this.pump();
        if (this.running === 0 && this.queue.length === 0) {
          for (const resolve of this.idle) resolve();
          this.idle.clear();
        }
      });
    }
  }

  private async run(item: Queued): Promise<void> {
    const { request } = item;
    try {
      const body = await readAll(await this.deps.artifacts.get(item.inputKey), MAX_PAYLOAD_BYTES);
      const result = await this.deps.endpoints.invoke(request.endpointName, { body, contentType: request.contentType, accept: request.accept, targetVariant: request.targetVariant });
      if (result.status >= 200 && result.status < 300) {
        await this.deps.artifacts.put(item.outputKey, result.body);
        return;
      }
      await this.fail(item, { status: result.status, variant: result.variant, message: result.body.toString('utf8') });
    } catch (err) {
      const e = isOrchardError(err) ? err : new OrchardError('ORCH_INTERNAL', { cause: err });
      if (e.status >= 500) this.deps.log(err, `async invocation ${request.inferenceId} of ${request.endpointName} failed`);
      await this.fail(item, { code: e.code, message: e.message });
    }
  }

  private async fail(item: Queued, error: Record<string, unknown>): Promise<void> {
    const text = JSON.stringify({ inferenceId: item.request.inferenceId, endpointName: item.request.endpointName, ...error });
    try {
      await this.deps.artifacts.put(item.failureKey, Buffer.from(text));
    } catch (err) {
      this.deps.log(err, `could not write the failure of async invocation ${item.request.inferenceId}`);
    }
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
