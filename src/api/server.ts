import http from 'node:http';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { AuthService, SessionService } from '../auth/index.js';
import { SigV4Authenticator, type AccessKeyService } from '../aws/index.js';
import { AsyncInvoker, runtimeHandler, type AsyncInvocationQueue } from '../aws/runtime/index.js';
import { S3_ROUTE_PREFIX, s3Routes, type S3Service } from '../aws/s3/index.js';
import type { DashboardService } from '../dashboards/index.js';
import type { CrawlerService } from '../crawlers/index.js';
import type { WebhookService } from '../webhooks/index.js';
import type { MetricsService } from '../metrics/index.js';
import type { MonitorService } from '../monitor/index.js';
import type { ModelQualityService } from '../monitor/model-quality/index.js';
import type { PipelineService, TriggerService } from '../pipelines/index.js';
import type { AlarmService } from '../alarms/index.js';
import type { LabelingService } from '../labeling/index.js';
import type { ReviewService } from '../reviews/index.js';
import type { DataQualityService } from '../data-quality/index.js';
import type { ForecastService } from '../forecast/index.js';
import type { DatasetService } from '../data/index.js';
import type { ArtifactStore } from '../storage/index.js';
import type { ModelService, PackageService } from '../registry/index.js';
import type { EndpointService } from '../serving/endpoints/index.js';
import type { TransformService } from '../serving/transform/index.js';
import type { RecipeService } from '../recipes/index.js';
import type { ProcessingService } from '../processing/index.js';
import type { TrainingService } from '../training/index.js';
import type { DebuggerService } from '../debugger/index.js';
import type { ExperimentService } from '../experiments/index.js';
import type { TuningService } from '../tuning/index.js';
import type { AutomlService } from '../automl/index.js';
import { asyncOutputConfig, sageMakerRoutes, settleTransformOutputs, type SageMakerStore } from '../aws/sagemaker/index.js';
import { installAuth } from './auth-hook.js';
import { EventHub, type StatusSource } from './events/index.js';
import { eventRoutes } from './routes/events.js';
import { installErrorHandlers } from './errors.js';
import { hostGuard, refuseHost } from './host-guard.js';
import { installUploadShield } from './upload-shield.js';
import { lazyValidatorFactory } from './lazy-validators.js';
import { algorithmRoutes } from './routes/algorithms.js';
import { artifactRoutes } from './routes/artifacts.js';
import { crawlerRoutes } from './routes/crawlers.js';
import { webhookRoutes } from './routes/webhooks.js';
import { metricRoutes } from './routes/metrics.js';
import { monitorRoutes } from './routes/monitor.js';
import { groundTruthRoutes } from './routes/ground-truth.js';
import { pipelineRoutes } from './routes/pipelines.js';
import { pipelineTriggerRoutes } from './routes/pipeline-triggers.js';
import { alarmRoutes } from './routes/alarms.js';
import { labelingRoutes } from './routes/labeling.js';
import { reviewRoutes } from './routes/reviews.js';
import { dashboardRoutes } from './routes/dashboards.js';
import { dataQualityRoutes } from './routes/data-quality.js';
import { forecastRoutes } from './routes/forecast.js';
import { datasetRoutes } from './routes/datasets.js';
import { invocationHandler } from './routes/endpoint-invocations.js';
import { endpointRoutes } from './routes/endpoints.js';
import { experimentRoutes } from './routes/experiments.js';
import { tuningRoutes } from './routes/tuning.js';
import { automlRoutes } from './routes/automl.js';
import { modelRoutes } from './routes/models.js';
import { registryRoutes } from './routes/registry.js';
import { sessionRoutes } from './routes/session.js';
import { transformRoutes } from './routes/transforms.js';
import { recipeRoutes } from './routes/recipes.js';
import { processingRoutes } from './routes/processing.js';
import { tokenRoutes } from './routes/tokens.js';
import { accessKeyRoutes } from './routes/access-keys.js';
import { trainingRoutes } from './routes/training.js';
import { debuggerRoutes } from './routes/debugger.js';
import { userRoutes } from './routes/users.js';
import { DEFAULT_STUDIO_DIR, installStudio } from './studio.js';
import { VERSION } from '../core/index.js';

export interface ApiDeps {
  auth: AuthService;
  /** Absent: requests signed with AWS Signature Version 4 are not accepted. */
  accessKeys?: AccessKeyService;
  sessions: SessionService;
  datasets: DatasetService;
  artifacts: ArtifactStore;
  training: TrainingService;
  /** Absent: no profile route (tests that build a partial API). */
  debugger?: DebuggerService;
  models: ModelService;
  packages: PackageService;
  transforms: TransformService;
  /** Absent: no recipe routes (tests that build a partial API). */
  recipes?: RecipeService;
  /** Absent: no processing routes (tests that build a partial API). */
  processing?: ProcessingService;
  endpoints: EndpointService;
  /** Where InvokeEndpointAsync records what it accepts. Absent: in memory (a partial API; lost when the process ends). */
  asyncQueue?: AsyncInvocationQueue;
  experiments: ExperimentService;
  tuning: TuningService;
  /** Absent: no dashboard routes (tests that build a partial API). */
  dashboards?: DashboardService;
  /** Absent: no crawler routes (tests that build a partial API). */
  crawlers?: CrawlerService;
  /** Absent: no data-quality routes (tests that build a partial API). */
  dataQuality?: DataQualityService;
  /** Absent: no forecast routes (tests that build a partial API). */
  forecast?: ForecastService;
  /** Absent: no webhook routes (tests that build a partial API). */
  webhooks?: WebhookService;
  /** Absent: no metrics route (tests that build a partial API). */
  metrics?: MetricsService;
  /** Absent: no Model Monitor routes (tests that build a partial API). */
  monitor?: MonitorService;
  /** AutoML jobs (Autopilot). */
  automl?: AutomlService;
  /** Absent: no ground-truth and model-quality routes (tests that build a partial API). */
  modelQuality?: ModelQualityService;
  /** Absent: no pipeline routes (tests that build a partial API). */
  pipelines?: PipelineService;
  /** Absent: no pipeline trigger routes. */
  triggers?: TriggerService;
  /** Absent: no alarm routes (tests that build a partial API). */
  alarms?: AlarmService;
  /** Absent: no labeling routes (tests that build a partial API). */
  labeling?: LabelingService;
  /** Absent: no human review routes (tests that build a partial API). */
  reviews?: ReviewService;
  /** Absent: no S3-compatible API at `/s3` (tests that build a partial API). */
  s3?: S3Service;
  /** What the platform feed (`GET /api/v1/events`) reports: each capability's `statusChanges`; see `statusSource`. */
  statusSources?: StatusSource[];
  /**
   * This process's job attempts ending (the in-process worker loop's `onAttemptEnded`): each
   * makes the event streams read at once instead of at their next poll, so a job that ends
   * here is reported without waiting out `ORCHARD_EVENTS_POLL_MS`.
   */
  attemptsEnded?: (listener: () => void) => () => void;
  /** Absent: no SageMaker control plane at `POST /` (tests that build a partial API). */
  sagemaker?: SageMakerStore;
}

export interface ApiOptions {
  logLevel: string;
  jsonBodyLimit: number;
  maxUploadBytes: number;
  /** How often live event streams read the metadata DB. @default 500 */
  eventsPollMs?: number;
  /** Comment lines on open event streams this often. @default 15000 */
  eventsHeartbeatMs?: number;
  endpointTestDelays?: boolean;
  /** InvokeEndpointAsync requests run at once; 0 records them and runs none. @default 4 */
  asyncInvocations?: number;
  /** The bind address; its name is answered in `Host` headers. @default `127.0.0.1` */
  host?: string;
  /** Extra `Host` names answered (see `hostGuard`); `['*']` answers any. @default [] */
  allowedHosts?: readonly string[];
  /** The built studio served at `/`; null serves none. @default dist/studio of this package */
  studioDir?: string | null;
  /** Compile every route's request schema while starting (Fastify's default), not on each route's first request. @default false */
  eagerValidation?: boolean;
}

/** Builds the HTTP API (not listening yet): `/healthz`, everything under `/api/v1`, the studio at `/`. */
export async function buildApi(deps: ApiDeps, options: ApiOptions): Promise<FastifyInstance> {
  // Endpoint invocations are answered ahead of the framework (see endpoint-invocations.ts).
  const invoke = invocationHandler(deps.endpoints, deps.auth, { testDelays: options.endpointTestDelays ?? false, log: (err, message) => app.log.error({ err }, message) });
  const sigv4 = deps.accessKeys ? new SigV4Authenticator(deps.accessKeys, { onTouchError: (err) => app.log.warn({ err }, 'could not record an access key use') }) : undefined;
  // SageMaker Runtime's InvokeEndpoint at the root, answered ahead of the framework too (src/aws/runtime).
  const sagemakerStore = deps.sagemaker;
  const asyncInvoker = new AsyncInvoker({ endpoints: deps.endpoints, artifacts: deps.artifacts, queue: deps.asyncQueue, concurrency: options.asyncInvocations, bucket: deps.s3?.bucket, outputConfig: sagemakerStore ? (name) => asyncOutputConfig(sagemakerStore, name) : undefined, log: (err, message) => app.log.error({ err }, message) });
  const runtime = runtimeHandler(deps.endpoints, deps.auth, sigv4, { testDelays: options.endpointTestDelays ?? false, async: asyncInvoker, log: (err, message) => app.log.error({ err }, message) });
  const hostAllowed = hostGuard({ host: options.host ?? '127.0.0.1', allowedHosts: options.allowedHosts ?? [] });
  const app: FastifyInstance = Fastify({
    // A server from serverFactory keeps Node's own 5 s keep-alive, not Fastify's 72 s: set
    // here, so a client that pauses between calls (boto3 while a pipeline runs) does not
    // meet its reused connection closing under it.
    serverFactory: (handler) =>
      Object.assign(http.createServer((req, res) => {
        // Before anything reads the request: a refused host learns nothing else.
        if (!hostAllowed(req.headers.host)) return refuseHost(req, res);
        if (invoke(req, res) || runtime(req, res)) return;
        // Every framework answer carries it (writeHead merges headers set here).
        res.setHeader('x-content-type-options', 'nosniff');
        handler(req, res);
      }), { keepAliveTimeout: 72_000 }),
    logger: { level: options.logLevel },
    // Per-request lines are noise on a laptop; errors are still logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.jsonBodyLimit,
    // Query strings like ?tag=a=1&tag=b=2 become arrays.
    routerOptions: { maxParamLength: 256 },
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, allErrors: false } },
    // Each route's request schema compiles on its first request, not at start-up (unless asked).
    ...(options.eagerValidation ? {} : { schemaController: { compilersFactory: { buildValidator: lazyValidatorFactory() as never } } }),
  });
  // Write routes take JSON only: a text/plain body is never parsed as JSON.
  app.removeContentTypeParser('text/plain');
  installErrorHandlers(app);
  installUploadShield(app);
  // Registered (and awaited) before the auth hook so that request.cookies is parsed first.
  const { default: cookie } = await import('@fastify/cookie');
  await app.register(cookie);
  installAuth(app, deps.auth, deps.sessions, sigv4);
  const hub = new EventHub(deps.training, deps.statusSources ?? [], { pollMs: options.eventsPollMs, heartbeatMs: options.eventsHeartbeatMs, log: app.log });
  const stopNudging = deps.attemptsEnded?.(() => hub.nudge());
  // Open event streams would keep close() waiting for ever: end them first.
  app.addHook('preClose', async () => {
    stopNudging?.();
    hub.close();
  });
  // Async invocations recorded before a restart run once the server is ready; those running finish before the endpoints stop.
  app.addHook('onReady', async () => asyncInvoker.start());
  app.addHook('onClose', async () => asyncInvoker.close());

  const { default: swagger } = await import('@fastify/swagger');
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Orchard API', version: VERSION },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          session: { type: 'apiKey', in: 'cookie', name: 'orchard_session', description: 'The studio session; writes also need the X-Orchard-CSRF header' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
  });

  // `s3Endpoint` is what S3 clients take as `endpoint` (path-style): this server as the client reached it, at `/s3`.
  app.get('/healthz', { config: { public: true }, schema: { hide: true } }, async (request) => ({
    status: 'ok',
    version: VERSION,
    ...(deps.s3 ? { s3Endpoint: `${request.protocol}://${request.host}${S3_ROUTE_PREFIX}`, s3Bucket: deps.s3.bucket } : {}),
  }));
  if (deps.sagemaker) {
    const sageMakerDeps = { ...deps, store: deps.sagemaker, bucket: deps.s3?.bucket };
    sageMakerRoutes(app, sageMakerDeps, { bodyLimit: options.jsonBodyLimit });
    // A transform job's output goes to its S3 output path when the job completes.
    settleTransformOutputs(app, sageMakerDeps);
  }

  await app.register(
    async (api) => {
      api.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
      api.get('/version', { schema: { tags: ['meta'], summary: 'Server version' } }, async () => ({ version: VERSION }));
      sessionRoutes(api, deps.auth, deps.sessions);
      userRoutes(api, deps.auth);
      tokenRoutes(api, deps.auth);
      if (deps.accessKeys) accessKeyRoutes(api, deps.accessKeys);
      datasetRoutes(api, deps.datasets, { maxUploadBytes: options.maxUploadBytes });
      artifactRoutes(api, deps.artifacts, { maxUploadBytes: options.maxUploadBytes });
      algorithmRoutes(api);
      trainingRoutes(api, deps.training);
      if (deps.debugger) debuggerRoutes(api, deps.debugger, deps.training);
      modelRoutes(api, deps.models, { maxUploadBytes: options.maxUploadBytes });
      registryRoutes(api, deps.packages);
      transformRoutes(api, deps.transforms);
      if (deps.recipes) recipeRoutes(api, deps.recipes);
      if (deps.processing) processingRoutes(api, deps.processing);
      endpointRoutes(api, deps.endpoints, { testDelays: options.endpointTestDelays ?? false });
      experimentRoutes(api, deps.experiments);
      tuningRoutes(api, deps.tuning);
      if (deps.automl) automlRoutes(api, deps.automl);
      if (deps.dashboards) dashboardRoutes(api, deps.dashboards);
      if (deps.crawlers) crawlerRoutes(api, deps.crawlers);
      if (deps.dataQuality) dataQualityRoutes(api, deps.dataQuality);
      if (deps.forecast) forecastRoutes(api, deps.forecast);
      if (deps.webhooks) webhookRoutes(api, deps.webhooks);
      if (deps.metrics) metricRoutes(api, deps.metrics);
      if (deps.monitor) monitorRoutes(api, deps.monitor);
      if (deps.modelQuality) groundTruthRoutes(api, deps.modelQuality);
      if (deps.pipelines) pipelineRoutes(api, deps.pipelines);
      if (deps.triggers) pipelineTriggerRoutes(api, deps.triggers);
      if (deps.alarms) alarmRoutes(api, deps.alarms);
      if (deps.labeling) labelingRoutes(api, deps.labeling);
      if (deps.reviews) reviewRoutes(api, deps.reviews);
      eventRoutes(api, hub);
    },
    { prefix: '/api/v1' },
  );
  const s3 = deps.s3;
  if (s3) await app.register(async (scope) => s3Routes(scope, s3, { maxUploadBytes: options.maxUploadBytes }), { prefix: S3_ROUTE_PREFIX });
  await installStudio(app, options.studioDir === undefined ? DEFAULT_STUDIO_DIR : options.studioDir);
  return app;
}
