/**
 * Model Monitor's list operations: ListMonitoringSchedules, ListMonitoringExecutions and
 * ListDataQualityJobDefinitions, with SageMaker's filters (`NameContains`, `StatusEquals`,
 * `EndpointName`, `MonitoringJobDefinitionName`, `MonitoringTypeEquals`, the time windows),
 * `SortBy`/`SortOrder` and paging. Schedules and executions are read live from the monitor
 * service; a filter it lacks (a window, a definition, another order) is applied here over
 * the whole list (`readAll`, `pageOf`).
 */
import type { MonitorExecution, MonitorSchedule } from '../../monitor/index.js';
import { MONITOR_EXECUTION_STATUSES } from '../../contracts/monitor.values.js';
import type { Fields } from './fields.js';
import { pageOf, readAll, readListQuery, type ListQuery } from './list-query.js';
import { DATA_QUALITY_DEFINITION_KIND, executionSummary, MONITORING_SCHEDULE_KIND, MONITORING_TYPE, monitorService, scheduleOf, type StoredDefinition, type StoredSchedule } from './monitoring.js';
import { epoch, nextToken, operation, type OperationContext } from './operation.js';

const MONITORING_TYPES = ['DataQuality', 'ModelQuality', 'ModelBias', 'ModelExplainability'] as const;
const SCHEDULE_STATUSES = ['Pending', 'Failed', 'Scheduled', 'Stopped'] as const;
const EXECUTION_STATUSES = ['Pending', 'Completed', 'CompletedWithViolations', 'InProgress', 'Failed', 'Stopping', 'Stopped'] as const;

/** A definition's or schedule's own filters, besides the shared ones. */
interface MonitoringFilters {
  endpoint?: string;
  definition?: string;
  type?: string;
}

function readMonitoringFilters(f: Fields): MonitoringFilters {
  return { endpoint: f.name('EndpointName'), definition: f.name('MonitoringJobDefinitionName'), type: f.str('MonitoringTypeEquals', { enum: MONITORING_TYPES }) };
}

/** Every stored request of a kind (the control plane's own table), page by page. */
async function storedAll<T>(ctx: OperationContext, kind: string): Promise<{ name: string; request: T; createdAt: string }[]> {
  const all: { name: string; request: T; createdAt: string }[] = [];
  for (let offset = 0; offset < 10_000; offset += 500) {
    const page = await ctx.deps.store.list<T>(kind, { limit: 500, offset });
    all.push(...page);
    if (page.length < 500) break;
  }
  return all;
}

/** The job definition each named schedule was made from (schedules made through Orchard's API have none). */
async function definitionsOf(ctx: OperationContext, schedules: Iterable<string>): Promise<Map<string, string | undefined>> {
  const definitions = new Map<string, string | undefined>();
  for (const name of schedules) {
    if (!definitions.has(name)) definitions.set(name, (await ctx.deps.store.get<StoredSchedule>(MONITORING_SCHEDULE_KIND, name))?.request.definition);
  }
  return definitions;
}

/** Seconds since the epoch of an ISO time, for SageMaker's exclusive time windows. */
const seconds = (iso: string) => Date.parse(iso) / 1000;
const inWindow = (value: number, after: number | undefined, before: number | undefined) => (after === undefined || value > after) && (before === undefined || value < before);

type ScheduleQuery = ListQuery & MonitoringFilters;

const listMonitoringSchedules = operation<ScheduleQuery>({
  name: 'ListMonitoringSchedules',
  permission: 'endpoints:read',
  input: (f) => ({ ...readListQuery(f, { sortBy: ['CreationTime', 'Name', 'Status'], statuses: SCHEDULE_STATUSES }), ...readMonitoringFilters(f) }),
  async run(q, ctx) {
    const service = monitorService(ctx);
    // Orchard's schedules are never Pending or Failed, and watch data or model quality only.
    if (q.status === 'Pending' || q.status === 'Failed' || (q.type !== undefined && q.type !== 'DataQuality' && q.type !== 'ModelQuality')) return { MonitoringScheduleSummaries: [] };
    const status = q.status as MonitorSchedule['status'] | undefined;
    let schedules = await readAll((limit, offset) => service.listSchedules({ endpoint: q.endpoint, status, limit, offset }));
    if (q.type !== undefined) schedules = schedules.filter((s) => MONITORING_TYPE[s.type] === q.type);
    const definitions = await definitionsOf(
      ctx,
      schedules.map((s) => s.name),
    );
    if (q.definition !== undefined) schedules = schedules.filter((s) => definitions.get(s.name) === q.definition);
    const page = pageOf(q, schedules, (s) => ({ name: s.name, createdAt: s.createdAt, updatedAt: s.updatedAt, status: s.status }));
    return {
      MonitoringScheduleSummaries: page.items.map((s) => ({
        MonitoringScheduleName: s.name,
        MonitoringScheduleArn: ctx.arn(MONITORING_SCHEDULE_KIND, s.name),
        CreationTime: epoch(s.createdAt),
        LastModifiedTime: epoch(s.updatedAt),
        MonitoringScheduleStatus: s.status,
        EndpointName: s.endpoint,
        MonitoringJobDefinitionName: definitions.get(s.name),
        MonitoringType: MONITORING_TYPE[s.type],
      })),
      NextToken: page.nextToken,
    };
  },
});

interface ExecutionQuery extends ListQuery, MonitoringFilters {
  schedule?: string;
  scheduledAfter?: number;
  scheduledBefore?: number;
}

type ExecutionStatus = (typeof MONITOR_EXECUTION_STATUSES)[number];

/** True when the service's order (newest first) and its filters answer the query as it is. */
function servicePaged(q: ExecutionQuery): boolean {
  const windows = [q.createdAfter, q.createdBefore, q.modifiedAfter, q.modifiedBefore, q.scheduledAfter, q.scheduledBefore];
  return q.sortBy === 'CreationTime' && q.descending && windows.every((w) => w === undefined) && q.definition === undefined && q.type === undefined;
}

const listMonitoringExecutions = operation<ExecutionQuery>({
  name: 'ListMonitoringExecutions',
  permission: 'endpoints:read',
  input: (f) => ({
    ...readListQuery(f, { sortBy: ['CreationTime', 'ScheduledTime', 'Status'], nameContains: false, statuses: EXECUTION_STATUSES }),
    ...readMonitoringFilters(f),
    schedule: f.name('MonitoringScheduleName'),
    scheduledAfter: f.num('ScheduledTimeAfter'),
    scheduledBefore: f.num('ScheduledTimeBefore'),
  }),
  async run(q, ctx) {
    const service = monitorService(ctx);
    if (q.schedule !== undefined) await scheduleOf(ctx, q.schedule);
    if (q.status !== undefined && !(MONITOR_EXECUTION_STATUSES as readonly string[]).includes(q.status)) return { MonitoringExecutionSummaries: [] };
    if (q.type !== undefined && q.type !== 'DataQuality' && q.type !== 'ModelQuality') return { MonitoringExecutionSummaries: [] };
    const filter = { schedule: q.schedule, endpoint: q.endpoint, status: q.status as ExecutionStatus | undefined };
    let items: MonitorExecution[];
    let token: string | undefined;
    let definitions: Map<string, string | undefined>;
    if (servicePaged(q)) {
      const page = await service.listExecutions({ ...filter, limit: q.limit, offset: q.offset });
      items = page.items;
      token = nextToken(q.offset, items.length, page.total);
      definitions = await definitionsOf(
        ctx,
        items.map((e) => e.schedule),
      );
    } else {
      let all = await readAll((limit, offset) => service.listExecutions({ ...filter, limit, offset }));
      definitions = await definitionsOf(
        ctx,
        all.map((e) => e.schedule),
      );
      all = all.filter(
        (e) =>
          (q.type === undefined || MONITORING_TYPE[e.type] === q.type) &&
          (q.definition === undefined || definitions.get(e.schedule) === q.definition) &&
          inWindow(seconds(e.window.until), q.scheduledAfter, q.scheduledBefore) &&
          inWindow(seconds(e.createdAt), q.createdAfter, q.createdBefore) &&
          inWindow(seconds(e.updatedAt), q.modifiedAfter, q.modifiedBefore),
      );
      // The windows are applied above; what pageOf sorts by "creation" is the chosen time.
      const order = { ...q, createdAfter: undefined, createdBefore: undefined, modifiedAfter: undefined, modifiedBefore: undefined };
      const page = pageOf(order, all, (e) => ({ name: e.id, createdAt: q.sortBy === 'ScheduledTime' ? e.window.until : e.createdAt, status: e.status }));
      items = page.items;
      token = page.nextToken;
    }
    return { MonitoringExecutionSummaries: items.map((e) => executionSummary(e, definitions.get(e.schedule))), NextToken: token };
  },
});

const listDataQualityJobDefinitions = operation<ListQuery & { endpoint?: string }>({
  name: 'ListDataQualityJobDefinitions',
  permission: 'endpoints:read',
  input: (f) => ({ ...readListQuery(f, { sortBy: ['CreationTime', 'Name'], modifiedTimes: false }), endpoint: f.name('EndpointName') }),
  async run(q, ctx) {
    const definitions = (await storedAll<StoredDefinition>(ctx, DATA_QUALITY_DEFINITION_KIND)).filter((d) => q.endpoint === undefined || d.request.endpoint === q.endpoint);
    const page = pageOf(q, definitions, (d) => ({ name: d.name, createdAt: d.createdAt }));
    return {
      JobDefinitionSummaries: page.items.map((d) => ({
        MonitoringJobDefinitionName: d.name,
        MonitoringJobDefinitionArn: ctx.arn(DATA_QUALITY_DEFINITION_KIND, d.name),
        CreationTime: epoch(d.createdAt),
        EndpointName: d.request.endpoint,
      })),
      NextToken: page.nextToken,
    };
  },
});

export const MONITORING_LIST_OPERATIONS = [listMonitoringSchedules, listMonitoringExecutions, listDataQualityJobDefinitions];
