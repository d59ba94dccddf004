import type { CreateTransformJobInput, TransformJob, TransformJobStatus } from '../serving/transform/index.js';
import type { HttpClient } from './http.js';
import { pollUntilDone, type PollOptions } from './poll.js';

/** What a caller sends to create a transform job; the server records who asked from the token. */
export type CreateTransformJobRequest = Omit<CreateTransformJobInput, 'createdBy'>;

const TERMINAL: ReadonlySet<TransformJobStatus> = new Set(['Completed', 'Failed', 'Stopped']);

/** Batch transform: a model over a whole dataset, written as a new dataset version. */
export class TransformsClient {
  constructor(private readonly http: HttpClient) {}

  async create(input: CreateTransformJobRequest): Promise<TransformJob> {
    return this.http.request('POST', '/api/v1/transform-jobs', { body: input });
  }

  async list(filter: { status?: TransformJobStatus; limit?: number; offset?: number } = {}): Promise<{ items: TransformJob[]; total: number }> {
    return this.http.request('GET', '/api/v1/transform-jobs', { query: { ...filter } });
  }

  async describe(name: string): Promise<TransformJob> {
    return this.http.request('GET', `/api/v1/transform-jobs/${encodeURIComponent(name)}`);
  }

  async stop(name: string): Promise<TransformJob> {
    return this.http.request('POST', `/api/v1/transform-jobs/${encodeURIComponent(name)}/stop`);
  }

  /** Polls until the job ends and returns its final state (a failed job resolves: check `status`). */
  async waitFor(name: string, options: PollOptions<TransformJob> = {}): Promise<TransformJob> {
    return pollUntilDone(() => this.describe(name), TERMINAL, options);
  }
}
