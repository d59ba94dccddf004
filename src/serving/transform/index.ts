export { TransformService, SHARD_KIND, ASSEMBLE_KIND, DEFAULT_SHARD_ROWS } from './transform-service.js';
export type { TransformDeps } from './transform-service.js';
export { transformJobHandler } from './transform-worker.js';
export type { TransformWorkerDeps } from './transform-worker.js';
export { parseColumnFilter, parseInputFilter, readColumnFilter, selectColumns } from './column-filter.js';
export type { ColumnFilter, ColumnFilterField } from './column-filter.js';
export { imageOutputColumns, isImageContentType, SOURCE_REF } from './image-input.js';
export type { CreateTransformJobInput, TransformJob, TransformJobStatus } from './types.js';
