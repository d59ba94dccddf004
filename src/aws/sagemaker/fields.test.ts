import { describe, expect, it } from 'vitest';
import { Fields } from './fields.js';
import { operationOf, operationTable } from './dispatcher.js';
import { algorithmOfImage, imageOfAlgorithm } from './images.js';
import { operation } from './operation.js';
import { SageMakerError, sageMakerErrorOf } from './sagemaker-error.js';
import { OrchardError } from '../../core/errors.js';

function problems(body: unknown, read: (f: Fields) => void): string {
  const f = Fields.of(body);
  read(f);
  try {
    f.done();
  } catch (error) {
    expect(error).toBeInstanceOf(SageMakerError);
    expect((error as SageMakerError).type).toBe('ValidationException');
    return (error as Error).message;
  }
  return '';
}

describe('request fields', () => {
  it('words every problem as AWS does, with nested and list paths', () => {
    const message = problems({ TrainingJobName: 'a_b', ResourceConfig: { InstanceCount: 0 }, InputDataConfig: [{ ChannelName: 'train' }] }, (f) => {
      f.name('TrainingJobName', { required: true });
      f.obj('ResourceConfig')?.num('InstanceCount', { integer: true, min: 1 });
      for (const c of f.list('InputDataConfig')) c.obj('DataSource', { required: true });
      f.obj('StoppingCondition', { required: true });
    });
    expect(message).toBe(
      "4 validation errors detected: Value 'a_b' at 'trainingJobName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}; " +
        "Value 0 at 'resourceConfig.instanceCount' failed to satisfy constraint: Member must have value greater than or equal to 1; " +
        "Value null at 'inputDataConfig.1.member.dataSource' failed to satisfy constraint: Member must not be null; " +
        "Value null at 'stoppingCondition' failed to satisfy constraint: Member must not be null",
    );
  });

  it('reads enums, maps and tags, and passes a good request', () => {
    expect(problems({ Status: 'Done' }, (f) => f.str('Status', { enum: ['InProgress', 'Completed'] }))).toContain("Member must satisfy enum value set: [InProgress, Completed]");
    expect(problems({ HyperParameters: { eta: 0.1 } }, (f) => f.map('HyperParameters'))).toContain("Map value at 'eta' must be a string");
    let tags: Record<string, string> = {};
    expect(problems({ Tags: [{ Key: 'a', Value: '1' }, { Key: 'b' }] }, (f) => (tags = f.tags()))).toBe('');
    expect(tags).toEqual({ a: '1', b: '' });
  });
});

describe('operations and images', () => {
  const op = operation<Record<string, never>>({ name: 'ListThings', permission: 'jobs:read', input: () => ({}), run: async () => ({}) });

  it('finds an operation by its X-Amz-Target and refuses others', () => {
    const table = operationTable([op]);
    expect(operationOf(table, 'SageMaker.ListThings')).toBe(op);
    for (const target of ['SageMaker.CreateFlywheel', 'Other.ListThings', undefined]) {
      expect(() => operationOf(table, target)).toThrow(expect.objectContaining({ type: 'UnknownOperationException' }));
    }
    expect(() => operationTable([op], [op])).toThrow(/declared twice/);
  });

  it("maps SageMaker's algorithm images of any region and tag to Orchard's built-ins", () => {
    expect(algorithmOfImage('683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1')).toBe('xgboost');
    expect(algorithmOfImage('246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-xgboost:1.5-1')).toBe('xgboost');
    expect(algorithmOfImage('382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1')).toBe('linear-learner');
    expect(algorithmOfImage('664544806723.dkr.ecr.eu-central-1.amazonaws.com/kmeans:1')).toBe('kmeans');
    expect(algorithmOfImage('382416733822.dkr.ecr.us-east-1.amazonaws.com/pca:latest')).toBe('pca');
    expect(algorithmOfImage('683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3')).toBeUndefined();
    expect(imageOfAlgorithm('xgboost', 'eu-west-1')).toBe('683313688378.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1');
  });

  it("turns Orchard's errors into SageMaker's exception names", () => {
    expect(sageMakerErrorOf(new OrchardError('ORCH_TRAINING_INVALID')).type).toBe('ValidationException');
    expect(sageMakerErrorOf(new OrchardError('ORCH_MODEL_EXISTS')).type).toBe('ResourceInUse');
    expect(sageMakerErrorOf(new OrchardError('ORCH_MODEL_NOT_FOUND'), 'ResourceNotFound').type).toBe('ResourceNotFound');
    expect(sageMakerErrorOf(new OrchardError('ORCH_AUTH_FORBIDDEN')).type).toBe('AccessDeniedException');
    const internal = sageMakerErrorOf(new Error('disk on fire'));
    expect([internal.type, internal.status, internal.message]).toEqual(['InternalFailure', 500, 'We encountered an internal error. Please try again.']);
  });
});
