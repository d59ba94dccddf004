/**
 * One object per API area, each a few lines over the transport. A new area (endpoints,
 * tuning jobs, experiments) is one more block here plus its types in types.ts.
 */
import { ApiError, apiUrl, del, get, patch, post, rawPost, request, upload } from './http';
import type { ProcessingJob, ProcessingJobStatus, ProcessingLogsPage } from './types';
import type {
  AlgorithmInfo,
  ApprovalStatus,
  CreateModelRequest,
  CreateTrainingJobRequest,
  CreateTransformJobRequest,
  CreateTuningJobRequest,
  CreateCrawlerRequest,
  CreateEndpointRequest,
  Crawler,
  CrawlerRun,
  DatasetFormat,
  Endpoint,
  UpdateEndpointInput,
  VariantWeightInput,
  ChartData,
  ChartPreviewRequest,
  Dashboard,
  DashboardRequest,
  FilterSelection,
  Experiment,
  ExperimentDetail,
  Run,
  RunComparison,
  RunDetail,
  TuningJob,
  TuningJobStatus,
  DatasetVersion,
  LogLine,
  Model,
  ModelPackage,
  ModelPackageGroup,
  Page,
  Permission,
  QueryResult,
  Role,
  TokenInfo,
  TrainingJob,
  TrainingJobStatus,
  TransformJob,
  TransformJobStatus,
  User,
} from './types';
import type { CreateDataQualityReportRequest, DataQualityReport } from './types';
import type { CreateRecipeJobRequest, CreateRecipeRequest, Recipe, RecipeFit, RecipeJob } from './types';
import type { Forecast, ForecastExportRequest, ForecastExportResult, ForecastGroup, ForecastImport, ForecastMetrics, ForecastPredictor, ForecastQueryResult } from '../../../src/contracts/index.js';

export type { Forecast, ForecastExportRequest, ForecastExportResult, ForecastGroup, ForecastImport, ForecastMetrics, ForecastPredictor, ForecastQueryResult };
import type { AccessKey, CreatedAccessKey } from '../../../src/contracts/index.js';
import type { Alarm, AlarmFilter } from '../../../src/contracts/index.js';

export type { Alarm, AlarmFilter };
import type { MetricsAnswer, MetricsQuery } from '../../../src/contracts/index.js';

export type { MetricsAnswer, MetricsQuery };

export type { AccessKey, CreatedAccessKey };
import type { Execution, ExecutionStatus, ExecutionStep, Pipeline, PipelineParameterSpec, PipelineVersion, StepStatus } from '../../../src/contracts/index.js';

export type { Execution, ExecutionStatus, ExecutionStep, Pipeline, PipelineParameterSpec, PipelineVersion, StepStatus };

const enc = encodeURIComponent;

export interface SessionState {
  user: User;
  permissions: Permission[];
  via: 'session' | 'token';
  csrfToken?: string;
  csrfHeader?: string;
  expiresAt?: string;
}

export const sessionApi = {
  current: () => get<SessionState>('/session'),
  signIn: (credentials: { name: string; password: string } | { token: string }) => post<SessionState>('/session', credentials),
  signOut: () => del<void>('/session'),
};

export const CONTENT_TYPES: Record<DatasetFormat, string> = {
  csv: 'text/csv',
  jsonl: 'application/x-ndjson',
  parquet: 'application/vnd.apache.parquet',
  // The API parses no text/plain bodies; the format query parameter says what the bytes are.
  text: 'application/octet-stream',
};

export const datasetsApi = {
  list: (q: { prefix?: string; limit?: number; offset?: number } = {}, signal?: AbortSignal) => get<Page<DatasetVersion>>('/datasets', q, signal),
  describe: (ref: string, signal?: AbortSignal) => get<DatasetVersion>(`/datasets/${enc(ref)}`, undefined, signal),
  versions: (name: string, signal?: AbortSignal) => get<{ items: DatasetVersion[] }>(`/datasets/${enc(name)}/versions`, undefined, signal),
  preview: (ref: string, limit = 50, signal?: AbortSignal) => get<QueryResult>(`/datasets/${enc(ref)}/preview`, { limit }, signal),
  upload: (
    input: { name: string; file: File; format: DatasetFormat; header: boolean; description?: string },
    onProgress?: (sent: number, total: number) => void,
    signal?: AbortSignal,
  ) =>
    upload<DatasetVersion>(
      'POST',
      `/datasets/${enc(input.name)}/versions`,
      { format: input.format, header: input.header, description: input.description },
      input.file,
      CONTENT_TYPES[input.format],
      onProgress,
      signal,
    ),
  remove: (ref: string, purge = false) => del<{ deleted: DatasetVersion[]; purged: boolean }>(`/datasets/${enc(ref)}`, { purge: purge || undefined }),
  query: (sql: string, pageSize = 500, pageToken?: string) => post<QueryResult>('/queries', { sql, pageSize, pageToken }),
  /** A SELECT's whole result as the next version of `name` (CTAS). */
  createFromQuery: (name: string, sql: string) => post<DatasetVersion>('/datasets/from-query', { name, sql }),
};

export const algorithmsApi = {
  list: (signal?: AbortSignal) => get<{ items: AlgorithmInfo[] }>('/algorithms', undefined, signal),
};

export const trainingApi = {
  list: (q: { status?: TrainingJobStatus; nameContains?: string; limit?: number; offset?: number } = {}, signal?: AbortSignal) =>
    get<Page<TrainingJob>>('/training-jobs', q, signal),
  describe: (name: string, signal?: AbortSignal) => get<TrainingJob>(`/training-jobs/${enc(name)}`, undefined, signal),
  create: (input: CreateTrainingJobRequest) => post<TrainingJob>('/training-jobs', input),
  logs: (name: string, after?: number, signal?: AbortSignal) =>
    get<{ lines: LogLine[]; nextSeq?: number }>(`/training-jobs/${enc(name)}/logs`, { after, limit: 1000 }, signal),
  stop: (name: string) => post<TrainingJob>(`/training-jobs/${enc(name)}/stop`),
};

export const modelsApi = {
  list: (q: { nameContains?: string; limit?: number; offset?: number } = {}, signal?: AbortSignal) => get<Page<Model>>('/models', q, signal),
  describe: (name: string, signal?: AbortSignal) => get<Model>(`/models/${enc(name)}`, undefined, signal),
  create: (input: CreateModelRequest) => post<Model>('/models', input),
  uploadOnnx: (name: string, file: File, description: string | undefined, onProgress?: (sent: number, total: number) => void, signal?: AbortSignal) =>
    upload<Model>('PUT', `/models/${enc(name)}/onnx`, { description }, file, 'application/octet-stream', onProgress, signal),
  /** Where the browser downloads the model as an ONNX file (the session cookie authenticates it). */
  onnxUrl: (name: string) => apiUrl(`/models/${enc(name)}/onnx`),
  remove: (name: string) => del<void>(`/models/${enc(name)}`),
};

export const registryApi = {
  groups: (signal?: AbortSignal) => get<{ items: ModelPackageGroup[] }>('/model-package-groups', undefined, signal),
  group: (group: string, signal?: AbortSignal) => get<ModelPackageGroup>(`/model-package-groups/${enc(group)}`, undefined, signal),
  versions: (group: string, signal?: AbortSignal) => get<{ items: ModelPackage[] }>(`/model-package-groups/${enc(group)}/versions`, undefined, signal),
  register: (group: string, input: { model: string; description?: string }) => post<ModelPackage>(`/model-package-groups/${enc(group)}/versions`, input),
  setApproval: (group: string, version: number, approvalStatus: ApprovalStatus, description?: string) =>
    patch<ModelPackage>(`/model-package-groups/${enc(group)}/versions/${version}`, { approvalStatus, description }),
};

export const processingApi = {
  list: (q: { status?: ProcessingJobStatus; limit?: number; offset?: number } = {}, signal?: AbortSignal) => get<Page<ProcessingJob>>('/processing-jobs', q, signal),
  describe: (name: string, signal?: AbortSignal) => get<ProcessingJob>(`/processing-jobs/${enc(name)}`, undefined, signal),
  logs: (name: string, after?: number, signal?: AbortSignal) => get<ProcessingLogsPage>(`/processing-jobs/${enc(name)}/logs`, after === undefined ? undefined : { after }, signal),
  stop: (name: string) => post<ProcessingJob>(`/processing-jobs/${enc(name)}/stop`),
};

export const crawlersApi = {
  list: (q: { limit?: number; offset?: number } = {}, signal?: AbortSignal) => get<Page<Crawler>>('/crawlers', q, signal),
  describe: (name: string, signal?: AbortSignal) => get<Crawler>(`/crawlers/${enc(name)}`, undefined, signal),
  create: (input: CreateCrawlerRequest) => post<Crawler>('/crawlers', input),
  remove: (name: string) => del<void>(`/crawlers/${enc(name)}`),
  stop: (name: string) => post<Crawler>(`/crawlers/${enc(name)}/stop`),
  run: (name: string) => post<CrawlerRun>(`/crawlers/${enc(name)}/runs`),
  runs: (name: string, q: { limit?: number; offset?: number } = {}, signal?: AbortSignal) => get<Page<CrawlerRun>>(`/crawlers/${enc(name)}/runs`, q, signal),
};

export const transformsApi = {
  list: (q: { status?: TransformJobStatus; limit?: number; offset?: number } = {}, signal?: AbortSignal) => get<Page<TransformJob>>('/transform-jobs', q, signal),
  describe: (name: string, signal?: AbortSignal) => get<TransformJob>(`/transform-jobs/${enc(name)}`, undefined, signal),
  create: (input: CreateTransformJobRequest) => post<TransformJob>('/transform-jobs', input),
  stop: (name: string) => post<TransformJob>(`/transform-jobs/${enc(name)}/stop`),
};

export const usersApi = {
  list: (signal?: AbortSignal) => get<{ items: User[] }>('/users', undefined, signal),
  create: (input: { name: string; role: Role; password?: string }) => post<User>('/users', input),
  update: (name: string, input: { role?: Role; password?: string; disabled?: boolean }) => patch<User>(`/users/${enc(name)}`, input),
  remove: (name: string) => del<void>(`/users/${enc(name)}`),
};

/** AWS-style access keys (SigV4) for boto3 and the AWS SDKs; the secret comes back once, at creation. */
export const accessKeysApi = {
  list: (q: { all?: boolean } = {}, signal?: AbortSignal) => get<{ items: AccessKey[] }>('/access-keys', { all: q.all || undefined }, signal),
  create: (input: { user?: string; description?: string }) => post<CreatedAccessKey>('/access-keys', input),
  setStatus: (id: string, status: AccessKey['status']) => patch<AccessKey>(`/access-keys/${enc(id)}`, { status }),
  remove: (id: string) => del<void>(`/access-keys/${enc(id)}`),
};

export const tokensApi = {
  list: (q: { all?: boolean } = {}, signal?: AbortSignal) => get<{ items: TokenInfo[] }>('/tokens', { all: q.all || undefined }, signal),
  create: (input: { name?: string; user?: string; expiresInDays?: number }) => post<TokenInfo & { token: string }>('/tokens', input),
  revoke: (id: string) => del<TokenInfo>(`/tokens/${enc(id)}`),
};

export const tuningApi = {
  list: (q: { status?: TuningJobStatus; limit?: number; offset?: number } = {}, signal?: AbortSignal) => get<Page<TuningJob>>('/tuning-jobs', q, signal),
  describe: (name: string, signal?: AbortSignal) => get<TuningJob>(`/tuning-jobs/${enc(name)}`, undefined, signal),
  create: (input: CreateTuningJobRequest) => post<TuningJob>('/tuning-jobs', input),
  stop: (name: string) => post<TuningJob>(`/tuning-jobs/${enc(name)}/stop`),
};

export const experimentsApi = {
  list: (signal?: AbortSignal) => get<{ items: Experiment[] }>('/experiments', undefined, signal),
  describe: (name: string, signal?: AbortSignal) => get<ExperimentDetail>(`/experiments/${enc(name)}`, undefined, signal),
  /** `filter` and `sort` use the server's run-query language (`metrics.validation:auc > 0.9`, `metrics.x desc`). */
  runs: (q: { experiment?: string; filter?: string; sort?: string; limit?: number }, signal?: AbortSignal) => get<Page<Run>>('/runs', q, signal),
  run: (name: string, signal?: AbortSignal) => get<RunDetail>(`/runs/${enc(name)}`, undefined, signal),
  compare: (names: string[], signal?: AbortSignal) => get<RunComparison>('/runs/compare', { names: names.join(',') }, signal),
};

export interface InvocationResult {
  status: number;
  contentType: string;
  variant: string | null;
  body: string;
  /** Round trip as the browser saw it. */
  latencyMs: number;
}

export const endpointsApi = {
  list: (signal?: AbortSignal) => get<Page<Endpoint>>('/endpoints', undefined, signal),
  describe: (name: string, signal?: AbortSignal) => get<Endpoint>(`/endpoints/${enc(name)}`, undefined, signal),
  create: (input: CreateEndpointRequest) => post<Endpoint>('/endpoints', input),
  update: (name: string, input: UpdateEndpointInput) => request<Endpoint>('PATCH', `/endpoints/${enc(name)}`, { body: input }),
  setWeights: (name: string, variants: VariantWeightInput[]) => post<Endpoint>(`/endpoints/${enc(name)}/weights`, { variants }),
  remove: (name: string) => del<Endpoint>(`/endpoints/${enc(name)}`),
  /** SageMaker InvokeEndpoint: the body goes to the model as it is; the answer comes back as text. */
  invoke: async (name: string, body: string, contentType: string, targetVariant?: string): Promise<InvocationResult> => {
    const started = performance.now();
    const res = await rawPost(`/endpoints/${enc(name)}/invocations`, body, { 'content-type': contentType, accept: contentType, ...(targetVariant ? { 'x-amzn-sagemaker-target-variant': targetVariant } : {}) });
    const text = await res.text();
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', variant: res.headers.get('x-amzn-invoked-production-variant'), body: text, latencyMs: performance.now() - started };
  },
};

const selectionQuery = (selection?: FilterSelection) => (selection && Object.keys(selection).length ? JSON.stringify(selection) : undefined);

export const dashboardsApi = {
  list: (q: { prefix?: string; limit?: number; offset?: number } = {}, signal?: AbortSignal) => get<Page<Dashboard>>('/dashboards', q, signal),
  describe: (name: string, signal?: AbortSignal) => get<Dashboard>(`/dashboards/${enc(name)}`, undefined, signal),
  create: (definition: DashboardRequest) => post<Dashboard>('/dashboards', definition),
  update: (name: string, definition: DashboardRequest) => request<Dashboard>('PUT', `/dashboards/${enc(name)}`, { body: definition }),
  remove: (name: string) => del<void>(`/dashboards/${enc(name)}`),
  /** One chart's rows under the filters; `selection` overrides a filter's default per column. */
  data: (name: string, chart: string, selection?: FilterSelection, signal?: AbortSignal) =>
    get<ChartData>(`/dashboards/${enc(name)}/charts/${enc(chart)}/data`, { filters: selectionQuery(selection) }, signal),
  /** Where the browser downloads a chart's rows as CSV (the session cookie authenticates it). */
  csvUrl: (name: string, chart: string, selection?: FilterSelection) => apiUrl(`/dashboards/${enc(name)}/charts/${enc(chart)}/data`, { format: 'csv', filters: selectionQuery(selection) }),
  preview: (input: ChartPreviewRequest) => post<ChartData>('/dashboards/chart-preview', input),
};

export const dataQualityApi = {
  list: (q: { dataset?: string; version?: number; limit?: number } = {}, signal?: AbortSignal) => get<Page<DataQualityReport>>('/data-quality-reports', q, signal),
  describe: (id: string, signal?: AbortSignal) => get<DataQualityReport>(`/data-quality-reports/${enc(id)}`, undefined, signal),
  /** The newest report of a dataset version, whatever its status (404 when there is none). */
  latest: (ref: string, signal?: AbortSignal) => get<DataQualityReport>(`/datasets/${enc(ref)}/quality`, undefined, signal),
  create: (input: CreateDataQualityReportRequest) => post<DataQualityReport>('/data-quality-reports', input),
  stop: (id: string) => post<DataQualityReport>(`/data-quality-reports/${enc(id)}/stop`),
  /** Where the browser downloads the report's JSON (the session cookie authenticates it). */
  downloadUrl: (id: string) => apiUrl(`/data-quality-reports/${enc(id)}/report.json`),
};


/** Data-preparation recipes, their fits, and the jobs that fit and apply them. */
export const recipesApi = {
  list: (q: { nameContains?: string; limit?: number; offset?: number } = {}, signal?: AbortSignal) => get<Page<Recipe>>('/recipes', q, signal),
  describe: (name: string, signal?: AbortSignal) => get<Recipe>(`/recipes/${enc(name)}`, undefined, signal),
  create: (input: CreateRecipeRequest) => post<Recipe>('/recipes', input),
  delete: (name: string) => del<void>(`/recipes/${enc(name)}`),
  fits: (name: string, signal?: AbortSignal) => get<{ items: RecipeFit[] }>(`/recipes/${enc(name)}/fits`, undefined, signal),
  jobs: (q: { recipe?: string; limit?: number } = {}, signal?: AbortSignal) => get<Page<RecipeJob>>('/recipe-jobs', q, signal),
  job: (name: string, signal?: AbortSignal) => get<RecipeJob>(`/recipe-jobs/${enc(name)}`, undefined, signal),
  startJob: (input: CreateRecipeJobRequest) => post<RecipeJob>('/recipe-jobs', input),
  stopJob: (name: string) => post<RecipeJob>(`/recipe-jobs/${enc(name)}/stop`),
};

/** Amazon Forecast's workflow: dataset groups, their imports, predictors and forecasts. */
export const forecastApi = {
  groups: (q: { limit?: number; offset?: number } = {}, signal?: AbortSignal) => get<Page<ForecastGroup>>('/forecast-groups', q, signal),
  group: (name: string, signal?: AbortSignal) => get<ForecastGroup>(`/forecast-groups/${enc(name)}`, undefined, signal),
  imports: (q: { group?: string; limit?: number; offset?: number } = {}, signal?: AbortSignal) => get<Page<ForecastImport>>('/forecast-imports', q, signal),
  import: (id: string, signal?: AbortSignal) => get<ForecastImport>(`/forecast-imports/${enc(id)}`, undefined, signal),
  predictors: (q: { group?: string; limit?: number; offset?: number } = {}, signal?: AbortSignal) => get<Page<ForecastPredictor>>('/forecast-predictors', q, signal),
  predictor: (name: string, signal?: AbortSignal) => get<ForecastPredictor>(`/forecast-predictors/${enc(name)}`, undefined, signal),
  stopPredictor: (name: string) => post<ForecastPredictor>(`/forecast-predictors/${enc(name)}/stop`),
  /** Each item's backtest metrics and chosen model (CSV: item_id, choice, averageWQL, wQL[q]…, WAPE, RMSE, MAPE, MASE). */
  itemMetrics: async (name: string, signal?: AbortSignal): Promise<string> => {
    const res = await fetch(apiUrl(`/forecast-predictors/${enc(name)}/item-metrics`), { credentials: 'same-origin', signal });
    const text = await res.text();
    if (!res.ok) {
      let body: { code?: string; message?: string } = {};
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        // not JSON: the status says enough
      }
      throw new ApiError(body.code ?? `HTTP_${res.status}`, body.message ?? `HTTP ${res.status}`, res.status);
    }
    return text;
  },
  /** Where the browser downloads the per-item metrics CSV (the session cookie authenticates it). */
  itemMetricsUrl: (name: string) => apiUrl(`/forecast-predictors/${enc(name)}/item-metrics`),
  forecasts: (q: { predictor?: string; limit?: number; offset?: number } = {}, signal?: AbortSignal) => get<Page<Forecast>>('/forecasts', q, signal),
  forecast: (name: string, signal?: AbortSignal) => get<Forecast>(`/forecasts/${enc(name)}`, undefined, signal),
  stopForecast: (name: string) => post<Forecast>(`/forecasts/${enc(name)}/stop`),
  /** QueryForecast: one item's timestamps and an array per forecast type. */
  query: (name: string, item: string, signal?: AbortSignal) => get<ForecastQueryResult>(`/forecasts/${enc(name)}/query`, { item }, signal),
  export: (name: string, input: ForecastExportRequest) => post<ForecastExportResult>(`/forecasts/${enc(name)}/export`, input),
};

/** Stored metrics (CloudWatch's role): one statistic of a metric per period. */
export const metricsApi = {
  get: (q: MetricsQuery, signal?: AbortSignal) => get<MetricsAnswer>('/metrics', q, signal),
};

/** Alarms on stored metrics: their state, history, enable/disable and evaluate-now. */
export const alarmsApi = {
  list: (q: AlarmFilter = {}, signal?: AbortSignal) => get<Page<Alarm>>('/alarms', q, signal),
  describe: (name: string, signal?: AbortSignal) => get<Alarm>(`/alarms/${enc(name)}`, undefined, signal),
  enable: (name: string) => post<Alarm>(`/alarms/${enc(name)}/enable`),
  disable: (name: string) => post<Alarm>(`/alarms/${enc(name)}/disable`),
  evaluate: (name: string) => post<Alarm>(`/alarms/${enc(name)}/evaluate`),
  remove: (name: string) => del<void>(`/alarms/${enc(name)}`),
};

/** Pipelines (SageMaker Pipelines): definitions, their versions and executions, approvals. */
export const pipelinesApi = {
  list: (q: { limit?: number; offset?: number } = {}, signal?: AbortSignal) => get<Page<Pipeline>>('/pipelines', q, signal),
  describe: (name: string, signal?: AbortSignal) => get<Pipeline>(`/pipelines/${enc(name)}`, undefined, signal),
  versions: (name: string, signal?: AbortSignal) => get<{ items: PipelineVersion[] }>(`/pipelines/${enc(name)}/versions`, undefined, signal),
  /** Parameter values as text: the server types them by the definition (`'20'` → 20). */
  start: (name: string, parameters: Record<string, string>) => post<Execution>(`/pipelines/${enc(name)}/executions`, { parameters }),
  executions: (q: { pipeline?: string; status?: ExecutionStatus; limit?: number; offset?: number } = {}, signal?: AbortSignal) => get<Page<Execution>>('/pipeline-executions', q, signal),
  execution: (id: string, signal?: AbortSignal) => get<Execution>(`/pipeline-executions/${enc(id)}`, undefined, signal),
  stop: (id: string) => post<Execution>(`/pipeline-executions/${enc(id)}/stop`),
  retry: (id: string) => post<Execution>(`/pipeline-executions/${enc(id)}/retry`),
  /** Answers the wait step waiting for an approval (`step` names it when several wait). */
  decide: (id: string, approve: boolean, input: { step?: string; comment?: string }) => post<Execution>(`/pipeline-executions/${enc(id)}/${approve ? 'approve' : 'reject'}`, input),
};

import type { ModelQualityExecution } from '../../../src/contracts/index.js';

export type { ModelQualityExecution };

/** Model Monitor's model quality of an endpoint: its executions, newest first. */
export const modelQualityApi = {
  executions: (endpoint: string, signal?: AbortSignal) => get<{ items: ModelQualityExecution[] }>(`/endpoints/${enc(endpoint)}/model-quality/executions`, undefined, signal),
};

import type { MonitorExecution, MonitorSchedule } from '../../../src/contracts/index.js';

export type { MonitorExecution, MonitorSchedule };

/** Model Monitor (data quality): an endpoint's schedules and their executions. */
export const monitorApi = {
  schedules: (endpoint: string, signal?: AbortSignal) => get<Page<MonitorSchedule>>('/monitor/schedules', { endpoint }, signal),
  executions: (q: { endpoint?: string; schedule?: string; limit?: number }, signal?: AbortSignal) => get<Page<MonitorExecution>>('/monitor/executions', q, signal),
  execution: (id: string, signal?: AbortSignal) => get<MonitorExecution>(`/monitor/executions/${enc(id)}`, undefined, signal),
  run: (schedule: string) => post<MonitorExecution>(`/monitor/schedules/${enc(schedule)}/run`, {}),
};

import type { AutomlJob, AutomlJobStatus, AutomlReportFormat, AutomlReportName, CreateAutomlJobRequest } from './types';

/** AutoML jobs (Autopilot): create, follow, stop; the leaderboard and the two reports. */
export const automlApi = {
  list: (q: { status?: AutomlJobStatus; limit?: number; offset?: number } = {}, signal?: AbortSignal) => get<Page<AutomlJob>>('/automl-jobs', q, signal),
  describe: (name: string, signal?: AbortSignal) => get<AutomlJob>(`/automl-jobs/${enc(name)}`, undefined, signal),
  create: (input: CreateAutomlJobRequest) => post<AutomlJob>('/automl-jobs', input),
  stop: (name: string) => post<AutomlJob>(`/automl-jobs/${enc(name)}/stop`),
  /** A report's JSON; its shape is the report builder's (read defensively by the pages). */
  report: (name: string, report: AutomlReportName, signal?: AbortSignal) => get<unknown>(`/automl-jobs/${enc(name)}/reports/${report}`, { format: 'json' }, signal),
  /** Where the browser downloads a report (the session cookie authenticates it). */
  reportUrl: (name: string, report: AutomlReportName, format: AutomlReportFormat) => apiUrl(`/automl-jobs/${enc(name)}/reports/${report}`, { format }),
};

import type { CreateLabelingTeamRequest, LabelingAnswerReceipt, LabelingJob, LabelingJobStatus, LabelingTask, LabelingTeam, LabelingWork, UpdateLabelingTeamRequest } from '../../../src/contracts/index.js';

export type { LabelingAnswerReceipt, LabelingJob, LabelingJobStatus, LabelingTask, LabelingTeam, LabelingWork };

/** Labeling jobs (Ground Truth): owners follow and stop jobs; labelers take items and answer them. */
export const labelingApi = {
  list: (q: { status?: LabelingJobStatus; limit?: number; offset?: number } = {}, signal?: AbortSignal) => get<Page<LabelingJob>>('/labeling-jobs', q, signal),
  describe: (name: string, signal?: AbortSignal) => get<LabelingJob>(`/labeling-jobs/${enc(name)}`, undefined, signal),
  stop: (name: string) => post<LabelingJob>(`/labeling-jobs/${enc(name)}/stop`),
  /** The running jobs the caller can label, with how many items they answered. */
  work: (signal?: AbortSignal) => get<{ items: LabelingWork[] }>('/labeling-work', undefined, signal),
  next: (job: string) => post<{ task: LabelingTask | null }>(`/labeling-jobs/${enc(job)}/tasks/next`),
  submit: (job: string, item: string, answer: unknown) => post<LabelingAnswerReceipt>(`/labeling-jobs/${enc(job)}/tasks/${enc(item)}/answer`, { answer }),
  /** An image item, for the labeler it was handed to (the session cookie authenticates it). */
  imageUrl: (job: string, item: string) => apiUrl(`/labeling-jobs/${enc(job)}/tasks/${enc(item)}/image`),
  /** A segmentation verification item's mask PNG, for the labeler it was handed to. */
  maskUrl: (job: string, item: string) => apiUrl(`/labeling-jobs/${enc(job)}/tasks/${enc(item)}/mask`),
  /** Labeling teams: a job for a team is handed to its members only. */
  teams: {
    list: (signal?: AbortSignal) => get<Page<LabelingTeam>>('/labeling-teams', { limit: 1000 }, signal),
    create: (input: CreateLabelingTeamRequest) => post<LabelingTeam>('/labeling-teams', input),
    update: (name: string, change: UpdateLabelingTeamRequest) => patch<LabelingTeam>(`/labeling-teams/${enc(name)}`, change),
    remove: (name: string) => del<void>(`/labeling-teams/${enc(name)}`),
  },
};

import type { HumanLoop, HumanLoopStatus, ReviewAnswerReceipt, ReviewFlow, ReviewTask } from '../../../src/contracts/index.js';

export type { HumanLoop, HumanLoopStatus, ReviewAnswerReceipt, ReviewFlow, ReviewTask };

/** Human review (A2I): owners follow flows and loops; reviewers take the next loop and answer it. */
export const reviewsApi = {
  list: (q: { status?: HumanLoopStatus; flow?: string; limit?: number; offset?: number } = {}, signal?: AbortSignal) => get<Page<HumanLoop>>('/human-loops', q, signal),
  flows: (signal?: AbortSignal) => get<Page<ReviewFlow>>('/review-flows', undefined, signal),
  next: async (flow?: string) => (await post<{ task: ReviewTask | null }>('/review-tasks/next', flow ? { flow } : {})).task,
  answer: (loop: string, answer: Record<string, unknown>) => post<ReviewAnswerReceipt>(`/human-loops/${enc(loop)}/answer`, { answer }),
};
