/**
 * Model Monitor (data quality): CreateDataQualityJobDefinition, Describe/Delete of it, and the
 * monitoring schedules and executions, on Orchard's monitor service (src/monitor). A job
 * definition is kept in the control plane's store: it names an Orchard baseline (by the
 * `constraints.json`/`statistics.json` URIs that baseline wrote, or by `BaseliningJobName`)
 * and the endpoint whose capture it reads. A schedule made from it is an Orchard schedule.
 * The list operations are in `monitoring-lists.ts`.
 */
import type { MonitorBaseline, MonitorExecution, MonitorSchedule, MonitorService } from '../../monitor/index.js';
import { resolveS3Uri } from '../s3-uri.js';
import type { Fields } from './fields.js';
import { epoch, operation, type OperationContext } from './operation.js';
import { SageMakerError, sageMakerErrorOf } from './sagemaker-error.js';

export const DATA_QUALITY_DEFINITION_KIND = 'data-quality-job-definition';
export const MONITORING_SCHEDULE_KIND = 'monitoring-schedule';

const S3_URI = { pattern: /^(https|s3):\/\/([^/]+)\/?(.*)$/, source: '^(https|s3)://([^/]+)/?(.*)$' } as const;
/** Where a baseline writes its files (src/monitor/service.ts `baselinePrefix`). */
const BASELINE_FILE = /^monitor\/baselines\/([^/]+)\/(constraints|statistics)\.json$/;

/** What is kept of a job definition: the request as sent, and what it resolved to. */
export interface StoredDefinition {
  request: Record<string, unknown>;
  baseline: string;
  endpoint: string;
}

export interface StoredSchedule {
  request: Record<string, unknown>;
  definition: string;
}

export function monitorService(ctx: OperationContext): MonitorService {
  if (!ctx.deps.monitor) throw new SageMakerError('ValidationException', 'Model Monitor is not enabled on this server');
  return ctx.deps.monitor;
}

/** An Orchard call whose not-found is SageMaker's `ResourceNotFound`, worded for the resource. */
export async function found<T>(call: Promise<T>, what: string): Promise<T> {
  try {
    return await call;
  } catch (error) {
    const mapped = sageMakerErrorOf(error, 'ResourceNotFound');
    if (mapped.type === 'ResourceNotFound') throw new SageMakerError('ResourceNotFound', `Requested resource not found: ${what}`, { cause: error });
    throw mapped;
  }
}

/**
 * SageMaker's `cron(Minutes Hours Day-of-month Month Day-of-week Year)` as Orchard's 5-field
 * UTC cron: `?` becomes `*` and the year (which must be `*`) is dropped. Day-of-week must be
 * `*` or `?` (AWS numbers days 1–7 from Sunday, cron 0–6; SageMaker schedules are hourly or daily anyway).
 */
export function cronOfScheduleExpression(expression: string): string | { problem: string } {
  const match = /^cron\((.+)\)$/.exec(expression.trim());
  if (!match) return { problem: "Member must be a cron expression, as cron(0 * ? * * *) (hourly) or cron(0 0 ? * * *) (daily); NOW and Once are not supported by this server" };
  const parts = match[1].trim().split(/\s+/);
  if (parts.length !== 6) return { problem: `Member must have 6 fields inside cron(…) (Minutes Hours Day-of-month Month Day-of-week Year), got ${parts.length}` };
  const [minute, hour, dom, month, dow, year] = parts;
  if (year !== '*') return { problem: 'Member must have * as its Year field' };
  if (dow !== '*' && dow !== '?') return { problem: 'Member must have * or ? as its Day-of-week field on this server' };
  if (dom === '?' && dow === '?') return { problem: 'Member must not have ? in both Day-of-month and Day-of-week' };
  const star = (field: string) => (field === '?' ? '*' : field);
  return [minute, hour, star(dom), month, star(dow)].join(' ');
}

/** The baseline a definition names: `BaseliningJobName`, or the baseline that wrote its constraints/statistics. */
async function baselineOf(ctx: OperationContext, config: { job?: string; constraints?: string; statistics?: string }): Promise<MonitorBaseline> {
  const service = monitorService(ctx);
  const named: Array<{ field: string; baseline: string; key?: string }> = [];
  if (config.job) named.push({ field: 'DataQualityBaselineConfig.BaseliningJobName', baseline: config.job });
  for (const [field, uri] of [
    ['DataQualityBaselineConfig.ConstraintsResource.S3Uri', config.constraints],
    ['DataQualityBaselineConfig.StatisticsResource.S3Uri', config.statistics],
  ] as const) {
    if (!uri) continue;
    let key: string;
    try {
      key = resolveS3Uri(uri, { bucket: ctx.bucket });
    } catch (error) {
      throw new SageMakerError('ValidationException', `${field}: ${(error as Error).message} (${uri})`);
    }
    const match = BASELINE_FILE.exec(key);
    if (!match) throw new SageMakerError('ValidationException', `${field} must name a file a Model Monitor baseline wrote (s3://${ctx.bucket}/monitor/baselines/<baseline>/constraints.json or statistics.json), not ${uri}`);
    named.push({ field, baseline: match[1], key });
  }
  if (named.length === 0) {
    throw new SageMakerError('ValidationException', 'DataQualityBaselineConfig must name a baseline: ConstraintsResource.S3Uri or StatisticsResource.S3Uri of a Model Monitor baseline, or BaseliningJobName');
  }
  const names = [...new Set(named.map((n) => n.baseline))];
  if (names.length > 1) throw new SageMakerError('ValidationException', `DataQualityBaselineConfig names different baselines (${names.join(', ')}): its fields must name one`);
  const baseline = await service.describeBaseline(names[0]).catch((error: unknown) => {
    const mapped = sageMakerErrorOf(error, 'ResourceNotFound');
    if (mapped.type === 'ResourceNotFound') throw new SageMakerError('ValidationException', `${named[0].field}: no Model Monitor baseline '${names[0]}'`, { cause: error });
    throw mapped;
  });
  for (const n of named) {
    if (n.key && n.key !== baseline.constraints && n.key !== baseline.statistics) {
      throw new SageMakerError('ValidationException', `${n.field}: baseline '${baseline.name}' (${baseline.status}) has not written s3://${ctx.bucket}/${n.key}`);
    }
  }
  return baseline;
}

// Job definitions

interface CreateDefinitionRequest {
  name: string;
  job?: string;
  constraints?: string;
  statistics?: string;
  endpoint: string;
  tags: Record<string, string>;
  raw: Record<string, unknown>;
}

const createDataQualityJobDefinition = operation<CreateDefinitionRequest>({
  name: 'CreateDataQualityJobDefinition',
  permission: 'jobs:write',
  input(f, body) {
    const name = f.name('JobDefinitionName', { required: true });
    const baseline = f.obj('DataQualityBaselineConfig');
    const job = baseline?.name('BaseliningJobName');
    const constraints = baseline?.obj('ConstraintsResource')?.str('S3Uri', { max: 1024, pattern: S3_URI });
    const statistics = baseline?.obj('StatisticsResource')?.str('S3Uri', { max: 1024, pattern: S3_URI });
    const app = f.obj('DataQualityAppSpecification', { required: true });
    app?.str('ImageUri', { required: true, max: 255 });
    const jobInput = f.obj('DataQualityJobInput', { required: true });
    if (jobInput?.has('BatchTransformInput')) jobInput.fail('BatchTransformInput', '…', 'Member is not supported by this server; use EndpointInput');
    const endpointInput = jobInput?.obj('EndpointInput', { required: true });
    const endpoint = endpointInput?.name('EndpointName', { required: true }) ?? '';
    const output = f.obj('DataQualityJobOutputConfig', { required: true });
    output?.list('MonitoringOutputs', { required: true, min: 1, max: 1 }).forEach((o) => o.obj('S3Output', { required: true })?.str('S3Uri', { required: true, max: 512, pattern: S3_URI }));
    const cluster = f.obj('JobResources', { required: true })?.obj('ClusterConfig', { required: true });
    cluster?.num('InstanceCount', { required: true, integer: true, min: 1, max: 100 });
    cluster?.str('InstanceType', { required: true, max: 64 });
    cluster?.num('VolumeSizeInGB', { required: true, integer: true, min: 1, max: 16_384 });
    f.str('RoleArn', { required: true, min: 20, max: 2048 });
    f.obj('StoppingCondition')?.num('MaxRuntimeInSeconds', { required: true, integer: true, min: 1, max: 86_400 });
    const tags = f.tags();
    const keep = ['DataQualityBaselineConfig', 'DataQualityAppSpecification', 'DataQualityJobInput', 'DataQualityJobOutputConfig', 'JobResources', 'NetworkConfig', 'RoleArn', 'StoppingCondition'];
    const raw = Object.fromEntries(keep.filter((key) => body[key] !== undefined).map((key) => [key, body[key]]));
    return { name, job, constraints, statistics, endpoint, tags, raw };
  },
  async run(request, ctx) {
    const baseline = await baselineOf(ctx, request);
    const definition: StoredDefinition = { request: request.raw, baseline: baseline.name, endpoint: request.endpoint };
    const arn = ctx.arn(DATA_QUALITY_DEFINITION_KIND, request.name);
    if (!(await ctx.deps.store.insert(DATA_QUALITY_DEFINITION_KIND, request.name, definition, ctx.principal.user.name))) {
      throw new SageMakerError('ResourceInUse', `Job definition names must be unique within an AWS account and region, and a job definition with this name already exists (${arn})`);
    }
    if (Object.keys(request.tags).length > 0) await ctx.deps.store.addTags(arn, request.tags);
    return { JobDefinitionArn: arn };
  },
});

async function storedDefinition(ctx: OperationContext, name: string) {
  const stored = await ctx.deps.store.get<StoredDefinition>(DATA_QUALITY_DEFINITION_KIND, name);
  if (!stored) throw new SageMakerError('ResourceNotFound', `Requested resource not found: data quality job definition '${name}'`);
  return stored;
}

const describeDataQualityJobDefinition = operation<{ name: string }>({
  name: 'DescribeDataQualityJobDefinition',
  permission: 'endpoints:read',
  input: (f) => ({ name: f.name('JobDefinitionName', { required: true }) }),
  async run({ name }, ctx) {
    const stored = await storedDefinition(ctx, name);
    return {
      JobDefinitionArn: ctx.arn(DATA_QUALITY_DEFINITION_KIND, name),
      JobDefinitionName: stored.name,
      CreationTime: epoch(stored.createdAt),
      ...stored.request.request,
    };
  },
});

const deleteDataQualityJobDefinition = operation<{ name: string }>({
  name: 'DeleteDataQualityJobDefinition',
  permission: 'jobs:write',
  input: (f) => ({ name: f.name('JobDefinitionName', { required: true }) }),
  async run({ name }, ctx) {
    await storedDefinition(ctx, name);
    const users: string[] = [];
    for (let offset = 0; ; offset += 100) {
      const page = await ctx.deps.store.list<StoredSchedule>(MONITORING_SCHEDULE_KIND, { limit: 100, offset });
      users.push(...page.filter((s) => s.request.definition === name).map((s) => s.name));
      if (page.length < 100) break;
    }
    // A schedule deleted through Orchard's own API leaves its stored request behind: not a user.
    for (const user of [...users]) {
      const live = await monitorService(ctx).describeSchedule(user).then(
        () => true,
        () => false,
      );
      if (!live) {
        await ctx.deps.store.delete(MONITORING_SCHEDULE_KIND, user);
        users.splice(users.indexOf(user), 1);
      }
    }
    if (users.length > 0) throw new SageMakerError('ResourceInUse', `Job definition '${name}' is used by monitoring schedule ${users.join(', ')}: delete it first`);
    await ctx.deps.store.delete(DATA_QUALITY_DEFINITION_KIND, name);
    await ctx.deps.store.deleteTags(ctx.arn(DATA_QUALITY_DEFINITION_KIND, name));
    return {};
  },
});

// Schedules

export const MONITORING_TYPE = { 'data-quality': 'DataQuality', 'model-quality': 'ModelQuality' } as const;

interface CreateScheduleRequest {
  name: string;
  cron: string;
  definition: string;
  tags: Record<string, string>;
  raw: Record<string, unknown>;
}

const createMonitoringSchedule = operation<CreateScheduleRequest>({
  name: 'CreateMonitoringSchedule',
  permission: 'jobs:write',
  input(f, body) {
    const name = f.name('MonitoringScheduleName', { required: true });
    const config = f.obj('MonitoringScheduleConfig', { required: true });
    const scheduleConfig = config?.obj('ScheduleConfig', { required: true });
    const expression = scheduleConfig?.str('ScheduleExpression', { required: true, min: 1, max: 512 });
    let cron = '';
    if (expression !== undefined) {
      const parsed = cronOfScheduleExpression(expression);
      if (typeof parsed === 'string') cron = parsed;
      else scheduleConfig?.fail('ScheduleExpression', expression, parsed.problem);
    }
    if (config?.has('MonitoringJobDefinition')) config.fail('MonitoringJobDefinition', '…', 'Member is not supported by this server; create a job definition (CreateDataQualityJobDefinition) and name it in MonitoringJobDefinitionName');
    const definition = config?.name('MonitoringJobDefinitionName', { required: true }) ?? '';
    const type = config?.str('MonitoringType', { enum: ['DataQuality', 'ModelQuality', 'ModelBias', 'ModelExplainability'] });
    if (type !== undefined && type !== 'DataQuality') config?.fail('MonitoringType', type, 'Member must be DataQuality on this server');
    const tags = f.tags();
    return { name, cron, definition, tags, raw: { MonitoringScheduleConfig: body.MonitoringScheduleConfig } };
  },
  async run(request, ctx) {
    const service = monitorService(ctx);
    const definition = await ctx.deps.store.get<StoredDefinition>(DATA_QUALITY_DEFINITION_KIND, request.definition);
    if (!definition) throw new SageMakerError('ResourceNotFound', `Requested resource not found: data quality job definition '${request.definition}' (MonitoringScheduleConfig.MonitoringJobDefinitionName)`);
    const arn = ctx.arn(MONITORING_SCHEDULE_KIND, request.name);
    try {
      await service.createSchedule({ name: request.name, endpoint: definition.request.endpoint, baseline: definition.request.baseline, type: 'data-quality', cron: request.cron, createdBy: ctx.principal.user.name });
    } catch (error) {
      const mapped = sageMakerErrorOf(error);
      if (mapped.type === 'ResourceInUse') throw new SageMakerError('ResourceInUse', `Monitoring schedule names must be unique within an AWS account and region, and a monitoring schedule with this name already exists (${arn})`, { cause: error });
      throw mapped;
    }
    const stored: StoredSchedule = { request: request.raw, definition: request.definition };
    await ctx.deps.store.put(MONITORING_SCHEDULE_KIND, request.name, stored, ctx.principal.user.name);
    if (Object.keys(request.tags).length > 0) await ctx.deps.store.addTags(arn, request.tags);
    return { MonitoringScheduleArn: arn };
  },
});

/** The ScheduleExpression of an Orchard cron (`0 * * * *` → `cron(0 * ? * * *)`). */
function scheduleExpressionOf(cron: string): string {
  const [minute, hour, dom, month, dow] = cron.split(/\s+/);
  return `cron(${minute} ${hour} ${dom === '*' && dow === '*' ? '?' : dom} ${month} ${dow} *)`;
}

export function executionSummary(execution: MonitorExecution, definition: string | undefined): Record<string, unknown> {
  return {
    MonitoringScheduleName: execution.schedule,
    ScheduledTime: epoch(execution.window.until),
    CreationTime: epoch(execution.createdAt),
    LastModifiedTime: epoch(execution.updatedAt),
    MonitoringExecutionStatus: execution.status,
    EndpointName: execution.endpoint,
    FailureReason: execution.failureReason ?? undefined,
    MonitoringJobDefinitionName: definition,
    MonitoringType: MONITORING_TYPE[execution.type],
  };
}

export async function scheduleOf(ctx: OperationContext, name: string): Promise<MonitorSchedule> {
  return found(monitorService(ctx).describeSchedule(name), `monitoring schedule '${name}'`);
}

const describeMonitoringSchedule = operation<{ name: string }>({
  name: 'DescribeMonitoringSchedule',
  permission: 'endpoints:read',
  input: (f) => ({ name: f.name('MonitoringScheduleName', { required: true }) }),
  async run({ name }, ctx) {
    const schedule = await scheduleOf(ctx, name);
    const stored = await ctx.deps.store.get<StoredSchedule>(MONITORING_SCHEDULE_KIND, name);
    const definition = stored?.request.definition;
    let last: Record<string, unknown> | undefined;
    if (schedule.lastExecution) {
      const execution = await monitorService(ctx).describeExecution(schedule.lastExecution.id).catch(() => undefined);
      if (execution) last = executionSummary(execution, definition);
    }
    return {
      MonitoringScheduleArn: ctx.arn(MONITORING_SCHEDULE_KIND, schedule.name),
      MonitoringScheduleName: schedule.name,
      MonitoringScheduleStatus: schedule.status,
      MonitoringType: MONITORING_TYPE[schedule.type],
      CreationTime: epoch(schedule.createdAt),
      LastModifiedTime: epoch(schedule.updatedAt),
      MonitoringScheduleConfig: stored?.request.request.MonitoringScheduleConfig ?? {
        ScheduleConfig: { ScheduleExpression: scheduleExpressionOf(schedule.cron) },
        MonitoringType: MONITORING_TYPE[schedule.type],
      },
      EndpointName: schedule.endpoint,
      LastMonitoringExecutionSummary: last,
    };
  },
});

const scheduleName = (f: Fields) => ({ name: f.name('MonitoringScheduleName', { required: true }) });

const stopMonitoringSchedule = operation<{ name: string }>({
  name: 'StopMonitoringSchedule',
  permission: 'jobs:write',
  input: scheduleName,
  async run({ name }, ctx) {
    await found(monitorService(ctx).stopSchedule(name), `monitoring schedule '${name}'`);
    return {};
  },
});

const startMonitoringSchedule = operation<{ name: string }>({
  name: 'StartMonitoringSchedule',
  permission: 'jobs:write',
  input: scheduleName,
  async run({ name }, ctx) {
    await found(monitorService(ctx).startSchedule(name), `monitoring schedule '${name}'`);
    return {};
  },
});

const deleteMonitoringSchedule = operation<{ name: string }>({
  name: 'DeleteMonitoringSchedule',
  permission: 'jobs:write',
  input: scheduleName,
  async run({ name }, ctx) {
    await found(monitorService(ctx).deleteSchedule(name), `monitoring schedule '${name}'`).catch(async (error: unknown) => {
      // A schedule deleted through Orchard's own API leaves its stored request behind.
      if (error instanceof SageMakerError && error.type === 'ResourceNotFound') await ctx.deps.store.delete(MONITORING_SCHEDULE_KIND, name);
      throw error;
    });
    await ctx.deps.store.delete(MONITORING_SCHEDULE_KIND, name);
    await ctx.deps.store.deleteTags(ctx.arn(MONITORING_SCHEDULE_KIND, name));
    return {};
  },
});

export const MONITORING_OPERATIONS = [
  createDataQualityJobDefinition,
  describeDataQualityJobDefinition,
  deleteDataQualityJobDefinition,
  createMonitoringSchedule,
  describeMonitoringSchedule,
  stopMonitoringSchedule,
  startMonitoringSchedule,
  deleteMonitoringSchedule,
];
