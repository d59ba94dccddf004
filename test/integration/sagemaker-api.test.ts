import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  AddTagsCommand,
  CreateHyperParameterTuningJobCommand,
  CreateModelCommand,
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DescribeModelPackageGroupCommand,
  ListModelPackageGroupsCommand,
  CreateTransformJobCommand,
  DeleteTagsCommand,
  DescribeHyperParameterTuningJobCommand,
  DescribeTransformJobCommand,
  ListModelPackagesCommand,
  ListTagsCommand,
  ListTrainingJobsForHyperParameterTuningJobCommand,
  UpdateModelPackageCommand,
  waitUntilTransformJobCompletedOrStopped,
  CreateTrainingJobCommand,
  CreateProcessingJobCommand,
  DescribeProcessingJobCommand,
  ListProcessingJobsCommand,
  StopProcessingJobCommand,
  waitUntilProcessingJobCompletedOrStopped,
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  DescribeTrainingJobCommand,
  ListEndpointConfigsCommand,
  ListEndpointsCommand,
  ListHyperParameterTuningJobsCommand,
  ListModelsCommand,
  ListTransformJobsCommand,
  ListTrainingJobsCommand,
  ResourceNotFound,
  SageMakerClient,
  SageMakerServiceException,
  StopTrainingJobCommand,
  UpdateEndpointCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
  waitUntilEndpointDeleted,
  waitUntilEndpointInService,
  waitUntilTrainingJobCompletedOrStopped,
  type CreateProcessingJobCommandInput,
  type CreateTrainingJobCommandInput,
  type ListHyperParameterTuningJobsCommandInput,
  type ListTransformJobsCommandInput,
} from '@aws-sdk/client-sagemaker';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchard } from '../../src/sdk/index.js';
import { backends, TEST_ATTEMPTS_DIR, writeClassificationCsv } from '../support/backends.js';
import { startServer, type RunningServer } from '../support/server.js';

const XGBOOST_IMAGE = '683313688378.dkr.ecr.us-west-2.amazonaws.com/sagemaker-xgboost:1.7-1';
const ROLE = 'arn:aws:iam::000000000000:role/SageMakerRole';
/** ARNs carry the region of the request's credential scope. */
const REGION = 'us-west-2';
/** The SDK's waiters, polling every 0.2–0.5 s (one Describe each) rather than its 1–2 s. */
const WAIT = { minDelay: 0.2, maxDelay: 0.5, maxWaitTime: 240 };

/** The real SageMaker client pointed at Orchard, signing with an Orchard access key (SigV4). */
function sageMakerClient(url: string, key: AccessKey): SageMakerClient {
  return new SageMakerClient({ endpoint: url, region: REGION, credentials: key, maxAttempts: 1 });
}

/** The same client sending a Bearer token instead of a signature (Bearer works on every route). */
function bearerClient(url: string, token: string): SageMakerClient {
  const client = new SageMakerClient({ endpoint: url, region: REGION, credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' }, maxAttempts: 1 });
  // After signing (the deserialize step wraps the send).
  client.middlewareStack.add(
    (next) => async (args) => {
      (args.request as { headers: Record<string, string> }).headers.authorization = `Bearer ${token}`;
      return next(args);
    },
    { step: 'deserialize', name: 'orchardBearer' },
  );
  return client;
}

interface AccessKey {
  accessKeyId: string;
  secretAccessKey: string;
}

/** An access key for a user (created by the admin), as `orchard access-keys create --user U` makes one. */
async function accessKey(url: string, adminToken: string, user?: string): Promise<AccessKey> {
  const res = await fetch(`${url}/api/v1/access-keys`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(user ? { user } : {}) });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as AccessKey;
}

function trainingJob(name: string, hyperParameters: Record<string, string>): CreateTrainingJobCommandInput {
  return {
    TrainingJobName: name,
    RoleArn: ROLE,
    AlgorithmSpecification: { TrainingImage: XGBOOST_IMAGE, TrainingInputMode: 'File' },
    HyperParameters: hyperParameters,
    InputDataConfig: [{ ChannelName: 'train', ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://orchard/sm-data/train/' } } }],
    OutputDataConfig: { S3OutputPath: 's3://orchard/sm-output/' },
    ResourceConfig: { InstanceCount: 1, InstanceType: 'ml.m5.large', VolumeSizeInGB: 5 },
    StoppingCondition: { MaxRuntimeInSeconds: 600 },
    Tags: [{ Key: 'team', Value: 'growth' }],
  };
}

/** Polls HeadObject (and only that) until the object exists, for at most `timeoutMs`. */
async function headObjectWhenWritten(s3: S3Client, key: string, timeoutMs: number): Promise<{ ContentLength?: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await s3.send(new HeadObjectCommand({ Bucket: 'orchard', Key: key }));
    } catch (error) {
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 404 || Date.now() > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function sageMakerError(promise: Promise<unknown>): Promise<SageMakerServiceException> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SageMakerServiceException) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe.each(backends)('SageMaker control plane with @aws-sdk/client-sagemaker on $name', (backend) => {
  let server: RunningServer;
  let teardown: () => Promise<void>;
  let sm: SageMakerClient;
  let rows: string[];
  let dir: string;
  let runtimeKey: AccessKey;

  beforeAll(async () => {
    const b = await backend.setup();
    teardown = b.teardown;
    // A 6 s lease: a worker heartbeats every 2 s, so a stopped training or processing job hears of it within 2 s (not 10).
    server = await startServer({ ...b.env, ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR, ORCHARD_JOB_LEASE_MS: '6000' });
    const orchard = new Orchard({ url: server.url, token: server.adminToken });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-sagemaker-'));
    // Two part files under one prefix, as Spark or a SageMaker processing job leaves them.
    const csv = writeClassificationCsv(path.join(dir, 'all.csv'), 600, 11);
    const lines = fs.readFileSync(csv, 'utf8').trim().split('\n');
    rows = lines.slice(0, 5).map((l) => l.slice(l.indexOf(',') + 1));
    fs.writeFileSync(path.join(dir, 'part-0.csv'), lines.slice(0, 300).join('\n') + '\n');
    fs.writeFileSync(path.join(dir, 'part-1.csv'), lines.slice(300).join('\n'));
    const key = await accessKey(server.url, server.adminToken);
    sm = sageMakerClient(server.url, key);
    runtimeKey = key;
    // Uploaded as SageMaker users do, with an S3 client (Orchard's S3 API at /s3), and one through Orchard's own API.
    const s3 = new S3Client({ endpoint: `${server.url}/s3`, forcePathStyle: true, region: REGION, credentials: key, maxAttempts: 1 });
    try {
      await s3.send(new PutObjectCommand({ Bucket: 'orchard', Key: 'sm-data/train/part-0.csv', Body: fs.readFileSync(path.join(dir, 'part-0.csv')), ContentType: 'text/csv' }));
      await s3.send(new PutObjectCommand({ Bucket: 'orchard', Key: 'sm-data/train/part-1.csv', Body: fs.readFileSync(path.join(dir, 'part-1.csv')), ContentType: 'text/csv' }));
    } finally {
      s3.destroy();
    }
    fs.writeFileSync(path.join(dir, 'rows.csv'), rows.join('\n') + '\n');
    await orchard.artifacts.put('sm-data/batch/rows.csv', path.join(dir, 'rows.csv'));
  });
  afterAll(async () => {
    sm?.destroy();
    await server?.stop();
    await teardown?.();
  });

  it('trains an xgboost job from a SageMaker image URI and S3 prefix, and describes it as the waiter reads it', async () => {
    const created = await sm.send(new CreateTrainingJobCommand(trainingJob('sm-xgb', { objective: 'binary:logistic', num_round: '5', max_depth: '3' })));
    expect(created.TrainingJobArn).toBe(`arn:aws:sagemaker:${REGION}:000000000000:training-job/sm-xgb`);

    const waited = await waitUntilTrainingJobCompletedOrStopped({ client: sm, ...WAIT }, { TrainingJobName: 'sm-xgb' });
    expect(waited.state).toBe('SUCCESS');
    const job = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: 'sm-xgb' }));
    expect(job.TrainingJobStatus, job.FailureReason).toBe('Completed');
    expect(job.SecondaryStatus).toBe('Completed');
    expect(job.ModelArtifacts?.S3ModelArtifacts).toBe('s3://orchard/jobs/sm-xgb/output/model.tar.gz');
    expect(job.AlgorithmSpecification?.TrainingImage).toBe(XGBOOST_IMAGE);
    expect(job.InputDataConfig?.[0].DataSource?.S3DataSource?.S3Uri).toBe('s3://orchard/sm-data/train/');
    expect(job.HyperParameters).toMatchObject({ objective: 'binary:logistic', num_round: '5' });
    expect(job.CreationTime).toBeInstanceOf(Date);
    expect(job.TrainingEndTime!.getTime()).toBeGreaterThanOrEqual(job.TrainingStartTime!.getTime());
    expect(job.FinalMetricDataList?.length).toBeGreaterThan(0);
    expect(job.FinalMetricDataList!.every((m) => typeof m.Value === 'number' && m.MetricName)).toBe(true);

    // Both part files were read: the channel's dataset holds all 600 rows.
    const orchard = new Orchard({ url: server.url, token: server.adminToken });
    const native = await orchard.training.describe('sm-xgb');
    expect((await orchard.datasets.describe(`${native.channels.train.dataset}@${native.channels.train.version}`)).rowCount).toBe(600);
  });

  it('runs script mode as the SageMaker Python SDK sends it (sagemaker_program, sagemaker_submit_directory)', async () => {
    const source = path.join(dir, 'source');
    fs.mkdirSync(source);
    fs.writeFileSync(
      path.join(source, 'train.js'),
      `const fs = require('node:fs'); const path = require('node:path');
const folder = process.env.SM_CHANNEL_TRAIN;
const rows = fs.readdirSync(folder).map((f) => fs.readFileSync(path.join(folder, f), 'utf8').trim().split('\\n').length).reduce((a, b) => a + b, 0);
console.log('#metric rows=' + rows);
console.log('#metric epochs=' + process.env.SM_HP_EPOCHS);
console.log('#metric lr=' + process.env.SM_HP_LR);
console.log('#metric framework_hps=' + Object.keys(JSON.parse(process.env.SM_HPS)).filter((k) => k.startsWith('sagemaker_')).length);
fs.writeFileSync(path.join(process.env.SM_MODEL_DIR, 'model.json'), JSON.stringify({ rows }));
`,
    );
    fs.writeFileSync(path.join(source, 'fail.js'), "console.error('no usable rows'); process.exit(3);\n");
    fs.writeFileSync(path.join(source, 'slow.js'), "console.log('waiting'); setTimeout(() => undefined, 300000);\n");
    await tar.c({ gzip: true, file: path.join(dir, 'sourcedir.tar.gz'), cwd: source }, ['train.js', 'fail.js', 'slow.js']);
    await new Orchard({ url: server.url, token: server.adminToken }).artifacts.put('sm-code/script-job/source/sourcedir.tar.gz', path.join(dir, 'sourcedir.tar.gz'));
    await sm.send(
      new CreateTrainingJobCommand({
        ...trainingJob('sm-script', {
          // JSON-encoded, as the framework estimators send them.
          sagemaker_program: '"train.js"',
          sagemaker_submit_directory: '"s3://orchard/sm-code/script-job/source/sourcedir.tar.gz"',
          sagemaker_container_log_level: '20',
          sagemaker_region: `"${REGION}"`,
          epochs: '3',
          lr: '"0.5"',
        }),
        AlgorithmSpecification: { TrainingImage: `683313688378.dkr.ecr.${REGION}.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3`, TrainingInputMode: 'File' },
      }),
    );
    await waitUntilTrainingJobCompletedOrStopped({ client: sm, ...WAIT }, { TrainingJobName: 'sm-script' });
    const job = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: 'sm-script' }));
    expect(job.TrainingJobStatus, job.FailureReason).toBe('Completed');
    expect(Object.fromEntries(job.FinalMetricDataList!.map((m) => [m.MetricName, m.Value]))).toEqual({ rows: 600, epochs: 3, lr: 0.5, framework_hps: 0 });
    expect(job.ModelArtifacts?.S3ModelArtifacts).toBe('s3://orchard/jobs/sm-script/output/model.tar.gz');

    // A script that fails: the waiter stops on Failed, and Describe says why.
    await sm.send(
      new CreateTrainingJobCommand({
        ...trainingJob('sm-script-fail', { sagemaker_program: '"fail.js"', sagemaker_submit_directory: '"s3://orchard/sm-code/script-job/source/sourcedir.tar.gz"' }),
        AlgorithmSpecification: { TrainingImage: `683313688378.dkr.ecr.${REGION}.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3`, TrainingInputMode: 'File' },
      }),
    );
    const waited = await waitUntilTrainingJobCompletedOrStopped({ client: sm, ...WAIT }, { TrainingJobName: 'sm-script-fail' }).then(
      (result) => result.state,
      // The SDK's waiter throws the result as JSON in the message.
      (error: Error) => (JSON.parse(error.message) as { state: string }).state,
    );
    expect(waited).toBe('FAILURE');
    const failed = await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: 'sm-script-fail' }));
    expect([failed.TrainingJobStatus, failed.SecondaryStatus]).toEqual(['Failed', 'Failed']);
    expect(failed.FailureReason).toBeTruthy();
    expect(failed.ModelArtifacts).toBeUndefined();
  });

  it('stops a job, and lists jobs a page at a time with NextToken', async () => {
    // A script that would run for minutes (uploaded by the script-mode case above).
    await sm.send(
      new CreateTrainingJobCommand({
        ...trainingJob('sm-stop', { sagemaker_program: '"slow.js"', sagemaker_submit_directory: '"s3://orchard/sm-code/script-job/source/sourcedir.tar.gz"' }),
        AlgorithmSpecification: { TrainingImage: `683313688378.dkr.ecr.${REGION}.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3`, TrainingInputMode: 'File' },
      }),
    );
    await sm.send(new StopTrainingJobCommand({ TrainingJobName: 'sm-stop' }));
    const waited = await waitUntilTrainingJobCompletedOrStopped({ client: sm, ...WAIT }, { TrainingJobName: 'sm-stop' });
    expect(waited.state).toBe('SUCCESS');
    expect((await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: 'sm-stop' }))).TrainingJobStatus).toBe('Stopped');

    const first = await sm.send(new ListTrainingJobsCommand({ NameContains: 'sm-', MaxResults: 1 }));
    expect(first.TrainingJobSummaries).toHaveLength(1);
    expect(first.NextToken).toBeTruthy();
    const rest = await sm.send(new ListTrainingJobsCommand({ NameContains: 'sm-', MaxResults: 3, NextToken: first.NextToken }));
    expect(rest.TrainingJobSummaries).toHaveLength(3);
    expect(rest.NextToken).toBeUndefined();
    expect([...first.TrainingJobSummaries!, ...rest.TrainingJobSummaries!].map((s) => s.TrainingJobName).sort()).toEqual(['sm-script', 'sm-script-fail', 'sm-stop', 'sm-xgb']);
    const stopped = await sm.send(new ListTrainingJobsCommand({ StatusEquals: 'Stopped' }));
    expect(stopped.TrainingJobSummaries!.map((s) => s.TrainingJobName)).toEqual(['sm-stop']);
  });

  it('deploys the model through an endpoint config, waits for InService, shifts weights and deletes', async () => {
    const artifacts = (await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: 'sm-xgb' }))).ModelArtifacts!.S3ModelArtifacts!;
    await sm.send(new CreateModelCommand({ ModelName: 'sm-model', ExecutionRoleArn: ROLE, PrimaryContainer: { Image: XGBOOST_IMAGE, ModelDataUrl: artifacts } }));
    const model = await sm.send(new DescribeModelCommand({ ModelName: 'sm-model' }));
    expect(model).toMatchObject({ ModelName: 'sm-model', ModelArn: `arn:aws:sagemaker:${REGION}:000000000000:model/sm-model`, PrimaryContainer: { Image: XGBOOST_IMAGE, ModelDataUrl: artifacts } });

    await sm.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'sm-config',
        ProductionVariants: [
          { VariantName: 'Blue', ModelName: 'sm-model', InitialInstanceCount: 1, InstanceType: 'ml.m5.large', InitialVariantWeight: 1 },
          { VariantName: 'Green', ModelName: 'sm-model', InitialInstanceCount: 1, InstanceType: 'ml.m5.large', InitialVariantWeight: 1 },
        ],
        DataCaptureConfig: { EnableCapture: true, InitialSamplingPercentage: 50, DestinationS3Uri: 's3://orchard/capture', CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }] },
      }),
    );
    expect((await sm.send(new ListModelsCommand({ NameContains: 'sm-model' }))).Models?.map((m) => m.ModelName)).toEqual(['sm-model']);
    expect((await sm.send(new ListEndpointConfigsCommand({}))).EndpointConfigs?.map((c) => c.EndpointConfigName)).toEqual(['sm-config']);
    // The shared list filters: by name and by creation time.
    expect((await sm.send(new ListEndpointConfigsCommand({ NameContains: 'other' }))).EndpointConfigs).toEqual([]);
    const configCreated = (await sm.send(new ListEndpointConfigsCommand({ NameContains: 'config' }))).EndpointConfigs![0].CreationTime!;
    expect((await sm.send(new ListEndpointConfigsCommand({ CreationTimeBefore: configCreated }))).EndpointConfigs).toEqual([]);
    const config = await sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'sm-config' }));
    expect(config.ProductionVariants?.map((v) => v.VariantName)).toEqual(['Blue', 'Green']);
    expect(config.DataCaptureConfig?.InitialSamplingPercentage).toBe(50);

    await sm.send(new CreateEndpointCommand({ EndpointName: 'sm-endpoint', EndpointConfigName: 'sm-config' }));
    const inService = await waitUntilEndpointInService({ client: sm, ...WAIT }, { EndpointName: 'sm-endpoint' });
    expect(inService.state).toBe('SUCCESS');
    const endpoint = await sm.send(new DescribeEndpointCommand({ EndpointName: 'sm-endpoint' }));
    expect(endpoint).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: 'sm-config', DataCaptureConfig: { EnableCapture: true, CurrentSamplingPercentage: 50, DestinationS3Uri: 's3://orchard/capture' } });
    expect(endpoint.ProductionVariants?.map((v) => [v.VariantName, v.CurrentWeight, v.CurrentInstanceCount])).toEqual([
      ['Blue', 1, 1],
      ['Green', 1, 1],
    ]);

    // SageMaker Runtime's own client, signed with the same key.
    const runtime = new SageMakerRuntimeClient({ endpoint: server.url, region: REGION, credentials: runtimeKey, maxAttempts: 1 });
    const invoke = async (variant?: string) => {
      const r = await runtime.send(new InvokeEndpointCommand({ EndpointName: 'sm-endpoint', ContentType: 'text/csv', Body: Buffer.from(rows.join('\n') + '\n'), TargetVariant: variant }));
      return { variant: r.InvokedProductionVariant, scores: Buffer.from(r.Body!).toString('utf8').trim().split('\n').map(Number) };
    };
    const answer = await invoke('Green');
    expect(answer.variant).toBe('Green');
    expect(answer.scores).toHaveLength(5);
    expect(answer.scores.every((p) => p >= 0 && p <= 1)).toBe(true);

    await sm.send(new UpdateEndpointWeightsAndCapacitiesCommand({ EndpointName: 'sm-endpoint', DesiredWeightsAndCapacities: [{ VariantName: 'Green', DesiredWeight: 0 }] }));
    await waitUntilEndpointInService({ client: sm, ...WAIT }, { EndpointName: 'sm-endpoint' });
    const weighted = await sm.send(new DescribeEndpointCommand({ EndpointName: 'sm-endpoint' }));
    expect(weighted.ProductionVariants?.map((v) => [v.VariantName, v.DesiredWeight])).toEqual([
      ['Blue', 1],
      ['Green', 0],
    ]);
    for (let i = 0; i < 10; i++) expect((await invoke()).variant).toBe('Blue');

    // A new config rolls out blue/green.
    await sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: 'sm-config-2', ProductionVariants: [{ VariantName: 'Solo', ModelName: 'sm-model', InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }] }));
    await sm.send(new UpdateEndpointCommand({ EndpointName: 'sm-endpoint', EndpointConfigName: 'sm-config-2' }));
    expect((await waitUntilEndpointInService({ client: sm, ...WAIT }, { EndpointName: 'sm-endpoint' })).state).toBe('SUCCESS');
    const updated = await sm.send(new DescribeEndpointCommand({ EndpointName: 'sm-endpoint' }));
    expect(updated.EndpointConfigName).toBe('sm-config-2');
    expect(updated.ProductionVariants?.map((v) => [v.VariantName, v.CurrentWeight, v.CurrentInstanceCount])).toEqual([['Solo', 1, 1]]);
    expect(updated.DataCaptureConfig?.EnableCapture ?? false).toBe(false);
    expect((await invoke()).variant).toBe('Solo');
    runtime.destroy();

    expect((await sm.send(new ListEndpointsCommand({ NameContains: 'sm-' }))).Endpoints?.map((e) => [e.EndpointName, e.EndpointStatus])).toEqual([['sm-endpoint', 'InService']]);
    await sm.send(new DeleteEndpointCommand({ EndpointName: 'sm-endpoint' }));
    expect((await waitUntilEndpointDeleted({ client: sm, ...WAIT }, { EndpointName: 'sm-endpoint' })).state).toBe('SUCCESS');
    const gone = await sageMakerError(sm.send(new DescribeEndpointCommand({ EndpointName: 'sm-endpoint' })));
    expect(gone.name).toBe('ValidationException');
    expect(gone.message).toContain('Could not find endpoint');
    await sm.send(new DeleteEndpointConfigCommand({ EndpointConfigName: 'sm-config' }));
    await sm.send(new DeleteEndpointConfigCommand({ EndpointConfigName: 'sm-config-2' }));
    await sm.send(new DeleteModelCommand({ ModelName: 'sm-model' }));
    expect((await sageMakerError(sm.send(new DescribeModelCommand({ ModelName: 'sm-model' })))).message).toContain('Could not find model');
  });

  it('runs a batch transform into an S3 output path, a tuning job, the model registry and tags', async () => {
    const artifacts = (await sm.send(new DescribeTrainingJobCommand({ TrainingJobName: 'sm-xgb' }))).ModelArtifacts!.S3ModelArtifacts!;
    await sm.send(new CreateModelCommand({ ModelName: 'sm-batch-model', ExecutionRoleArn: ROLE, PrimaryContainer: { Image: XGBOOST_IMAGE, ModelDataUrl: artifacts } }));
    await sm.send(
      new CreateTransformJobCommand({
        TransformJobName: 'sm-batch',
        ModelName: 'sm-batch-model',
        TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://orchard/sm-data/batch/rows.csv' } }, ContentType: 'text/csv', SplitType: 'Line' },
        TransformOutput: { S3OutputPath: 's3://orchard/sm-output/batch', AssembleWith: 'Line' },
        TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
      }),
    );
    expect((await waitUntilTransformJobCompletedOrStopped({ client: sm, ...WAIT }, { TransformJobName: 'sm-batch' })).state).toBe('SUCCESS');
    const transform = await sm.send(new DescribeTransformJobCommand({ TransformJobName: 'sm-batch' }));
    expect(transform).toMatchObject({ TransformJobStatus: 'Completed', ModelName: 'sm-batch-model', TransformOutput: { S3OutputPath: 's3://orchard/sm-output/batch' } });
    // Where SageMaker puts it: <S3OutputPath>/<input file>.out, one prediction a line.
    const orchard = new Orchard({ url: server.url, token: server.adminToken });
    const out = await new Response((await orchard.artifacts.get('sm-output/batch/rows.csv.out')) as unknown as ReadableStream).text();
    expect((await sm.send(new ListTransformJobsCommand({ StatusEquals: 'Completed' }))).TransformJobSummaries?.map((j) => j.TransformJobName)).toEqual(['sm-batch']);
    const predictions = out.trim().split('\n').map(Number);
    expect(predictions).toHaveLength(5);
    expect(predictions.every((p) => p >= 0 && p <= 1)).toBe(true);

    // The output is written when the job completes: a client that only polls S3 (no Describe) gets it.
    // Joined to the input and filtered as SageMaker users keep an id: the first input column and the prediction.
    const dataProcessing = { JoinSource: 'Input' as const, OutputFilter: '$[0,-1]' };
    const badFilter = await sageMakerError(sm.send(new CreateTransformJobCommand({ TransformJobName: 'sm-batch-bad', ModelName: 'sm-batch-model', TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://orchard/sm-data/batch/rows.csv' } } }, TransformOutput: { S3OutputPath: 's3://orchard/sm-output/bad' }, TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 }, DataProcessing: { OutputFilter: '$.id' } })));
    expect(badFilter.name).toBe('ValidationException');
    expect(badFilter.message).toContain("Value '$.id' at 'dataProcessing.outputFilter'");
    await sm.send(
      new CreateTransformJobCommand({
        TransformJobName: 'sm-batch-s3',
        ModelName: 'sm-batch-model',
        TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://orchard/sm-data/batch/rows.csv' } }, ContentType: 'text/csv', SplitType: 'Line' },
        TransformOutput: { S3OutputPath: 's3://orchard/sm-output/batch-s3', AssembleWith: 'Line' },
        TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
        DataProcessing: dataProcessing,
      }),
    );
    const s3 = new S3Client({ endpoint: `${server.url}/s3`, forcePathStyle: true, region: REGION, credentials: runtimeKey, maxAttempts: 1 });
    try {
      const head = await headObjectWhenWritten(s3, 'sm-output/batch-s3/rows.csv.out', 240_000);
      const written = await (await s3.send(new GetObjectCommand({ Bucket: 'orchard', Key: 'sm-output/batch-s3/rows.csv.out' }))).Body!.transformToString();
      expect(head.ContentLength).toBe(Buffer.byteLength(written));
      const lines = written.trim().split('\n').map((l) => l.split(','));
      expect(lines).toHaveLength(5);
      lines.forEach(([id, prediction, ...rest], i) => {
        expect(rest).toEqual([]);
        expect(Number(id)).toBeCloseTo(Number(rows[i].split(',')[0]), 6);
        expect(prediction).toBe(out.trim().split('\n')[i]);
      });
    } finally {
      s3.destroy();
    }
    expect(await sm.send(new DescribeTransformJobCommand({ TransformJobName: 'sm-batch-s3' }))).toMatchObject({ TransformJobStatus: 'Completed', DataProcessing: dataProcessing });
    // The shared list filters and order on transform jobs.
    const transforms = async (input: ListTransformJobsCommandInput) => (await sm.send(new ListTransformJobsCommand(input))).TransformJobSummaries!.map((j) => j.TransformJobName);
    expect(await transforms({ NameContains: 'batch-s3' })).toEqual(['sm-batch-s3']);
    expect(await transforms({ SortBy: 'Name', SortOrder: 'Ascending' })).toEqual(['sm-batch', 'sm-batch-s3']);
    expect(await transforms({ SortBy: 'Name', SortOrder: 'Ascending', MaxResults: 1 })).toEqual(['sm-batch']);
    const second = (await sm.send(new ListTransformJobsCommand({ NameContains: 'batch-s3' }))).TransformJobSummaries![0];
    expect(await transforms({ CreationTimeAfter: new Date(second.CreationTime!.getTime() - 1) })).toEqual(['sm-batch-s3']);
    expect(await transforms({ CreationTimeBefore: second.CreationTime, StatusEquals: 'Completed' })).toEqual(['sm-batch']);

    const definition = trainingJob('unused', { objective: 'binary:logistic', eval_metric: 'auc' });
    await sm.send(
      new CreateHyperParameterTuningJobCommand({
        HyperParameterTuningJobName: 'sm-tune',
        HyperParameterTuningJobConfig: {
          Strategy: 'Random',
          HyperParameterTuningJobObjective: { Type: 'Maximize', MetricName: 'validation:auc' },
          ResourceLimits: { MaxNumberOfTrainingJobs: 2, MaxParallelTrainingJobs: 1 },
          ParameterRanges: { IntegerParameterRanges: [{ Name: 'num_round', MinValue: '2', MaxValue: '6', ScalingType: 'Linear' }], ContinuousParameterRanges: [{ Name: 'eta', MinValue: '0.1', MaxValue: '0.5' }] },
          RandomSeed: 3,
        },
        TrainingJobDefinition: {
          AlgorithmSpecification: definition.AlgorithmSpecification,
          StaticHyperParameters: definition.HyperParameters,
          RoleArn: ROLE,
          InputDataConfig: [...definition.InputDataConfig!, { ...definition.InputDataConfig![0], ChannelName: 'validation' }],
          OutputDataConfig: definition.OutputDataConfig,
          ResourceConfig: definition.ResourceConfig,
          StoppingCondition: definition.StoppingCondition,
        },
      }),
    );
    let tuning = await sm.send(new DescribeHyperParameterTuningJobCommand({ HyperParameterTuningJobName: 'sm-tune' }));
    for (let i = 0; i < 600 && tuning.HyperParameterTuningJobStatus === 'InProgress'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      tuning = await sm.send(new DescribeHyperParameterTuningJobCommand({ HyperParameterTuningJobName: 'sm-tune' }));
    }
    expect(tuning.HyperParameterTuningJobStatus, tuning.FailureReason).toBe('Completed');
    expect(tuning.TrainingJobStatusCounters).toMatchObject({ Completed: 2, InProgress: 0 });
    expect(tuning.BestTrainingJob?.FinalHyperParameterTuningJobObjectiveMetric).toMatchObject({ MetricName: 'validation:auc', Type: 'Maximize' });
    expect((await sm.send(new ListHyperParameterTuningJobsCommand({}))).HyperParameterTuningJobSummaries?.map((j) => [j.HyperParameterTuningJobName, j.Strategy, j.HyperParameterTuningJobStatus])).toEqual([['sm-tune', 'Random', 'Completed']]);
    const tuningJobs = async (input: ListHyperParameterTuningJobsCommandInput) => (await sm.send(new ListHyperParameterTuningJobsCommand(input))).HyperParameterTuningJobSummaries!.map((j) => j.HyperParameterTuningJobName);
    expect(await tuningJobs({ NameContains: 'tune', SortBy: 'Name' })).toEqual(['sm-tune']);
    expect(await tuningJobs({ NameContains: 'other' })).toEqual([]);
    expect(await tuningJobs({ CreationTimeBefore: new Date(Date.now() - 3_600_000) })).toEqual([]);
    const trials = await sm.send(new ListTrainingJobsForHyperParameterTuningJobCommand({ HyperParameterTuningJobName: 'sm-tune', SortBy: 'FinalObjectiveMetricValue' }));
    expect(trials.TrainingJobSummaries).toHaveLength(2);
    expect(trials.TrainingJobSummaries![0].TrainingJobName).toBe(tuning.BestTrainingJob!.TrainingJobName);
    expect(Object.keys(trials.TrainingJobSummaries![0].TunedHyperParameters!).sort()).toEqual(['eta', 'num_round']);

    const group = await sm.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'sm-group', ModelPackageGroupDescription: 'churn models' }));
    expect(group.ModelPackageGroupArn).toBe(`arn:aws:sagemaker:${REGION}:000000000000:model-package-group/sm-group`);
    expect(await sm.send(new DescribeModelPackageGroupCommand({ ModelPackageGroupName: 'sm-group' }))).toMatchObject({ ModelPackageGroupName: 'sm-group', ModelPackageGroupDescription: 'churn models', ModelPackageGroupStatus: 'Completed' });
    expect((await sm.send(new ListModelPackageGroupsCommand({}))).ModelPackageGroupSummaryList?.map((g) => g.ModelPackageGroupName)).toEqual(['sm-group']);
    expect((await sm.send(new ListModelPackageGroupsCommand({ NameContains: 'other' }))).ModelPackageGroupSummaryList).toEqual([]);
    expect((await sm.send(new ListModelPackageGroupsCommand({ CrossAccountFilterOption: 'SameAccount' }))).ModelPackageGroupSummaryList?.map((g) => g.ModelPackageGroupName)).toEqual(['sm-group']);
    expect((await sm.send(new ListModelPackageGroupsCommand({ CrossAccountFilterOption: 'CrossAccount' }))).ModelPackageGroupSummaryList).toEqual([]);
    expect((await sm.send(new ListModelPackageGroupsCommand({ CreationTimeAfter: new Date(Date.now() + 3_600_000) }))).ModelPackageGroupSummaryList).toEqual([]);
    expect((await sm.send(new ListModelPackageGroupsCommand({ CreationTimeBefore: new Date(Date.now() + 3_600_000), SortBy: 'Name', SortOrder: 'Ascending' }))).ModelPackageGroupSummaryList?.map((g) => g.ModelPackageGroupName)).toEqual(['sm-group']);
    const pkg = await sm.send(
      new CreateModelPackageCommand({
        ModelPackageGroupName: 'sm-group',
        ModelPackageDescription: 'first',
        InferenceSpecification: { Containers: [{ Image: XGBOOST_IMAGE, ModelDataUrl: artifacts }], SupportedContentTypes: ['text/csv'], SupportedResponseMIMETypes: ['text/csv'] },
      }),
    );
    expect(pkg.ModelPackageArn).toBe(`arn:aws:sagemaker:${REGION}:000000000000:model-package/sm-group/1`);
    expect((await sm.send(new ListModelPackagesCommand({ ModelPackageGroupName: 'sm-group', ModelApprovalStatus: 'Approved' }))).ModelPackageSummaryList).toEqual([]);
    await sm.send(new UpdateModelPackageCommand({ ModelPackageArn: pkg.ModelPackageArn, ModelApprovalStatus: 'Approved', ApprovalDescription: 'auc is fine' }));
    const approved = await sm.send(new ListModelPackagesCommand({ ModelPackageGroupName: 'sm-group', ModelApprovalStatus: 'Approved' }));
    expect(approved.ModelPackageSummaryList?.map((p) => [p.ModelPackageVersion, p.ModelApprovalStatus, p.ModelPackageDescription])).toEqual([[1, 'Approved', 'first']]);

    const jobArn = `arn:aws:sagemaker:${REGION}:000000000000:training-job/sm-xgb`;
    expect((await sm.send(new ListTagsCommand({ ResourceArn: jobArn }))).Tags).toEqual([{ Key: 'team', Value: 'growth' }]);
    await sm.send(new AddTagsCommand({ ResourceArn: pkg.ModelPackageArn, Tags: [{ Key: 'stage', Value: 'prod' }, { Key: 'owner', Value: 'ana' }] }));
    await sm.send(new DeleteTagsCommand({ ResourceArn: pkg.ModelPackageArn, TagKeys: ['owner'] }));
    expect((await sm.send(new ListTagsCommand({ ResourceArn: pkg.ModelPackageArn }))).Tags).toEqual([{ Key: 'stage', Value: 'prod' }]);
  });

  it('runs a processing job as ScriptProcessor sends it: a code input, an S3 data input, an S3 output prefix', async () => {
    const s3 = new S3Client({ endpoint: `${server.url}/s3`, forcePathStyle: true, region: REGION, credentials: runtimeKey, maxAttempts: 1 });
    try {
      const script = [
        'import argparse, os',
        'p = argparse.ArgumentParser(); p.add_argument("--input"); p.add_argument("--output"); p.add_argument("--keep", type=int); a = p.parse_args()',
        'lines = [l for f in sorted(os.listdir(a.input)) for l in open(os.path.join(a.input, f)).read().splitlines() if l]',
        'open(os.path.join(a.output, "summary.csv"), "w").write("rows,mode\\n%d,%s\\n" % (len(lines[: a.keep]), os.environ["MODE"]))',
        '',
      ].join('\n');
      await s3.send(new PutObjectCommand({ Bucket: 'orchard', Key: 'sm-processing/code/prep.py', Body: script }));
      await s3.send(new PutObjectCommand({ Bucket: 'orchard', Key: 'sm-processing/raw/data.csv', Body: rows.join('\n') + '\n', ContentType: 'text/csv' }));
      const request: CreateProcessingJobCommandInput = {
        ProcessingJobName: 'sm-prep',
        RoleArn: ROLE,
        AppSpecification: { ImageUri: `683313688378.dkr.ecr.${REGION}.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3`, ContainerEntrypoint: ['python3', '/opt/ml/processing/input/code/prep.py'], ContainerArguments: ['--input', '/opt/ml/processing/input/data', '--output', '/opt/ml/processing/output/summary', '--keep', '3'] },
        ProcessingInputs: [
          { InputName: 'code', S3Input: { S3Uri: 's3://orchard/sm-processing/code/prep.py', LocalPath: '/opt/ml/processing/input/code', S3DataType: 'S3Prefix', S3InputMode: 'File' } },
          { InputName: 'data', S3Input: { S3Uri: 's3://orchard/sm-processing/raw/', LocalPath: '/opt/ml/processing/input/data', S3DataType: 'S3Prefix', S3InputMode: 'File', S3DataDistributionType: 'FullyReplicated' } },
        ],
        ProcessingOutputConfig: { Outputs: [{ OutputName: 'summary', S3Output: { S3Uri: 's3://orchard/sm-processing/out/', LocalPath: '/opt/ml/processing/output/summary', S3UploadMode: 'EndOfJob' } }] },
        ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.m5.large', VolumeSizeInGB: 5 } },
        StoppingCondition: { MaxRuntimeInSeconds: 300 },
        Environment: { MODE: 'sm' },
      };
      const created = await sm.send(new CreateProcessingJobCommand(request));
      expect(created.ProcessingJobArn).toBe(`arn:aws:sagemaker:${REGION}:000000000000:processing-job/sm-prep`);
      await waitUntilProcessingJobCompletedOrStopped({ client: sm, ...WAIT }, { ProcessingJobName: 'sm-prep' });
      const job = await sm.send(new DescribeProcessingJobCommand({ ProcessingJobName: 'sm-prep' }));
      expect(job.ProcessingJobStatus, job.FailureReason).toBe('Completed');
      expect(job.ProcessingInputs?.map((i) => i.S3Input?.S3Uri)).toEqual(['s3://orchard/sm-processing/code/prep.py', 's3://orchard/sm-processing/raw/']);
      expect(job.ProcessingEndTime).toBeInstanceOf(Date);
      const out = await s3.send(new GetObjectCommand({ Bucket: 'orchard', Key: 'sm-processing/out/summary.csv' }));
      expect(await out.Body!.transformToString()).toBe('rows,mode\n3,sm\n');
      expect((await sm.send(new ListProcessingJobsCommand({ NameContains: 'sm-prep' }))).ProcessingJobSummaries?.map((j) => [j.ProcessingJobName, j.ProcessingJobStatus])).toEqual([['sm-prep', 'Completed']]);

      const taken = await sageMakerError(sm.send(new CreateProcessingJobCommand(request)));
      expect(taken.name).toBe('ResourceInUse');
      const bad = await sageMakerError(sm.send(new CreateProcessingJobCommand({ ...request, ProcessingJobName: 'sm-prep-2', ProcessingResources: { ClusterConfig: { InstanceCount: 0, InstanceType: 'ml.m5.large', VolumeSizeInGB: 5 } } })));
      expect(bad.name).toBe('ValidationException');
      expect(bad.message).toBe("1 validation error detected: Value 0 at 'processingResources.clusterConfig.instanceCount' failed to satisfy constraint: Member must have value greater than or equal to 1");
      const noScript = await sageMakerError(sm.send(new CreateProcessingJobCommand({ ...request, ProcessingJobName: 'sm-prep-3', AppSpecification: { ...request.AppSpecification!, ImageUri: 'any', ContainerEntrypoint: ['python3', '/opt/ml/processing/input/code/missing.py'] } })));
      expect(noScript.name).toBe('ValidationException');
      expect(noScript.message).toContain('missing.py');

      // A code prefix (its objects keep their paths), stopped while it runs; a completed job cannot be stopped.
      await s3.send(new PutObjectCommand({ Bucket: 'orchard', Key: 'sm-processing/slow/lib/wait.py', Body: 'import time\ntime.sleep(300)\n' }));
      await sm.send(
        new CreateProcessingJobCommand({
          ...request,
          ProcessingJobName: 'sm-prep-slow',
          AppSpecification: { ImageUri: 'any', ContainerEntrypoint: ['python3', '/opt/ml/processing/input/code/lib/wait.py'] },
          ProcessingInputs: [{ InputName: 'code', S3Input: { S3Uri: 's3://orchard/sm-processing/slow/', LocalPath: '/opt/ml/processing/input/code', S3DataType: 'S3Prefix' } }],
          ProcessingOutputConfig: undefined,
        }),
      );
      await sm.send(new StopProcessingJobCommand({ ProcessingJobName: 'sm-prep-slow' }));
      await waitUntilProcessingJobCompletedOrStopped({ client: sm, ...WAIT }, { ProcessingJobName: 'sm-prep-slow' });
      expect((await sm.send(new DescribeProcessingJobCommand({ ProcessingJobName: 'sm-prep-slow' }))).ProcessingJobStatus).toBe('Stopped');
      expect((await sageMakerError(sm.send(new StopProcessingJobCommand({ ProcessingJobName: 'sm-prep' })))).message).toContain('status Completed');
    } finally {
      s3.destroy();
    }
  });

  it("answers bad fields, unknown names and unknown operations with the SDK's exception types", async () => {
    const bad = await sageMakerError(sm.send(new CreateTrainingJobCommand({ ...trainingJob('bad_name!', {}), StoppingCondition: { MaxRuntimeInSeconds: 0 } })));
    expect(bad.name).toBe('ValidationException');
    expect(bad.$metadata.httpStatusCode).toBe(400);
    expect(bad.message).toBe(
      "2 validation errors detected: Value 'bad_name!' at 'trainingJobName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}; Value 0 at 'stoppingCondition.maxRuntimeInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    const image = await sageMakerError(sm.send(new CreateTrainingJobCommand({ ...trainingJob('sm-odd', {}), AlgorithmSpecification: { TrainingImage: '123456789012.dkr.ecr.us-east-1.amazonaws.com/my-own:latest', TrainingInputMode: 'File' } })));
    expect(image.name).toBe('ValidationException');
    expect(image.message).toContain('TrainingImage');
    const missing = await sageMakerError(sm.send(new CreateTrainingJobCommand({ ...trainingJob('sm-empty', {}), InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://orchard/nothing-here/' } } }] })));
    expect(missing.message).toContain('No S3 objects found under S3 URL "s3://orchard/nothing-here/"');

    fs.writeFileSync(path.join(dir, 'nul.csv'), '1,2\n\0,3\n');
    await new Orchard({ url: server.url, token: server.adminToken }).artifacts.put('sm-data/bad/nul.csv', path.join(dir, 'nul.csv'));
    const unusable = await sageMakerError(sm.send(new CreateTrainingJobCommand({ ...trainingJob('sm-nul', {}), InputDataConfig: [{ ChannelName: 'train', ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://orchard/sm-data/bad/' } } }] })));
    expect(unusable.name).toBe('ValidationException');
    expect(unusable.message).toContain('InputDataConfig.train: the data under s3://orchard/sm-data/bad/ is not usable');

    // Refused by the training service after the channel was ingested: the dataset made for it is removed.
    const badHp = await sageMakerError(sm.send(new CreateTrainingJobCommand(trainingJob('sm-badhp', { objective: 'binary:logistic', num_round: 'many' }))));
    expect(badHp.name).toBe('ValidationException');
    expect(badHp.message).toContain('num_round');
    const orchard = new Orchard({ url: server.url, token: server.adminToken });
    expect((await orchard.datasets.list()).items.map((d) => d.name)).not.toContain('sagemaker-sm-badhp-train');

    const notFound = await sageMakerError(sm.send(new DescribeTrainingJobCommand({ TrainingJobName: 'no-such-job' })));
    expect(notFound).toBeInstanceOf(ResourceNotFound);

    const unknown = await fetch(server.url + '/', { method: 'POST', headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'SageMaker.CreateFlywheel' }, body: '{}' });
    expect(unknown.status).toBe(400);
    expect(unknown.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    expect(await unknown.json()).toMatchObject({ __type: 'UnknownOperationException' });
    const garbled = await fetch(server.url + '/', { method: 'POST', headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'SageMaker.ListEndpoints' }, body: '{"MaxResults":' });
    expect((await garbled.json()) as object).toMatchObject({ __type: 'SerializationException' });
  });

  it('checks each operation against the caller\'s role, and takes Bearer tokens too', async () => {
    const created = await fetch(`${server.url}/api/v1/users`, { method: 'POST', headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'vic', role: 'viewer' }) });
    expect(created.status).toBe(201);
    const viewer = sageMakerClient(server.url, await accessKey(server.url, server.adminToken, 'vic'));
    try {
      expect((await viewer.send(new ListTrainingJobsCommand({ NameContains: 'sm-xgb' }))).TrainingJobSummaries?.map((j) => j.TrainingJobName)).toEqual(['sm-xgb']);
      const denied = await sageMakerError(viewer.send(new StopTrainingJobCommand({ TrainingJobName: 'sm-xgb' })));
      expect(denied.name).toBe('AccessDeniedException');
      expect(denied.message).toContain('sagemaker:StopTrainingJob');
    } finally {
      viewer.destroy();
    }
    const forged = sageMakerClient(server.url, { accessKeyId: (await accessKey(server.url, server.adminToken)).accessKeyId, secretAccessKey: 'not-the-secret' });
    try {
      expect((await sageMakerError(forged.send(new ListEndpointsCommand({})))).name).toBe('InvalidSignatureException');
    } finally {
      forged.destroy();
    }
    // A Bearer token has no credential scope: ARNs name us-east-1.
    const bearer = bearerClient(server.url, server.adminToken);
    try {
      const job = await bearer.send(new DescribeTrainingJobCommand({ TrainingJobName: 'sm-xgb' }));
      expect(job.TrainingJobArn).toBe('arn:aws:sagemaker:us-east-1:000000000000:training-job/sm-xgb');
    } finally {
      bearer.destroy();
    }
  });
});
