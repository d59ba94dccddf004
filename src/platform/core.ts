import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ResolvedConfig } from '../core/index.js';
import { createDatasetService, type DatasetService } from '../data/index.js';
import { openArtifactStore, openMetadataStore, type ArtifactStore, type MetadataStore } from '../storage/index.js';
import { openJobQueue, type JobQueue } from '../jobs/index.js';
import { ModelService } from '../registry/index.js';
import { endpointsUsingModel } from '../serving/endpoints/index.js';
import { startTransformWorkers } from '../serving/transform/index.js';
import { createTrainingService, startTrainingWorkers, type TrainingService } from '../training/index.js';

/** The stores and services both `orchard up` and `orchard worker` need. */
export interface Core {
  metadata: MetadataStore;
  artifacts: ArtifactStore;
  datasets: DatasetService;
  queue: JobQueue;
  training: TrainingService;
  models: ModelService;
  /** Run in reverse order by `close()`. */
  closers: Array<() => Promise<void>>;
  close(): Promise<void>;
}

/** Opens the stores named by the config; on failure closes what it opened. */
export async function openCore(config: ResolvedConfig): Promise<Core> {
  await fs.mkdir(config.home, { recursive: true, mode: 0o700 });
  await fs.mkdir(config.workDir, { recursive: true });
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const fn of closers.reverse()) await fn().catch(() => undefined);
  };
  try {
    const metadata = await openMetadataStore(config.databaseUrl);
    closers.push(() => metadata.close());
    const artifacts = await openArtifactStore(config);
    closers.push(() => artifacts.close());
    const datasets = createDatasetService({ config, metadata, artifacts });
    closers.push(() => datasets.close());
    const queue = await openJobQueue(config.queueUrl, { metadata });
    closers.push(() => queue.close());
    const training = createTrainingService({ metadata, queue, datasets, artifacts });
    const models = new ModelService({ metadata, artifacts, training, workDir: config.workDir, usersOf: (model) => endpointsUsingModel(metadata, model) });
    return { metadata, artifacts, datasets, queue, training, models, closers, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Starts the configured number of training and transform workers (threads shared out between them). */
export async function startJobWorkers(core: Core, config: ResolvedConfig): Promise<void> {
  const threads = Math.max(1, Math.floor(os.availableParallelism() / Math.max(1, config.workers)));
  const workers = await startTrainingWorkers({ ...core, attemptsDir: config.attemptsDir, threads, leaseMs: config.jobLeaseMs, checkpointSyncMs: Math.min(10_000, config.jobLeaseMs) }, config.workers);
  core.closers.push(() => workers.stop());
  const transforms = await startTransformWorkers(
    { ...core, workDir: path.join(config.workDir, 'transforms'), modelCacheDir: path.join(config.workDir, 'models'), leaseMs: config.jobLeaseMs },
    config.workers,
  );
  core.closers.push(() => transforms.stop());
}
