import { describe, expect, it } from 'vitest';
import { checkLocalPath, folderConflicts, localPathOf, optMlPathOf, processingJobConfig, rewriteArgument } from './paths.js';

const STAND_IN = '/var/attempts/a1/opt/ml';

describe('processing paths', () => {
  it('maps /opt/ml at the start of an argument or after =, : or , and nowhere else', () => {
    expect(rewriteArgument('/opt/ml/processing/input/raw', STAND_IN)).toBe(`${STAND_IN}/processing/input/raw`);
    expect(rewriteArgument('--out=/opt/ml/processing/output/a', STAND_IN)).toBe(`--out=${STAND_IN}/processing/output/a`);
    expect(rewriteArgument('/opt/ml/a,/opt/ml/b', STAND_IN)).toBe(`${STAND_IN}/a,${STAND_IN}/b`);
    expect(rewriteArgument('/opt/ml', STAND_IN)).toBe(STAND_IN);
    expect(rewriteArgument('/opt/mlx/a', STAND_IN)).toBe('/opt/mlx/a');
    expect(rewriteArgument('x/opt/ml/a', STAND_IN)).toBe('x/opt/ml/a');
    expect(rewriteArgument('--min 0', STAND_IN)).toBe('--min 0');
  });

  it('turns /opt/ml paths into stand-in paths and back', () => {
    expect(localPathOf('/opt/ml/processing/input/raw', STAND_IN)).toBe(`${STAND_IN}/processing/input/raw`);
    expect(optMlPathOf(`${STAND_IN}/processing/stray.txt`, STAND_IN)).toBe('/opt/ml/processing/stray.txt');
  });

  it('refuses local paths outside /opt/ml/processing or with dot segments', () => {
    expect(checkLocalPath('/opt/ml/processing/input/a')).toBeNull();
    expect(checkLocalPath('/opt/ml/model')).toMatch(/under \/opt\/ml\/processing/);
    expect(checkLocalPath('/opt/ml/processing/input/../../x')).toMatch(/plain path/);
    expect(checkLocalPath('/opt/ml/processing//x')).toMatch(/plain path/);
  });

  it('finds folders that are the same, nested, or the code folder', () => {
    const inputs = [{ name: 'a', localPath: '/opt/ml/processing/input/a' }, { name: 'code2', localPath: '/opt/ml/processing/input/code/x' }];
    const outputs = [{ name: 'o', localPath: '/opt/ml/processing/input/a' }, { name: 'p', localPath: '/opt/ml/processing/output/p' }];
    const problems = folderConflicts(inputs, outputs);
    expect(problems.map((p) => p.field)).toEqual(['inputs[1].localPath', 'outputs[0].localPath']);
    expect(problems[0].message).toMatch(/overlaps the script folder/);
    expect(problems[1].message).toMatch(/is the same folder as input 'a'/);
    expect(folderConflicts([{ name: 'a', localPath: '/opt/ml/processing/input/a' }], [{ name: 'ab', localPath: '/opt/ml/processing/input/ab' }])).toEqual([]);
  });

  it("writes SageMaker's processingjobconfig.json with the attempt's local paths", () => {
    const config = processingJobConfig({
      name: 'prep',
      entryPoint: 'src/prep.py',
      sourceKey: 'sources/processing/prep/sourcedir.tar.gz',
      arguments: ['--x', '1'],
      environment: { MODE: 'fast' },
      inputs: [{ name: 'raw', dataset: 'raw', version: 2, localPath: '/opt/ml/processing/input/raw', distribution: 'ShardedByS3Key', format: 'csv' }],
      outputs: [{ name: 'clean', dataset: 'clean', artifactPrefix: null, localPath: '/opt/ml/processing/output/clean' }],
      instanceCount: 2,
      maxRuntimeSeconds: 60,
      standIn: STAND_IN,
      artifactsUrl: 's3://bucket/orchard',
    }) as any;
    expect(config.ProcessingJobName).toBe('prep');
    expect(config.AppSpecification.ContainerEntrypoint).toEqual(['python3', `${STAND_IN}/processing/input/code/src/prep.py`]);
    expect(config.ProcessingInputs[0]).toEqual({
      InputName: 'raw',
      AppManaged: false,
      S3Input: { S3Uri: 'orchard://datasets/raw@2', LocalPath: `${STAND_IN}/processing/input/raw`, S3DataType: 'S3Prefix', S3InputMode: 'File', S3DataDistributionType: 'ShardedByS3Key', S3CompressionType: 'None' },
    });
    expect(config.ProcessingInputs[1].S3Input).toMatchObject({ S3Uri: 's3://bucket/orchard/sources/processing/prep/sourcedir.tar.gz', LocalPath: `${STAND_IN}/processing/input/code` });
    expect(config.ProcessingOutputConfig.Outputs[0]).toEqual({ OutputName: 'clean', AppManaged: false, S3Output: { S3Uri: 'orchard://datasets/clean', LocalPath: `${STAND_IN}/processing/output/clean`, S3UploadMode: 'EndOfJob' } });
    expect(config.ProcessingResources.ClusterConfig.InstanceCount).toBe(2);
    expect(config.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 60 });
    expect(config.Environment).toEqual({ MODE: 'fast' });
  });
});
