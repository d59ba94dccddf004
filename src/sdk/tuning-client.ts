import type { CreateTuningJobInput, TuningJob, TuningJobStatus } from '../tuning/index.js';
import type { HttpClient } from './http.js';
import { pollUntilDone, type PollOptions } from './poll.js';

/** What a caller sends to create a tuning job; the server records who asked from the token. */
export type CreateTuningJobRequest = Omit<CreateTuningJobInput, 'createdBy'>;

const TERMINAL: ReadonlySet<TuningJobStatus> = new Set(['Completed', 'Failed', 'Stopped']);

/** Hyperparameter tuning jobs. */
export class TuningClient {
  constructor(private readonly http: HttpClient) {}

  async create(input: CreateTuningJobRequest): Promise<TuningJob> {
    return this.http.request('POST', '/api/v1/tuning-jobs', { body: input });
  }

  async list(filter: { status?: TuningJobStatus; limit?: number; offset?: number } = {}): Promise<{ items: TuningJob[]; total: number }> {
    return this.http.request('GET', '/api/v1/tuning-jobs', { query: { ...filter } });
  }

  async describe(name: string): Promise<TuningJob> {
    return this.http.request('GET', `/api/v1/tuning-jobs/${encodeURIComponent(name)}`);
  }

  async stop(name: string): Promise<TuningJob> {
    return this.http.request('POST', `/api/v1/tuning-jobs/${encodeURIComponent(name)}/stop`);
  }

  /** Polls until the tuning job ends and returns its final state (check `status`). */
  async waitFor(name: string, options: PollOptions<TuningJob> = {}): Promise<TuningJob> {
    return pollUntilDone(() => this.describe(name), TERMINAL, options);
  }
}
