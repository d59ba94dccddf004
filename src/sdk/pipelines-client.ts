import type { ApprovalRequest, CreatePipelineRequest, Execution, ExecutionFilter, Page, Pipeline, PipelineFilter, PipelineVersion, StartExecutionRequest, UpdatePipelineRequest } from '../contracts/index.js';
// Run-time values come from the TypeBox-free module: the SDK does not load the schemas.
import { TERMINAL_EXECUTION_STATUSES } from '../contracts/pipeline.values.js';
import type { HttpClient, Query } from './http.js';
import { pollUntilDone, type PollOptions } from './poll.js';
import { ResourceClient } from './resource-client.js';

export type { CreatePipelineRequest, StartExecutionRequest };

const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_EXECUTION_STATUSES);

/** Pipelines: versioned definitions and their durable executions. */
export class PipelinesClient extends ResourceClient<Pipeline, CreatePipelineRequest, PipelineFilter> {
  constructor(http: HttpClient) {
    super(http, 'pipelines');
  }

  /** A new version of the definition (and/or new settings). */
  async update(name: string, change: UpdatePipelineRequest): Promise<Pipeline> {
    return this.http.request('PUT', this.pathOf(name), { body: change });
  }

  /** Deletes a pipeline with its versions, executions and triggers (refused while one runs). */
  async delete(name: string): Promise<void> {
    await this.http.request('DELETE', this.pathOf(name));
  }

  async versions(name: string): Promise<PipelineVersion[]> {
    return (await this.http.request<{ items: PipelineVersion[] }>('GET', `${this.pathOf(name)}/versions`)).items;
  }

  /** A version that can no longer be started. */
  async deleteVersion(name: string, version: number): Promise<void> {
    await this.http.request('DELETE', `${this.pathOf(name)}/versions/${version}`);
  }

  /** Starts an execution; `waitForExecution` follows it. */
  async start(name: string, request: StartExecutionRequest = {}): Promise<Execution> {
    return this.http.request('POST', `${this.pathOf(name)}/executions`, { body: request });
  }

  async executions(filter: ExecutionFilter = {}): Promise<Page<Execution>> {
    return this.http.request('GET', '/api/v1/pipeline-executions', { query: { ...filter } as Query });
  }

  async execution(id: string): Promise<Execution> {
    return this.http.request('GET', executionPath(id));
  }

  async stop(id: string): Promise<Execution> {
    return this.http.request('POST', `${executionPath(id)}/stop`);
  }

  /** Runs a failed or stopped execution again from its failed steps. */
  async retry(id: string): Promise<Execution> {
    return this.http.request('POST', `${executionPath(id)}/retry`);
  }

  async approve(id: string, request: ApprovalRequest = {}): Promise<Execution> {
    return this.http.request('POST', `${executionPath(id)}/approve`, { body: request });
  }

  async reject(id: string, request: ApprovalRequest = {}): Promise<Execution> {
    return this.http.request('POST', `${executionPath(id)}/reject`, { body: request });
  }

  /** Polls until the execution ends and returns it (a failed one resolves: check `status`). */
  async waitForExecution(id: string, options: PollOptions<Execution> = {}): Promise<Execution> {
    return pollUntilDone(() => this.execution(id), TERMINAL, options);
  }
}

function executionPath(id: string): string {
  return `/api/v1/pipeline-executions/${encodeURIComponent(id)}`;
}
