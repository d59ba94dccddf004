import { OrchardError } from '../../core/index.js';
import type { MetricsPort } from '../../metrics/index.js';
import type { ModelService } from '../../registry/index.js';
import type { ArtifactStore, MetadataStore, StatusChanges } from '../../storage/index.js';
import { targetInstances } from './autoscaling.js';
import { DataCapture } from './capture.js';
import { EndpointStore, type EndpointRecord } from './endpoint-store.js';
import { MAX_PAYLOAD_BYTES } from './protocol.js';
import { EndpointRuntime, type InvokeRequest, type InvokeResult, type RuntimeOptions } from './runtime.js';
import { resolveAutoscaling, resolveCreate, resolveUpdate, resolveWeights, validateEndpointName } from './spec.js';
import type { AutoscalingInput, CreateEndpointInput, Endpoint, EndpointSpec, EndpointStatus, EndpointVariant, InvocationCounters, UpdateEndpointInput, VariantWeightInput } from './types.js';

export interface EndpointServiceOptions extends Omit<RuntimeOptions, 'log'> {
  /** How often autoscaling policies are evaluated. @default 15000 */
  autoscaleIntervalMs: number;
  log?(message: string): void;
}

export interface EndpointServiceDeps {
  metadata: MetadataStore;
  artifacts: ArtifactStore;
  models: Pick<ModelService, 'describe'>;
  /** Where the runtime writes per-minute endpoint metrics; none recorded without it. */
  metrics?: MetricsPort | null;
}

const NO_COUNTERS: InvocationCounters = { invocations: 0, clientErrors: 0, serverErrors: 0, throttled: 0, timeouts: 0, lastMinute: 0, modelLatencyMs: null };

/**
 * Real-time endpoints (SageMaker CreateEndpoint, UpdateEndpoint,
 * UpdateEndpointWeightsAndCapacities, DeleteEndpoint, InvokeEndpoint). The metadata DB
 * holds each endpoint's desired state and status; this server's runtime runs the model
 * servers. Changes are accepted at once (status Creating / Updating / Deleting) and
 * carried out in the background, one at a time per endpoint.
 */
export class EndpointService {
  readonly runtime: EndpointRuntime;
  private readonly store: EndpointStore;
  private readonly ops = new Map<string, Promise<void>>();
  private readonly autoscaler: NodeJS.Timeout;
  private readonly log: (message: string) => void;
  private closed = false;

  constructor(
    private readonly deps: EndpointServiceDeps,
    private readonly options: EndpointServiceOptions,
  ) {
    this.log = options.log ?? (() => undefined);
    this.store = new EndpointStore(deps.metadata);
    this.runtime = new EndpointRuntime({ artifacts: deps.artifacts, models: deps.models, metrics: deps.metrics ?? null }, { ...options, log: this.log });
    this.autoscaler = setInterval(() => this.autoscale(), options.autoscaleIntervalMs);
    this.autoscaler.unref();
  }

  /** Endpoints whose status changed since a time, for the platform feed (see `StatusChanges`). */
  readonly statusChanges: StatusChanges = (since, limit, after) => this.store.statusChanges(since, limit, after);

  /** Brings back every endpoint the DB says should run (after a restart), in the background. */
  async start(): Promise<void> {
    for (const rec of await this.store.all()) {
      if (rec.status === 'Deleting') await this.store.delete(rec.name);
      else if (rec.status !== 'Failed') this.background(rec.name, () => this.reconcile(rec));
    }
  }

  async create(input: CreateEndpointInput): Promise<Endpoint> {
    const spec = resolveCreate(input);
    await this.checkModels(spec);
    await this.store.insert(input.name, spec, input.tags ?? {}, input.createdBy ?? null);
    this.background(input.name, async () => {
      try {
        await this.runtime.deploy(input.name, spec);
        await this.store.transition(input.name, ['Creating'], 'InService', { failureReason: null });
      } catch (err) {
        // A shutdown interrupts a deployment; the next start picks it up again.
        if (this.closed) return;
        await this.store.transition(input.name, ['Creating'], 'Failed', { failureReason: reason(err) });
      }
    });
    return this.describe(input.name);
  }

  /** Rolls out a new configuration blue/green; the old one serves until the new one answers. */
  async update(name: string, input: UpdateEndpointInput): Promise<Endpoint> {
    const rec = await this.store.get(validateEndpointName(name));
    const spec = resolveUpdate(rec.spec, input);
    await this.checkModels(spec);
    const from = rec.status;
    if (!(await this.store.transition(name, ['InService', 'Failed'], 'Updating', { pendingSpec: spec }))) throw busy(name, (await this.store.get(name)).status, 'updated');
    this.background(name, async () => {
      try {
        await this.runtime.rollout(name, spec);
        await this.store.update(name, { status: 'InService', spec, pendingSpec: null, failureReason: null });
      } catch (err) {
        if (this.closed) return;
        await this.store.update(name, { status: from === 'Failed' ? 'Failed' : 'InService', pendingSpec: null, failureReason: `Update failed: ${reason(err)}` });
      }
    });
    return this.describe(name);
  }

  /** New weights and instance counts in place (SageMaker UpdateEndpointWeightsAndCapacities). */
  async setWeights(name: string, changes: VariantWeightInput[]): Promise<Endpoint> {
    const rec = await this.store.get(validateEndpointName(name));
    const spec = resolveWeights(rec.spec, changes);
    if (!(await this.store.transition(name, ['InService'], 'Updating', { pendingSpec: spec }))) throw busy(name, (await this.store.get(name)).status, 'updated');
    this.background(name, async () => {
      let failure: string | null = null;
      for (const v of spec.variants) this.runtime.setWeight(name, v.name, v.weight);
      const scaled = await Promise.allSettled(spec.variants.map((v) => this.runtime.scale(name, v.name, v.instances)));
      const failed = scaled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) failure = `Update failed: ${reason(failed.reason)}`;
      await this.store.update(name, { status: 'InService', spec, pendingSpec: null, failureReason: failure });
    });
    return this.describe(name);
  }

  /** Sets (or with `null`, removes) a variant's autoscaling policy. */
  async setAutoscaling(name: string, variant: string, input: Omit<AutoscalingInput, 'variant'> | null): Promise<Endpoint> {
    const rec = await this.store.get(validateEndpointName(name));
    resolveAutoscaling(rec.spec, variant, input);
    await this.exclusive(name, async () => {
      const current = await this.store.get(name);
      if (current.status === 'Deleting') throw busy(name, current.status, 'changed');
      const { spec, policy } = resolveAutoscaling(current.spec, variant, input);
      await this.store.update(name, { spec });
      this.runtime.setAutoscaling(name, variant, policy);
    });
    this.autoscale();
    return this.describe(name);
  }

  /** Stops routing to the endpoint, drains and stops its model servers, then forgets it. */
  async delete(name: string): Promise<Endpoint> {
    const rec = await this.store.get(validateEndpointName(name));
    if (rec.status !== 'Deleting') {
      await this.store.transition(name, ['Creating', 'InService', 'Updating', 'Failed'], 'Deleting');
      this.background(name, async () => {
        await this.runtime.remove(name);
        await this.store.delete(name);
      });
    }
    return this.describe(name);
  }

  async describe(name: string): Promise<Endpoint> {
    return this.view(await this.store.get(validateEndpointName(name)));
  }

  async list(filter: { status?: EndpointStatus; nameContains?: string; limit?: number; offset?: number } = {}): Promise<{ items: Endpoint[]; total: number }> {
    const { items, total } = await this.store.list(filter);
    return { items: items.map((r) => this.view(r)), total };
  }

  /** One invocation (the hot path): routed by the runtime when the endpoint runs here. */
  invoke(name: string, request: InvokeRequest): Promise<InvokeResult> {
    if (this.runtime.isLive(name)) return this.runtime.invoke(name, request);
    return this.notLive(name);
  }

  /** Waits for changes in progress, then stops every model server (platform shutdown). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.autoscaler);
    await this.runtime.close();
    await Promise.allSettled([...this.ops.values()]);
  }

  private async notLive(name: string): Promise<never> {
    const rec = await this.store.find(name);
    if (!rec) throw new OrchardError('ORCH_ENDPOINT_NOT_FOUND', { message: `No endpoint named '${name}'`, details: { name } });
    const retry = rec.status === 'Creating' || rec.status === 'Updating' || rec.status === 'InService';
    throw new OrchardError('ORCH_ENDPOINT_NOT_IN_SERVICE', {
      message: `Endpoint '${name}' is ${rec.status}${rec.failureReason ? `: ${rec.failureReason}` : ''}`,
      details: { status: rec.status, ...(retry ? { retryAfterSeconds: 1 } : {}) },
    });
  }

  private async reconcile(rec: EndpointRecord): Promise<void> {
    if (rec.status === 'Updating' && rec.pendingSpec) {
      try {
        await this.runtime.deploy(rec.name, rec.pendingSpec);
        await this.store.update(rec.name, { status: 'InService', spec: rec.pendingSpec, pendingSpec: null, failureReason: null });
        return;
      } catch (err) {
        if (this.closed) return;
        this.log(`endpoint ${rec.name}: the update being rolled out before the restart failed: ${reason(err)}`);
      }
    }
    try {
      await this.runtime.deploy(rec.name, rec.spec);
      const failure = rec.status === 'Updating' ? 'Update interrupted by a restart; the previous configuration serves' : rec.failureReason;
      await this.store.update(rec.name, { status: 'InService', pendingSpec: null, failureReason: failure });
    } catch (err) {
      if (this.closed) return;
      await this.store.update(rec.name, { status: 'Failed', pendingSpec: null, failureReason: reason(err) });
    }
  }

  /** Evaluates every autoscaling policy; changes run like any other change, one at a time. */
  private autoscale(): void {
    if (this.closed) return;
    const now = Date.now();
    for (const s of this.runtime.scalingState()) {
      const target = targetInstances(s.variant.autoscaling!, s.instances, s.lastMinute, s.history, now);
      if (target === null) continue;
      this.background(s.endpoint, async () => {
        const rec = await this.store.find(s.endpoint);
        if (!rec || rec.status !== 'InService') return;
        const variants = rec.spec.variants.map((v) => (v.name === s.variant.name ? { ...v, instances: target } : v));
        await this.store.update(s.endpoint, { spec: { ...rec.spec, variants } });
        await this.runtime.scale(s.endpoint, s.variant.name, target, 'autoscaling').catch((err) => this.log(`endpoint ${s.endpoint}: autoscaling failed: ${reason(err)}`));
      });
    }
  }

  private view(rec: EndpointRecord): Endpoint {
    const desired = rec.pendingSpec ?? rec.spec;
    const live = this.runtime.describe(rec.name);
    const variants: EndpointVariant[] = desired.variants.map((v) => {
      const l = live.get(v.name);
      return {
        name: v.name,
        model: v.model,
        currentWeight: l?.weight ?? 0,
        desiredWeight: v.weight,
        currentInstances: l?.readyInstances ?? 0,
        desiredInstances: v.instances,
        autoscaling: v.autoscaling,
        instances: l?.instances ?? [],
        counters: l?.counters ?? NO_COUNTERS,
      };
    });
    // Variants an update removes still serve until it completes.
    for (const [name, l] of live) {
      if (variants.some((v) => v.name === name)) continue;
      const old = rec.spec.variants.find((v) => v.name === name);
      variants.push({ name, model: old?.model ?? '', currentWeight: l.weight, desiredWeight: 0, currentInstances: l.readyInstances, desiredInstances: 0, autoscaling: null, instances: l.instances, counters: l.counters });
    }
    return {
      name: rec.name,
      status: rec.status,
      failureReason: rec.failureReason,
      variants,
      dataCapture: desired.capturePercent > 0 ? { percent: desired.capturePercent, destination: DataCapture.prefix(rec.name) } : null,
      limits: { maxConcurrency: desired.maxConcurrency, maxQueue: desired.maxQueue, maxPayloadBytes: MAX_PAYLOAD_BYTES, invocationTimeoutMs: this.options.invocationTimeoutMs },
      tags: rec.tags,
      createdBy: rec.createdBy,
      createdAt: rec.createdAt,
      updatedAt: rec.updatedAt,
    };
  }

  private async checkModels(spec: EndpointSpec): Promise<void> {
    for (const model of new Set(spec.variants.map((v) => v.model))) await this.deps.models.describe(model);
  }

  /** Runs `fn` after the endpoint's earlier changes; the caller waits for it. */
  private exclusive(name: string, fn: () => Promise<void>): Promise<void> {
    const previous = this.ops.get(name) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    const tracked = next.catch(() => undefined);
    this.ops.set(name, tracked);
    void tracked.then(() => {
      if (this.ops.get(name) === tracked) this.ops.delete(name);
    });
    return next;
  }

  /** Runs `fn` after the endpoint's earlier changes, without waiting; failures are logged. */
  private background(name: string, fn: () => Promise<void>): void {
    this.exclusive(name, async () => {
      if (this.closed) return;
      await fn();
    }).catch((err) => this.log(`endpoint ${name}: ${reason(err)}`));
  }
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function busy(name: string, status: EndpointStatus, what: string): OrchardError {
  return new OrchardError('ORCH_ENDPOINT_INVALID_STATE', { message: `Endpoint '${name}' is ${status} and cannot be ${what} now`, details: { name, status } });
}
