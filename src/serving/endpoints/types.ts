/** SageMaker's EndpointStatus (the subset a single-machine platform goes through). */
export type EndpointStatus = 'Creating' | 'InService' | 'Updating' | 'Deleting' | 'Failed';

/** SageMaker's default variant name when a model is deployed without variants. */
export const DEFAULT_VARIANT = 'AllTraffic';

/**
 * Target tracking on SageMakerVariantInvocationsPerInstance: the instance count follows
 * `invocations per minute / targetInvocationsPerInstance`, within [min, max].
 */
export interface AutoscalingPolicy {
  minInstances: number;
  maxInstances: number;
  /** Invocations per instance per minute the policy aims for. */
  targetInvocationsPerInstance: number;
  /** Seconds after a scale-in before the next scale-in. @default 300 */
  scaleInCooldownS: number;
  /** Seconds after a scale-out before the next scale-out. @default 60 */
  scaleOutCooldownS: number;
}

/** One production variant as stored (the desired state). */
export interface VariantSpec {
  name: string;
  model: string;
  /** Desired instance count (the autoscaler changes it within its bounds). */
  instances: number;
  weight: number;
  autoscaling: AutoscalingPolicy | null;
}

/** An endpoint's desired state, as stored; the server reconciles its processes to it. */
export interface EndpointSpec {
  variants: VariantSpec[];
  /** Share of invocations (0–100) captured to the artifact store; 0 = off. */
  capturePercent: number;
  /** Requests one instance works on at once (keep-alive connections to it). */
  maxConcurrency: number;
  /** Requests that may wait for one instance before more are refused with 429. */
  maxQueue: number;
}

/** A variant as a user asks for it (SageMaker ProductionVariant). */
export interface VariantInput {
  name: string;
  model: string;
  /** @default 1 */
  instances?: number;
  /** @default 1 */
  weight?: number;
}

/** What a user asks for (SageMaker CreateEndpointConfig + CreateEndpoint in one). */
export interface CreateEndpointInput {
  name: string;
  /** Shorthand for one variant `AllTraffic` with one instance. */
  model?: string;
  variants?: VariantInput[];
  /** Share of requests captured (0–100). @default 0 */
  capturePercent?: number;
  /** @default 8 */
  maxConcurrency?: number;
  /** @default 64 */
  maxQueue?: number;
  tags?: Record<string, string>;
  createdBy?: string;
}

/** A new configuration, rolled out blue/green; fields left out keep their values. */
export interface UpdateEndpointInput {
  model?: string;
  variants?: VariantInput[];
  capturePercent?: number;
  maxConcurrency?: number;
  maxQueue?: number;
}

/** SageMaker UpdateEndpointWeightsAndCapacities: in place, no new processes for the same model. */
export interface VariantWeightInput {
  name: string;
  weight?: number;
  instances?: number;
}

export interface AutoscalingInput {
  variant: string;
  minInstances: number;
  maxInstances: number;
  targetInvocationsPerInstance: number;
  scaleInCooldownS?: number;
  scaleOutCooldownS?: number;
}

export type InstanceStatus = 'Pending' | 'InService' | 'Draining' | 'Restarting' | 'Failed';

export interface InstanceInfo {
  id: string;
  status: InstanceStatus;
  pid: number | null;
  port: number | null;
  restarts: number;
  inFlight: number;
  queued: number;
  startedAt: string | null;
}

/** Counters since the endpoint came up in this server process. */
export interface InvocationCounters {
  invocations: number;
  /** Answered 4xx by the model server (bad rows, wrong content type). */
  clientErrors: number;
  /** 5xx: instance failures and timeouts. */
  serverErrors: number;
  /** Refused with 429 (queue full). */
  throttled: number;
  timeouts: number;
  /** Invocations in the last 60 seconds (what autoscaling tracks). */
  lastMinute: number;
  /** Mean time spent by model servers, ms, over the last minute. */
  modelLatencyMs: number | null;
}

export interface EndpointVariant {
  name: string;
  model: string;
  currentWeight: number;
  desiredWeight: number;
  currentInstances: number;
  desiredInstances: number;
  autoscaling: AutoscalingPolicy | null;
  instances: InstanceInfo[];
  counters: InvocationCounters;
}

export interface Endpoint {
  name: string;
  status: EndpointStatus;
  failureReason: string | null;
  variants: EndpointVariant[];
  dataCapture: { percent: number; destination: string } | null;
  limits: { maxConcurrency: number; maxQueue: number; maxPayloadBytes: number; invocationTimeoutMs: number };
  tags: Record<string, string>;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}
