import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Orchard } from '../../src/sdk/index.js';
import { backends, TEST_ATTEMPTS_DIR, writeClassificationCsv } from '../support/backends.js';
import { startServer, type RunningServer } from '../support/server.js';

/** Debian's boto3 (`apt-get install python3-boto3`), when installed. */
const PYTHON = '/usr/bin/python3';
const hasBoto3 = fs.existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import boto3'], { stdio: 'ignore' }).status === 0;

/** The processing step's script: splits the rows into train and validation (label first) and test (features only). */
const SPLIT = `
import argparse, os
p = argparse.ArgumentParser(); p.add_argument('--input'); p.add_argument('--train'); p.add_argument('--validation'); p.add_argument('--test'); a = p.parse_args()
rows = [l for f in sorted(os.listdir(a.input)) for l in open(os.path.join(a.input, f)).read().splitlines() if l.strip()]
cut, end = int(len(rows) * 0.6), int(len(rows) * 0.8)
open(os.path.join(a.train, 'train.csv'), 'w').write('\\n'.join(rows[:cut]) + '\\n')
open(os.path.join(a.validation, 'validation.csv'), 'w').write('\\n'.join(rows[cut:end]) + '\\n')
open(os.path.join(a.test, 'test.csv'), 'w').write('\\n'.join(r.split(',', 1)[1] for r in rows[end:]) + '\\n')
`;

/**
 * A pipeline as the SageMaker Python SDK writes it: a ProcessingStep splitting a CSV, a
 * TrainingStep whose channels are the processing step's outputs (a property reference, and
 * a Std:Join naming a file below one), a ModelStep on the training step's model and a
 * TransformStep over the processing step's test output. No DependsOn: the order comes from
 * the references.
 */
const FLOW = `
import boto3, json, sys, time
from botocore.config import Config
endpoint, key_id, secret, data_csv, split_py = sys.argv[1:6]
session = boto3.Session(aws_access_key_id=key_id, aws_secret_access_key=secret, region_name='eu-west-1')
config = Config(retries={'max_attempts': 0})
s3 = session.client('s3', endpoint_url=endpoint + '/s3', config=Config(s3={'addressing_style': 'path'}, retries={'max_attempts': 0}))
sm = session.client('sagemaker', endpoint_url=endpoint, config=config)
s3.upload_file(data_csv, 'orchard', 'spl/raw/data.csv')
s3.upload_file(split_py, 'orchard', 'spl/code/split.py')
image = '683313688378.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1'
role = 'arn:aws:iam::000000000000:role/SageMakerRole'
def output(name):
    return {'Get': "Steps.prep.ProcessingOutputConfig.Outputs['%s'].S3Output.S3Uri" % name}
def processing_output(name):
    return {'OutputName': name, 'S3Output': {'S3Uri': {'Std:Join': {'On': '/', 'Values': [{'Get': 'Parameters.Base'}, name]}}, 'LocalPath': '/opt/ml/processing/output/' + name, 'S3UploadMode': 'EndOfJob'}}
definition = {
  'Version': '2020-12-01', 'Metadata': {},
  'Parameters': [{'Name': 'Base', 'Type': 'String', 'DefaultValue': 's3://orchard/spl/split/default'}],
  'Steps': [
    {'Name': 'batch', 'Type': 'Transform', 'Arguments': {
      'ModelName': {'Get': 'Steps.model.ModelName'},
      'TransformInput': {'DataSource': {'S3DataSource': {'S3DataType': 'S3Prefix', 'S3Uri': output('test')}}, 'ContentType': 'text/csv', 'SplitType': 'Line'},
      'TransformOutput': {'S3OutputPath': 's3://orchard/spl/batch-out', 'AssembleWith': 'Line', 'Accept': 'text/csv'},
      'TransformResources': {'InstanceCount': 1, 'InstanceType': 'ml.m5.large'}}},
    {'Name': 'model', 'Type': 'Model', 'Arguments': {'ExecutionRoleArn': role,
      'PrimaryContainer': {'Image': image, 'Environment': {}, 'ModelDataUrl': {'Get': 'Steps.train.ModelArtifacts.S3ModelArtifacts'}}}},
    {'Name': 'train', 'Type': 'Training', 'Arguments': {
      'AlgorithmSpecification': {'TrainingImage': image, 'TrainingInputMode': 'File'},
      'OutputDataConfig': {'S3OutputPath': 's3://orchard/spl/model/'},
      'StoppingCondition': {'MaxRuntimeInSeconds': 600},
      'ResourceConfig': {'VolumeSizeInGB': 5, 'InstanceCount': 1, 'InstanceType': 'ml.m5.large'},
      'RoleArn': role,
      'InputDataConfig': [
        {'DataSource': {'S3DataSource': {'S3DataType': 'S3Prefix', 'S3Uri': output('train'), 'S3DataDistributionType': 'FullyReplicated'}}, 'ContentType': 'text/csv', 'ChannelName': 'train'},
        {'DataSource': {'S3DataSource': {'S3DataType': 'S3Prefix', 'S3Uri': {'Std:Join': {'On': '/', 'Values': [output('validation'), 'validation.csv']}}, 'S3DataDistributionType': 'FullyReplicated'}}, 'ContentType': 'text/csv', 'ChannelName': 'validation'}],
      'HyperParameters': {'objective': 'binary:logistic', 'num_round': '4'}}},
    {'Name': 'prep', 'Type': 'Processing', 'Arguments': {
      'AppSpecification': {'ImageUri': 'any', 'ContainerEntrypoint': ['python3', '/opt/ml/processing/input/code/split.py'],
        'ContainerArguments': ['--input', '/opt/ml/processing/input/data', '--train', '/opt/ml/processing/output/train', '--validation', '/opt/ml/processing/output/validation', '--test', '/opt/ml/processing/output/test']},
      'ProcessingInputs': [
        {'InputName': 'code', 'S3Input': {'S3Uri': 's3://orchard/spl/code/split.py', 'LocalPath': '/opt/ml/processing/input/code', 'S3DataType': 'S3Prefix', 'S3InputMode': 'File'}},
        {'InputName': 'data', 'S3Input': {'S3Uri': 's3://orchard/spl/raw/', 'LocalPath': '/opt/ml/processing/input/data', 'S3DataType': 'S3Prefix', 'S3InputMode': 'File'}}],
      # The test output where the SDK puts an output given no destination: under the execution's id.
      'ProcessingOutputConfig': {'Outputs': [processing_output('train'), processing_output('validation'), {'OutputName': 'test', 'S3Output': {
        'S3Uri': {'Std:Join': {'On': '/', 'Values': ['s3:/', 'orchard', 'split-train', {'Get': 'Execution.PipelineExecutionId'}, 'prep', 'output', 'test']}},
        'LocalPath': '/opt/ml/processing/output/test', 'S3UploadMode': 'EndOfJob'}}]},
      'ProcessingResources': {'ClusterConfig': {'InstanceCount': 1, 'InstanceType': 'ml.m5.large', 'VolumeSizeInGB': 5}},
      'StoppingCondition': {'MaxRuntimeInSeconds': 300},
      'RoleArn': role}},
  ],
}
out = {}
sm.create_pipeline(PipelineName='split-train', PipelineDefinition=json.dumps(definition), RoleArn=role)
arn = sm.start_pipeline_execution(PipelineName='split-train', PipelineParameters=[{'Name': 'Base', 'Value': 's3://orchard/spl/split/run1'}])['PipelineExecutionArn']
deadline = time.time() + 240
while True:
    e = sm.describe_pipeline_execution(PipelineExecutionArn=arn)
    if e['PipelineExecutionStatus'] in ('Succeeded', 'Failed', 'Stopped') or time.time() > deadline:
        break
    time.sleep(0.5)
out['status'] = e['PipelineExecutionStatus']
out['failure'] = e.get('FailureReason')
steps = sm.list_pipeline_execution_steps(PipelineExecutionArn=arn, SortOrder='Ascending')['PipelineExecutionSteps']
out['steps'] = [[s['StepName'], s['StepStatus']] for s in steps]
out['metadata'] = {s['StepName']: s.get('Metadata', {}) for s in steps}
by = {s['StepName']: s for s in steps}
out['ordered'] = [by['train']['StartTime'] >= by['prep']['EndTime'], by['model']['StartTime'] >= by['train']['EndTime'], by['batch']['StartTime'] >= by['model']['EndTime']]
out['written'] = sorted(o['Key'] for o in s3.list_objects_v2(Bucket='orchard', Prefix='spl/split/run1/')['Contents'])
out['writtenTest'] = sorted(o['Key'] for o in s3.list_objects_v2(Bucket='orchard', Prefix='split-train/' + arn.split('/')[-1] + '/')['Contents'])
out['executionId'] = arn.split('/')[-1]
job = sm.describe_transform_job(TransformJobName=by['batch']['Metadata']['TransformJob']['Arn'].split('/')[-1])
out['transform'] = [job['TransformJobStatus'], job['TransformInput']['DataSource']['S3DataSource']['S3Uri'], job['TransformOutput']['S3OutputPath']]
out['predictions'] = [float(l) for l in s3.get_object(Bucket='orchard', Key='spl/batch-out/test.csv.out')['Body'].read().decode().split()]
bad = json.loads(json.dumps(definition))
bad['Steps'][0]['Arguments']['TransformInput']['DataSource']['S3DataSource']['S3Uri'] = {'Get': "Steps.prep.ProcessingOutputConfig.Outputs['holdout'].S3Output.S3Uri"}
bad['Steps'][2]['Arguments']['InputDataConfig'][0]['DataSource']['S3DataSource']['S3Uri'] = {'Get': "Steps.split.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri"}
bad['Steps'][2]['Arguments']['InputDataConfig'][1]['DataSource']['S3DataSource']['S3Uri'] = {'Get': 'Steps.prep.ProcessingJobName'}
for call, args in (('create', {'PipelineName': 'split-bad', 'RoleArn': role}), ('update', {'PipelineName': 'split-train'})):
    try:
        getattr(sm, call + '_pipeline')(PipelineDefinition=json.dumps(bad), **args)
    except sm.exceptions.ClientError as err:
        out['bad-' + call] = [err.response['Error']['Code'], err.response['Error']['Message']]
print(json.dumps(out))
`;

describe.each(backends)('SageMaker pipelines whose steps read a processing step\'s outputs, from boto3, on $name', (backend) => {
  let server: RunningServer;
  let teardown: () => Promise<void>;
  let key: { accessKeyId: string; secretAccessKey: string };
  let data: string;
  let split: string;

  beforeAll(async () => {
    const b = await backend.setup();
    teardown = b.teardown;
    server = await startServer({ ...b.env, ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR });
    const res = await fetch(`${server.url}/api/v1/access-keys`, { method: 'POST', headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(201);
    key = (await res.json()) as typeof key;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-boto3-step-data-'));
    data = writeClassificationCsv(path.join(dir, 'data.csv'), 250, 21);
    split = path.join(dir, 'split.py');
    fs.writeFileSync(split, SPLIT);
  });
  afterAll(async () => {
    await server?.stop();
    await teardown?.();
  });

  it.skipIf(!hasBoto3)('trains on the processing step\'s train and validation outputs, models it and transforms its test output', async () => {
    const run = await promisify(execFile)(PYTHON, ['-c', FLOW, server.url, key.accessKeyId, key.secretAccessKey, data, split], { timeout: 300_000 }).catch((error: { stderr?: string; message: string }) => {
      throw new Error(`boto3 flow failed: ${error.stderr ?? error.message}`);
    });
    const out = JSON.parse(run.stdout);
    expect(out.status, out.failure).toBe('Succeeded');
    expect([...out.steps].sort()).toEqual([
      ['batch', 'Succeeded'],
      ['model', 'Succeeded'],
      ['prep', 'Succeeded'],
      ['train', 'Succeeded'],
    ]);
    // Each started once the step it reads had ended: the references alone ordered them.
    expect(out.ordered).toEqual([true, true, true]);
    const arn = (type: string, step: string) => new RegExp(`^arn:aws:sagemaker:eu-west-1:000000000000:${type}/pe-[0-9a-f]+-${step}$`);
    expect(out.metadata.prep.ProcessingJob.Arn).toMatch(arn('processing-job', 'prep'));
    expect(out.metadata.train.TrainingJob.Arn).toMatch(arn('training-job', 'train'));
    expect(out.metadata.model.Model.Arn).toMatch(arn('model', 'model'));
    expect(out.metadata.batch.TransformJob.Arn).toMatch(arn('transform-job', 'batch'));
    // The processing step's files are where its outputs said, for S3 readers too.
    expect(out.written).toEqual(['spl/split/run1/train/train.csv', 'spl/split/run1/validation/validation.csv']);
    expect(out.writtenTest).toEqual([`split-train/${out.executionId}/prep/output/test/test.csv`]);
    expect(out.transform).toEqual(['Completed', `s3://orchard/split-train/${out.executionId}/prep/output/test`, 's3://orchard/spl/batch-out']);
    // 250 rows: 150 train, 50 validation, 50 test, each test row predicted.
    expect(out.predictions).toHaveLength(50);
    for (const p of out.predictions) {
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThanOrEqual(1);
    }

    // The training job read exactly what the processing step wrote to each output.
    const orchard = new Orchard({ url: server.url, token: server.adminToken });
    const job = await orchard.training.describe(out.metadata.train.TrainingJob.Arn.split('/').pop());
    const rows = async (c: { dataset: string; version: number }) => (await orchard.datasets.describe(`${c.dataset}@${c.version}`)).rowCount;
    expect(await rows(job.channels.train)).toBe(150);
    expect(await rows(job.channels.validation)).toBe(50);

    // A missing output, a missing step, and a property that is not a location: refused when stored.
    for (const call of ['bad-create', 'bad-update']) {
      const [code, message] = out[call] as [string, string];
      expect(code).toBe('ValidationException');
      expect(message).toContain('3 validation errors detected');
      expect(message).toContain("'pipelineDefinition.steps.1.member.arguments.transformInput.dataSource.s3DataSource.s3Uri'");
      expect(message).toContain("Member must name an output of step 'prep' ('train', 'validation', 'test'), not 'holdout'");
      expect(message).toContain("'pipelineDefinition.steps.3.member.arguments.inputDataConfig.1.member.dataSource.s3DataSource.s3Uri'");
      expect(message).toContain("Member must name a step of the pipeline ('split' is none)");
      expect(message).toContain("'pipelineDefinition.steps.3.member.arguments.inputDataConfig.2.member.dataSource.s3DataSource.s3Uri'");
      expect(message).toContain("Member must be a Processing step's output");
    }
  });
  it.skipIf(hasBoto3)('boto3 pipeline flow — skipped: /usr/bin/python3 cannot import boto3 (apt-get install -y python3-boto3)', () => undefined);
});
