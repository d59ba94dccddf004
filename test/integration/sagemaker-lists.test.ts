import fs from 'node:fs';
import path from 'node:path';
import {
  CreateDataQualityJobDefinitionCommand,
  CreateMonitoringScheduleCommand,
  ListDataQualityJobDefinitionsCommand,
  ListModelPackagesCommand,
  ListMonitoringExecutionsCommand,
  ListMonitoringSchedulesCommand,
  SageMakerClient,
  SageMakerServiceException,
  StopMonitoringScheduleCommand,
  type CreateDataQualityJobDefinitionCommandInput,
  type ListDataQualityJobDefinitionsCommandInput,
  type ListModelPackagesCommandInput,
  type ListMonitoringExecutionsCommandInput,
  type ListMonitoringSchedulesCommandInput,
} from '@aws-sdk/client-sagemaker';
import { beforeAll, describe, expect, it } from 'vitest';
import { Orchard } from '../../src/sdk/index.js';
import { backends, writeClassificationCsv } from '../support/backends.js';
import { cliSuite } from '../support/cli-suite.js';

const REGION = 'us-west-2';
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function failure(promise: Promise<unknown>): Promise<SageMakerServiceException> {
  try {
    await promise;
  } catch (error) {
    return error as SageMakerServiceException;
  }
  throw new Error('expected the call to fail');
}

/**
 * The list operations' standard filters, order and paging as the AWS SDK sends them:
 * ListModelPackages over two groups, and Model Monitor's job definitions, schedules and
 * executions.
 */
describe.each(backends)('SageMaker list operations with the AWS SDK on $name', (backend) => {
  const suite = cliSuite(backend, { prefix: 'orchard-sm-lists-', env: { ORCHARD_ENDPOINT_CAPTURE_FLUSH_MS: '200' } });
  let sm: SageMakerClient;
  let orchard: Orchard;

  beforeAll(async () => {
    const { admin, dir } = suite;
    orchard = new Orchard(admin);
    writeClassificationCsv(path.join(dir, 'train.csv'), 300, 7);
    fs.writeFileSync(path.join(dir, 'base.csv'), `y,f0,f1,f2,f3\n${fs.readFileSync(path.join(dir, 'train.csv'), 'utf8')}`);
    await orchard.datasets.create({ name: 'tr', file: path.join(dir, 'train.csv') });
    await orchard.datasets.create({ name: 'base', file: path.join(dir, 'base.csv'), header: true });
    await orchard.training.create({ name: 'gb', algorithm: 'xgboost', channels: { train: 'tr' }, hyperParameters: { objective: 'binary:logistic', num_round: '3' } });
    expect((await orchard.training.waitFor('gb', { pollMs: 200 })).status).toBe('Completed');
    for (const name of ['m1', 'm2', 'm3']) await orchard.models.create({ name, fromJob: 'gb' });
    await orchard.endpoints.create({ name: 'ep', model: 'm1', capturePercent: 100 });
    expect((await orchard.endpoints.waitFor('ep', { pollMs: 200 })).status).toBe('InService');
    await orchard.monitor.baselines.create({ name: 'b1', dataset: 'base', target: 'y' });
    expect((await orchard.monitor.baselines.waitFor('b1', { pollMs: 200 })).status).toBe('Completed');
    const res = await fetch(`${admin.url}/api/v1/endpoints/ep/invocations`, { method: 'POST', headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'text/csv' }, body: '0.1,0.2,0.3,0.4\n0.5,-1,1,0\n' });
    expect(res.status, await res.text()).toBe(200);
    const key = await orchard.accessKeys.create({});
    sm = new SageMakerClient({ endpoint: admin.url, region: REGION, credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey }, maxAttempts: 1 });
  }, 300_000);

  it('lists model packages by type, group (name or ARN), approval, name, time, order and page', async () => {
    await orchard.registry.register('g-alpha', { model: 'm1', approvalStatus: 'Approved' });
    await pause(20);
    await orchard.registry.register('g-alpha', { model: 'm2' });
    await pause(20);
    await orchard.registry.register('g-beta', { model: 'm3', approvalStatus: 'Rejected' });
    const list = async (input: ListModelPackagesCommandInput) => (await sm.send(new ListModelPackagesCommand(input))).ModelPackageSummaryList!;
    const refs = async (input: ListModelPackagesCommandInput) => (await list(input)).map((p) => `${p.ModelPackageGroupName}/${p.ModelPackageVersion}`);

    // AWS lists unversioned packages by default; Orchard has none.
    expect(await refs({})).toEqual([]);
    expect(await refs({ ModelPackageType: 'Unversioned' })).toEqual([]);
    // CreationTime, Ascending by default.
    expect(await refs({ ModelPackageType: 'Both' })).toEqual(['g-alpha/1', 'g-alpha/2', 'g-beta/1']);
    expect(await refs({ ModelPackageType: 'Versioned', SortOrder: 'Descending' })).toEqual(['g-beta/1', 'g-alpha/2', 'g-alpha/1']);
    expect(await refs({ ModelPackageType: 'Versioned', SortBy: 'Name', SortOrder: 'Descending' })).toEqual(['g-beta/1', 'g-alpha/2', 'g-alpha/1']);
    expect(await refs({ ModelPackageGroupName: 'g-alpha' })).toEqual(['g-alpha/1', 'g-alpha/2']);
    expect(await refs({ ModelPackageGroupName: `arn:aws:sagemaker:${REGION}:000000000000:model-package-group/g-alpha`, SortOrder: 'Descending' })).toEqual(['g-alpha/2', 'g-alpha/1']);
    expect(await refs({ ModelPackageGroupName: 'g-absent' })).toEqual([]);
    expect(await refs({ ModelPackageType: 'Both', ModelApprovalStatus: 'Approved' })).toEqual(['g-alpha/1']);
    expect(await refs({ ModelPackageType: 'Both', ModelApprovalStatus: 'PendingManualApproval' })).toEqual(['g-alpha/2']);
    expect(await refs({ ModelPackageType: 'Both', NameContains: 'beta' })).toEqual(['g-beta/1']);

    const all = await list({ ModelPackageType: 'Both' });
    const second = all[1].CreationTime!;
    expect(await refs({ ModelPackageType: 'Both', CreationTimeAfter: second })).toEqual(['g-beta/1']);
    expect(await refs({ ModelPackageType: 'Both', CreationTimeBefore: second })).toEqual(['g-alpha/1']);

    const first = await sm.send(new ListModelPackagesCommand({ ModelPackageType: 'Both', MaxResults: 2 }));
    expect(first.ModelPackageSummaryList?.map((p) => p.ModelPackageVersion)).toEqual([1, 2]);
    expect(first.NextToken).toBeDefined();
    const rest = await sm.send(new ListModelPackagesCommand({ ModelPackageType: 'Both', MaxResults: 2, NextToken: first.NextToken }));
    expect(rest.ModelPackageSummaryList?.map((p) => p.ModelPackageGroupName)).toEqual(['g-beta']);
    expect(rest.NextToken).toBeUndefined();

    const badSort = await failure(list({ SortBy: 'Status' as 'Name' }));
    expect([badSort.name, badSort.message]).toEqual(['ValidationException', "1 validation error detected: Value 'Status' at 'sortBy' failed to satisfy constraint: Member must satisfy enum value set: [CreationTime, Name]"]);
    const badType = await failure(list({ ModelPackageType: 'All' as 'Both', SortOrder: 'Up' as 'Ascending' }));
    expect(badType.name).toBe('ValidationException');
    expect(badType.message).toMatch(/^2 validation errors detected: .*'modelPackageType'.*'sortOrder'/);
    const badGroup = await failure(list({ ModelPackageGroupName: 'bad_group' }));
    expect(badGroup.message).toContain("Value 'bad_group' at 'modelPackageGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern");
    expect((await failure(list({ MaxResults: 101 }))).message).toContain("at 'maxResults'");
  }, 60_000);

  it('lists job definitions, schedules and executions with their filters, order and paging', async () => {
    const definition = (name: string): CreateDataQualityJobDefinitionCommandInput => ({
      JobDefinitionName: name,
      DataQualityBaselineConfig: { BaseliningJobName: 'b1' },
      DataQualityAppSpecification: { ImageUri: '156813124566.dkr.ecr.us-west-2.amazonaws.com/sagemaker-model-monitor-analyzer' },
      DataQualityJobInput: { EndpointInput: { EndpointName: 'ep', LocalPath: '/opt/ml/processing/input/endpoint' } },
      DataQualityJobOutputConfig: { MonitoringOutputs: [{ S3Output: { S3Uri: 's3://orchard/monitor-reports/', LocalPath: '/opt/ml/processing/output' } }] },
      JobResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.m5.xlarge', VolumeSizeInGB: 20 } },
      RoleArn: 'arn:aws:iam::000000000000:role/SageMakerRole',
    });
    await sm.send(new CreateDataQualityJobDefinitionCommand(definition('dq-a')));
    await pause(20);
    await sm.send(new CreateDataQualityJobDefinitionCommand(definition('dq-b')));
    const definitions = async (input: ListDataQualityJobDefinitionsCommandInput) => (await sm.send(new ListDataQualityJobDefinitionsCommand(input))).JobDefinitionSummaries!.map((d) => d.MonitoringJobDefinitionName);
    expect(await definitions({})).toEqual(['dq-b', 'dq-a']);
    expect(await definitions({ SortBy: 'Name', SortOrder: 'Ascending' })).toEqual(['dq-a', 'dq-b']);
    expect(await definitions({ NameContains: '-b' })).toEqual(['dq-b']);
    expect(await definitions({ EndpointName: 'ep' })).toEqual(['dq-b', 'dq-a']);
    expect(await definitions({ EndpointName: 'other' })).toEqual([]);
    expect(await definitions({ CreationTimeAfter: new Date(Date.now() + 3_600_000) })).toEqual([]);
    const defPage = await sm.send(new ListDataQualityJobDefinitionsCommand({ MaxResults: 1 }));
    expect(defPage.JobDefinitionSummaries?.[0]).toMatchObject({ MonitoringJobDefinitionName: 'dq-b', EndpointName: 'ep', MonitoringJobDefinitionArn: `arn:aws:sagemaker:${REGION}:000000000000:data-quality-job-definition/dq-b` });
    expect(await definitions({ MaxResults: 1, NextToken: defPage.NextToken })).toEqual(['dq-a']);

    const cron = { ScheduleExpression: 'cron(0 * ? * * *)' };
    await sm.send(new CreateMonitoringScheduleCommand({ MonitoringScheduleName: 's-one', MonitoringScheduleConfig: { ScheduleConfig: cron, MonitoringJobDefinitionName: 'dq-a' } }));
    await pause(20);
    await sm.send(new CreateMonitoringScheduleCommand({ MonitoringScheduleName: 's-two', MonitoringScheduleConfig: { ScheduleConfig: cron, MonitoringJobDefinitionName: 'dq-b' } }));

    // Executions: two of s-one, then one of s-two, each ended before the next starts.
    await pause(800);
    const runs: string[] = [];
    for (const schedule of ['s-one', 's-one', 's-two']) {
      const run = await orchard.monitor.schedules.run(schedule);
      await orchard.monitor.executions.waitFor(run.id, { pollMs: 200 });
      runs.push(schedule);
      await pause(20);
    }
    await sm.send(new StopMonitoringScheduleCommand({ MonitoringScheduleName: 's-one' }));

    const schedules = async (input: ListMonitoringSchedulesCommandInput) => (await sm.send(new ListMonitoringSchedulesCommand(input))).MonitoringScheduleSummaries!.map((s) => s.MonitoringScheduleName);
    expect(await schedules({})).toEqual(['s-two', 's-one']);
    expect(await schedules({ SortBy: 'Name', SortOrder: 'Ascending' })).toEqual(['s-one', 's-two']);
    expect(await schedules({ SortBy: 'Status', SortOrder: 'Ascending' })).toEqual(['s-two', 's-one']);
    expect(await schedules({ StatusEquals: 'Stopped' })).toEqual(['s-one']);
    expect(await schedules({ StatusEquals: 'Pending' })).toEqual([]);
    expect(await schedules({ NameContains: 'two' })).toEqual(['s-two']);
    expect(await schedules({ EndpointName: 'ep', MonitoringJobDefinitionName: 'dq-a' })).toEqual(['s-one']);
    expect(await schedules({ MonitoringTypeEquals: 'DataQuality' })).toEqual(['s-two', 's-one']);
    expect(await schedules({ MonitoringTypeEquals: 'ModelBias' })).toEqual([]);
    const listed = await sm.send(new ListMonitoringSchedulesCommand({ MaxResults: 1, SortOrder: 'Ascending' }));
    expect(listed.MonitoringScheduleSummaries?.map((s) => s.MonitoringScheduleName)).toEqual(['s-one']);
    expect(await schedules({ MaxResults: 1, SortOrder: 'Ascending', NextToken: listed.NextToken })).toEqual(['s-two']);
    expect(await schedules({ CreationTimeBefore: listed.MonitoringScheduleSummaries![0].CreationTime!, CreationTimeAfter: new Date(0) })).toEqual([]);
    expect(await schedules({ CreationTimeAfter: listed.MonitoringScheduleSummaries![0].CreationTime! })).toEqual(['s-two']);

    const executions = async (input: ListMonitoringExecutionsCommandInput) => (await sm.send(new ListMonitoringExecutionsCommand(input))).MonitoringExecutionSummaries!;
    const newestFirst = await executions({});
    expect(newestFirst.map((e) => e.MonitoringScheduleName)).toEqual([...runs].reverse());
    expect((await executions({ SortOrder: 'Ascending' })).map((e) => e.MonitoringScheduleName)).toEqual(runs);
    expect((await executions({ SortBy: 'ScheduledTime', SortOrder: 'Ascending' })).map((e) => e.MonitoringScheduleName)).toEqual(runs);
    expect((await executions({ MonitoringJobDefinitionName: 'dq-b' })).map((e) => e.MonitoringScheduleName)).toEqual(['s-two']);
    expect((await executions({ MonitoringScheduleName: 's-one' })).map((e) => e.MonitoringJobDefinitionName)).toEqual(['dq-a', 'dq-a']);
    expect(await executions({ EndpointName: 'other' })).toEqual([]);
    expect(await executions({ MonitoringTypeEquals: 'ModelExplainability' })).toEqual([]);
    expect(await executions({ ScheduledTimeAfter: new Date(Date.now() + 3_600_000) })).toEqual([]);
    expect((await executions({ ScheduledTimeAfter: newestFirst[1].ScheduledTime! })).map((e) => e.MonitoringScheduleName)).toEqual(['s-two']);
    expect((await executions({ CreationTimeBefore: newestFirst[1].CreationTime! })).map((e) => e.MonitoringScheduleName)).toEqual(['s-one']);
    const status = newestFirst[0].MonitoringExecutionStatus!;
    expect((await executions({ StatusEquals: status })).length).toBe(newestFirst.filter((e) => e.MonitoringExecutionStatus === status).length);
    const page = await sm.send(new ListMonitoringExecutionsCommand({ MaxResults: 2, SortOrder: 'Ascending' }));
    expect(page.MonitoringExecutionSummaries).toHaveLength(2);
    const next = await sm.send(new ListMonitoringExecutionsCommand({ MaxResults: 2, SortOrder: 'Ascending', NextToken: page.NextToken }));
    expect(next.MonitoringExecutionSummaries?.map((e) => e.MonitoringScheduleName)).toEqual(['s-two']);
    expect(next.NextToken).toBeUndefined();

    const badSort = await failure(executions({ SortBy: 'Name' as 'Status' }));
    expect([badSort.name, badSort.message]).toEqual(['ValidationException', "1 validation error detected: Value 'Name' at 'sortBy' failed to satisfy constraint: Member must satisfy enum value set: [CreationTime, ScheduledTime, Status]"]);
    expect((await failure(schedules({ StatusEquals: 'Running' as 'Stopped' }))).message).toContain("at 'statusEquals'");
    expect((await failure(definitions({ SortBy: 'Status' as 'Name' }))).message).toContain("at 'sortBy'");
  }, 120_000);
});
