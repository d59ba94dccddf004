import type { FastifyInstance } from 'fastify';
import {
  CreateMonitorBaselineRequest,
  CreateMonitorScheduleRequest,
  MonitorBaselineFilter,
  MonitorBaselineName,
  MonitorExecutionFilter,
  MonitorExecutionId,
  MonitorScheduleFilter,
  MonitorScheduleName,
  NameParams,
  RunMonitorScheduleRequest,
} from '../../contracts/index.js';
import type { MonitorService } from '../../monitor/index.js';
import { principalOf } from '../auth-hook.js';
import { resourceRoutes } from '../resource-routes.js';

/** Model Monitor, data quality: baselines, schedules over endpoints' capture, executions. */
export function monitorRoutes(app: FastifyInstance, monitor: MonitorService): void {
  // Reading shows what endpoints received; creating, running or stopping starts or ends jobs.
  const permissions = { read: 'endpoints:read', write: 'jobs:write' } as const;
  resourceRoutes(app, {
    path: 'monitor/baselines',
    tag: 'monitor',
    name: MonitorBaselineName,
    permissions,
    create: { body: CreateMonitorBaselineRequest, status: 202, summary: 'Start a baseline job on a dataset version (statistics.json and constraints.json)', run: (input) => monitor.createBaseline(input) },
    list: { filter: MonitorBaselineFilter, summary: 'List monitoring baselines, newest first', run: (filter) => monitor.listBaselines(filter) },
    describe: { summary: 'Describe a monitoring baseline', run: (name) => monitor.describeBaseline(name) },
    stop: { summary: 'Stop a running baseline job', run: (name) => monitor.stopBaseline(name) },
    delete: { status: 204, summary: 'Delete a baseline and its files (refused while a schedule uses it)', run: (name) => monitor.deleteBaseline(name) },
  });
  resourceRoutes(app, {
    path: 'monitor/schedules',
    tag: 'monitor',
    name: MonitorScheduleName,
    permissions,
    create: { body: CreateMonitorScheduleRequest, summary: "Create a monitoring schedule over an endpoint's data capture (hourly by default)", run: (input) => monitor.createSchedule(input) },
    list: { filter: MonitorScheduleFilter, summary: 'List monitoring schedules', run: (filter) => monitor.listSchedules(filter) },
    describe: { summary: 'Describe a monitoring schedule, with its next time and last execution', run: (name) => monitor.describeSchedule(name) },
    stop: { summary: 'Stop scheduling executions (runs on demand still work)', run: (name) => monitor.stopSchedule(name) },
    delete: { status: 204, summary: 'Delete a schedule, its executions and their files', run: (name) => monitor.deleteSchedule(name) },
  });
  const params = NameParams(MonitorScheduleName);
  app.post<{ Params: { name: string } }>(
    '/monitor/schedules/:name/start',
    { config: { permission: permissions.write }, schema: { tags: ['monitor'], summary: 'Schedule executions again, from now', params } },
    async (request) => monitor.startSchedule(request.params.name),
  );
  app.post<{ Params: { name: string }; Body: RunMonitorScheduleRequest | undefined }>(
    '/monitor/schedules/:name/run',
    {
      config: { permission: permissions.write },
      // The body is optional: a bare POST runs over the capture so far.
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: { tags: ['monitor'], summary: 'Run an execution now over the capture so far (or since/until)', params, body: RunMonitorScheduleRequest },
    },
    async (request, reply) => reply.status(202).send(await monitor.runSchedule(request.params.name, { ...(request.body ?? {}), createdBy: principalOf(request).user.name })),
  );
  resourceRoutes(app, {
    path: 'monitor/executions',
    tag: 'monitor',
    name: MonitorExecutionId,
    permissions,
    list: { filter: MonitorExecutionFilter, summary: 'List monitoring executions, newest first (without their violations)', run: (filter) => monitor.listExecutions(filter) },
    describe: { summary: 'Describe a monitoring execution: status, violations and, per feature, baseline against current', run: (id) => monitor.describeExecution(id) },
    stop: { summary: 'Stop a running execution', run: (id) => monitor.stopExecution(id) },
  });
}
