/** SageMaker Runtime (`InvokeEndpoint`) at `POST /endpoints/{EndpointName}/invocations`. */
export { runtimeHandler } from './runtime-handler.js';
export type { RuntimeHandlerOptions } from './runtime-handler.js';
export { modelError, runtimeError } from './runtime-errors.js';
