export { EndpointService } from './endpoint-service.js';
export { endpointsUsingModel } from './endpoint-store.js';
export type { EndpointServiceDeps, EndpointServiceOptions } from './endpoint-service.js';
export type { InvocationTap, InvokeRequest, InvokeResult, TappedInvocation } from './runtime.js';
export { MAX_PAYLOAD_BYTES, TEST_DELAY_HEADER } from './protocol.js';
export { explainRequested } from './explain.js';
export { DEFAULT_VARIANT } from './types.js';
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
} from './types.js';
