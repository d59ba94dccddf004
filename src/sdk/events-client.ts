import type { PipelineStepEvent, PlatformEvent, StatusChangeEvent } from '../contracts/index.js';
import { followEventStream, type EventStreamOptions } from './event-stream.js';
import type { HttpClient } from './http.js';

export interface PlatformEventsOptions extends EventStreamOptions {
  /** First replay the current status of everything that changed after this time. */
  since?: string | Date;
}

/** The platform-wide live feed: status changes of training jobs, transform jobs, …, and pipeline steps' changes. */
export class EventsClient {
  constructor(private readonly http: HttpClient) {}

  /**
   * Every status change from now on (or from `since`), for as long as you read;
   * reconnects by itself after a dropped connection.
   * @example
   * for await (const e of orchard.events.statusChanges()) console.log(e.kind, e.name, e.status);
   */
  async *statusChanges(options: PlatformEventsOptions = {}): AsyncGenerator<StatusChangeEvent> {
    const { since, ...stream } = options;
    const query = { since: since instanceof Date ? since.toISOString() : since };
    for await (const message of followEventStream(this.http, '/api/v1/events', query, () => false, stream)) {
      if (message.event === 'status') yield { type: 'status', ...JSON.parse(message.data) } as StatusChangeEvent;
    }
  }

  /**
   * Every event of the feed, in the order the server sends them: status changes and
   * pipeline steps' changes (`type: 'pipeline-step'`, named `<execution>/<step>`).
   * Events of a type this client does not know are skipped.
   * @example
   * for await (const e of orchard.events.feed()) if (e.type === 'pipeline-step') console.log(e.execution, e.step, e.status, e.attempt);
   */
  async *feed(options: PlatformEventsOptions = {}): AsyncGenerator<PlatformEvent> {
    const { since, ...stream } = options;
    const query = { since: since instanceof Date ? since.toISOString() : since };
    for await (const message of followEventStream(this.http, '/api/v1/events', query, () => false, stream)) {
      if (message.event === 'status') yield { type: 'status', ...JSON.parse(message.data) } as StatusChangeEvent;
      else if (message.event === 'pipeline-step') yield { type: 'pipeline-step', ...JSON.parse(message.data) } as PipelineStepEvent;
    }
  }
}
