/** Real-time endpoints: variants, autoscaling, and the create and update inputs. */
import { Type, type Static } from '@sinclair/typebox';
import { ENDPOINT_STATUSES, INSTANCE_STATUSES } from './values.js';
import { JobName, Nullable, PageQuery, StringEnum, StringRecord, Strict, Tags, Timestamp } from './common.contract.js';

export const EndpointStatus = StringEnum(ENDPOINT_STATUSES);
export type EndpointStatus = Static<typeof EndpointStatus>;

export const InstanceStatus = StringEnum(INSTANCE_STATUSES);
export type InstanceStatus = Static<typeof InstanceStatus>;

/** SageMaker's EndpointName / VariantName (and the model names they refer to). */
export const EndpointName = JobName;

const Instances = Type.Integer({ minimum: 1, maximum: 32 });
const Weight = Type.Number({ minimum: 0, maximum: 1_000_000 });

/** A variant as a user asks for it (SageMaker ProductionVariant). */
export const VariantInput = Strict({
  name: EndpointName,
  model: EndpointName,
  /** @default 1 */
  instances: Type.Optional(Instances),
  /** @default 1 */
  weight: Type.Optional(Weight),
});
export type VariantInput = Static<typeof VariantInput>;

/** The configuration fields create and update share. */
const EndpointConfigFields = {
  /** Shorthand for one variant `AllTraffic` with one instance. */
  model: Type.Optional(EndpointName),
  variants: Type.Optional(Type.Array(VariantInput, { minItems: 1, maxItems: 10 })),
  /** Share of requests captured (0–100). @default 0 */
  capturePercent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  /** @default 8 */
  maxConcurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 256 })),
  /** @default 64 */
  maxQueue: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
};

/** What a client sends (SageMaker CreateEndpointConfig + CreateEndpoint in one); `createdBy` comes from the token. */
export const CreateEndpointRequest = Strict({ name: EndpointName, ...EndpointConfigFields, tags: Type.Optional(Tags) });
export type CreateEndpointRequest = Static<typeof CreateEndpointRequest>;
export type CreateEndpointInput = CreateEndpointRequest & { createdBy?: string };

/** A new configuration, rolled out blue/green; fields left out keep their values. */
export const UpdateEndpointInput = Strict(EndpointConfigFields);
export type UpdateEndpointInput = Static<typeof UpdateEndpointInput>;

/** SageMaker UpdateEndpointWeightsAndCapacities: in place, no new processes for the same model. */
export const VariantWeightInput = Strict({ name: EndpointName, weight: Type.Optional(Weight), instances: Type.Optional(Instances) });
export type VariantWeightInput = Static<typeof VariantWeightInput>;
export const UpdateWeightsRequest = Strict({ variants: Type.Array(VariantWeightInput, { minItems: 1, maxItems: 10 }) });

const Cooldown = Type.Integer({ minimum: 0, maximum: 86_400 });
/** Target tracking settings of one variant, as a user sets them (the variant is in the path). */
export const AutoscalingRequest = Strict({
  minInstances: Instances,
  maxInstances: Instances,
  targetInvocationsPerInstance: Type.Number({ exclusiveMinimum: 0 }),
  scaleInCooldownS: Type.Optional(Cooldown),
  scaleOutCooldownS: Type.Optional(Cooldown),
});
export type AutoscalingInput = Static<typeof AutoscalingRequest> & { variant: string };

/** `GET /endpoints` filters. */
export const EndpointFilter = Strict({
  status: Type.Optional(EndpointStatus),
  nameContains: Type.Optional(Type.String({ maxLength: 63, pattern: '^[A-Za-z0-9-]*$' })),
  ...PageQuery,
});
export type EndpointFilter = Static<typeof EndpointFilter>;

/**
 * Target tracking on SageMakerVariantInvocationsPerInstance: the instance count follows
 * `invocations per minute / targetInvocationsPerInstance`, within [min, max].
 */
export const AutoscalingPolicy = Type.Object({
  minInstances: Type.Integer(),
  maxInstances: Type.Integer(),
  /** Invocations per instance per minute the policy aims for. */
  targetInvocationsPerInstance: Type.Number(),
  /** Seconds after a scale-in before the next scale-in. @default 300 */
  scaleInCooldownS: Type.Integer(),
  /** Seconds after a scale-out before the next scale-out. @default 60 */
  scaleOutCooldownS: Type.Integer(),
});
export type AutoscalingPolicy = Static<typeof AutoscalingPolicy>;

export const InstanceInfo = Type.Object({
  id: Type.String(),
  status: InstanceStatus,
  pid: Nullable(Type.Integer()),
  port: Nullable(Type.Integer()),
  restarts: Type.Integer(),
  inFlight: Type.Integer(),
  queued: Type.Integer(),
  startedAt: Nullable(Timestamp),
});
export type InstanceInfo = Static<typeof InstanceInfo>;

/** Counters since the endpoint came up in this server process. */
export const InvocationCounters = Type.Object({
  invocations: Type.Integer(),
  /** Answered 4xx by the model server (bad rows, wrong content type). */
  clientErrors: Type.Integer(),
  /** 5xx: instance failures and timeouts. */
  serverErrors: Type.Integer(),
  /** Refused with 429 (queue full). */
  throttled: Type.Integer(),
  timeouts: Type.Integer(),
  /** Invocations in the last 60 seconds (what autoscaling tracks). */
  lastMinute: Type.Integer(),
  /** Mean time spent by model servers, ms, over the last minute. */
  modelLatencyMs: Nullable(Type.Number()),
});
export type InvocationCounters = Static<typeof InvocationCounters>;

export const EndpointVariant = Type.Object({
  name: Type.String(),
  model: Type.String(),
  currentWeight: Type.Number(),
  desiredWeight: Type.Number(),
  currentInstances: Type.Integer(),
  desiredInstances: Type.Integer(),
  autoscaling: Nullable(AutoscalingPolicy),
  instances: Type.Array(InstanceInfo),
  counters: InvocationCounters,
});
export type EndpointVariant = Static<typeof EndpointVariant>;

export const Endpoint = Type.Object({
  name: Type.String(),
  status: EndpointStatus,
  failureReason: Nullable(Type.String()),
  variants: Type.Array(EndpointVariant),
  dataCapture: Nullable(Type.Object({ percent: Type.Number(), destination: Type.String() })),
  limits: Type.Object({ maxConcurrency: Type.Integer(), maxQueue: Type.Integer(), maxPayloadBytes: Type.Integer(), invocationTimeoutMs: Type.Integer() }),
  tags: StringRecord,
  createdBy: Nullable(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Endpoint = Static<typeof Endpoint>;
