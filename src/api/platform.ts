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
import { EndpointService, endpointsUsingModel } from '../serving/endpoints/index.js';
import { TuningController, TuningService } from '../tuning/index.js';
import { startTransformWorkers, TransformService } from '../serving/transform/index.js';
import { createTrainingService, startTrainingWorkers, type TrainingService } from '../training/index.js';
import { tableStatusSource } from './events/index.js';
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
  readonly endpoints: EndpointService;
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
    const models = new ModelService({ metadata, artifacts, training, workDir: config.workDir, usersOf: (model) => endpointsUsingModel(metadata, model) });
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
    // The platform feed's sources: one line per kind of thing with a status.
    const statusSources = [
      tableStatusSource(metadata, 'training-job', 'training_jobs', { secondaryStatus: 'secondary_status' }),
      tableStatusSource(metadata, 'transform-job', 'transform_jobs'),
      tableStatusSource(metadata, 'tuning-job', 'tuning_jobs'),
      tableStatusSource(metadata, 'endpoint', 'endpoints'),
    ];
    // Endpoints run in this process (never in fleet workers); they stop after the API has closed.
    let log = (message: string): void => {
      process.stderr.write(`${message}\n`);
    };
    const endpoints = new EndpointService(
      { metadata, artifacts, models },
      {
        modelCacheDir: path.join(config.workDir, 'models'),
        invocationTimeoutMs: config.endpointTimeoutMs,
        testDelays: config.endpointTestDelays,
        captureFlushMs: config.endpointCaptureFlushMs,
        healthIntervalMs: config.endpointHealthIntervalMs,
        autoscaleIntervalMs: config.endpointAutoscaleIntervalMs,
        log: (message) => log(message),
      },
    );
    core.closers.push(() => endpoints.close());
    const sessions = new SessionService(metadata, { ttlMs: config.sessionTtlMs });
    const app = await buildApi({ auth, sessions, datasets, artifacts, training, models, packages, transforms, experiments, tuning, endpoints, statusSources }, config);
    log = (message) => app.log.warn(message);
    // The tuning controller runs in the server (one per deployment); trials run on any worker.
    const controller = new TuningController(tuning, training, { onError: (err) => app.log.error({ err }, 'tuning controller') });
    controller.start();
    core.closers.push(() => controller.stop());
    core.closers.push(() => app.close());
    await watchForLostJobs(queue, [training, transforms], app.log);
    await endpoints.start();
    await app.listen({ port: config.port, host: config.host });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    return { url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`, app, metadata, artifacts, datasets, auth, queue, training, models, packages, transforms, experiments, tuning, endpoints, bootstrap, close: core.close };
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

/**
 * The metadata DB knows which jobs are acknowledged and unfinished; the queue may not (a
 * Redis without persistence restarted). At start, and whenever the queue reports lost
 * jobs, every capability with queued work enqueues again what is missing. A capability
 * that queues work (endpoints, tuning) adds its `requeueLost` to the list in
 * startPlatform.
 */
async function watchForLostJobs(queue: JobQueue, owners: Array<{ requeueLost(): Promise<number> }>, log: FastifyInstance['log']): Promise<void> {
  let running: Promise<void> = Promise.resolve();
  const reconcile = () => {
    running = running.then(async () => {
      for (const owner of owners) {
        const n = await owner.requeueLost().catch((err) => {
          log.error({ err }, 're-enqueueing lost jobs failed');
          return 0;
        });
        if (n > 0) log.warn({ requeued: n }, 'the job queue had lost jobs; enqueued them again');
      }
    });
    return running;
  };
  queue.onJobsLost(() => void reconcile());
  await reconcile();
}

async function bootstrapAdmin(auth: AuthService, config: ResolvedConfig): Promise<Platform['bootstrap']> {
  const result = await auth.bootstrapAdmin(config.adminToken);
  if (!result.token) return result;
  const tokenFile = path.join(config.home, 'admin-token');
  await fs.writeFile(tokenFile, result.token + '\n', { mode: 0o600 });
  await fs.chmod(tokenFile, 0o600);
  return { ...result, tokenFile };
}
