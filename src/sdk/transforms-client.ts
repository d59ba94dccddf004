import type { CreateTransformJobRequest, TransformJob, TransformJobFilter } from '../contracts/index.js';
import type { HttpClient } from './http.js';
import { JobClient } from './resource-client.js';

export type { CreateTransformJobRequest };

/**
 * Batch transform: a model over a whole dataset, written as a new dataset version.
 * @example
 * // Features without the id, the id joined back, and only the id and the predictions kept (SageMaker's DataProcessing).
 * const job = await orchard.transforms.create({ model: 'topics', input: 'docs', output: 'doc-topics', inputFilter: '$[1:]', joinSource: 'Input', outputFilter: '$[0,-20:]' });
 * await orchard.transforms.waitFor(job.name);
 */
export class TransformsClient extends JobClient<TransformJob, CreateTransformJobRequest, TransformJobFilter> {
  constructor(http: HttpClient) {
    super(http, 'transform-jobs', 'transform-job');
  }
}
