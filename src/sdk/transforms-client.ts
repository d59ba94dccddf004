import type { CreateTransformJobRequest, TransformJob, TransformJobFilter } from '../contracts/index.js';
import type { HttpClient } from './http.js';
import { JobClient } from './resource-client.js';

export type { CreateTransformJobRequest };

/** Batch transform: a model over a whole dataset, written as a new dataset version. */
export class TransformsClient extends JobClient<TransformJob, CreateTransformJobRequest, TransformJobFilter> {
  constructor(http: HttpClient) {
    super(http, 'transform-jobs');
  }
}
