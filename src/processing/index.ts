/**
 * Processing jobs (SageMaker Processing): a user's script over dataset inputs on one or
 * more instances, its output folders becoming dataset versions or artifacts once the
 * whole job has succeeded.
 */
export { ProcessingService } from './processing-service.js';
export type { ProcessingDeps } from './processing-service.js';
export { processingJobHandler } from './processing-worker.js';
export type { ProcessingWorkerDeps } from './processing-worker.js';
export { PROCESSING_KIND, PROCESSING_ASSEMBLE_KIND } from './types.js';
export type { CreateProcessingJobInput, ProcessingJob, ProcessingJobFilter, ProcessingJobStatus, ProcessingLogLine } from './types.js';
