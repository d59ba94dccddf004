import fs from 'node:fs';
import path from 'node:path';
import {
  CreateDataQualityJobDefinitionCommand,
  CreateMonitoringScheduleCommand,
  DeleteDataQualityJobDefinitionCommand,
  DeleteMonitoringScheduleCommand,
  DescribeDataQualityJobDefinitionCommand,
  DescribeMonitoringScheduleCommand,
  ListMonitoringExecutionsCommand,
  ListMonitoringSchedulesCommand,
  ResourceInUse,
  ResourceNotFound,
  SageMakerClient,
  SageMakerServiceException,
  StartMonitoringScheduleCommand,
  StopMonitoringScheduleCommand,
  type CreateDataQualityJobDefinitionCommandInput,
} from '@aws-sdk/client-sagemaker';
import { beforeAll, describe, expect, it } from 'vitest';
import { Orchard } from '../../src/sdk/index.js';
import { backends, writeClassificationCsv } from '../support/backends.js';
import { cliSuite } from '../support/cli-suite.js';
import { cli } from '../support/server.js';

const REGION = 'us-west-2';
const ROLE = 'arn:aws:iam::000000000000:role/SageMakerRole';

async function accessKey(url: string, adminToken: string): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  const res = await fetch(`${url}/api/v1/access-keys`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: '{}' });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as { accessKeyId: string; secretAccessKey: string };
}

function definition(name: string, baseline: string, endpoint: string): CreateDataQualityJobDefinitionCommandInput {
  return {
    JobDefinitionName: name,
    DataQualityBaselineConfig: {
      ConstraintsResource: { S3Uri: `s3://orchard/monitor/baselines/${baseline}/constraints.json` },
      StatisticsResource: { S3Uri: `s3://orchard/monitor/baselines/${baseline}/statistics.json` },
    },
    DataQualityAppSpecification: { ImageUri: '156813124566.dkr.ecr.us-west-2.amazonaws.com/sagemaker-model-monitor-analyzer' },
    DataQualityJobInput: { EndpointInput: { EndpointName: endpoint, LocalPath: '/opt/ml/processing/input/endpoint' } },
    DataQualityJobOutputConfig: { MonitoringOutputs: [{ S3Output: { S3Uri: 's3://orchard/monitor-reports/', LocalPath: '/opt/ml/processing/output' } }] },
    JobResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.m5.xlarge', VolumeSizeInGB: 20 } },
    RoleArn: ROLE,
  };
}

async function failure(promise: Promise<unknown>): Promise<SageMakerServiceException> {
  try {
    await promise;
  } catch (error) {
    return error as SageMakerServiceException;
  }
  throw new Error('expected the call to fail');
}

describe.each(backends)('SageMaker Model Monitor operations with the AWS SDK on $name', (backend) => {
  const suite = cliSuite(backend, { prefix: 'orchard-sm-monitor-', env: { ORCHARD_ENDPOINT_CAPTURE_FLUSH_MS: '200' } });
  let sm: SageMakerClient;
  let orchard: Orchard;

  beforeAll(async () => {
    const { admin, dir } = suite;
    orchard = new Orchard(admin);
    writeClassificationCsv(path.join(dir, 'train.csv'), 600, 5);
    // The baseline: the same rows with a header, label first as the endpoint's training data.
    fs.writeFileSync(path.join(dir, 'base.csv'), `y,f0,f1,f2,f3\n${fs.readFileSync(path.join(dir, 'train.csv'), 'utf8')}`);
    for (const args of [
      ['datasets', 'create', 'tr', '--file', path.join(dir, 'train.csv')],
      ['datasets', 'create', 'base', '--file', path.join(dir, 'base.csv'), '--header'],
      ['train', '--name', 'gb', '--algorithm', 'xgboost', '--train', 'tr', '--hp', 'objective=binary:logistic', '--hp', 'num_round=3', '--wait'],
      ['models', 'create', 'm', '--from-job', 'gb'],
      ['endpoints', 'create', 'ep', '--model', 'm', '--capture-percent', '100', '--wait'],
      ['monitor', 'baselines', 'create', 'b1', '--dataset', 'base', '--target', 'y', '--wait'],
    ]) {
      const res = await cli([...args, '--json'], admin);
      expect(res.code, `${args.join(' ')}: ${res.stdout}${res.stderr}`).toBe(0);
    }
    sm = new SageMakerClient({ endpoint: admin.url, region: REGION, credentials: await accessKey(admin.url, admin.token), maxAttempts: 1 });
  }, 300_000);

  it('creates a data-quality job definition and a schedule, lists an execution, stops and deletes', async () => {
    const created = await sm.send(new CreateDataQualityJobDefinitionCommand(definition('dq-def', 'b1', 'ep')));
    expect(created.JobDefinitionArn).toBe(`arn:aws:sagemaker:${REGION}:000000000000:data-quality-job-definition/dq-def`);
    const described = await sm.send(new DescribeDataQualityJobDefinitionCommand({ JobDefinitionName: 'dq-def' }));
    expect(described.DataQualityJobInput?.EndpointInput?.EndpointName).toBe('ep');
    expect(described.DataQualityBaselineConfig?.ConstraintsResource?.S3Uri).toBe('s3://orchard/monitor/baselines/b1/constraints.json');
    expect(described.CreationTime).toBeInstanceOf(Date);

    const schedule = await sm.send(
      new CreateMonitoringScheduleCommand({
        MonitoringScheduleName: 'dq-hourly',
        MonitoringScheduleConfig: { ScheduleConfig: { ScheduleExpression: 'cron(0 * ? * * *)' }, MonitoringJobDefinitionName: 'dq-def', MonitoringType: 'DataQuality' },
      }),
    );
    expect(schedule.MonitoringScheduleArn).toBe(`arn:aws:sagemaker:${REGION}:000000000000:monitoring-schedule/dq-hourly`);
    // It is an Orchard schedule, in Orchard's 5-field cron.
    expect(await orchard.monitor.schedules.describe('dq-hourly')).toMatchObject({ endpoint: 'ep', baseline: 'b1', cron: '0 * * * *', status: 'Scheduled' });

    // Traffic, then an execution now through Orchard.
    const rows = fs
      .readFileSync(path.join(suite.dir, 'train.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(0, 200)
      .map((line) => line.split(',').slice(1).join(','))
      .join('\n');
    const res = await fetch(`${suite.admin.url}/api/v1/endpoints/ep/invocations`, { method: 'POST', headers: { authorization: `Bearer ${suite.admin.token}`, 'content-type': 'text/csv' }, body: rows });
    expect(res.status, await res.text()).toBe(200);
    await new Promise((r) => setTimeout(r, 800));
    const run = await orchard.monitor.schedules.run('dq-hourly');
    const done = await orchard.monitor.executions.waitFor(run.id, { pollMs: 200 });
    expect(['Completed', 'CompletedWithViolations']).toContain(done.status);

    const executions = await sm.send(new ListMonitoringExecutionsCommand({ MonitoringScheduleName: 'dq-hourly' }));
    expect(executions.MonitoringExecutionSummaries).toHaveLength(1);
    expect(executions.MonitoringExecutionSummaries?.[0]).toMatchObject({ MonitoringScheduleName: 'dq-hourly', MonitoringExecutionStatus: done.status, EndpointName: 'ep', MonitoringJobDefinitionName: 'dq-def', MonitoringType: 'DataQuality' });
    expect(executions.MonitoringExecutionSummaries?.[0].ScheduledTime).toBeInstanceOf(Date);

    const scheduled = await sm.send(new DescribeMonitoringScheduleCommand({ MonitoringScheduleName: 'dq-hourly' }));
    expect(scheduled).toMatchObject({ MonitoringScheduleStatus: 'Scheduled', MonitoringType: 'DataQuality', EndpointName: 'ep' });
    expect(scheduled.MonitoringScheduleConfig?.ScheduleConfig?.ScheduleExpression).toBe('cron(0 * ? * * *)');
    expect(scheduled.LastMonitoringExecutionSummary?.MonitoringExecutionStatus).toBe(done.status);

    const listed = await sm.send(new ListMonitoringSchedulesCommand({ EndpointName: 'ep' }));
    expect(listed.MonitoringScheduleSummaries?.map((s) => [s.MonitoringScheduleName, s.MonitoringJobDefinitionName])).toEqual([['dq-hourly', 'dq-def']]);

    await sm.send(new StopMonitoringScheduleCommand({ MonitoringScheduleName: 'dq-hourly' }));
    expect((await sm.send(new DescribeMonitoringScheduleCommand({ MonitoringScheduleName: 'dq-hourly' }))).MonitoringScheduleStatus).toBe('Stopped');
    await sm.send(new StartMonitoringScheduleCommand({ MonitoringScheduleName: 'dq-hourly' }));
    expect((await sm.send(new DescribeMonitoringScheduleCommand({ MonitoringScheduleName: 'dq-hourly' }))).MonitoringScheduleStatus).toBe('Scheduled');

    // A definition in use cannot be deleted; after its schedule, it can.
    expect(await failure(sm.send(new DeleteDataQualityJobDefinitionCommand({ JobDefinitionName: 'dq-def' })))).toBeInstanceOf(ResourceInUse);
    await sm.send(new DeleteMonitoringScheduleCommand({ MonitoringScheduleName: 'dq-hourly' }));
    await expect(orchard.monitor.schedules.describe('dq-hourly')).rejects.toMatchObject({ code: 'ORCH_MONITOR_SCHEDULE_NOT_FOUND' });
    await sm.send(new DeleteDataQualityJobDefinitionCommand({ JobDefinitionName: 'dq-def' }));
    expect(await failure(sm.send(new DescribeDataQualityJobDefinitionCommand({ JobDefinitionName: 'dq-def' })))).toBeInstanceOf(ResourceNotFound);
  }, 180_000);

  it('names a baseline by BaseliningJobName, takes a daily cron, and forgets schedules deleted through Orchard', async () => {
    const { DataQualityBaselineConfig: _, ...rest } = definition('dq-two', 'b1', 'ep');
    await sm.send(new CreateDataQualityJobDefinitionCommand({ ...rest, DataQualityBaselineConfig: { BaseliningJobName: 'b1' } }));
    await sm.send(new CreateMonitoringScheduleCommand({ MonitoringScheduleName: 'dq-daily', MonitoringScheduleConfig: { ScheduleConfig: { ScheduleExpression: 'cron(30 2 * * ? *)' }, MonitoringJobDefinitionName: 'dq-two' } }));
    expect(await orchard.monitor.schedules.describe('dq-daily')).toMatchObject({ baseline: 'b1', cron: '30 2 * * *' });
    const listed = await sm.send(new ListMonitoringSchedulesCommand({ MonitoringJobDefinitionName: 'dq-two' }));
    expect(listed.MonitoringScheduleSummaries?.map((s) => s.MonitoringScheduleName)).toEqual(['dq-daily']);
    await orchard.monitor.schedules.delete('dq-daily');
    expect(await failure(sm.send(new DescribeMonitoringScheduleCommand({ MonitoringScheduleName: 'dq-daily' })))).toBeInstanceOf(ResourceNotFound);
    await sm.send(new DeleteDataQualityJobDefinitionCommand({ JobDefinitionName: 'dq-two' }));
  }, 60_000);

  it('answers unknown names with ResourceNotFound and bad fields with ValidationException naming them', async () => {
    for (const call of [
      () => sm.send(new DescribeMonitoringScheduleCommand({ MonitoringScheduleName: 'absent' })),
      () => sm.send(new StopMonitoringScheduleCommand({ MonitoringScheduleName: 'absent' })),
      () => sm.send(new DeleteMonitoringScheduleCommand({ MonitoringScheduleName: 'absent' })),
      () => sm.send(new ListMonitoringExecutionsCommand({ MonitoringScheduleName: 'absent' })),
      () => sm.send(new CreateMonitoringScheduleCommand({ MonitoringScheduleName: 's-nodef', MonitoringScheduleConfig: { ScheduleConfig: { ScheduleExpression: 'cron(0 * ? * * *)' }, MonitoringJobDefinitionName: 'absent' } })),
    ]) {
      const error = await failure(call());
      expect(error, error.message).toBeInstanceOf(ResourceNotFound);
    }

    const badCron = await failure(sm.send(new CreateMonitoringScheduleCommand({ MonitoringScheduleName: 's-cron', MonitoringScheduleConfig: { ScheduleConfig: { ScheduleExpression: 'every hour' }, MonitoringJobDefinitionName: 'x' } })));
    expect(badCron.name).toBe('ValidationException');
    expect(badCron.message).toContain("'monitoringScheduleConfig.scheduleConfig.scheduleExpression'");

    const noBaseline = await failure(sm.send(new CreateDataQualityJobDefinitionCommand(definition('dq-bad', 'absent', 'ep'))));
    expect(noBaseline.name).toBe('ValidationException');
    expect(noBaseline.message).toContain("DataQualityBaselineConfig.ConstraintsResource.S3Uri: no Model Monitor baseline 'absent'");

    const missing = await failure(sm.send(new CreateDataQualityJobDefinitionCommand({ ...definition('dq-bad', 'b1', 'ep'), DataQualityJobInput: {} })));
    expect(missing.name).toBe('ValidationException');
    expect(missing.message).toContain("'dataQualityJobInput.endpointInput'");

    // A definition whose endpoint does not capture is refused when scheduled, as Orchard refuses it.
    await sm.send(new CreateDataQualityJobDefinitionCommand(definition('dq-noep', 'b1', 'no-such-endpoint')));
    const noEndpoint = await failure(sm.send(new CreateMonitoringScheduleCommand({ MonitoringScheduleName: 's-noep', MonitoringScheduleConfig: { ScheduleConfig: { ScheduleExpression: 'cron(0 * * * ? *)' }, MonitoringJobDefinitionName: 'dq-noep' } })));
    expect(noEndpoint.name).toBe('ValidationException');
    expect(noEndpoint.message).toContain('no-such-endpoint');
  }, 60_000);
});
