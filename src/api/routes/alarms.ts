import type { FastifyInstance } from 'fastify';
import { AlarmFilter, AlarmName, CreateAlarmRequest, NameParams } from '../../contracts/index.js';
import type { AlarmService } from '../../alarms/index.js';
import { resourceRoutes } from '../resource-routes.js';

/**
 * Alarms (CloudWatch alarms on stored metrics): create, list, describe and delete through
 * the resource helper; enable, disable and evaluate-now beside them. An alarm's actions
 * start pipelines and stop training jobs, so changing alarms takes the jobs' permission.
 */
export function alarmRoutes(app: FastifyInstance, alarms: AlarmService): void {
  resourceRoutes(app, {
    path: 'alarms',
    tag: 'alarms',
    name: AlarmName,
    permissions: { read: 'jobs:read', write: 'jobs:write' },
    create: { body: CreateAlarmRequest, summary: 'Create an alarm: a threshold on a metric over N of M periods, and the actions its transitions run (checked: the metric, the endpoint or job, each action’s target)', run: (input) => alarms.create(input) },
    list: { filter: AlarmFilter, summary: 'List alarms by name, with their state and newest transitions', run: (filter) => alarms.list(filter) },
    describe: { summary: 'Describe an alarm: its rule, state and reason, the datapoints last seen and its history', run: (name) => alarms.describe(name) },
    delete: { status: 204, summary: 'Delete an alarm and its history (what its actions started stays)', run: (name) => alarms.delete(name) },
  });
  const params = NameParams(AlarmName);
  const tags = ['alarms'];
  for (const [verb, on] of [['enable', true], ['disable', false]] as const) {
    app.post<{ Params: { name: string } }>(
      `/alarms/:name/${verb}`,
      { config: { permission: 'jobs:write' }, schema: { tags, summary: on ? 'Enable an alarm: evaluated again from INSUFFICIENT_DATA' : 'Disable an alarm: no longer evaluated; its state stays', params } },
      async (request) => (on ? alarms.enable(request.params.name) : alarms.disable(request.params.name)),
    );
  }
  app.post<{ Params: { name: string } }>(
    '/alarms/:name/evaluate',
    { config: { permission: 'jobs:write' }, schema: { tags, summary: 'Evaluate an enabled alarm now (its actions run if its state changes) and answer it', params } },
    async (request) => alarms.evaluateNow(request.params.name),
  );
}
