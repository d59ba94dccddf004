/**
 * Turning what a user asks for into a checked desired state: defaults filled in, names
 * and numbers in range, weights that route somewhere, autoscaling bounds respected.
 */
import { OrchardError } from '../../core/index.js';
import { DEFAULT_VARIANT, type AutoscalingInput, type AutoscalingPolicy, type CreateEndpointInput, type EndpointSpec, type UpdateEndpointInput, type VariantInput, type VariantSpec, type VariantWeightInput } from './types.js';

/** SageMaker's EndpointName / VariantName: 1–63 alphanumerics, hyphens between them. */
export const NAME = /^[A-Za-z0-9](-*[A-Za-z0-9]){0,62}$/;
/** SageMaker allows 10 production variants per endpoint. */
export const MAX_VARIANTS = 10;
/** Instances per variant: each is a process on this machine. */
export const MAX_INSTANCES = 32;
export const DEFAULT_MAX_CONCURRENCY = 8;
export const DEFAULT_MAX_QUEUE = 64;

export function invalid(message: string, details?: Record<string, unknown>): OrchardError {
  return new OrchardError('ORCH_ENDPOINT_INVALID', { message, details });
}

export function validateEndpointName(name: string): string {
  if (typeof name !== 'string' || !NAME.test(name)) throw invalid(`Invalid endpoint name '${name}': 1-63 letters, digits and hyphens, starting and ending with a letter or digit`, { name });
  return name;
}

/** The desired state of a new endpoint. */
export function resolveCreate(input: CreateEndpointInput): EndpointSpec {
  validateEndpointName(input.name);
  return {
    variants: resolveVariants(input.model, input.variants, new Map()),
    capturePercent: resolveCapture(input.capturePercent ?? 0),
    maxConcurrency: intIn(input.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY, 1, 256, 'maxConcurrency'),
    maxQueue: intIn(input.maxQueue ?? DEFAULT_MAX_QUEUE, 0, 10_000, 'maxQueue'),
  };
}

/**
 * The configuration an update rolls out: fields not given keep their values; a variant
 * keeping its name keeps its autoscaling policy.
 */
export function resolveUpdate(current: EndpointSpec, input: UpdateEndpointInput): EndpointSpec {
  const policies = new Map(current.variants.map((v) => [v.name, v.autoscaling]));
  const variants = input.model !== undefined || input.variants !== undefined ? resolveVariants(input.model, input.variants, policies) : current.variants.map((v) => ({ ...v }));
  return {
    variants,
    capturePercent: input.capturePercent !== undefined ? resolveCapture(input.capturePercent) : current.capturePercent,
    maxConcurrency: input.maxConcurrency !== undefined ? intIn(input.maxConcurrency, 1, 256, 'maxConcurrency') : current.maxConcurrency,
    maxQueue: input.maxQueue !== undefined ? intIn(input.maxQueue, 0, 10_000, 'maxQueue') : current.maxQueue,
  };
}

/** New weights and instance counts, in place (UpdateEndpointWeightsAndCapacities). */
export function resolveWeights(current: EndpointSpec, changes: VariantWeightInput[]): EndpointSpec {
  if (!Array.isArray(changes) || changes.length === 0) throw invalid('Name at least one variant with a weight or an instance count');
  const variants = current.variants.map((v) => ({ ...v }));
  const seen = new Set<string>();
  for (const c of changes) {
    const v = variants.find((x) => x.name === c.name);
    if (!v) throw new OrchardError('ORCH_ENDPOINT_VARIANT_NOT_FOUND', { message: `No variant '${c.name}' (the endpoint has ${variants.map((x) => x.name).join(', ')})`, details: { variant: c.name } });
    if (seen.has(c.name)) throw invalid(`Variant '${c.name}' is named twice`);
    seen.add(c.name);
    if (c.weight === undefined && c.instances === undefined) throw invalid(`Give a weight or an instance count for variant '${c.name}'`);
    if (c.weight !== undefined) v.weight = weightOf(c.weight, c.name);
    if (c.instances !== undefined) {
      v.instances = intIn(c.instances, 1, MAX_INSTANCES, `instances of ${c.name}`);
      const p = v.autoscaling;
      if (p && (v.instances < p.minInstances || v.instances > p.maxInstances)) {
        throw invalid(`Variant '${c.name}' autoscales between ${p.minInstances} and ${p.maxInstances} instances; ${v.instances} is outside`, { variant: c.name });
      }
    }
  }
  checkTotalWeight(variants);
  return { ...current, variants };
}

/** An autoscaling policy for one variant (null input clears it). */
export function resolveAutoscaling(current: EndpointSpec, variant: string, input: Omit<AutoscalingInput, 'variant'> | null): { spec: EndpointSpec; policy: AutoscalingPolicy | null } {
  const variants = current.variants.map((v) => ({ ...v }));
  const v = variants.find((x) => x.name === variant);
  if (!v) throw new OrchardError('ORCH_ENDPOINT_VARIANT_NOT_FOUND', { message: `No variant '${variant}' (the endpoint has ${variants.map((x) => x.name).join(', ')})`, details: { variant } });
  if (input === null) {
    v.autoscaling = null;
    return { spec: { ...current, variants }, policy: null };
  }
  const minInstances = intIn(input.minInstances, 1, MAX_INSTANCES, 'minInstances');
  const maxInstances = intIn(input.maxInstances, 1, MAX_INSTANCES, 'maxInstances');
  if (maxInstances < minInstances) throw invalid(`maxInstances (${maxInstances}) is below minInstances (${minInstances})`);
  const target = input.targetInvocationsPerInstance;
  if (typeof target !== 'number' || !Number.isFinite(target) || target <= 0) throw invalid('targetInvocationsPerInstance must be a positive number (invocations per instance per minute)');
  const policy: AutoscalingPolicy = {
    minInstances,
    maxInstances,
    targetInvocationsPerInstance: target,
    scaleInCooldownS: intIn(input.scaleInCooldownS ?? 300, 0, 86_400, 'scaleInCooldownS'),
    scaleOutCooldownS: intIn(input.scaleOutCooldownS ?? 60, 0, 86_400, 'scaleOutCooldownS'),
  };
  v.autoscaling = policy;
  return { spec: { ...current, variants }, policy };
}

function resolveVariants(model: string | undefined, inputs: VariantInput[] | undefined, policies: Map<string, AutoscalingPolicy | null>): VariantSpec[] {
  if ((model === undefined) === (inputs === undefined)) throw invalid('Give either a model or production variants');
  const list: VariantInput[] = model !== undefined ? [{ name: DEFAULT_VARIANT, model }] : inputs!;
  if (!Array.isArray(list) || list.length === 0) throw invalid('An endpoint needs at least one production variant');
  if (list.length > MAX_VARIANTS) throw invalid(`At most ${MAX_VARIANTS} production variants`);
  const names = new Set<string>();
  const variants = list.map((v): VariantSpec => {
    if (typeof v.name !== 'string' || !NAME.test(v.name)) throw invalid(`Invalid variant name '${v.name}': 1-63 letters, digits and hyphens`);
    if (names.has(v.name)) throw invalid(`Variant '${v.name}' is named twice`);
    names.add(v.name);
    if (typeof v.model !== 'string' || v.model.length === 0) throw invalid(`Variant '${v.name}' needs a model`);
    const policy = policies.get(v.name) ?? null;
    let instances = intIn(v.instances ?? 1, 1, MAX_INSTANCES, `instances of ${v.name}`);
    if (policy) instances = Math.min(policy.maxInstances, Math.max(policy.minInstances, instances));
    return { name: v.name, model: v.model, instances, weight: weightOf(v.weight ?? 1, v.name), autoscaling: policy };
  });
  checkTotalWeight(variants);
  return variants;
}

function checkTotalWeight(variants: VariantSpec[]): void {
  if (!variants.some((v) => v.weight > 0)) throw invalid('At least one variant needs a weight above 0');
}

function weightOf(w: number, variant: string): number {
  if (typeof w !== 'number' || !Number.isFinite(w) || w < 0 || w > 1_000_000) throw invalid(`The weight of '${variant}' must be a number from 0 to 1000000`);
  return w;
}

function resolveCapture(p: number): number {
  if (typeof p !== 'number' || !Number.isFinite(p) || p < 0 || p > 100) throw invalid('capturePercent must be from 0 to 100');
  return p;
}

function intIn(n: number, min: number, max: number, what: string): number {
  if (!Number.isInteger(n) || n < min || n > max) throw invalid(`${what} must be a whole number from ${min} to ${max}`);
  return n;
}
