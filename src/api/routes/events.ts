import type { FastifyInstance } from 'fastify';
import { OrchardError } from '../../core/errors.js';
import { parsePosition, type EventHub } from '../events/index.js';

const jobName = { type: 'string', minLength: 1, maxLength: 63, pattern: '^[A-Za-z0-9](-*[A-Za-z0-9])*$' } as const;
const seq = { type: 'integer', minimum: 0 } as const;

/**
 * Server-sent event streams (`text/event-stream`). They authenticate like every other
 * route (the auth hook), and ask for nothing a browser's EventSource cannot send.
 */
export function eventRoutes(app: FastifyInstance, hub: EventHub): void {
  app.get<{ Params: { name: string }; Querystring: { after?: number; afterMetric?: number } }>(
    '/training-jobs/:name/events',
    {
      config: { permission: 'jobs:read' },
      schema: {
        tags: ['training'],
        summary: 'Live events of a training job (SSE): status, log, metric, then end',
        description:
          'Events: `status` {status, secondaryStatus, failureReason, updatedAt} first and on every change; `log` {seq, attempt, line, timestamp}; ' +
          '`metric` {seq, name, value, step, timestamp}; `end` {status, secondaryStatus, failureReason} once the job has ended and everything it wrote was sent, then the stream closes. ' +
          'Log and metric events carry `id: <log seq>:<metric seq>`; a reconnect with `Last-Event-ID` resumes after it (a bare log seq works too), as does `?after=<log seq>&afterMetric=<metric seq>`. ' +
          'A reconnect to a job that has ended with nothing new is answered 204. A comment line is sent every 15 s.',
        params: { type: 'object', required: ['name'], properties: { name: jobName } },
        querystring: { type: 'object', additionalProperties: false, properties: { after: seq, afterMetric: seq } },
      },
    },
    async (request, reply) => {
      const header = request.headers['last-event-id'];
      const resumed = parsePosition(typeof header === 'string' ? header : undefined);
      const position = resumed ?? { log: request.query.after ?? 0, metric: request.query.afterMetric ?? 0 };
      await hub.streamTrainingJob(request.params.name, position, reply, resumed !== undefined);
      return reply;
    },
  );

  app.get<{ Querystring: { since?: string } }>(
    '/events',
    {
      config: { permission: 'jobs:read' },
      schema: {
        tags: ['events'],
        summary: 'Live status changes across the platform (SSE): training jobs, transform jobs, …',
        description:
          'Events: `status` {kind, name, status, secondaryStatus?, failureReason, updatedAt}; `pipeline-step` {kind, name: <execution>/<step>, execution, pipeline, step, stepType, attempt, resource, failureCode, status, failureReason, updatedAt} when a pipeline step changes; id = updatedAt. ' +
          '`since` (or `Last-Event-ID`) first replays the current status of everything changed after that time.',
        querystring: { type: 'object', additionalProperties: false, properties: { since: { type: 'string', maxLength: 40 } } },
      },
    },
    async (request, reply) => {
      const header = request.headers['last-event-id'];
      // A reconnecting client's Last-Event-ID is newer than the since it started with.
      const since = typeof header === 'string' && header.trim() ? header.trim() : request.query.since;
      if (since !== undefined && Number.isNaN(Date.parse(since))) {
        throw new OrchardError('ORCH_API_BAD_REQUEST', { message: `since must be an ISO-8601 time, not '${since}'` });
      }
      await hub.streamFeed(since, reply);
      return reply;
    },
  );
}
