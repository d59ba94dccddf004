import fs from 'node:fs/promises';
import path from 'node:path';
import type { ResolvedConfig } from '../core/index.js';
import { crawlerJobHandler } from '../crawlers/index.js';
import { createDatasetService, type DatasetService } from '../data/index.js';
import { dataQualityJobHandler } from '../data-quality/index.js';
import { forecastJobHandler } from '../forecast/index.js';
import { monitorJobHandler } from '../monitor/index.js';
import { modelQualityScheduleRunner } from '../monitor/model-quality/index.js';
import { lazySecretBox, takesEvent, webhookJobHandler, WebhookService } from '../webhooks/index.js';
import { DebuggerService, webhookRuleNotifier } from '../debugger/index.js';
import { pipelineScriptJobHandler, pipelineSqlJobHandler } from '../pipelines/index.js';
import { openArtifactStore, openMetadataStore, type ArtifactStore, type MetadataStore } from '../storage/index.js';
import { openJobQueue, startWorkerLoop, type JobQueue, type WorkerLoop } from '../jobs/index.js';
import { ExperimentStore } from '../experiments/index.js';
import { ModelService } from '../registry/index.js';
import { endpointsUsingModel } from '../serving/endpoints/index.js';
import { transformJobHandler } from '../serving/transform/index.js';
import { processingJobHandler } from '../processing/index.js';
import { createTrainingService, trainingJobHandler, type TrainingService } from '../training/index.js';
import { recipeJobHandler, RecipeService } from '../recipes/index.js';
import { automlFinalizeJobHandler, finalizeInThread } from '../automl/index.js';
import { autoLabelWake, labelingJobHandler } from '../labeling/index.js';
import { createMetricsService, type MetricsService } from '../metrics/index.js';
import type { PlatformLog } from './platform-log.js';

/** The stores and services both `orchard up` and `orchard worker` need. */
export interface Core {
  metadata: MetadataStore;
  artifacts: ArtifactStore;
  datasets: DatasetService;
  queue: JobQueue;
  training: TrainingService;
  /** Debugger rules and profiles of training jobs (training reaches it through its rules port). */
  debugger: DebuggerService;
  models: ModelService;
  recipes: RecipeService;
  /** Stored metrics: endpoints and job attempts write through it (its `owners` are set by the server). */
  metrics: MetricsService;
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
    // Training creates an experiment on first use through this port: it never imports experiments.
    // Rules with action `notify` deliver through the webhooks; training reaches the debugger through its rules port.
    const debuggerService = new DebuggerService({ metadata, datasets, notifier: webhookRuleNotifier(new WebhookService({ metadata, queue, secrets: lazySecretBox(config) }), takesEvent) });
    const training = createTrainingService({ metadata, queue, datasets, artifacts, experiments: new ExperimentStore(metadata), rules: debuggerService });
    const recipes = new RecipeService({ metadata, artifacts, queue, datasets });
    const metrics = createMetricsService(metadata, { retentionDays: config.metricsRetentionDays });
    // Inference-pipeline models copy a recipe fit through this port: the registry never imports recipes.
    const models = new ModelService({ metadata, artifacts, training, workDir: config.workDir, modelCacheDir: path.join(config.workDir, 'models'), usersOf: (model) => endpointsUsingModel(metadata, model), recipes });
    return { metadata, artifacts, datasets, queue, training, debugger: debuggerService, models, recipes, metrics, closers, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * Starts this process's job worker: one loop for every job kind (training, transform
 * shards and assembly), running up to `workers` attempts side by side while the
 * worker's cores (`workerCpus`) allow. Stopped by `core.close()`.
 */
export async function startJobWorkers(core: Core, config: ResolvedConfig, log: PlatformLog): Promise<WorkerLoop | undefined> {
  if (config.workers === 0) return undefined;
  const handlers = [
    await trainingJobHandler({ ...core, rules: core.debugger, attemptsDir: config.attemptsDir, metricsSampleMs: config.metricsSampleMs, metricsFlushMs: config.metricsFlushMs, checkpointSyncMs: Math.min(10_000, config.jobLeaseMs) }),
    await transformJobHandler({ ...core, workDir: path.join(config.workDir, 'transforms'), modelCacheDir: path.join(config.workDir, 'models'), cpus: config.workerCpus }),
    await processingJobHandler({ ...core, attemptsDir: config.attemptsDir, metricsSampleMs: config.metricsSampleMs, metricsFlushMs: config.metricsFlushMs, workDir: path.join(config.workDir, 'processing') }),
    await recipeJobHandler({ ...core, workDir: path.join(config.workDir, 'recipes') }),
    await crawlerJobHandler({ ...core, config, workDir: path.join(config.workDir, 'crawlers') }),
    await dataQualityJobHandler({ ...core, workDir: path.join(config.workDir, 'data-quality') }),
    await forecastJobHandler({ ...core, workDir: path.join(config.workDir, 'forecast') }),
    // Model Monitor's executions write their metrics (namespace `monitor`) through core.metrics.
    await monitorJobHandler({ ...core, workDir: path.join(config.workDir, 'monitor'), modelQuality: modelQualityScheduleRunner(core), log: (m) => log.warn(m) }),
    webhookJobHandler({ ...core, secrets: lazySecretBox(config) }),
    pipelineScriptJobHandler({ ...core, attemptsDir: config.attemptsDir }),
    pipelineSqlJobHandler(core),
    // AutoML's finalize: scores, ensemble, the best model registered, the reports. The
    // scoring runs in a worker thread: long synchronous work would stall the API's event loop.
    await automlFinalizeJobHandler({ ...core, finalize: finalizeInThread, workDir: path.join(config.workDir, 'automl') }),
    // Labeling's consolidation: answers into an augmented manifest dataset version.
    labelingJobHandler(core),
  ];
  const loop = startWorkerLoop({ queue: core.queue, handlers, slots: config.workers, cpus: config.workerCpus, leaseMs: config.jobLeaseMs, log: (message) => log.warn(message) });
  // An automated-labeling round's last training job that ends here queues its label step at once.
  loop.onAttemptEnded(autoLabelWake(core, (err) => log.warn(`automated labeling: ${(err as Error)?.message ?? err}`)));
  core.closers.push(() => loop.stop());
  return loop;
}
