import path from 'node:path';
import type { Readable } from 'node:stream';
import type { ArtifactInfo, CreateDatasetFromQueryRequest, CreateTokenRequest, CreatedToken, CreateUserRequest, DatasetFormat, DatasetListFilter, DatasetVersion, QueryResult, TokenInfo, TokenListQuery, UpdateUserRequest, User } from '../contracts/index.js';
import { clientEnvDefaults } from '../contracts/values.js';
import { AccessKeysClient } from './access-keys-client.js';
import { DashboardsClient } from './dashboards-client.js';
import { CrawlersClient } from './crawlers-client.js';
import { WebhooksClient } from './webhooks-client.js';
import { MetricsClient } from './metrics-client.js';
import { PipelinesClient } from './pipelines-client.js';
import { TriggersClient } from './triggers-client.js';
import { AlarmsClient } from './alarms-client.js';
import { LabelingClient } from './labeling-client.js';
import { ReviewsClient } from './reviews-client.js';
import { EventsClient } from './events-client.js';
import { HttpClient, type HttpClientOptions } from './http.js';
import { EndpointsClient } from './endpoints-client.js';
import { ModelsClient, RegistryClient } from './models-client.js';
import { TrainingClient } from './training-client.js';
import { TransformsClient } from './transforms-client.js';
import { RecipesClient } from './recipes-client.js';
import { ProcessingClient } from './processing-client.js';
import { ExperimentsClient, RunsClient } from './experiments-client.js';
import { TuningClient } from './tuning-client.js';
import { AutomlClient } from './automl-client.js';
import { DataQualityClient } from './data-quality-client.js';
import { MonitorClient } from './monitor-client.js';
import { ModelQualityClient } from './model-quality-client.js';
import { ForecastClient } from './forecast-client.js';

export interface OrchardClientOptions {
  /** Server URL. @default `ORCHARD_URL` or `http://127.0.0.1:7070` */
  url?: string;
  /** API token. @default `ORCHARD_TOKEN` */
  token?: string;
}

export interface CreateDatasetFromFile {
  name: string;
  file: string;
  /** @default from the file extension (.csv, .jsonl/.ndjson, .parquet) */
  format?: DatasetFormat;
  /** CSV only; SageMaker's convention (and the default) is no header, target first. */
  header?: boolean;
  description?: string;
  tags?: Record<string, string>;
  onProgress?: (sent: number, total: number) => void;
}

export interface CreateDatasetFromArtifact {
  name: string;
  sourceKey: string;
  format: DatasetFormat;
  header?: boolean;
  description?: string;
  tags?: Record<string, string>;
}

const CONTENT_TYPES: Record<DatasetFormat, string> = {
  csv: 'text/csv',
  jsonl: 'application/x-ndjson',
  parquet: 'application/vnd.apache.parquet',
  // Not text/plain: the API parses no text/plain bodies (a browser may send those cross-site).
  text: 'application/octet-stream',
};

/** Guesses the format from a file name; undefined when the extension says nothing. */
export function formatFromFileName(file: string): DatasetFormat | undefined {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (ext === '.parquet') return 'parquet';
  if (ext === '.txt') return 'text';
  return undefined;
}

export class DatasetsClient {
  constructor(private readonly http: HttpClient) {}

  /** Uploads a file as a new version (version 1 for a new name, n+1 otherwise). */
  async create(input: CreateDatasetFromFile): Promise<DatasetVersion> {
    const format = input.format ?? formatFromFileName(input.file) ?? 'csv';
    const tags = Object.entries(input.tags ?? {}).map(([k, v]) => `${k}=${v}`);
    return this.http.upload<DatasetVersion>(
      'POST',
      `/api/v1/datasets/${encodeURIComponent(input.name)}/versions`,
      { format, header: input.header, description: input.description, tag: tags.length ? tags : undefined },
      input.file,
      CONTENT_TYPES[format],
      input.onProgress,
    );
  }

  /** Registers an object already in the artifact store as a new version. */
  async createFromArtifact(input: CreateDatasetFromArtifact): Promise<DatasetVersion> {
    return this.http.request('POST', '/api/v1/datasets', { body: input, long: true });
  }

  /** A read-only SELECT's whole result as the next version of `name` (Athena's CTAS). */
  async createFromQuery(input: CreateDatasetFromQueryRequest): Promise<DatasetVersion> {
    return this.http.request('POST', '/api/v1/datasets/from-query', { body: input, long: true });
  }

  async list(filter: DatasetListFilter = {}): Promise<{ items: DatasetVersion[]; total: number }> {
    return this.http.request('GET', '/api/v1/datasets', { query: { ...filter } });
  }

  /** `name` (latest) or `name@3`. */
  async describe(ref: string): Promise<DatasetVersion> {
    return this.http.request('GET', `/api/v1/datasets/${encodeURIComponent(ref)}`);
  }

  async versions(name: string, options: { includeDeleted?: boolean } = {}): Promise<DatasetVersion[]> {
    const res = await this.http.request<{ items: DatasetVersion[] }>('GET', `/api/v1/datasets/${encodeURIComponent(name)}/versions`, { query: options });
    return res.items;
  }

  async preview(ref: string, options: { limit?: number } = {}): Promise<QueryResult> {
    return this.http.request('GET', `/api/v1/datasets/${encodeURIComponent(ref)}/preview`, { query: options });
  }

  /** One page of a read-only SELECT over datasets by name; pass `nextPageToken` back for more. */
  async query(sql: string, options: { pageSize?: number; pageToken?: string } = {}): Promise<QueryResult> {
    return this.http.request('POST', '/api/v1/queries', { body: { sql, ...options } });
  }

  /** Every page of a query, lazily. */
  async *queryAll(sql: string, options: { pageSize?: number } = {}): AsyncGenerator<QueryResult> {
    let pageToken: string | undefined;
    do {
      const page = await this.query(sql, { ...options, pageToken });
      yield page;
      pageToken = page.nextPageToken ?? undefined;
    } while (pageToken);
  }

  async delete(ref: string, options: { purge?: boolean } = {}): Promise<{ deleted: DatasetVersion[]; purged: boolean }> {
    return this.http.request('DELETE', `/api/v1/datasets/${encodeURIComponent(ref)}`, { query: options });
  }

  async restore(ref: string): Promise<DatasetVersion[]> {
    const res = await this.http.request<{ items: DatasetVersion[] }>('POST', `/api/v1/datasets/${encodeURIComponent(ref)}/restore`);
    return res.items;
  }
}

/** Encodes each segment of a key, keeping its slashes. */
function keyPath(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

export class ArtifactsClient {
  constructor(private readonly http: HttpClient) {}

  /** Uploads a file to the artifact store (streamed; replaces an object with that key). */
  async put(key: string, file: string, onProgress?: (sent: number, total: number) => void): Promise<ArtifactInfo> {
    return this.http.upload('PUT', `/api/v1/artifacts/${keyPath(key)}`, {}, file, 'application/octet-stream', onProgress);
  }

  async list(prefix?: string): Promise<ArtifactInfo[]> {
    return (await this.http.request<{ items: ArtifactInfo[] }>('GET', '/api/v1/artifacts', { query: { prefix } })).items;
  }

  /** The object's bytes as a stream. */
  async get(key: string): Promise<Readable> {
    return this.http.stream(`/api/v1/artifacts/${keyPath(key)}`);
  }

  async delete(key: string): Promise<void> {
    await this.http.request('DELETE', `/api/v1/artifacts/${keyPath(key)}`);
  }
}

export class UsersClient {
  constructor(private readonly http: HttpClient) {}

  async me(): Promise<User> {
    return this.http.request('GET', '/api/v1/me');
  }

  async list(): Promise<User[]> {
    return (await this.http.request<{ items: User[] }>('GET', '/api/v1/users')).items;
  }

  async create(input: CreateUserRequest): Promise<User> {
    return this.http.request('POST', '/api/v1/users', { body: input });
  }

  async describe(name: string): Promise<User> {
    return this.http.request('GET', `/api/v1/users/${encodeURIComponent(name)}`);
  }

  async update(name: string, input: UpdateUserRequest): Promise<User> {
    return this.http.request('PATCH', `/api/v1/users/${encodeURIComponent(name)}`, { body: input });
  }

  async delete(name: string): Promise<void> {
    await this.http.request('DELETE', `/api/v1/users/${encodeURIComponent(name)}`);
  }
}

export class TokensClient {
  constructor(private readonly http: HttpClient) {}

  /** Your tokens; an admin may name a user or ask for all. */
  async list(options: TokenListQuery = {}): Promise<TokenInfo[]> {
    return (await this.http.request<{ items: TokenInfo[] }>('GET', '/api/v1/tokens', { query: options })).items;
  }

  /** Creates a token; `token` (the secret) is returned only this once. */
  async create(input: CreateTokenRequest = {}): Promise<CreatedToken> {
    return this.http.request('POST', '/api/v1/tokens', { body: input });
  }

  async revoke(id: string): Promise<TokenInfo> {
    return this.http.request('DELETE', `/api/v1/tokens/${encodeURIComponent(id)}`);
  }
}

/**
 * The typed client for an Orchard server.
 * @example
 * const orchard = new Orchard({ url: 'http://127.0.0.1:7070', token: process.env.ORCHARD_TOKEN });
 * const ds = await orchard.datasets.create({ name: 'cls', file: 'train.csv' });
 */
export class Orchard {
  readonly http: HttpClient;
  readonly datasets: DatasetsClient;
  readonly users: UsersClient;
  readonly tokens: TokensClient;
  /** AWS-style access keys for SigV4 clients (boto3, the AWS SDKs). */
  readonly accessKeys: AccessKeysClient;
  readonly artifacts: ArtifactsClient;
  readonly training: TrainingClient;
  readonly models: ModelsClient;
  readonly registry: RegistryClient;
  readonly transforms: TransformsClient;
  /** Data-preparation recipes, their fits, and the jobs that fit and apply them. */
  readonly recipes: RecipesClient;
  readonly processing: ProcessingClient;
  readonly endpoints: EndpointsClient;
  readonly experiments: ExperimentsClient;
  readonly runs: RunsClient;
  readonly tuning: TuningClient;
  /** AutoML jobs (Autopilot). */
  readonly automl: AutomlClient;
  /** Data-quality reports over dataset versions. */
  readonly dataQuality: DataQualityClient;
  /** Model Monitor (data quality): baselines, schedules over endpoints' capture, executions. */
  readonly monitor: MonitorClient;
  /** Model Monitor (model quality): ground truth, evaluations, baselines. */
  readonly modelQuality: ModelQualityClient;
  /** Amazon Forecast's workflow: dataset groups, imports, predictors, forecasts. */
  readonly forecast: ForecastClient;
  readonly events: EventsClient;
  readonly crawlers: CrawlersClient;
  readonly dashboards: DashboardsClient;
  /** Webhooks: signed deliveries of platform events, their log, and the admins' allow-list. */
  readonly webhooks: WebhooksClient;
  /** Stored metrics of endpoints and jobs: one statistic per period. */
  readonly metrics: MetricsClient;
  /** Pipelines: versioned definitions and their durable executions. */
  readonly pipelines: PipelinesClient;
  /** Pipeline triggers: what starts an execution with no one at the keyboard. */
  readonly triggers: TriggersClient;
  /** Alarms on stored metrics: a threshold over N of M periods, with actions. */
  readonly alarms: AlarmsClient;
  /** Labeling jobs (Ground Truth): leased items, answers, consolidated manifests. */
  readonly labeling: LabelingClient;
  /** Human review (A2I): flow definitions, human loops, a reviewer's next loop and answer. */
  readonly reviews: ReviewsClient;

  constructor(options: OrchardClientOptions = {}) {
    const env = clientEnvDefaults(process.env);
    const resolved: HttpClientOptions = { url: options.url ?? env.url, token: options.token ?? env.token };
    this.http = new HttpClient(resolved);
    this.datasets = new DatasetsClient(this.http);
    this.users = new UsersClient(this.http);
    this.tokens = new TokensClient(this.http);
    this.accessKeys = new AccessKeysClient(this.http);
    this.artifacts = new ArtifactsClient(this.http);
    this.training = new TrainingClient(this.http);
    this.models = new ModelsClient(this.http);
    this.registry = new RegistryClient(this.http);
    this.transforms = new TransformsClient(this.http);
    this.recipes = new RecipesClient(this.http);
    this.processing = new ProcessingClient(this.http);
    this.endpoints = new EndpointsClient(this.http);
    this.experiments = new ExperimentsClient(this.http);
    this.runs = new RunsClient(this.http);
    this.tuning = new TuningClient(this.http);
    this.automl = new AutomlClient(this.http);
    this.dataQuality = new DataQualityClient(this.http);
    this.monitor = new MonitorClient(this.http);
    this.modelQuality = new ModelQualityClient(this.http);
    this.forecast = new ForecastClient(this.http);
    this.events = new EventsClient(this.http);
    this.crawlers = new CrawlersClient(this.http);
    this.dashboards = new DashboardsClient(this.http);
    this.webhooks = new WebhooksClient(this.http);
    this.metrics = new MetricsClient(this.http);
    this.pipelines = new PipelinesClient(this.http);
    this.triggers = new TriggersClient(this.http);
    this.alarms = new AlarmsClient(this.http);
    this.labeling = new LabelingClient(this.http);
    this.reviews = new ReviewsClient(this.http);
  }

  /** `s3Endpoint` is what S3 clients take as `endpoint` (path-style) for the bucket `s3Bucket` (see docs/s3-api.md). */
  async health(): Promise<{ status: string; version: string; s3Endpoint?: string; s3Bucket?: string }> {
    return this.http.request('GET', '/healthz');
  }

  async version(): Promise<{ version: string }> {
    return this.http.request('GET', '/api/v1/version');
  }
}
