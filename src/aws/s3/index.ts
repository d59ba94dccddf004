export { S3Service, UPLOADS_PREFIX, type S3ServiceOptions } from './s3-service.js';
export { s3Routes, type S3RouteOptions } from './routes.js';
export { S3_ROUTE_PREFIX } from './s3-request.js';
export type { ChunkSigner } from './aws-chunked.js';
