import type { FastifyInstance } from 'fastify';
import { can } from '../../auth/index.js';
import { OrchardError } from '../../core/index.js';
import { principalOf } from '../auth-hook.js';
import { MetricsAnswer, MetricsQuery } from '../../contracts/index.js';
import type { MetricsService } from '../../metrics/index.js';

/**
 * `GET /metrics`: one statistic of a stored metric per period. Reading an endpoint's
 * metrics needs what reading the endpoint needs; a job's, what reading jobs needs.
 */
export function metricRoutes(app: FastifyInstance, metrics: MetricsService): void {
  app.get<{ Querystring: MetricsQuery }>(
    '/metrics',
    {
      config: { permission: 'endpoints:read' },
      schema: {
        tags: ['metrics'],
        summary: 'Datapoints of a stored metric (endpoint, job or monitor) for one statistic per period',
        querystring: MetricsQuery,
        response: { 200: MetricsAnswer },
      },
    },
    async (request) => {
      const query = request.query;
      const jobs = query.namespace === 'job' || (query.namespace === undefined && query.job !== undefined);
      const role = principalOf(request).user.role;
      if (jobs && !can(role, 'jobs:read')) throw new OrchardError('ORCH_AUTH_FORBIDDEN', { message: `Role '${role}' lacks 'jobs:read'` });
      return { datapoints: await metrics.query(query) };
    },
  );
}
