import path from 'node:path';
/**
 * The endpoints running in this server process: their instances (model-server child
 * processes), the routing table (variant weights, ready instances), data capture and
 * health checks. It acts on desired state handed to it by the endpoint service and keeps
 * no state of its own across restarts: the service re-deploys from the metadata DB.
 *
 * Invocation is the hot path: a map lookup, a weighted pick among variants with a ready
 * instance, the least-loaded ready instance of the variant, and a keep-alive request to
 * its model server.
 */
import { randomBytes } from 'node:crypto';
import { OrchardError, isOrchardError } from '../../core/index.js';
import { materializeModel, UNPACKED_RECIPE_FILE, type ModelService } from '../../registry/index.js';
import type { ArtifactStore } from '../../storage/index.js';
import { DataCapture } from './capture.js';
import { VariantCounters } from './counters.js';
import { EndpointMetricsRecorder, type InstanceProcess } from './endpoint-metrics.js';
import type { MetricsPort } from '../../metrics/index.js';
import { ModelInstance, type ForwardRequest } from './instance.js';
import { MAX_PAYLOAD_BYTES, type ModelServerSpec } from './protocol.js';
import type { EndpointSpec, InstanceInfo, InvocationCounters, VariantSpec } from './types.js';
import type { ScalingHistory } from './autoscaling.js';

export interface RuntimeOptions {
  /** Where models are unpacked (shared with batch transform). */
  modelCacheDir: string;
  /** Longest model call. @default 60000 */
  invocationTimeoutMs: number;
  /** Model servers honour the test delay header (tests only). */
  testDelays: boolean;
  captureFlushMs: number;
  healthIntervalMs: number;
  /** How often recorded metrics are written (with `deps.metrics`). @default 60000 */
  metricsFlushMs?: number;
  /** How often model servers' CPU and memory are sampled (with `deps.metrics`). @default 10000 */
  metricsSampleMs?: number;
  log(message: string): void;
}

export interface RuntimeDeps {
  artifacts: ArtifactStore;
  models: Pick<ModelService, 'describe'>;
  /** Where per-minute endpoint metrics go; none recorded without it. */
  metrics?: MetricsPort | null;
}

export interface InvokeRequest extends ForwardRequest {
  /** X-Amzn-SageMaker-Target-Variant. */
  targetVariant?: string;
  /** X-Amzn-SageMaker-Inference-Id: kept in the capture record (`eventMetadata.inferenceId`). */
  inferenceId?: string;
}

export interface InvokeResult {
  status: number;
  contentType: string;
  body: Buffer;
  variant: string;
}

/** A successful invocation handed to a tap (human review reads the answer). */
export interface TappedInvocation {
  endpoint: string;
  variant: string;
  request: InvokeRequest;
  contentType: string;
  body: Buffer;
}

/** Called on the invocation path of one endpoint: it must return at once and never throw. */
export type InvocationTap = (invocation: TappedInvocation) => void;

/** What describe shows of a running variant. */
export interface LiveVariantInfo {
  weight: number;
  readyInstances: number;
  instances: InstanceInfo[];
  counters: InvocationCounters;
}

class LiveVariant {
  readonly instances: ModelInstance[] = [];
  ready: ModelInstance[] = [];
  weight: number;
  history: ScalingHistory;
  private rr = 0;

  constructor(
    public spec: VariantSpec,
    readonly counters: VariantCounters,
    readonly modelSpec: ModelServerSpec,
  ) {
    this.weight = spec.weight;
    const now = Date.now();
    this.history = { lastScaleIn: now, lastScaleOut: now };
  }

  refreshReady(): void {
    this.ready = this.instances.filter((i) => i.ready);
  }

  /** The least-loaded ready instance, starting the scan round-robin so ties spread. */
  pick(): ModelInstance | undefined {
    const ready = this.ready;
    const n = ready.length;
    if (n <= 1) return ready[0];
    this.rr = (this.rr + 1) % n;
    let best = ready[this.rr];
    for (let k = 1; k < n && best.load > 0; k++) {
      const candidate = ready[(this.rr + k) % n];
      if (candidate.load < best.load) best = candidate;
    }
    return best;
  }
}

class LiveEndpoint {
  readonly byName = new Map<string, LiveVariant>();
  private routable: LiveVariant[] = [];
  private totalWeight = 0;

  constructor(
    readonly name: string,
    public spec: EndpointSpec,
    readonly variants: LiveVariant[],
    public capture: DataCapture | null,
  ) {
    for (const v of variants) this.byName.set(v.spec.name, v);
  }

  /** Recomputed when an instance enters or leaves service, or a weight changes. */
  refreshRouting(): void {
    this.routable = this.variants.filter((v) => v.ready.length > 0 && v.weight > 0);
    this.totalWeight = this.routable.reduce((s, v) => s + v.weight, 0);
  }

  /** A variant by weight among those with a ready instance. */
  pick(): LiveVariant | undefined {
    const routable = this.routable;
    if (routable.length <= 1) return routable[0];
    let r = Math.random() * this.totalWeight;
    for (const v of routable) {
      r -= v.weight;
      if (r < 0) return v;
    }
    return routable[routable.length - 1];
  }
}

export class EndpointRuntime {
  private readonly live = new Map<string, LiveEndpoint>();
  /** Taps by endpoint name (human review); most servers have none, and then an invocation only checks the size. */
  private readonly taps = new Map<string, InvocationTap>();
  /** Configurations being started by an update, not routed to yet. */
  private readonly staging = new Map<string, LiveEndpoint>();
  private readonly health: NodeJS.Timeout;
  private readonly metrics: EndpointMetricsRecorder | null;
  private closed = false;

  constructor(
    private readonly deps: RuntimeDeps,
    readonly options: RuntimeOptions,
  ) {
    this.health = setInterval(() => {
      for (const ep of [...this.live.values(), ...this.staging.values()]) for (const v of ep.variants) for (const i of v.instances) void i.healthCheck();
    }, options.healthIntervalMs);
    this.health.unref();
    this.metrics = deps.metrics
      ? new EndpointMetricsRecorder(deps.metrics, () => this.instanceProcesses(), { flushMs: options.metricsFlushMs ?? 60_000, sampleMs: options.metricsSampleMs ?? 10_000, log: options.log })
      : null;
  }

  /** Every model-server process of the routed endpoints (what the metrics sampler reads). */
  instanceProcesses(): InstanceProcess[] {
    const out: InstanceProcess[] = [];
    for (const ep of this.live.values()) for (const v of ep.variants) for (const i of v.instances) out.push({ endpoint: ep.name, variant: v.spec.name, instance: i.id, pid: i.pid });
    return out;
  }

  isLive(name: string): boolean {
    return this.live.has(name);
  }

  /** Routes one invocation; throws coded errors (with the variant in `details` when one was chosen). */
  async invoke(name: string, request: InvokeRequest): Promise<InvokeResult> {
    const ep = this.live.get(name);
    if (ep === undefined) throw new OrchardError('ORCH_ENDPOINT_NOT_IN_SERVICE', { details: { endpoint: name } });
    let variant: LiveVariant | undefined;
    if (request.targetVariant !== undefined) {
      variant = ep.byName.get(request.targetVariant);
      if (variant === undefined) {
        throw new OrchardError('ORCH_ENDPOINT_VARIANT_NOT_FOUND', {
          message: `Endpoint '${name}' has no variant '${request.targetVariant}' (it has ${ep.variants.map((v) => v.spec.name).join(', ')})`,
          details: { variant: request.targetVariant },
        });
      }
    } else variant = ep.pick();
    const instance = variant?.pick();
    if (variant === undefined || instance === undefined) {
      throw new OrchardError('ORCH_ENDPOINT_INSTANCE_FAILED', {
        message: 'No instance is in service right now; retry shortly',
        details: { retryAfterSeconds: 1, ...(variant ? { variant: variant.spec.name } : {}) },
      });
    }
    const now = Date.now();
    const t0 = performance.now();
    variant.counters.hit(now);
    let result;
    try {
      result = await instance.invoke(request);
    } catch (err) {
      const orchard = isOrchardError(err) ? err : new OrchardError('ORCH_ENDPOINT_INSTANCE_FAILED', { cause: err });
      variant.counters.failed(orchard.code);
      throw new OrchardError(orchard.code, { message: orchard.message, cause: err, details: { ...orchard.details, variant: variant.spec.name } });
    }
    variant.counters.answered(result.status, result.modelMs, now, performance.now() - t0);
    const capture = ep.capture;
    if (capture !== null && result.status < 300 && capture.sample()) {
      capture.record(variant.spec.name, { body: request.body, contentType: request.contentType }, { body: result.body, contentType: result.contentType }, request.inferenceId);
    }
    if (this.taps.size !== 0 && result.status < 300) this.taps.get(name)?.({ endpoint: name, variant: variant.spec.name, request, contentType: result.contentType, body: result.body });
    return { status: result.status, contentType: result.contentType, body: result.body, variant: variant.spec.name };
  }

  /** Sets (or with null removes) the tap of an endpoint, whether it runs yet or not. */
  setTap(endpoint: string, tap: InvocationTap | null): void {
    if (tap) this.taps.set(endpoint, tap);
    else this.taps.delete(endpoint);
  }

  /**
   * Starts an endpoint from nothing (create, or after a restart); routed to as its
   * instances come up. On failure everything started is stopped and the error thrown.
   */
  async deploy(name: string, spec: EndpointSpec): Promise<void> {
    const ep = await this.build(name, spec, null, new Map());
    this.live.set(name, ep);
    try {
      await this.startAll(ep);
    } catch (err) {
      if (this.live.get(name) === ep) this.live.delete(name);
      await this.stopEndpoint(ep, 0);
      throw err;
    }
  }

  /**
   * Blue/green: starts the new configuration's instances beside the old ones, switches
   * routing once all answer /ping, then drains and stops the old ones. Requests in
   * flight finish where they started; none is dropped. On failure the old
   * configuration keeps serving.
   */
  async rollout(name: string, spec: EndpointSpec): Promise<void> {
    const old = this.live.get(name);
    const counters = new Map(old?.variants.map((v) => [v.spec.name, v.counters]) ?? []);
    const next = await this.build(name, spec, old?.capture ?? null, counters);
    this.staging.set(name, next);
    try {
      await this.startAll(next);
    } catch (err) {
      await this.stopEndpoint(next, 0);
      throw err;
    } finally {
      this.staging.delete(name);
    }
    this.live.set(name, next);
    if (old) {
      for (const v of old.variants) for (const i of v.instances) i.status === 'InService' && (i.status = 'Draining');
      await Promise.all(old.variants.flatMap((v) => v.instances.map((i) => i.stop(this.drainMs()))));
    }
  }

  /** Sets a variant's weight in place (UpdateEndpointWeightsAndCapacities). */
  setWeight(name: string, variant: string, weight: number): void {
    const ep = this.live.get(name);
    const v = ep?.byName.get(variant);
    if (!ep || !v) return;
    v.weight = v.spec.weight = weight;
    ep.refreshRouting();
  }

  /** Adds or drains instances of a variant until it has `count`. */
  async scale(name: string, variant: string, count: number, reason: 'manual' | 'autoscaling' = 'manual'): Promise<void> {
    const ep = this.live.get(name);
    const v = ep?.byName.get(variant);
    if (!ep || !v) return;
    const now = Date.now();
    if (count > v.instances.length) v.history.lastScaleOut = now;
    if (count < v.instances.length) v.history.lastScaleIn = now;
    v.spec.instances = count;
    const added: ModelInstance[] = [];
    while (v.instances.length < count) {
      const instance = this.newInstance(ep, v);
      v.instances.push(instance);
      added.push(instance);
    }
    const removed: ModelInstance[] = [];
    while (v.instances.length > count) {
      // Instances not in service go first, then the newest.
      const idx = v.instances.findIndex((i) => !i.ready);
      removed.push(...v.instances.splice(idx >= 0 ? idx : v.instances.length - 1, 1));
    }
    if (removed.length) {
      v.refreshReady();
      ep.refreshRouting();
    }
    if (added.length || removed.length) this.options.log(`endpoint ${name}/${variant}: ${reason} to ${count} instance(s)`);
    const results = await Promise.allSettled([...added.map((i) => i.start()), ...removed.map((i) => i.stop(this.drainMs()))]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Changes the captured share in place (0 turns capture off, after a last flush). */
  async setCapture(name: string, percent: number): Promise<void> {
    const ep = this.live.get(name);
    if (!ep) return;
    ep.spec.capturePercent = percent;
    if (percent > 0) {
      if (ep.capture) ep.capture.percent = percent;
      else ep.capture = this.newCapture(name, percent);
    } else if (ep.capture) {
      const capture = ep.capture;
      ep.capture = null;
      await capture.close();
    }
  }

  /** Stops routing to an endpoint, lets its requests finish, stops its processes and flushes capture. */
  async remove(name: string): Promise<void> {
    const ep = this.live.get(name);
    this.live.delete(name);
    if (ep) await this.stopEndpoint(ep, this.drainMs());
    await this.metrics?.forget(name);
  }

  /** Running state per variant name (with the instances of an update being started). */
  describe(name: string): Map<string, LiveVariantInfo> {
    const out = new Map<string, LiveVariantInfo>();
    const now = Date.now();
    const ep = this.live.get(name);
    const staging = this.staging.get(name);
    for (const v of ep?.variants ?? []) {
      out.set(v.spec.name, { weight: v.weight, readyInstances: v.ready.length, instances: v.instances.map((i) => i.info()), counters: v.counters.snapshot(now) });
    }
    for (const v of staging?.variants ?? []) {
      const current = out.get(v.spec.name);
      const instances = v.instances.map((i) => i.info());
      if (current) current.instances.push(...instances);
      else out.set(v.spec.name, { weight: 0, readyInstances: 0, instances, counters: v.counters.snapshot(now) });
    }
    return out;
  }

  /** What autoscaling looks at: each running variant with a policy, its size and its last minute. */
  scalingState(): Array<{ endpoint: string; variant: VariantSpec; instances: number; lastMinute: number; history: ScalingHistory }> {
    const now = Date.now();
    const out = [];
    for (const ep of this.live.values()) {
      for (const v of ep.variants) {
        if (v.spec.autoscaling) out.push({ endpoint: ep.name, variant: v.spec, instances: v.instances.length, lastMinute: v.counters.lastMinute(now), history: v.history });
      }
    }
    return out;
  }

  /** Sets (or clears) a running variant's policy. */
  setAutoscaling(name: string, variant: string, policy: VariantSpec['autoscaling']): void {
    const v = this.live.get(name)?.byName.get(variant);
    if (v) v.spec.autoscaling = policy;
  }

  /** Stops everything (platform shutdown): in-flight requests get `graceMs` to finish. */
  async close(graceMs = 2000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.health);
    const all = [...this.live.values(), ...this.staging.values()];
    this.live.clear();
    this.staging.clear();
    await Promise.all(all.map((ep) => this.stopEndpoint(ep, graceMs)));
    await this.metrics?.close();
  }

  private drainMs(): number {
    return this.options.invocationTimeoutMs + 1000;
  }

  private async build(name: string, spec: EndpointSpec, capture: DataCapture | null, counters: Map<string, VariantCounters>): Promise<LiveEndpoint> {
    if (this.closed) throw new OrchardError('ORCH_ENDPOINT_INVALID_STATE', { message: 'The server is shutting down' });
    const variants: LiveVariant[] = [];
    for (const v of spec.variants) {
      const model = await this.deps.models.describe(v.model);
      const dir = await materializeModel(this.deps.artifacts, model, this.options.modelCacheDir);
      const serverSpec: ModelServerSpec = {
        model: { dir, format: model.format, algorithm: model.algorithm, ...(model.recipe ? { recipeFile: path.join(dir, UNPACKED_RECIPE_FILE) } : {}) },
        host: '127.0.0.1',
        port: 0,
        maxPayloadBytes: MAX_PAYLOAD_BYTES,
        testDelays: this.options.testDelays,
      };
      variants.push(new LiveVariant({ ...v }, counters.get(v.name) ?? new VariantCounters(this.metrics?.variant(name, v.name) ?? null), serverSpec));
    }
    if (capture) capture.percent = spec.capturePercent;
    const ep = new LiveEndpoint(name, { ...spec }, variants, spec.capturePercent > 0 ? (capture ?? this.newCapture(name, spec.capturePercent)) : null);
    if (capture && spec.capturePercent === 0) void capture.close();
    for (const v of variants) for (let k = 0; k < v.spec.instances; k++) v.instances.push(this.newInstance(ep, v));
    return ep;
  }

  private newInstance(ep: LiveEndpoint, v: LiveVariant): ModelInstance {
    return new ModelInstance({
      id: `${v.spec.name}-${randomBytes(3).toString('hex')}`,
      spec: v.modelSpec,
      maxConcurrency: ep.spec.maxConcurrency,
      maxQueue: ep.spec.maxQueue,
      timeoutMs: this.options.invocationTimeoutMs,
      log: (message) => this.options.log(`endpoint ${ep.name}: ${message}`),
      onStatus: () => {
        v.refreshReady();
        ep.refreshRouting();
      },
    });
  }

  private newCapture(name: string, percent: number): DataCapture {
    return new DataCapture(this.deps.artifacts, name, percent, { flushMs: this.options.captureFlushMs, log: this.options.log });
  }

  private async startAll(ep: LiveEndpoint): Promise<void> {
    const results = await Promise.allSettled(ep.variants.flatMap((v) => v.instances.map((i) => i.start())));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private async stopEndpoint(ep: LiveEndpoint, graceMs: number): Promise<void> {
    await Promise.all(ep.variants.flatMap((v) => v.instances.map((i) => i.stop(graceMs))));
    await ep.capture?.close();
  }
}
