import type { CreateTuningJobRequest, TuningJob, TuningJobFilter } from '../contracts/index.js';
import type { HttpClient } from './http.js';
import { JobClient } from './resource-client.js';

export type { CreateTuningJobRequest };

/** Hyperparameter tuning jobs: trials are training jobs chosen by a search strategy. */
export class TuningClient extends JobClient<TuningJob, CreateTuningJobRequest, TuningJobFilter> {
  constructor(http: HttpClient) {
    super(http, 'tuning-jobs', 'tuning-job');
  }
}
