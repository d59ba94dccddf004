import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metadataTargets } from '../../../test/support/metadata.js';
import { createDatasetService, type DatasetService } from '../../data/index.js';
import { createFileArtifactStore, type ArtifactStore, type MetadataStore } from '../../storage/index.js';
import { StepFailure } from '../engine/step-runner.js';
import { artifactKeyOf, datasetOfInput, SOURCE_KEY_TAG } from './artifact-inputs.js';

describe('artifactKeyOf', () => {
  it('reads a location in the store as its key, a Join doubling the slash included; anything else is not one', () => {
    expect(artifactKeyOf('file:///srv/a/out/train/', 'file:///srv/a')).toBe('out/train');
    expect(artifactKeyOf('file:///srv/a/out/train//train.csv', 'file:///srv/a/')).toBe('out/train/train.csv');
    expect(artifactKeyOf('churn@3', 'file:///srv/a')).toBeNull();
    // A store whose URL merely starts the same is another store.
    expect(artifactKeyOf('file:///srv/ab/out/', 'file:///srv/a')).toBeNull();
  });
});

describe.each(metadataTargets)('a step input from a processing step\'s artifact output, on $name', (target) => {
  let metadata: MetadataStore;
  let cleanup: () => Promise<void>;
  let artifacts: ArtifactStore;
  let datasets: DatasetService;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-artifact-inputs-'));
  const ctx = (resource: string) => ({ execution: { id: 'pe-1a2b', pipeline: 'p', version: 1 }, resource, createdBy: 'ann' });
  const at = (key: string) => `${artifacts.url}/${key}`;

  beforeAll(async () => {
    ({ store: metadata, cleanup } = await target.open());
    artifacts = await createFileArtifactStore(pathToFileURL(fs.mkdtempSync(path.join(root, 'store-'))).href);
    datasets = createDatasetService({ config: { workDir: path.join(root, 'work'), maxUploadBytes: 1 << 30 }, metadata, artifacts });
    await artifacts.put('split/train/part-1.csv', '1,0.5,2\n0,0.1,3');
    await artifacts.put('split/train/part-2.csv', '1,0.7,1\n');
    await artifacts.put('split/train/.done', '');
    await artifacts.put('split/test/test.csv', '0.2,4\n0.3,5\n');
  });
  afterAll(async () => {
    await cleanup();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('passes a dataset ref on as it is', async () => {
    expect(await datasetOfInput(ctx('pe-1a2b-train'), { artifacts, datasets }, 'churn@2', 'train')).toBe('churn@2');
  });

  it('reads every file under a prefix as one headerless CSV, once per step and input', async () => {
    const ref = await datasetOfInput(ctx('pe-1a2b-train'), { artifacts, datasets }, at('split/train/'), 'train');
    const version = await datasets.describe(ref);
    expect(version).toMatchObject({ name: 'pe-1a2b-train-train', format: 'csv', rowCount: 3 });
    expect(version.tags[SOURCE_KEY_TAG]).toBe('split/train/part-1.csv');
    // Re-entered after a crash: the same version, not a second one.
    expect(await datasetOfInput(ctx('pe-1a2b-train'), { artifacts, datasets }, at('split/train/'), 'train')).toBe(ref);
    expect(await datasets.versions('pe-1a2b-train-train')).toHaveLength(1);
  });

  it('reads one file named below an output (a Join on "/")', async () => {
    const ref = await datasetOfInput(ctx('pe-1a2b-batch'), { artifacts, datasets }, `${at('split/test/')}/test.csv`, 'input');
    expect((await datasets.describe(ref)).rowCount).toBe(2);
  });

  it('fails the step, not to be retried, when nothing is there', async () => {
    const error = await datasetOfInput(ctx('pe-1a2b-other'), { artifacts, datasets }, at('split/nothing/'), 'train').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepFailure);
    expect(error).toMatchObject({ code: 'ORCH_PIPELINE_STEP_FAILED', retryable: false });
    expect((error as Error).message).toContain("input 'train': no files under");
  });
});
