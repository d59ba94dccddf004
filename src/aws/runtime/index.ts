/** SageMaker Runtime (`InvokeEndpoint`) at `POST /endpoints/{EndpointName}/invocations`. */
export { runtimeHandler } from './runtime-handler.js';
export type { RuntimeHandlerOptions } from './runtime-handler.js';
export { modelError, runtimeError } from './runtime-errors.js';
export { AsyncInvoker } from './async-invoker.js';
export type { AsyncAccepted, AsyncInvokerDeps, AsyncOutputConfig, AsyncRequest } from './async-invoker.js';
export { AsyncInvocationStore, MemoryAsyncInvocationQueue } from './async-store.js';
export type { AsyncInvocationQueue, AsyncInvocationsTable, StoredInvocation } from './async-store.js';
