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
/** Debian's AWS CLI (`apt-get install awscli`), when installed. */
const AWS_CLI = '/usr/bin/aws';
const hasAwsCli = fs.existsSync(AWS_CLI) && spawnSync(AWS_CLI, ['--version'], { stdio: 'ignore' }).status === 0;

/**
 * The SageMaker flow as a boto3 user writes it: upload with the S3 client, train with the
 * xgboost image, boto3's own waiters (with short delays), deploy, invoke, shift weights,
 * delete; and the exceptions boto3 raises for a bad field and an unknown job.
 */
const FLOW = `
import boto3, json, sys
from botocore.config import Config
endpoint, key_id, secret, csv_file = sys.argv[1:5]
session = boto3.Session(aws_access_key_id=key_id, aws_secret_access_key=secret, region_name='eu-west-1')
config = Config(retries={'max_attempts': 0})
s3 = session.client('s3', endpoint_url=endpoint + '/s3', config=Config(s3={'addressing_style': 'path'}, retries={'max_attempts': 0}))
sm = session.client('sagemaker', endpoint_url=endpoint, config=config)
rt = session.client('sagemaker-runtime', endpoint_url=endpoint, config=config)
fast = {'Delay': 1, 'MaxAttempts': 240}
out = {}
s3.upload_file(csv_file, 'orchard', 'py/train/train.csv')
image = '683313688378.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1'
sm.create_training_job(
    TrainingJobName='py-xgb', RoleArn='arn:aws:iam::000000000000:role/SageMakerRole',
    AlgorithmSpecification={'TrainingImage': image, 'TrainingInputMode': 'File'},
    HyperParameters={'objective': 'binary:logistic', 'num_round': '4'},
    InputDataConfig=[{'ChannelName': 'train', 'ContentType': 'text/csv',
                      'DataSource': {'S3DataSource': {'S3DataType': 'S3Prefix', 'S3Uri': 's3://orchard/py/train'}}}],
    OutputDataConfig={'S3OutputPath': 's3://orchard/py/output'},
    ResourceConfig={'InstanceCount': 1, 'InstanceType': 'ml.m5.large', 'VolumeSizeInGB': 5},
    StoppingCondition={'MaxRuntimeInSeconds': 600})
sm.get_waiter('training_job_completed_or_stopped').wait(TrainingJobName='py-xgb', WaiterConfig=fast)
job = sm.describe_training_job(TrainingJobName='py-xgb')
out['trainingStatus'] = job['TrainingJobStatus']
out['arn'] = job['TrainingJobArn']
out['artifacts'] = job['ModelArtifacts']['S3ModelArtifacts']
out['metrics'] = len(job['FinalMetricDataList'])
sm.create_model(ModelName='py-model', ExecutionRoleArn='arn:aws:iam::000000000000:role/SageMakerRole',
                PrimaryContainer={'Image': image, 'ModelDataUrl': out['artifacts']})
sm.create_endpoint_config(EndpointConfigName='py-config', ProductionVariants=[
    {'VariantName': 'A', 'ModelName': 'py-model', 'InitialInstanceCount': 1, 'InstanceType': 'ml.m5.large', 'InitialVariantWeight': 1.0},
    {'VariantName': 'B', 'ModelName': 'py-model', 'InitialInstanceCount': 1, 'InstanceType': 'ml.m5.large', 'InitialVariantWeight': 1.0}])
sm.create_endpoint(EndpointName='py-endpoint', EndpointConfigName='py-config')
sm.get_waiter('endpoint_in_service').wait(EndpointName='py-endpoint', WaiterConfig=fast)
row = open(csv_file).readline().strip().split(',', 1)[1]
r = rt.invoke_endpoint(EndpointName='py-endpoint', Body=(row + '\\n').encode(), ContentType='text/csv', TargetVariant='B')
out['invokedVariant'] = r['InvokedProductionVariant']
out['prediction'] = float(r['Body'].read().decode().strip())
sm.update_endpoint_weights_and_capacities(EndpointName='py-endpoint', DesiredWeightsAndCapacities=[{'VariantName': 'B', 'DesiredWeight': 0.0}])
sm.get_waiter('endpoint_in_service').wait(EndpointName='py-endpoint', WaiterConfig=fast)
out['weights'] = [[v['VariantName'], v['DesiredWeight']] for v in sm.describe_endpoint(EndpointName='py-endpoint')['ProductionVariants']]
out['endpoints'] = [e['EndpointName'] for e in sm.list_endpoints()['Endpoints']]
sm.delete_endpoint(EndpointName='py-endpoint')
sm.get_waiter('endpoint_deleted').wait(EndpointName='py-endpoint', WaiterConfig=fast)
try:
    sm.describe_training_job(TrainingJobName='py-none')
except sm.exceptions.ResourceNotFound as e:
    out['notFound'] = e.response['Error']['Code']
try:
    sm.stop_training_job(TrainingJobName='bad_name')
except sm.exceptions.ClientError as e:
    out['badField'] = [e.response['Error']['Code'], e.response['Error']['Message']]
print(json.dumps(out))
`;

describe.each(backends)('SageMaker control plane with boto3 on $name', (backend) => {
  let server: RunningServer;
  let teardown: () => Promise<void>;
  let key: { accessKeyId: string; secretAccessKey: string };
  let csv: string;

  beforeAll(async () => {
    const b = await backend.setup();
    teardown = b.teardown;
    server = await startServer({ ...b.env, ORCHARD_ATTEMPTS_DIR: TEST_ATTEMPTS_DIR });
    const res = await fetch(`${server.url}/api/v1/access-keys`, { method: 'POST', headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(201);
    key = (await res.json()) as typeof key;
    csv = writeClassificationCsv(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-boto3-')), 'train.csv'), 400, 5);
  });
  afterAll(async () => {
    await server?.stop();
    await teardown?.();
  });

  it.skipIf(!hasBoto3)('trains, deploys, invokes, reweights and deletes with boto3 and its waiters', async () => {
    const run = await promisify(execFile)(PYTHON, ['-c', FLOW, server.url, key.accessKeyId, key.secretAccessKey, csv], { timeout: 300_000 }).catch((error: { stderr?: string; message: string }) => {
      throw new Error(`boto3 flow failed: ${error.stderr ?? error.message}`);
    });
    const out = JSON.parse(run.stdout);
    expect(out).toMatchObject({
      trainingStatus: 'Completed',
      arn: 'arn:aws:sagemaker:eu-west-1:000000000000:training-job/py-xgb',
      artifacts: 's3://orchard/jobs/py-xgb/output/model.tar.gz',
      invokedVariant: 'B',
      weights: [
        ['A', 1],
        ['B', 0],
      ],
      endpoints: ['py-endpoint'],
      notFound: 'ResourceNotFound',
    });
    expect(out.metrics).toBeGreaterThan(0);
    expect(out.prediction).toBeGreaterThanOrEqual(0);
    expect(out.prediction).toBeLessThanOrEqual(1);
    expect(out.badField).toEqual([
      'ValidationException',
      "1 validation error detected: Value 'bad_name' at 'trainingJobName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}",
    ]);
  });
  it.skipIf(hasBoto3)('boto3 flow — skipped: /usr/bin/python3 cannot import boto3 (apt-get install -y python3-boto3)', () => undefined);

  it.skipIf(!hasAwsCli)('answers `aws sagemaker list-endpoints` and `describe-training-job` from the AWS CLI', async () => {
    const env = { ...process.env, AWS_ACCESS_KEY_ID: key.accessKeyId, AWS_SECRET_ACCESS_KEY: key.secretAccessKey, AWS_DEFAULT_REGION: 'us-east-1', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
    const list = await promisify(execFile)(AWS_CLI, ['sagemaker', 'list-endpoints', '--endpoint-url', server.url, '--output', 'json'], { env, timeout: 60_000 });
    expect(JSON.parse(list.stdout)).toEqual({ Endpoints: [] });
    const missing = await promisify(execFile)(AWS_CLI, ['sagemaker', 'describe-training-job', '--training-job-name', 'nope', '--endpoint-url', server.url], { env, timeout: 60_000 }).then(
      () => '',
      (error: { stderr: string }) => error.stderr,
    );
    expect(missing).toContain('ResourceNotFound');
  });
  it.skipIf(hasAwsCli)('AWS CLI — skipped: /usr/bin/aws is missing (apt-get install -y awscli)', () => undefined);
});
