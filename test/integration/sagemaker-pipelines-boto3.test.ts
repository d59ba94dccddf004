import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, TEST_ATTEMPTS_DIR, writeClassificationCsv } from '../support/backends.js';
import { startServer, type RunningServer } from '../support/server.js';

/** Debian's boto3 (`apt-get install python3-boto3`), when installed. */
const PYTHON = '/usr/bin/python3';
const hasBoto3 = fs.existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import boto3'], { stdio: 'ignore' }).status === 0;

/**
 * A pipeline as the SageMaker Python SDK writes it (TrainingStep, ModelStep, TransformStep
 * and a ConditionStep reading the transform's output location), created, run and read with
 * boto3: the batch predictions land under the S3OutputPath the execution was given.
 */
const FLOW = `
import boto3, json, sys, time
from botocore.config import Config
endpoint, key_id, secret, train_csv, batch_csv = sys.argv[1:6]
session = boto3.Session(aws_access_key_id=key_id, aws_secret_access_key=secret, region_name='eu-west-1')
config = Config(retries={'max_attempts': 0})
s3 = session.client('s3', endpoint_url=endpoint + '/s3', config=Config(s3={'addressing_style': 'path'}, retries={'max_attempts': 0}))
sm = session.client('sagemaker', endpoint_url=endpoint, config=config)
s3.upload_file(train_csv, 'orchard', 'pyp/train/train.csv')
s3.upload_file(batch_csv, 'orchard', 'pyp/batch/batch.csv')
image = '683313688378.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1'
role = 'arn:aws:iam::000000000000:role/SageMakerRole'
definition = {
  'Version': '2020-12-01', 'Metadata': {},
  'Parameters': [
    {'Name': 'BatchData', 'Type': 'String', 'DefaultValue': 's3://orchard/pyp/batch/'},
    {'Name': 'BatchOutput', 'Type': 'String', 'DefaultValue': 's3://orchard/pyp/out/default'},
    {'Name': 'BatchInstances', 'Type': 'Integer', 'DefaultValue': 1},
    {'Name': 'KeepColumns', 'Type': 'String', 'DefaultValue': '$[0,-1]'},
  ],
  'PipelineExperimentConfig': {'ExperimentName': {'Get': 'Execution.PipelineName'}, 'TrialName': {'Get': 'Execution.PipelineExecutionId'}},
  'Steps': [
    {'Name': 'train', 'Type': 'Training', 'Arguments': {
      'AlgorithmSpecification': {'TrainingImage': image, 'TrainingInputMode': 'File'},
      'OutputDataConfig': {'S3OutputPath': 's3://orchard/pyp/output/'},
      'StoppingCondition': {'MaxRuntimeInSeconds': 600},
      'ResourceConfig': {'VolumeSizeInGB': 5, 'InstanceCount': 1, 'InstanceType': 'ml.m5.large'},
      'RoleArn': role,
      'InputDataConfig': [{'DataSource': {'S3DataSource': {'S3DataType': 'S3Prefix', 'S3Uri': 's3://orchard/pyp/train/', 'S3DataDistributionType': 'FullyReplicated'}}, 'ContentType': 'text/csv', 'ChannelName': 'train'}],
      'HyperParameters': {'objective': 'binary:logistic', 'num_round': '4'}}},
    {'Name': 'model', 'Type': 'Model', 'Arguments': {'ExecutionRoleArn': role,
      'PrimaryContainer': {'Image': image, 'Environment': {}, 'ModelDataUrl': {'Get': 'Steps.train.ModelArtifacts.S3ModelArtifacts'}}}},
    {'Name': 'batch', 'Type': 'Transform', 'Arguments': {
      'ModelName': {'Get': 'Steps.model.ModelName'},
      'TransformInput': {'DataSource': {'S3DataSource': {'S3DataType': 'S3Prefix', 'S3Uri': {'Get': 'Parameters.BatchData'}}}, 'ContentType': 'text/csv', 'SplitType': 'Line'},
      'TransformOutput': {'S3OutputPath': {'Get': 'Parameters.BatchOutput'}, 'AssembleWith': 'Line', 'Accept': 'text/csv'},
      'TransformResources': {'InstanceCount': {'Get': 'Parameters.BatchInstances'}, 'InstanceType': 'ml.m5.large'},
      'DataProcessing': {'InputFilter': '$[1:]', 'JoinSource': 'Input', 'OutputFilter': {'Get': 'Parameters.KeepColumns'}}}},
    {'Name': 'check', 'Type': 'Condition', 'Arguments': {
      'Conditions': [{'Type': 'Equals', 'LeftValue': {'Get': 'Steps.batch.TransformOutput.S3OutputPath'}, 'RightValue': {'Get': 'Parameters.BatchOutput'}}],
      'IfSteps': [],
      'ElseSteps': [{'Name': 'elsewhere', 'Type': 'Fail', 'Arguments': {'ErrorMessage': {'Std:Join': {'On': ' ', 'Values': ['written to', {'Get': 'Steps.batch.TransformOutput.S3OutputPath'}]}}}}]}},
  ],
}
out = {}
sm.create_pipeline(PipelineName='py-batch', PipelineDefinition=json.dumps(definition), RoleArn=role)
arn = sm.start_pipeline_execution(PipelineName='py-batch', PipelineParameters=[{'Name': 'BatchOutput', 'Value': 's3://orchard/pyp/out/run1'}])['PipelineExecutionArn']
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
batch = next(s for s in steps if s['StepName'] == 'batch')
check = next(s for s in steps if s['StepName'] == 'check')
out['transformArn'] = batch['Metadata']['TransformJob']['Arn']
out['outcome'] = check['Metadata']['Condition']['Outcome']
out['checkAfterBatch'] = check['StartTime'] >= batch['EndTime']
job = sm.describe_transform_job(TransformJobName=out['transformArn'].split('/')[-1])
out['job'] = [job['TransformJobStatus'], job['TransformOutput']['S3OutputPath'], job['TransformInput']['DataSource']['S3DataSource']['S3Uri'], job['TransformResources']['InstanceCount']]
out['predictions'] = [[float(v) for v in l.split(',')] for l in s3.get_object(Bucket='orchard', Key='pyp/out/run1/batch.csv.out')['Body'].read().decode().split()]
try:
    sm.start_pipeline_execution(PipelineName='py-batch', PipelineParameters=[{'Name': 'BatchOutput', 'Value': 's3://elsewhere/out'}])
except sm.exceptions.ClientError as err:
    out['badOutput'] = [err.response['Error']['Code'], err.response['Error']['Message']]
bad = json.loads(json.dumps(definition))
bad['Steps'][2]['Arguments']['TransformInput']['SplitType'] = 'RecordIO'
bad['Steps'][2]['Arguments']['DataProcessing'] = {'OutputFilter': '$.id'}
bad['Steps'][3]['Arguments']['Conditions'][0]['LeftValue'] = {'Get': 'Steps.batch.TransformOutput.Accept'}
try:
    sm.create_pipeline(PipelineName='py-bad', PipelineDefinition=json.dumps(bad), RoleArn=role)
except sm.exceptions.ClientError as err:
    out['badDefinition'] = [err.response['Error']['Code'], err.response['Error']['Message']]
print(json.dumps(out))
`;

describe.each(backends)('SageMaker pipelines with a Transform step, from boto3, on $name', (backend) => {
  let server: RunningServer;
  let teardown: () => Promise<void>;
  let key: { accessKeyId: string; secretAccessKey: string };
  let train: string;
  let batch: string;
  let rows: number;

  beforeAll(async () => {
    const b = await backend.setup();
    teardown = b.teardown;
    server = await startServer({ ...b.env, ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR });
    const res = await fetch(`${server.url}/api/v1/access-keys`, { method: 'POST', headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(201);
    key = (await res.json()) as typeof key;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-boto3-pipeline-'));
    train = writeClassificationCsv(path.join(dir, 'train.csv'), 300, 11);
    // The batch input: a row number, then the features (the step's InputFilter drops the number).
    const features = fs.readFileSync(writeClassificationCsv(path.join(dir, 'held-out.csv'), 37, 12), 'utf8').trim().split('\n').map((line, i) => [i, ...line.split(',').slice(1)].join(','));
    rows = features.length;
    batch = path.join(dir, 'batch.csv');
    fs.writeFileSync(batch, features.join('\n') + '\n');
  });
  afterAll(async () => {
    await server?.stop();
    await teardown?.();
  });

  it.skipIf(!hasBoto3)('runs train, model and transform steps; the predictions land at the S3OutputPath the execution was given', async () => {
    const run = await promisify(execFile)(PYTHON, ['-c', FLOW, server.url, key.accessKeyId, key.secretAccessKey, train, batch], { timeout: 300_000 }).catch((error: { stderr?: string; message: string }) => {
      throw new Error(`boto3 flow failed: ${error.stderr ?? error.message}`);
    });
    const out = JSON.parse(run.stdout);
    expect(out.status, out.failure).toBe('Succeeded');
    expect([...out.steps].sort()).toEqual([
      ['batch', 'Succeeded'],
      ['check', 'Succeeded'],
      ['model', 'Succeeded'],
      ['train', 'Succeeded'],
    ]);
    expect(out.transformArn).toMatch(/^arn:aws:sagemaker:eu-west-1:000000000000:transform-job\/pe-[0-9a-f]+-batch$/);
    // The condition read the transform's S3OutputPath, and so waited for it.
    expect(out.outcome).toBe('True');
    expect(out.checkAfterBatch).toBe(true);
    expect(out.job).toEqual(['Completed', 's3://orchard/pyp/out/run1', 's3://orchard/pyp/batch/', 1]);
    // JoinSource Input and OutputFilter $[0,-1] (a parameter's default): each line is the row number and its prediction.
    expect(out.predictions.map((line: number[]) => line[0])).toEqual(Array.from({ length: rows }, (_, i) => i));
    for (const [, p, ...rest] of out.predictions) {
      expect(rest).toEqual([]);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThanOrEqual(1);
    }
    expect(out.badOutput[0]).toBe('ValidationException');
    expect(out.badOutput[1]).toContain("Steps.batch.TransformOutput.S3OutputPath: this server stores objects in bucket 'orchard', not 'elsewhere'");
    expect(out.badDefinition[0]).toBe('ValidationException');
    expect(out.badDefinition[1]).toContain('3 validation errors detected');
    for (const field of ["'pipelineDefinition.steps.3.member.arguments.transformInput.splitType'", "'pipelineDefinition.steps.3.member.arguments.dataProcessing.outputFilter'", "'pipelineDefinition.steps.4.member.arguments.conditions.1.member.leftValue'"]) {
      expect(out.badDefinition[1]).toContain(field);
    }
  });
  it.skipIf(hasBoto3)('boto3 pipeline flow — skipped: /usr/bin/python3 cannot import boto3 (apt-get install -y python3-boto3)', () => undefined);
});
