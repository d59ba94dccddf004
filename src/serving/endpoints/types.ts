// The wire shapes of endpoints are declared once, in the contracts; what stays here is
// the stored desired state, which no client sees as such.
export type {
  AutoscalingInput,
  AutoscalingPolicy,
  CreateEndpointInput,
  Endpoint,
  EndpointStatus,
  EndpointVariant,
  InstanceInfo,
  InstanceStatus,
  InvocationCounters,
  UpdateEndpointInput,
  VariantInput,
  VariantWeightInput,
} from '../../contracts/index.js';
import type { AutoscalingPolicy } from '../../contracts/index.js';

/** SageMaker's default variant name when a model is deployed without variants. */
export const DEFAULT_VARIANT = 'AllTraffic';

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

