import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CreatePipelineCommand,
  DeletePipelineCommand,
  DescribePipelineCommand,
  DescribePipelineExecutionCommand,
  ListPipelineExecutionStepsCommand,
  ListPipelineExecutionsCommand,
  ListPipelinesCommand,
  ListTrainingJobsCommand,
  ResourceNotFound,
  SageMakerClient,
  SageMakerServiceException,
  StartPipelineExecutionCommand,
  StopPipelineExecutionCommand,
  UpdatePipelineCommand,
} from '@aws-sdk/client-sagemaker';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchard } from '../../src/sdk/index.js';
import { backends, TEST_ATTEMPTS_DIR, writeClassificationCsv } from '../support/backends.js';
import { startServer, type RunningServer } from '../support/server.js';

const XGBOOST_IMAGE = '683313688378.dkr.ecr.us-west-2.amazonaws.com/sagemaker-xgboost:1.7-1';
const ROLE = 'arn:aws:iam::000000000000:role/SageMakerRole';
const REGION = 'us-west-2';

/** A training step's arguments as the SageMaker Python SDK writes them (parameters as Get / Std:Join). */
function trainingArguments(numRound: string): Record<string, unknown> {
  return {
    AlgorithmSpecification: { TrainingImage: XGBOOST_IMAGE, TrainingInputMode: 'File' },
    OutputDataConfig: { S3OutputPath: 's3://orchard/smp-output/' },
    StoppingCondition: { MaxRuntimeInSeconds: 600 },
    ResourceConfig: { VolumeSizeInGB: 5, InstanceCount: 1, InstanceType: { Get: 'Parameters.TrainingInstanceType' } },
    RoleArn: ROLE,
    InputDataConfig: [{ DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: { Get: 'Parameters.TrainData' }, S3DataDistributionType: 'FullyReplicated' } }, ContentType: 'text/csv', ChannelName: 'train' }],
    HyperParameters: { objective: 'binary:logistic', num_round: numRound, max_depth: { 'Std:Join': { On: '', Values: [{ Get: 'Parameters.MaxDepth' }] } } },
  };
}

/** Train, then a condition on the job's final train:auc: register and make a model, or fail. */
function definition(numRound = '5'): string {
  return JSON.stringify({
    Version: '2020-12-01',
    Metadata: {},
    Parameters: [
      { Name: 'TrainData', Type: 'String', DefaultValue: 's3://orchard/smp-data/train/' },
      { Name: 'TrainingInstanceType', Type: 'String', DefaultValue: 'ml.m5.xlarge' },
      { Name: 'MaxDepth', Type: 'Integer', DefaultValue: 3 },
      { Name: 'AucThreshold', Type: 'Float', DefaultValue: 0.5 },
    ],
    PipelineExperimentConfig: { ExperimentName: { Get: 'Execution.PipelineName' }, TrialName: { Get: 'Execution.PipelineExecutionId' } },
    Steps: [
      { Name: 'Train', Type: 'Training', Arguments: trainingArguments(numRound) },
      {
        Name: 'CheckAuc',
        Type: 'Condition',
        Arguments: {
          Conditions: [{ Type: 'GreaterThanOrEqualTo', LeftValue: { Get: "Steps.Train.FinalMetricDataList['train:auc'].Value" }, RightValue: { Get: 'Parameters.AucThreshold' } }],
          IfSteps: [
            {
              Name: 'Register',
              Type: 'RegisterModel',
              Arguments: {
                ModelPackageGroupName: 'churn-models',
                InferenceSpecification: { Containers: [{ Image: XGBOOST_IMAGE, ModelDataUrl: { Get: 'Steps.Train.ModelArtifacts.S3ModelArtifacts' } }], SupportedContentTypes: ['text/csv'], SupportedResponseMIMETypes: ['text/csv'] },
                ModelApprovalStatus: 'PendingManualApproval',
              },
            },
            { Name: 'MakeModel', Type: 'Model', Arguments: { ExecutionRoleArn: ROLE, PrimaryContainer: { Image: XGBOOST_IMAGE, ModelDataUrl: { Get: 'Steps.Train.ModelArtifacts.S3ModelArtifacts' } } } },
          ],
          ElseSteps: [{ Name: 'TooWeak', Type: 'Fail', Arguments: { ErrorMessage: { 'Std:Join': { On: ' ', Values: ['AUC below', { Get: 'Parameters.AucThreshold' }] } } } }],
        },
      },
    ],
  });
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

describe.each(backends)('SageMaker Pipelines with @aws-sdk/client-sagemaker on $name', (backend) => {
  let server: RunningServer;
  let teardown: () => Promise<void>;
  let sm: SageMakerClient;
  let s3: S3Client;

  /** Polls DescribePipelineExecution until it has ended. */
  async function ended(arn: string): Promise<string> {
    const deadline = Date.now() + 240_000;
    for (;;) {
      const e = await sm.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: arn }));
      if (['Succeeded', 'Failed', 'Stopped'].includes(e.PipelineExecutionStatus!)) return e.PipelineExecutionStatus!;
      if (Date.now() > deadline) throw new Error(`execution still ${e.PipelineExecutionStatus}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  beforeAll(async () => {
    const b = await backend.setup();
    teardown = b.teardown;
    // A 200 ms pipeline sweep, and a 6 s lease: a worker heartbeats every 2 s, so the training job of a stopped execution hears of it within 2 s (not 10).
    server = await startServer({ ...b.env, ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR, ORCHARD_PIPELINE_POLL_MS: '200', ORCHARD_JOB_LEASE_MS: '6000' });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-sm-pipelines-'));
    const csv = writeClassificationCsv(path.join(dir, 'train.csv'), 400, 7);
    const res = await fetch(`${server.url}/api/v1/access-keys`, { method: 'POST', headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(201);
    const key = (await res.json()) as { accessKeyId: string; secretAccessKey: string };
    sm = new SageMakerClient({ endpoint: server.url, region: REGION, credentials: key, maxAttempts: 1 });
    s3 = new S3Client({ endpoint: `${server.url}/s3`, forcePathStyle: true, region: REGION, credentials: key, maxAttempts: 1 });
    await s3.send(new PutObjectCommand({ Bucket: 'orchard', Key: 'smp-data/train/train.csv', Body: fs.readFileSync(csv), ContentType: 'text/csv' }));
  });
  afterAll(async () => {
    sm?.destroy();
    s3?.destroy();
    await server?.stop();
    await teardown?.();
  });

  it('creates a pipeline, runs it with a parameter to Succeeded, and lists and describes its steps', async () => {
    const text = definition();
    const created = await sm.send(new CreatePipelineCommand({ PipelineName: 'churn', PipelineDefinition: text, RoleArn: ROLE, PipelineDescription: 'train and register' }));
    expect(created.PipelineArn).toBe(`arn:aws:sagemaker:${REGION}:000000000000:pipeline/churn`);
    const described = await sm.send(new DescribePipelineCommand({ PipelineName: 'churn' }));
    expect(described).toMatchObject({ PipelineName: 'churn', PipelineDefinition: text, PipelineStatus: 'Active', RoleArn: ROLE, PipelineDescription: 'train and register' });
    expect((await sm.send(new ListPipelinesCommand({ PipelineNamePrefix: 'chu' }))).PipelineSummaries?.map((p) => p.PipelineName)).toEqual(['churn']);

    const started = await sm.send(new StartPipelineExecutionCommand({ PipelineName: 'churn', PipelineParameters: [{ Name: 'MaxDepth', Value: '4' }], PipelineExecutionDisplayName: 'first' }));
    const id = started.PipelineExecutionArn!.split('/').pop()!;
    expect(started.PipelineExecutionArn).toBe(`arn:aws:sagemaker:${REGION}:000000000000:pipeline/churn/execution/${id}`);
    expect(await ended(started.PipelineExecutionArn!)).toBe('Succeeded');
    const execution = await sm.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: started.PipelineExecutionArn }));
    expect(execution).toMatchObject({ PipelineExecutionStatus: 'Succeeded', PipelineExecutionDisplayName: 'first', PipelineArn: created.PipelineArn });

    const steps = (await sm.send(new ListPipelineExecutionStepsCommand({ PipelineExecutionArn: started.PipelineExecutionArn, SortOrder: 'Ascending' }))).PipelineExecutionSteps!;
    expect(steps.map((s) => [s.StepName, s.StepStatus])).toEqual([
      ['Train', 'Succeeded'],
      ['CheckAuc', 'Succeeded'],
      ...(steps[2].StepName === 'MakeModel' ? [['MakeModel', 'Succeeded'], ['Register', 'Succeeded']] : [['Register', 'Succeeded'], ['MakeModel', 'Succeeded']]),
    ]);
    const train = steps.find((s) => s.StepName === 'Train')!;
    expect(train.Metadata?.TrainingJob?.Arn).toMatch(new RegExp(`^arn:aws:sagemaker:${REGION}:000000000000:training-job/${id}-train$`));
    expect(steps.find((s) => s.StepName === 'CheckAuc')!.Metadata?.Condition?.Outcome).toBe('True');
    expect(steps.find((s) => s.StepName === 'Register')!.Metadata?.RegisterModel?.Arn).toBe(`arn:aws:sagemaker:${REGION}:000000000000:model-package/churn-models/1`);

    // The step's job is Orchard's, with the parameter given and the data read from S3.
    const orchard = new Orchard({ url: server.url, token: server.adminToken });
    // Named after the execution and the step (ARNs carry names lower-cased).
    const job = await orchard.training.describe(`${id}-Train`);
    expect(job).toMatchObject({ algorithm: 'xgboost', status: 'Completed', hyperParameters: { max_depth: '4', num_round: '5', objective: 'binary:logistic' } });
    expect((await orchard.datasets.describe(`${job.channels.train.dataset}@${job.channels.train.version}`)).rowCount).toBe(400);
    expect((await sm.send(new ListPipelineExecutionsCommand({ PipelineName: 'churn' }))).PipelineExecutionSummaries?.map((e) => [e.PipelineExecutionArn, e.PipelineExecutionStatus])).toEqual([[started.PipelineExecutionArn, 'Succeeded']]);
  });

  it('fails on the Fail step of the branch not wanted, stops an execution, and refuses unknown or mistyped parameters', async () => {
    const failing = await sm.send(new StartPipelineExecutionCommand({ PipelineName: 'churn', PipelineParameters: [{ Name: 'AucThreshold', Value: '1.5' }] }));
    expect(await ended(failing.PipelineExecutionArn!)).toBe('Failed');
    const failed = await sm.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: failing.PipelineExecutionArn }));
    expect(failed.FailureReason).toContain('AUC below 1.5');
    const steps = (await sm.send(new ListPipelineExecutionStepsCommand({ PipelineExecutionArn: failing.PipelineExecutionArn }))).PipelineExecutionSteps!;
    expect(steps.find((s) => s.StepName === 'CheckAuc')?.Metadata?.Condition?.Outcome).toBe('False');
    expect(steps.find((s) => s.StepName === 'TooWeak')?.StepStatus).toBe('Failed');
    expect(steps.some((s) => s.StepName === 'Register')).toBe(false);

    const running = await sm.send(new StartPipelineExecutionCommand({ PipelineName: 'churn' }));
    await sm.send(new StopPipelineExecutionCommand({ PipelineExecutionArn: running.PipelineExecutionArn }));
    expect(await ended(running.PipelineExecutionArn!)).toBe('Stopped');
    expect((await sageMakerError(sm.send(new StopPipelineExecutionCommand({ PipelineExecutionArn: running.PipelineExecutionArn })))).name).toBe('ValidationException');

    const wrong = await sageMakerError(sm.send(new StartPipelineExecutionCommand({ PipelineName: 'churn', PipelineParameters: [{ Name: 'MaxDepth', Value: 'deep' }, { Name: 'Nope', Value: '1' }] })));
    expect(wrong.name).toBe('ValidationException');
    expect(wrong.message).toContain("Parameter 'MaxDepth' is of type Integer");
    expect(wrong.message).toContain("Parameter 'Nope' is not defined");
    const listed = (await sm.send(new ListPipelineExecutionsCommand({ PipelineName: 'churn', SortOrder: 'Ascending' }))).PipelineExecutionSummaries!;
    expect(listed.map((e) => e.PipelineExecutionStatus)).toEqual(['Succeeded', 'Failed', 'Stopped']);
  });

  it('runs a processing step: its code packed, its input read and its output written where a parameter says', async () => {
    const script = [
      'import argparse, os',
      'p = argparse.ArgumentParser(); p.add_argument("--input"); p.add_argument("--output"); p.add_argument("--keep", type=int); a = p.parse_args()',
      'lines = [l for f in sorted(os.listdir(a.input)) for l in open(os.path.join(a.input, f)).read().splitlines() if l]',
      'open(os.path.join(a.output, "summary.csv"), "w").write("rows,mode\\n%d,%s\\n" % (len(lines[: a.keep]), os.environ["MODE"]))',
      '',
    ].join('\n');
    await s3.send(new PutObjectCommand({ Bucket: 'orchard', Key: 'smp-code/prep.py', Body: script }));
    const text = JSON.stringify({
      Version: '2020-12-01',
      Parameters: [
        { Name: 'OutputPrefix', Type: 'String', DefaultValue: 's3://orchard/smp-out/default/' },
        { Name: 'Keep', Type: 'Integer', DefaultValue: 3 },
      ],
      Steps: [
        {
          Name: 'Prep',
          Type: 'Processing',
          Arguments: {
            AppSpecification: { ImageUri: 'any', ContainerEntrypoint: ['python3', '/opt/ml/processing/input/code/prep.py'], ContainerArguments: ['--input', '/opt/ml/processing/input/data', '--output', '/opt/ml/processing/output/summary', '--keep', { 'Std:Join': { On: '', Values: [{ Get: 'Parameters.Keep' }] } }] },
            ProcessingInputs: [
              { InputName: 'code', S3Input: { S3Uri: 's3://orchard/smp-code/prep.py', LocalPath: '/opt/ml/processing/input/code', S3DataType: 'S3Prefix', S3InputMode: 'File' } },
              { InputName: 'data', S3Input: { S3Uri: 's3://orchard/smp-data/train/', LocalPath: '/opt/ml/processing/input/data', S3DataType: 'S3Prefix', S3InputMode: 'File' } },
            ],
            ProcessingOutputConfig: { Outputs: [{ OutputName: 'summary', S3Output: { S3Uri: { Get: 'Parameters.OutputPrefix' }, LocalPath: '/opt/ml/processing/output/summary', S3UploadMode: 'EndOfJob' } }] },
            ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.m5.large', VolumeSizeInGB: 5 } },
            StoppingCondition: { MaxRuntimeInSeconds: 300 },
            Environment: { MODE: 'pipe' },
            RoleArn: ROLE,
          },
        },
      ],
    });
    await sm.send(new CreatePipelineCommand({ PipelineName: 'prep', PipelineDefinition: text, RoleArn: ROLE }));
    const started = await sm.send(new StartPipelineExecutionCommand({ PipelineName: 'prep', PipelineParameters: [{ Name: 'OutputPrefix', Value: 's3://orchard/smp-out/run2/' }, { Name: 'Keep', Value: '2' }] }));
    const status = await ended(started.PipelineExecutionArn!);
    expect(status, (await sm.send(new DescribePipelineExecutionCommand({ PipelineExecutionArn: started.PipelineExecutionArn }))).FailureReason).toBe('Succeeded');
    const [step] = (await sm.send(new ListPipelineExecutionStepsCommand({ PipelineExecutionArn: started.PipelineExecutionArn }))).PipelineExecutionSteps!;
    expect(step).toMatchObject({ StepName: 'Prep', StepStatus: 'Succeeded' });
    expect(step.Metadata?.ProcessingJob?.Arn).toMatch(/:processing-job\/pe-[0-9a-f]+-prep$/);
    const out = await s3.send(new GetObjectCommand({ Bucket: 'orchard', Key: 'smp-out/run2/summary.csv' }));
    expect(await out.Body!.transformToString()).toBe('rows,mode\n2,pipe\n');
    await sm.send(new DeletePipelineCommand({ PipelineName: 'prep' }));
  });

  it('refuses a bad definition naming every field at fault', async () => {
    const bad = JSON.parse(definition()) as { Parameters: unknown[]; Steps: Array<Record<string, unknown>> };
    const args = bad.Steps[0].Arguments as Record<string, unknown>;
    delete args.AlgorithmSpecification;
    (args.HyperParameters as Record<string, unknown>).eta = { Get: 'Parameters.Eta' };
    bad.Steps.push({ Name: 'Notify', Type: 'Lambda', Arguments: {} });
    bad.Steps.push({ Name: 'Again', Type: 'Training', DependsOn: ['Nowhere'], Arguments: { ...trainingArguments('5'), InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: { Get: 'Steps.Train.ModelArtifacts.S3ModelArtifacts' } } } }] } });
    const error = await sageMakerError(sm.send(new CreatePipelineCommand({ PipelineName: 'broken', PipelineDefinition: JSON.stringify(bad), RoleArn: ROLE })));
    expect(error.name).toBe('ValidationException');
    for (const field of [
      "'pipelineDefinition.steps.1.member.arguments.algorithmSpecification'",
      "'pipelineDefinition.steps.1.member.arguments.hyperParameters.eta'",
      "'pipelineDefinition.steps.3.member.type'",
      "'pipelineDefinition.steps.4.member.dependsOn'",
      "'pipelineDefinition.steps.4.member.arguments.inputDataConfig.1.member.dataSource.s3DataSource.s3Uri'",
    ]) {
      expect(error.message).toContain(field);
    }
    expect(error.message).toContain('5 validation errors detected');
    expect((await sageMakerError(sm.send(new CreatePipelineCommand({ PipelineName: 'broken', PipelineDefinition: '{"Version": "2020-12-01", "Steps": [', RoleArn: ROLE })))).message).toContain('not valid JSON');
    expect(await sageMakerError(sm.send(new DescribePipelineCommand({ PipelineName: 'broken' })))).toBeInstanceOf(ResourceNotFound);
  });

  it('updates a definition (a new version the next execution runs) and deletes the pipeline', async () => {
    const updated = await sm.send(new UpdatePipelineCommand({ PipelineName: 'churn', PipelineDefinition: definition('3'), PipelineDisplayName: 'Churn' }));
    expect(updated.PipelineArn).toBe(`arn:aws:sagemaker:${REGION}:000000000000:pipeline/churn`);
    expect((await sm.send(new DescribePipelineCommand({ PipelineName: 'churn' }))).PipelineDisplayName).toBe('Churn');
    const started = await sm.send(new StartPipelineExecutionCommand({ PipelineName: 'churn' }));
    expect(await ended(started.PipelineExecutionArn!)).toBe('Succeeded');
    const steps = (await sm.send(new ListPipelineExecutionStepsCommand({ PipelineExecutionArn: started.PipelineExecutionArn }))).PipelineExecutionSteps!;
    const orchard = new Orchard({ url: server.url, token: server.adminToken });
    expect(steps.find((s) => s.StepName === 'Train')?.StepStatus).toBe('Succeeded');
    const job = await orchard.training.describe(`${started.PipelineExecutionArn!.split('/').pop()!}-Train`);
    expect(job.hyperParameters).toMatchObject({ num_round: '3', max_depth: '3' });

    // The steps' training jobs by name, and the newest alone by its creation time.
    const byName = (await sm.send(new ListTrainingJobsCommand({ NameContains: '-Train', SortBy: 'Name', SortOrder: 'Ascending', MaxResults: 100 }))).TrainingJobSummaries!.map((j) => j.TrainingJobName!);
    expect(byName.length).toBeGreaterThanOrEqual(3);
    expect(byName).toContain(job.name);
    expect(byName).toEqual([...byName].sort());
    const newest = await sm.send(new ListTrainingJobsCommand({ CreationTimeAfter: new Date(Date.parse(job.createdAt) - 1), SortBy: 'Name' }));
    expect(newest.TrainingJobSummaries?.map((j) => j.TrainingJobName)).toEqual([job.name]);

    await sm.send(new DeletePipelineCommand({ PipelineName: 'churn' }));
    expect(await sageMakerError(sm.send(new DescribePipelineCommand({ PipelineName: 'churn' })))).toBeInstanceOf(ResourceNotFound);
    expect((await sm.send(new ListPipelinesCommand({}))).PipelineSummaries).toEqual([]);
  });
});
