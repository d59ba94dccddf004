import type { AutoscalingInput, CreateEndpointRequest, Endpoint, EndpointFilter, EndpointStatus, UpdateEndpointInput, VariantWeightInput } from '../contracts/index.js';
import { OrchardApiError, type HttpClient } from './http.js';
import { pollUntilDone } from './poll.js';
import { ResourceClient } from './resource-client.js';

export type { CreateEndpointRequest };

/** What an invocation sends (SageMaker InvokeEndpoint). */
export interface InvokeEndpointRequest {
  /** CSV rows without the label, a JSON document or JSON Lines. */
  body: string | Buffer | Uint8Array;
  /** @default 'text/csv' */
  contentType?: string;
  /** The answer's type. @default the request's */
  accept?: string;
  /** Send to this variant whatever the weights (X-Amzn-SageMaker-Target-Variant). */
  targetVariant?: string;
}

export interface InvokeEndpointResponse {
  body: Buffer;
  contentType: string;
  /** X-Amzn-Invoked-Production-Variant. */
  invokedVariant: string;
  /** The body as text. */
  text(): string;
  /** The body parsed as JSON. */
  json<T = unknown>(): T;
}

export interface WaitForEndpointOptions {
  onUpdate?: (endpoint: Endpoint) => void;
  /** @default 500 */
  pollMs?: number;
  signal?: AbortSignal;
}

const SETTLED: ReadonlySet<EndpointStatus> = new Set(['InService', 'Failed']);

/** Real-time endpoints: deploy (`create` answers status Creating; `waitFor` until InService), update, scale, invoke and delete. */
export class EndpointsClient extends ResourceClient<Endpoint, CreateEndpointRequest, EndpointFilter> {
  constructor(http: HttpClient) {
    super(http, 'endpoints');
  }

  /** Rolls out a new configuration blue/green (status Updating until it serves). */
  async update(name: string, input: UpdateEndpointInput): Promise<Endpoint> {
    return this.http.request('PATCH', this.pathOf(name), { body: input });
  }

  /** Changes weights and instance counts in place (UpdateEndpointWeightsAndCapacities). */
  async setWeights(name: string, variants: VariantWeightInput[]): Promise<Endpoint> {
    return this.http.request('POST', `${this.pathOf(name)}/weights`, { body: { variants } });
  }

  /** Autoscales a variant on invocations per instance per minute. */
  async autoscale(name: string, input: AutoscalingInput): Promise<Endpoint> {
    const { variant, ...policy } = input;
    return this.http.request('PUT', `${this.pathOf(name)}/variants/${encodeURIComponent(variant)}/autoscaling`, { body: policy });
  }

  async removeAutoscaling(name: string, variant: string): Promise<Endpoint> {
    return this.http.request('DELETE', `${this.pathOf(name)}/variants/${encodeURIComponent(variant)}/autoscaling`);
  }

  /** Starts deleting (status Deleting); `waitForDeletion` until it is gone. */
  async delete(name: string): Promise<Endpoint> {
    return this.http.request('DELETE', this.pathOf(name));
  }

  /** Sends one request to the endpoint; a refusal throws OrchardApiError with its code (and status 429/503/504…). */
  async invoke(name: string, request: InvokeEndpointRequest): Promise<InvokeEndpointResponse> {
    const headers: Record<string, string> = { 'content-type': request.contentType ?? 'text/csv' };
    if (request.accept) headers.accept = request.accept;
    if (request.targetVariant) headers['x-amzn-sagemaker-target-variant'] = request.targetVariant;
    const res = await this.http.raw('POST', `${this.pathOf(name)}/invocations`, headers, request.body);
    const body = Buffer.from(await res.arrayBuffer());
    if (!res.ok) {
      let err: { code?: string; message?: string; details?: Record<string, unknown> } = {};
      try {
        err = JSON.parse(body.toString('utf8'));
      } catch {
        err = {};
      }
      throw new OrchardApiError(err.code ?? `HTTP_${res.status}`, err.message ?? `HTTP ${res.status}`, res.status, err.details);
    }
    return {
      body,
      contentType: res.headers.get('content-type') ?? '',
      invokedVariant: res.headers.get('x-amzn-invoked-production-variant') ?? '',
      text: () => body.toString('utf8'),
      json: <T>() => JSON.parse(body.toString('utf8')) as T,
    };
  }

  /** Polls until the endpoint is InService or Failed (a failure resolves: check `status`). */
  async waitFor(name: string, options: WaitForEndpointOptions = {}): Promise<Endpoint> {
    return pollUntilDone(() => this.describe(name), SETTLED, { ...options, pollMs: options.pollMs ?? 500 });
  }

  /** Polls until the endpoint no longer exists. */
  async waitForDeletion(name: string, options: { pollMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    for (;;) {
      options.signal?.throwIfAborted();
      try {
        await this.describe(name);
      } catch (err) {
        if (err instanceof OrchardApiError && err.code === 'ORCH_ENDPOINT_NOT_FOUND') return;
        throw err;
      }
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
    }
  }
}
