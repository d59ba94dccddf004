import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { AuthService, SessionService } from '../auth/index.js';
import type { ResolvedConfig } from '../core/index.js';
import { createDatasetService, type DatasetService } from '../data/index.js';
import { openArtifactStore, openMetadataStore, type ArtifactStore, type MetadataStore } from '../storage/index.js';
import { openJobQueue, type JobQueue } from '../jobs/index.js';
import { ExperimentService } from '../experiments/index.js';
import { ModelService, PackageService } from '../registry/index.js';
import { TuningController, TuningService } from '../tuning/index.js';
import { startTransformWorkers, TransformService } from '../serving/transform/index.js';
import { createTrainingService, startTrainingWorkers, type TrainingService } from '../training/index.js';
import { buildApi } from './server.js';

export interface Platform {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly metadata: MetadataStore;
  readonly artifacts: ArtifactStore;
  readonly datasets: DatasetService;
  readonly auth: AuthService;
  readonly queue: JobQueue;
  readonly training: TrainingService;
  readonly models: ModelService;
  readonly packages: PackageService;
  readonly transforms: TransformService;
  readonly experiments: ExperimentService;
  readonly tuning: TuningService;
  /** Set on the first start of a fresh store: the admin token, when it was generated. */
  readonly bootstrap: { created: boolean; token?: string; tokenFile?: string };
  close(): Promise<void>;
}

/** The stores and services both `orchard up` and `orchard worker` need. */
interface Core {
  metadata: MetadataStore;
  artifacts: ArtifactStore;
  datasets: DatasetService;
  queue: JobQueue;
  training: TrainingService;
  models: ModelService;
  closers: Array<() => Promise<void>>;
  close(): Promise<void>;
}

/** Opens the stores named by the config; on failure closes what it opened. */
async function openCore(config: ResolvedConfig): Promise<Core> {
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
    const models = new ModelService({ metadata, artifacts, training, workDir: config.workDir });
    return { metadata, artifacts, datasets, queue, training, models, closers, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Starts the configured number of training workers (threads shared out between them). */
async function startWorkers(core: Core, config: ResolvedConfig): Promise<void> {
  const threads = Math.max(1, Math.floor(os.availableParallelism() / Math.max(1, config.workers)));
  const workers = await startTrainingWorkers({ ...core, attemptsDir: config.attemptsDir, threads, leaseMs: config.jobLeaseMs, checkpointSyncMs: Math.min(10_000, config.jobLeaseMs) }, config.workers);
  core.closers.push(() => workers.stop());
  const transforms = await startTransformWorkers(
    { ...core, workDir: path.join(config.workDir, 'transforms'), modelCacheDir: path.join(config.workDir, 'models'), leaseMs: config.jobLeaseMs },
    config.workers,
  );
  core.closers.push(() => transforms.stop());
}

/**
 * The composition root: opens the stores named by the config, creates the admin on a
 * fresh store, starts the embedded workers and the HTTP API. Everything it opens is
 * closed by `close()`, also when start-up fails halfway.
 */
export async function startPlatform(config: ResolvedConfig): Promise<Platform> {
  const core = await openCore(config);
  try {
    const { metadata, artifacts, datasets, queue, training, models } = core;
    const auth = new AuthService(metadata);
    const bootstrap = await bootstrapAdmin(auth, config);
    const packages = new PackageService(metadata, artifacts.url);
    const transforms = new TransformService({ metadata, queue, datasets, models });
    const experiments = new ExperimentService({ metadata, training });
    const tuning = new TuningService({ metadata, training, datasets });
    await startWorkers(core, config);
    const sessions = new SessionService(metadata, { ttlMs: config.sessionTtlMs });
    const app = await buildApi({ auth, sessions, datasets, artifacts, training, models, packages, transforms, experiments, tuning }, config);
    // The tuning controller runs in the server (one per deployment); trials run on any worker.
    const controller = new TuningController(tuning, training, { onError: (err) => app.log.error({ err }, 'tuning controller') });
    controller.start();
    core.closers.push(() => controller.stop());
    core.closers.push(() => app.close());
    await app.listen({ port: config.port, host: config.host });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    return { url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`, app, metadata, artifacts, datasets, auth, queue, training, models, packages, transforms, experiments, tuning, bootstrap, close: core.close };
  } catch (err) {
    await core.close();
    throw err;
  }
}

/**
 * A fleet worker (`orchard worker`): the same stores and workers as the server, no
 * HTTP API. Point it at the shared PostgreSQL, S3 store and Redis queue.
 */
export async function startWorker(config: ResolvedConfig): Promise<{ close(): Promise<void> }> {
  const core = await openCore(config);
  try {
    await startWorkers(core, config);
    return { close: core.close };
  } catch (err) {
    await core.close();
    throw err;
  }
}

async function bootstrapAdmin(auth: AuthService, config: ResolvedConfig): Promise<Platform['bootstrap']> {
  const result = await auth.bootstrapAdmin(config.adminToken);
  if (!result.token) return result;
  const tokenFile = path.join(config.home, 'admin-token');
  await fs.writeFile(tokenFile, result.token + '\n', { mode: 0o600 });
  await fs.chmod(tokenFile, 0o600);
  return { ...result, tokenFile };
}
