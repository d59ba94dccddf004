import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApi, eventSource, statusSource } from '../api/index.js';
import { AuthService, SessionService, can } from '../auth/index.js';
import type { ResolvedConfig } from '../core/index.js';
import { CrawlerService } from '../crawlers/index.js';
import { DashboardService } from '../dashboards/index.js';
import { DataQualityService } from '../data-quality/index.js';
import { ForecastService } from '../forecast/index.js';
import { MonitorScheduler, MonitorService } from '../monitor/index.js';
import { ModelQualityService } from '../monitor/model-quality/index.js';
import { lazySecretBox, WebhookService } from '../webhooks/index.js';
import { AlarmEvaluator, AlarmService, AlarmStore } from '../alarms/index.js';
import { MetricsService, MetricsStore, isKnownMetric, METRIC_NAMES } from '../metrics/index.js';
import { AccessKeyService } from '../aws/index.js';
import { S3Service } from '../aws/s3/index.js';
import { AsyncInvocationStore } from '../aws/runtime/index.js';
import { SageMakerStore } from '../aws/sagemaker/index.js';
import { ExecutionEngine, PipelineController, PipelineService, PipelineStore, TriggerService, TriggerStore, TriggerWatcher, stepJobsOwner, STEP_RUNNERS, type PipelinePorts } from '../pipelines/index.js';
import type { DatasetService } from '../data/index.js';
import type { JobQueue } from '../jobs/index.js';
import { ExperimentService, ExperimentStore } from '../experiments/index.js';
import { PackageService, type ModelService } from '../registry/index.js';
import { EndpointService } from '../serving/endpoints/index.js';
import { TransformService } from '../serving/transform/index.js';
import { ProcessingService } from '../processing/index.js';
import type { RecipeService } from '../recipes/index.js';
import type { ArtifactStore, MetadataStore } from '../storage/index.js';
import type { TrainingService } from '../training/index.js';
import { TuningController, TuningService } from '../tuning/index.js';
import { AutomlController, AutomlService } from '../automl/index.js';
import { LabelingService } from '../labeling/index.js';
import { ReviewService } from '../reviews/index.js';
import { bootstrapAdmin, type BootstrapResult } from './bootstrap.js';
import { openCore, startJobWorkers } from './core.js';
import { watchForLostJobs } from './lost-jobs.js';
import { stderrLog, type PlatformLog } from './platform-log.js';

/** A running `orchard up`: its stores, services and HTTP API. */
export interface Platform {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly metadata: MetadataStore;
  readonly artifacts: ArtifactStore;
  readonly datasets: DatasetService;
  readonly auth: AuthService;
  /** AWS-style access keys that sign requests with SigV4 (`src/aws`). */
  readonly accessKeys: AccessKeyService;
  readonly queue: JobQueue;
  readonly training: TrainingService;
  readonly models: ModelService;
  readonly packages: PackageService;
  readonly transforms: TransformService;
  readonly processing: ProcessingService;
  readonly recipes: RecipeService;
  readonly endpoints: EndpointService;
  readonly experiments: ExperimentService;
  readonly tuning: TuningService;
  /** AutoML jobs (Autopilot). */
  readonly automl: AutomlService;
  readonly dashboards: DashboardService;
  readonly dataQuality: DataQualityService;
  readonly forecast: ForecastService;
  readonly webhooks: WebhookService;
  /** Model Monitor (data quality): baselines, schedules, executions. */
  readonly monitor: MonitorService;
  readonly pipelines: PipelineService;
  /** Drives pipeline executions while this server holds the pipelines' leadership. */
  readonly pipelineController: PipelineController;
  /** Set on the first start of a fresh store: the admin token, when it was generated. */
  readonly bootstrap: BootstrapResult;
  close(): Promise<void>;
}

/**
 * The composition root: opens the stores named by the config, creates the admin on a
 * fresh store, starts the embedded workers and the HTTP API. Everything it opens is
 * closed by `close()`, also when start-up fails halfway.
 */
export async function startPlatform(config: ResolvedConfig): Promise<Platform> {
  const core = await openCore(config);
  try {
    const { metadata, artifacts, datasets, queue, training, models, recipes } = core;
    const auth = new AuthService(metadata);
    const bootstrap = await bootstrapAdmin(auth, config);
    const accessKeys = new AccessKeyService({ metadata, auth, secrets: lazySecretBox(config) });
    const packages = new PackageService(metadata, artifacts.url);
    const transforms = new TransformService({ metadata, queue, datasets, models, artifacts });
    const processing = new ProcessingService({ metadata, queue, datasets, artifacts });
    const crawlers = new CrawlerService({ metadata, queue, artifacts, config });
    const experiments = new ExperimentService({ store: new ExperimentStore(metadata), runs: training });
    const tuning = new TuningService({ metadata, training, datasets, workerCpus: config.workerCpus });
    const automl = new AutomlService({ metadata, artifacts, datasets, queue, workerCpus: config.workerCpus });
    const dashboards = new DashboardService({ metadata, datasets });
    // Labeling's workforce: the enabled users with the labeler role.
    const labeling = new LabelingService({ metadata, queue, artifacts, datasets, labelers: async () => (await auth.listUsers()).filter((u) => u.role === 'labeler' && !u.disabledAt).map((u) => u.name) });
    const dataQuality = new DataQualityService({ metadata, queue, datasets });
    const forecast = new ForecastService({ metadata, artifacts, queue, datasets, workDir: path.join(config.workDir, 'forecast-server') });
    // Webhooks' secrets are sealed under the platform key (ORCHARD_SECRET_KEY, else the home's key file).
    const webhooks = new WebhookService({ metadata, queue, secrets: lazySecretBox(config) });
    // Endpoints exist only further down: the monitor reaches them when a schedule is created.
    let monitorEndpoints: EndpointService | null = null;
    const monitor = new MonitorService({ metadata, queue, artifacts, datasets, endpoints: { describe: (name) => monitorEndpoints!.describe(name) } });
    const pipelineStore = new PipelineStore(metadata);
    const pipelines = new PipelineService(pipelineStore);
    const triggerStore = new TriggerStore(metadata);
    const triggerPorts = { pipelines, datasets, crawlers, packages };
    const triggers = new TriggerService(triggerStore, triggerPorts);
    // The engine tells the controller when to look again; the controller calls the engine.
    let pipelineController: PipelineController | null = null;
    // The work steps' ports; endpoints exist only further down, so theirs is reached when a step runs.
    let endpointsPort: EndpointService | null = null;
    const stepPorts: PipelinePorts = {
      datasets, training, models, packages, processing, tuning, transforms, forecast, webhooks, queue, artifacts, pipelines: pipelineStore,
      endpoints: { create: (i) => endpointsPort!.create(i), describe: (n) => endpointsPort!.describe(n), update: (n, i) => endpointsPort!.update(n, i) },
    };
    const engine = new ExecutionEngine(pipelineStore, STEP_RUNNERS, stepPorts, { pollMs: config.pipelinePollMs, wakeAt: (id, at) => pipelineController?.wakeAt(id, at) });
    // Until the API's logger exists, the job worker writes to stderr.
    let jobLog: PlatformLog = stderrLog();
    const workerLoop = await startJobWorkers(core, config, { warn: (m, f) => jobLog.warn(m, f), error: (m, e) => jobLog.error(m, e) });
    // Endpoints run in this process (never in fleet workers); they stop after the API has closed.
    let log = (message: string): void => {
      process.stderr.write(`${message}\n`);
    };
    const endpoints = new EndpointService(
      { metadata, artifacts, models, metrics: config.endpointMetrics ? core.metrics : null },
      {
        modelCacheDir: path.join(config.workDir, 'models'),
        invocationTimeoutMs: config.endpointTimeoutMs,
        testDelays: config.endpointTestDelays,
        captureFlushMs: config.endpointCaptureFlushMs,
        healthIntervalMs: config.endpointHealthIntervalMs,
        metricsFlushMs: config.metricsFlushMs,
        metricsSampleMs: config.metricsSampleMs,
        autoscaleIntervalMs: config.endpointAutoscaleIntervalMs,
        log: (message) => log(message),
      },
    );
    core.closers.push(() => endpoints.close());
    endpointsPort = endpoints;
    // Human review taps the invocations of endpoints with a flow; its workforce is every enabled user whose role takes labeling work.
    const reviews = new ReviewService({
      metadata,
      artifacts,
      taps: endpoints.runtime,
      workforce: async () => (await auth.listUsers()).filter((u) => !u.disabledAt && can(u.role, 'labeling:work')).map((u) => u.name),
      datasets,
      log: (message) => log(message),
    });
    await reviews.start();
    core.closers.push(() => reviews.close());
    // Metrics of an endpoint or job that never existed are 404; the server sweeps old minutes (hourly and now).
    const exists = (p: Promise<unknown>) => p.then(() => true, () => false);
    core.metrics.owners = {
      endpointExists: (name) => exists(endpoints.describe(name)),
      jobExists: async (name, kind) => (kind !== 'processing' && (await exists(training.describe(name)))) || (kind !== 'training' && (await exists(processing.describe(name)))),
    };
    core.metrics.startRetention((message) => log(message));
    core.closers.push(async () => core.metrics.stopRetention());
    monitorEndpoints = endpoints;
    // Model quality reads capture and keeps ground truth and executions in the artifact store; its metrics go to the stored series.
    const modelQuality = new ModelQualityService({ artifacts, endpoints, datasets, metrics: core.metrics });
    // Alarms read stored metrics through the platform's metrics service, and reach endpoints, webhooks, pipelines and training through theirs.
    const alarms = new AlarmService(new AlarmStore(metadata), {
      metrics: core.metrics,
      catalog: { isKnown: isKnownMetric, names: (namespace) => METRIC_NAMES[namespace] },
      endpoints,
      webhooks,
      pipelines,
      training,
    });
    // The platform feed's sources: one line per kind of thing with a status, each read by
    // the capability that owns its table.
    const statusSources = [
      statusSource('training-job', training.statusChanges),
      statusSource('transform-job', transforms.statusChanges),
      statusSource('recipe-job', recipes.statusChanges),
      statusSource('processing-job', processing.statusChanges),
      statusSource('tuning-job', tuning.statusChanges),
      statusSource('automl', automl.statusChanges),
      statusSource('endpoint', endpoints.statusChanges),
      statusSource('alarm', alarms.statusChanges),
      statusSource('labeling-job', labeling.statusChanges),
      statusSource('human-loop', reviews.statusChanges),
      statusSource('crawler-run', crawlers.statusChanges),
      statusSource('data-quality-report', dataQuality.statusChanges),
      statusSource('monitor-baseline', monitor.baselineStatusChanges),
      statusSource('monitor-execution', monitor.executionStatusChanges),
      statusSource('forecast-import', forecast.importStatusChanges),
      statusSource('forecast-predictor', forecast.predictorStatusChanges),
      statusSource('forecast', forecast.forecastStatusChanges),
      // Steps before their execution: a round's last step change goes out before the execution's end.
      eventSource('pipeline-step', pipelines.stepChanges),
      statusSource('pipeline-execution', pipelines.statusChanges),
    ];
    const sessions = new SessionService(metadata, { ttlMs: config.sessionTtlMs });
    const s3 = new S3Service({ metadata, artifacts, bucket: config.s3ApiBucket });
    const app = await buildApi({ s3, auth, accessKeys, sessions, datasets, artifacts, training, debugger: core.debugger, models, packages, transforms, processing, recipes, experiments, tuning, automl, endpoints, asyncQueue: new AsyncInvocationStore(metadata), dashboards, crawlers, dataQuality, forecast, webhooks, monitor, modelQuality, pipelines, triggers, alarms, labeling, reviews, statusSources, attemptsEnded: workerLoop?.onAttemptEnded, sagemaker: new SageMakerStore(metadata), metrics: core.metrics }, config);
    log = (message) => app.log.warn(message);
    jobLog = fastifyLog(app);
    // The tuning controller runs in the server (one per deployment); trials run on any worker.
    // A trial that ends in this server's worker loop starts the next at once; the tick finds the others.
    const controller = new TuningController(tuning, training, { attemptsEnded: workerLoop?.onAttemptEnded, onError: (err) => app.log.error({ err }, 'tuning controller') });
    controller.start();
    core.closers.push(() => controller.stop());
    // The AutoML controller, like tuning's: in the server; recipe jobs, candidates and the finalize run on any worker.
    const automlController = new AutomlController({ store: automl.store, training, recipes, datasets, queue, artifacts }, { onError: (err) => app.log.error({ err }, 'automl controller') });
    automlController.start();
    core.closers.push(() => automlController.stop());
    // The pipeline controller: one leader per deployment (an advisory lock on PostgreSQL).
    const pipelineLog = fastifyLog(app);
    pipelineController = new PipelineController(metadata, pipelineStore, engine, {
      sweepMs: config.pipelinePollMs,
      onError: (err) => pipelineLog.error('pipeline controller', err),
      onLeadership: (leading) => (leading ? app.log.info('This server now runs the pipeline controller') : pipelineLog.warn('This server lost the pipeline controller')),
    });
    const kicker = pipelineController;
    pipelines.onChange = (id) => kicker.kick(id);
    core.closers.push(() => kicker.stop());
    // Triggers fire only where the controller leads: one firing per event in a deployment.
    const watcher = new TriggerWatcher(triggerStore, triggerPorts, { intervalMs: 2 * config.pipelinePollMs, leading: () => kicker.leading, onError: (err, trigger) => pipelineLog.error(`pipeline trigger ${trigger}`, err) });
    watcher.start();
    core.closers.push(() => watcher.stop());
    // Alarms are evaluated where the pipelines' controller leads: once per interval in a deployment.
    const alarmEvaluator = new AlarmEvaluator(alarms, { intervalMs: config.alarmIntervalMs, leading: () => kicker.leading, onError: (err, alarm) => pipelineLog.error(`alarm ${alarm}`, err) });
    alarmEvaluator.start();
    core.closers.push(() => alarmEvaluator.stop());
    core.closers.push(() => app.close());
    await watchForLostJobs(queue, [training, transforms, processing, recipes, crawlers, dataQuality, forecast, webhooks, monitor, automl, labeling, stepJobsOwner(pipelineStore, queue, artifacts)], fastifyLog(app));
    await endpoints.start();
    // Due monitoring executions are started by every server; a scheduled time fires once (see MonitorScheduler).
    const monitorScheduler = new MonitorScheduler(monitor, { intervalMs: Math.max(1000, 5 * config.pipelinePollMs), onError: (err) => app.log.error({ err }, 'monitor scheduler') });
    monitorScheduler.start();
    core.closers.push(() => monitorScheduler.stop());
    await app.listen({ port: config.port, host: config.host });
    // After the listen: `orchard up` prints its start-up line before anything the controller logs.
    pipelineController.start();
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    return { url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`, app, metadata, artifacts, datasets, auth, accessKeys, queue, training, models, packages, transforms, processing, recipes, experiments, tuning, automl, endpoints, dashboards, dataQuality, forecast, webhooks, monitor, pipelines, pipelineController, bootstrap, close: core.close };
  } catch (err) {
    await core.close();
    throw err;
  }
}

/** The server's log lines go through Fastify's logger (pino: fields first, then the message). */
function fastifyLog(app: FastifyInstance): PlatformLog {
  return {
    warn: (message, fields) => app.log.warn(fields ?? {}, message),
    error: (message, err) => app.log.error({ err }, message),
  };
}
