import type { CreateTriggerRequest, PipelineTrigger, TriggerFilter } from '../contracts/index.js';
import type { HttpClient } from './http.js';
import { ResourceClient } from './resource-client.js';

export type { CreateTriggerRequest };

/** Pipeline triggers: a new dataset version, a crawler's new files, a cron schedule, a registry approval. */
export class TriggersClient extends ResourceClient<PipelineTrigger, CreateTriggerRequest, TriggerFilter> {
  constructor(http: HttpClient) {
    super(http, 'pipeline-triggers');
  }

  /** Deletes a trigger; the executions it started stay. */
  async delete(name: string): Promise<void> {
    await this.http.request('DELETE', this.pathOf(name));
  }

  /** Fires for what happens from now on. */
  async enable(name: string): Promise<PipelineTrigger> {
    return this.http.request('POST', `${this.pathOf(name)}/enable`);
  }

  async disable(name: string): Promise<PipelineTrigger> {
    return this.http.request('POST', `${this.pathOf(name)}/disable`);
  }
}
