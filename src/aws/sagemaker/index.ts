/** SageMaker's control plane (awsJson1_1 at `POST /`), translated onto Orchard's services. */
export { sageMakerRoutes, SAGEMAKER_OPERATIONS, AMZ_JSON } from './route.js';
export { SageMakerStore } from './sagemaker-store.js';
export type { SageMakerDeps } from './operation.js';
export { asyncOutputConfig } from './endpoints.js';
export { settleTransformOutputs, TransformOutputSettler } from './transform-output.js';
