import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { OrchardError } from './errors.js';
// The client reading of the environment is shared with the SDK (a TypeBox-free module).
import { clientEnvDefaults } from '../contracts/values.js';

/** Options a caller may set; every field is optional and documented with its default. */
export interface OrchardOptions {
  /** Folder for the embedded metadata DB, artifacts and caches. @default `./.orchard` */
  home?: string;
  /** HTTP port. @default 7070 */
  port?: number;
  /** Interface to bind. @default `127.0.0.1` */
  host?: string;
  /**
   * Host names (any port) the server answers besides its defaults: the bind address,
   * `localhost` and its subdomains, and IP addresses; on `0.0.0.0`/`::` also this
   * machine's host name. Others get 403, against DNS rebinding. `*` answers any.
   * @default []
   */
  allowedHosts?: string[];
  /** `sqlite:<file>` or `postgres://…` (optional `?schema=name`). @default `sqlite:<home>/orchard.db` */
  databaseUrl?: string;
  /** `file://<dir>` or `s3://bucket/prefix`. @default `file://<home>/artifacts` */
  artifactsUrl?: string;
  /** Endpoint of an S3-compatible server (path-style addressing). @default AWS */
  s3Endpoint?: string;
  /** Region for the S3 client. @default `AWS_REGION` or `us-east-1` */
  s3Region?: string;
  /** The bucket name under which the server's own S3-compatible API (`/s3`) serves the artifact store. @default `orchard` */
  s3ApiBucket?: string;
  /** `embedded` or `redis://…`. @default `embedded` */
  queueUrl?: string;
  /** Admin token to create on first start; generated when absent. */
  adminToken?: string;
  /** Largest dataset upload, bytes. @default 64 GiB */
  maxUploadBytes?: number;
  /** Largest JSON request body, bytes. @default 1 MiB */
  jsonBodyLimit?: number;
  /** `fatal|error|warn|info|debug|trace|silent`. @default `info` */
  logLevel?: string;
  /** Training attempts this server runs at once (0: none, a fleet's workers do). @default cores */
  workers?: number;
  /** Cores a worker process shares out between the jobs it runs side by side. @default os.availableParallelism() */
  workerCpus?: number;
  /**
   * Parent of the attempts' working folders. Outside the home folder on purpose: user
   * code runs unprivileged and must reach its folder, never the metadata DB or tokens.
   * @default `<tmp>/orchard-attempts`
   */
  attemptsDir?: string;
  /** Lease of a running attempt; a worker that stops heartbeating loses it after this long. @default 30000 */
  jobLeaseMs?: number;
  /** How often live event streams (SSE) read the metadata DB while anyone listens. @default 500 */
  eventsPollMs?: number;
  /** A comment line on every open event stream this often (keeps proxies from closing it). @default 15000 */
  eventsHeartbeatMs?: number;
  /** Longest an endpoint's model may take to answer an invocation. @default 60000 */
  endpointTimeoutMs?: number;
  /** How often captured invocations are written to the artifact store. @default 10000 */
  endpointCaptureFlushMs?: number;
  /** How often endpoint autoscaling policies are evaluated. @default 15000 */
  endpointAutoscaleIntervalMs?: number;
  /** How often model servers are pinged. @default 5000 */
  endpointHealthIntervalMs?: number;
  /** How often the pipeline controller sweeps unfinished executions and polls their running steps. @default 1000 */
  pipelinePollMs?: number;
  /** How often the server evaluates enabled alarms. @default 60000 */
  alarmIntervalMs?: number;
  /**
   * Model servers honour an `x-orchard-test-delay-ms` request header (a deliberately slow
   * model, for tests of timeouts and crashes). Never set it in production. @default false
   */
  endpointTestDelays?: boolean;
  /** Endpoints record per-minute metrics (invocations, errors, latencies, CPU and memory); `ORCHARD_ENDPOINT_METRICS=off` turns it off. @default true */
  endpointMetrics?: boolean;
  /** How often recorded endpoint metrics are written to the metadata DB. @default 60000 */
  metricsFlushMs?: number;
  /** How often model servers' and job attempts' CPU and memory are sampled. @default 10000 */
  metricsSampleMs?: number;
  /** Days stored metrics are kept. @default 15 */
  metricsRetentionDays?: number;
  /**
   * SageMaker async invocations (`InvokeEndpointAsync`) this server runs at once; 0 accepts
   * and records them but runs none (they wait for a server with a higher setting). @default 4
   */
  asyncInvocations?: number;
  /** How long a studio sign-in lasts. @default 43200000 (12 hours) */
  sessionTtlMs?: number;
  /**
   * Folders a crawler may read with a `file://` source (`ORCHARD_CRAWLER_ROOTS`, comma-separated);
   * real paths are compared, so `..` and links cannot leave them. @default none (no `file://` sources)
   */
  crawlerRoots?: string[];
  /**
   * Buckets a crawler may read with an `s3://` source besides the artifact store's own
   * (`ORCHARD_CRAWLER_BUCKETS`, comma-separated). @default none
   */
  crawlerBuckets?: string[];
  /**
   * The platform key that encrypts secrets at rest (webhook signing secrets), base64 of
   * 32 bytes (`ORCHARD_SECRET_KEY`). Every server and worker on one metadata store must
   * share it. @default a key generated once into `<home>/secret-key` (mode 0600)
   */
  secretKey?: string;
}

export interface ResolvedConfig {
  readonly home: string;
  readonly port: number;
  readonly host: string;
  /** Extra host names the server answers (see {@link OrchardOptions.allowedHosts}); `['*']` answers any. */
  readonly allowedHosts: readonly string[];
  readonly databaseUrl: string;
  readonly artifactsUrl: string;
  readonly s3Endpoint: string | undefined;
  readonly s3Region: string;
  /** See {@link OrchardOptions.s3ApiBucket}. */
  readonly s3ApiBucket: string;
  readonly queueUrl: string;
  readonly adminToken: string | undefined;
  readonly maxUploadBytes: number;
  readonly jsonBodyLimit: number;
  readonly logLevel: string;
  readonly workers: number;
  readonly workerCpus: number;
  readonly attemptsDir: string;
  readonly jobLeaseMs: number;
  readonly eventsPollMs: number;
  readonly eventsHeartbeatMs: number;
  readonly endpointTimeoutMs: number;
  readonly endpointCaptureFlushMs: number;
  readonly endpointAutoscaleIntervalMs: number;
  readonly endpointHealthIntervalMs: number;
  readonly pipelinePollMs: number;
  readonly alarmIntervalMs: number;
  readonly endpointTestDelays: boolean;
  readonly endpointMetrics: boolean;
  readonly metricsFlushMs: number;
  readonly metricsSampleMs: number;
  readonly metricsRetentionDays: number;
  readonly asyncInvocations: number;
  readonly sessionTtlMs: number;
  /** Absolute folders `file://` crawler sources must lie under (see {@link OrchardOptions.crawlerRoots}). */
  readonly crawlerRoots: readonly string[];
  /** Buckets `s3://` crawler sources may name besides the artifact store's. */
  readonly crawlerBuckets: readonly string[];
  /** The platform key as 32 bytes in base64, when set (see {@link OrchardOptions.secretKey}); else the home's key file is used. */
  readonly secretKey: string | undefined;
  /** Local scratch space (uploads in flight, query caches). */
  readonly workDir: string;
}

/** The one place environment variables are read. */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): OrchardOptions {
  return {
    home: env.ORCHARD_HOME || undefined,
    port: env.ORCHARD_PORT ? parsePort(env.ORCHARD_PORT) : undefined,
    host: env.ORCHARD_HOST || undefined,
    allowedHosts: env.ORCHARD_ALLOWED_HOSTS ? parseHostList(env.ORCHARD_ALLOWED_HOSTS) : undefined,
    databaseUrl: env.ORCHARD_DATABASE_URL || undefined,
    artifactsUrl: env.ORCHARD_ARTIFACTS_URL || undefined,
    s3Endpoint: env.ORCHARD_S3_ENDPOINT || undefined,
    s3Region: env.ORCHARD_S3_REGION || env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined,
    s3ApiBucket: env.ORCHARD_S3_API_BUCKET || undefined,
    queueUrl: env.ORCHARD_QUEUE_URL || undefined,
    adminToken: env.ORCHARD_TOKEN || undefined,
    maxUploadBytes: env.ORCHARD_MAX_UPLOAD_BYTES ? Number(env.ORCHARD_MAX_UPLOAD_BYTES) : undefined,
    logLevel: env.ORCHARD_LOG_LEVEL || undefined,
    workers: env.ORCHARD_WORKERS ? Number(env.ORCHARD_WORKERS) : undefined,
    workerCpus: env.ORCHARD_WORKER_CPUS ? Number(env.ORCHARD_WORKER_CPUS) : undefined,
    attemptsDir: env.ORCHARD_ATTEMPTS_DIR || undefined,
    jobLeaseMs: env.ORCHARD_JOB_LEASE_MS ? Number(env.ORCHARD_JOB_LEASE_MS) : undefined,
    eventsPollMs: env.ORCHARD_EVENTS_POLL_MS ? Number(env.ORCHARD_EVENTS_POLL_MS) : undefined,
    eventsHeartbeatMs: env.ORCHARD_EVENTS_HEARTBEAT_MS ? Number(env.ORCHARD_EVENTS_HEARTBEAT_MS) : undefined,
    endpointTimeoutMs: env.ORCHARD_ENDPOINT_TIMEOUT_MS ? Number(env.ORCHARD_ENDPOINT_TIMEOUT_MS) : undefined,
    endpointCaptureFlushMs: env.ORCHARD_ENDPOINT_CAPTURE_FLUSH_MS ? Number(env.ORCHARD_ENDPOINT_CAPTURE_FLUSH_MS) : undefined,
    endpointAutoscaleIntervalMs: env.ORCHARD_ENDPOINT_AUTOSCALE_INTERVAL_MS ? Number(env.ORCHARD_ENDPOINT_AUTOSCALE_INTERVAL_MS) : undefined,
    endpointHealthIntervalMs: env.ORCHARD_ENDPOINT_HEALTH_INTERVAL_MS ? Number(env.ORCHARD_ENDPOINT_HEALTH_INTERVAL_MS) : undefined,
    pipelinePollMs: env.ORCHARD_PIPELINE_POLL_MS ? Number(env.ORCHARD_PIPELINE_POLL_MS) : undefined,
    alarmIntervalMs: env.ORCHARD_ALARM_INTERVAL_MS ? Number(env.ORCHARD_ALARM_INTERVAL_MS) : undefined,
    endpointTestDelays: env.ORCHARD_ENDPOINT_TEST_DELAYS === '1' || undefined,
    endpointMetrics: env.ORCHARD_ENDPOINT_METRICS ? !['off', '0', 'false'].includes(env.ORCHARD_ENDPOINT_METRICS) : undefined,
    metricsFlushMs: env.ORCHARD_METRICS_FLUSH_MS ? Number(env.ORCHARD_METRICS_FLUSH_MS) : undefined,
    metricsSampleMs: env.ORCHARD_METRICS_SAMPLE_MS ? Number(env.ORCHARD_METRICS_SAMPLE_MS) : undefined,
    metricsRetentionDays: env.ORCHARD_METRICS_RETENTION_DAYS ? Number(env.ORCHARD_METRICS_RETENTION_DAYS) : undefined,
    asyncInvocations: env.ORCHARD_ASYNC_INVOCATIONS ? Number(env.ORCHARD_ASYNC_INVOCATIONS) : undefined,
    sessionTtlMs: env.ORCHARD_SESSION_TTL_MS ? Number(env.ORCHARD_SESSION_TTL_MS) : undefined,
    crawlerRoots: env.ORCHARD_CRAWLER_ROOTS ? parseList(env.ORCHARD_CRAWLER_ROOTS) : undefined,
    crawlerBuckets: env.ORCHARD_CRAWLER_BUCKETS ? parseList(env.ORCHARD_CRAWLER_BUCKETS) : undefined,
    secretKey: env.ORCHARD_SECRET_KEY || undefined,
  };
}

/** A comma-separated list of host names (`ORCHARD_ALLOWED_HOSTS`, `--allowed-hosts`), lower-cased. */
export function parseHostList(value: string): string[] {
  return value
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== '');
}

/** A comma-separated list (`ORCHARD_CRAWLER_ROOTS`, `ORCHARD_CRAWLER_BUCKETS`): trimmed, empty items dropped. */
export function parseList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

export function parsePort(value: string | number): number {
  const port = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new OrchardError('ORCH_CONFIG_INVALID', { message: `Invalid port: ${value}` });
  }
  return port;
}

/** A bucket name as S3 allows it (3-63 lower-case letters, digits, dots and hyphens). */
function s3BucketName(value: string): string {
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value)) {
    throw new OrchardError('ORCH_CONFIG_INVALID', { message: `ORCHARD_S3_API_BUCKET: '${value}' is not a valid S3 bucket name` });
  }
  return value;
}

function positiveMs(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 100) throw new OrchardError('ORCH_CONFIG_INVALID', { message: `${name} must be a whole number of milliseconds, at least 100` });
  return value;
}

function positiveDays(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new OrchardError('ORCH_CONFIG_INVALID', { message: `${name} must be a number of days above 0` });
  return value;
}

function nonNegativeInt(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0) throw new OrchardError('ORCH_CONFIG_INVALID', { message: `${name} must be a whole number, at least 0` });
  return value;
}

export function resolveConfig(options: OrchardOptions = {}): ResolvedConfig {
  const home = path.resolve(options.home ?? '.orchard');
  const maxUploadBytes = options.maxUploadBytes ?? 64 * 1024 ** 3;
  if (!Number.isFinite(maxUploadBytes) || maxUploadBytes <= 0) {
    throw new OrchardError('ORCH_CONFIG_INVALID', { message: 'ORCHARD_MAX_UPLOAD_BYTES must be a positive number' });
  }
  const workers = options.workers ?? os.availableParallelism();
  if (!Number.isInteger(workers) || workers < 0 || workers > 256) {
    throw new OrchardError('ORCH_CONFIG_INVALID', { message: 'ORCHARD_WORKERS / --workers must be a whole number from 0 to 256' });
  }
  const workerCpus = options.workerCpus ?? os.availableParallelism();
  if (!Number.isInteger(workerCpus) || workerCpus < 1 || workerCpus > 1024) {
    throw new OrchardError('ORCH_CONFIG_INVALID', { message: 'ORCHARD_WORKER_CPUS / --cpus must be a whole number from 1 to 1024' });
  }
  return Object.freeze({
    home,
    port: parsePort(options.port ?? 7070),
    host: options.host ?? '127.0.0.1',
    allowedHosts: Object.freeze([...(options.allowedHosts ?? [])]),
    databaseUrl: options.databaseUrl ?? `sqlite:${path.join(home, 'orchard.db')}`,
    artifactsUrl: options.artifactsUrl ?? pathToFileURL(path.join(home, 'artifacts')).href,
    s3Endpoint: options.s3Endpoint,
    s3Region: options.s3Region ?? 'us-east-1',
    s3ApiBucket: s3BucketName(options.s3ApiBucket ?? 'orchard'),
    queueUrl: options.queueUrl ?? 'embedded',
    adminToken: options.adminToken,
    maxUploadBytes,
    jsonBodyLimit: options.jsonBodyLimit ?? 1024 * 1024,
    logLevel: options.logLevel ?? 'info',
    workers,
    workerCpus,
    attemptsDir: path.resolve(options.attemptsDir ?? path.join(os.tmpdir(), 'orchard-attempts')),
    jobLeaseMs: positiveMs(options.jobLeaseMs ?? 30_000, 'ORCHARD_JOB_LEASE_MS'),
    eventsPollMs: positiveMs(options.eventsPollMs ?? 500, 'ORCHARD_EVENTS_POLL_MS'),
    eventsHeartbeatMs: positiveMs(options.eventsHeartbeatMs ?? 15_000, 'ORCHARD_EVENTS_HEARTBEAT_MS'),
    endpointTimeoutMs: positiveMs(options.endpointTimeoutMs ?? 60_000, 'ORCHARD_ENDPOINT_TIMEOUT_MS'),
    endpointCaptureFlushMs: positiveMs(options.endpointCaptureFlushMs ?? 10_000, 'ORCHARD_ENDPOINT_CAPTURE_FLUSH_MS'),
    endpointAutoscaleIntervalMs: positiveMs(options.endpointAutoscaleIntervalMs ?? 15_000, 'ORCHARD_ENDPOINT_AUTOSCALE_INTERVAL_MS'),
    endpointHealthIntervalMs: positiveMs(options.endpointHealthIntervalMs ?? 5000, 'ORCHARD_ENDPOINT_HEALTH_INTERVAL_MS'),
    pipelinePollMs: positiveMs(options.pipelinePollMs ?? 1000, 'ORCHARD_PIPELINE_POLL_MS'),
    alarmIntervalMs: positiveMs(options.alarmIntervalMs ?? 60_000, 'ORCHARD_ALARM_INTERVAL_MS'),
    endpointTestDelays: options.endpointTestDelays ?? false,
    endpointMetrics: options.endpointMetrics ?? true,
    metricsFlushMs: positiveMs(options.metricsFlushMs ?? 60_000, 'ORCHARD_METRICS_FLUSH_MS'),
    metricsSampleMs: positiveMs(options.metricsSampleMs ?? 10_000, 'ORCHARD_METRICS_SAMPLE_MS'),
    metricsRetentionDays: positiveDays(options.metricsRetentionDays ?? 15, 'ORCHARD_METRICS_RETENTION_DAYS'),
    asyncInvocations: nonNegativeInt(options.asyncInvocations ?? 4, 'ORCHARD_ASYNC_INVOCATIONS'),
    sessionTtlMs: positiveMs(options.sessionTtlMs ?? 12 * 60 * 60 * 1000, 'ORCHARD_SESSION_TTL_MS'),
    crawlerRoots: Object.freeze(crawlerRoots(options.crawlerRoots ?? [])),
    crawlerBuckets: Object.freeze(crawlerBuckets(options.crawlerBuckets ?? [])),
    secretKey: options.secretKey === undefined ? undefined : secretKey(options.secretKey),
    workDir: path.join(home, 'work'),
  });
}

function crawlerRoots(roots: string[]): string[] {
  for (const root of roots) {
    if (!path.isAbsolute(root)) throw new OrchardError('ORCH_CONFIG_INVALID', { message: `ORCHARD_CRAWLER_ROOTS: '${root}' is not an absolute path` });
  }
  return roots.map((root) => path.resolve(root));
}

function crawlerBuckets(buckets: string[]): string[] {
  for (const bucket of buckets) {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new OrchardError('ORCH_CONFIG_INVALID', { message: `ORCHARD_CRAWLER_BUCKETS: '${bucket}' is not a bucket name` });
  }
  return buckets;
}

function secretKey(value: string): string {
  const key = Buffer.from(value.trim(), 'base64');
  // Buffer.from ignores characters outside the alphabet, so the round trip is compared too.
  if (key.length !== 32 || key.toString('base64').replace(/=+$/, '') !== value.trim().replace(/=+$/, '')) {
    throw new OrchardError('ORCH_CONFIG_INVALID', { message: 'ORCHARD_SECRET_KEY must be 32 bytes in base64 (e.g. `openssl rand -base64 32`)' });
  }
  return key.toString('base64');
}

/** Where a client (CLI, SDK) finds the server and its token. */
export interface ClientOptions {
  url: string;
  token: string | undefined;
  /** Where a local server wrote its admin token (a fallback for the CLI on this machine). */
  adminTokenFile: string;
}

export function clientOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ClientOptions {
  // A bad port is refused here with the config code; the SDK shares the rest of the reading.
  if (env.ORCHARD_PORT) parsePort(env.ORCHARD_PORT);
  return { ...clientEnvDefaults(env), adminTokenFile: path.resolve(env.ORCHARD_HOME || '.orchard', 'admin-token') };
}
