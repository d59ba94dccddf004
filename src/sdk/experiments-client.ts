import type { Experiment, ExperimentDetail, Run, RunComparison, RunDetail, RunQuery } from '../contracts/index.js';
import type { HttpClient } from './http.js';

/** Experiments: groups of runs (every training job is a run of one). */
export class ExperimentsClient {
  constructor(private readonly http: HttpClient) {}

  async create(input: { name: string; description?: string }): Promise<Experiment> {
    return this.http.request('POST', '/api/v1/experiments', { body: input });
  }

  async list(): Promise<{ items: Experiment[] }> {
    return this.http.request('GET', '/api/v1/experiments');
  }

  async describe(name: string): Promise<ExperimentDetail> {
    return this.http.request('GET', `/api/v1/experiments/${encodeURIComponent(name)}`);
  }
}

/** Runs: list with a filter and sort, describe with metric series, compare side by side. */
export class RunsClient {
  constructor(private readonly http: HttpClient) {}

  async list(query: RunQuery = {}): Promise<{ items: Run[]; total: number }> {
    return this.http.request('GET', '/api/v1/runs', { query: { ...query } });
  }

  async describe(name: string): Promise<RunDetail> {
    return this.http.request('GET', `/api/v1/runs/${encodeURIComponent(name)}`);
  }

  async compare(names: string[]): Promise<RunComparison> {
    return this.http.request('GET', '/api/v1/runs/compare', { query: { names: names.join(',') } });
  }
}
