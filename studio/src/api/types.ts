/**
 * The API's shapes, from the contracts (type-only imports, erased in the bundle), so a
 * change to the API breaks the studio's type-check instead of a page. The studio imports
 * nothing else from the server; it does not go through the SDK, whose Node transport does
 * not type-check against the browser's fetch.
 */
export type {
  AlgorithmInfo,
  AlgorithmMetric,
  ApprovalChange,
  ApprovalStatus,
  ColumnStats,
  CreateCrawlerRequest,
  CreateEndpointRequest,
  Crawler,
  CrawlerRun,
  CreateModelRequest,
  CreateTrainingJobRequest,
  CreateTransformJobRequest,
  CreateTuningJobRequest,
  DatasetColumn,
  DatasetFormat,
  DatasetVersion,
  Endpoint,
  EndpointStatus,
  EndpointVariant,
  Experiment,
  ExperimentDetail,
  HyperparameterSpec,
  InstanceInfo,
  InvocationCounters,
  LogLine,
  MetricPoint,
  Model,
  ModelLineage,
  ModelPackage,
  ModelPackageGroup,
  Page,
  Permission,
  QueryResult,
  RangeInput,
  Role,
  Run,
  RunComparison,
  RunDetail,
  TokenInfo,
  TrainingJob,
  TrainingJobStatus,
  TransformJob,
  TransformJobStatus,
  Trial,
  TuningJob,
  TuningJobStatus,
  UpdateEndpointInput,
  User,
  VariantInput,
  VariantWeightInput,
} from '../../../src/contracts/index.js';
export type { AppliedFilter, Chart, ChartData, ChartInput, ChartLayout, ChartPreviewRequest, ChartType, Dashboard, DashboardFilter, DashboardRequest, FilterSelection } from '../../../src/contracts/index.js';
export type { ProcessingInput, ProcessingInstance, ProcessingJob, ProcessingJobStatus, ProcessingLogLine, ProcessingLogsPage, ProcessingOutput } from '../../../src/contracts/index.js';
export type { CreateRecipeJobRequest, CreateRecipeRequest, Recipe, RecipeFit, RecipeJob, RecipeJobOutput, RecipeOutputFormat } from '../../../src/contracts/index.js';
export type { CreateDataQualityReportRequest, DataQualityColumn, DataQualityContent, DataQualityProblemType, DataQualityReport, DataQualityWarning } from '../../../src/contracts/index.js';
export type { AutomlCandidate, AutomlColumn, AutomlJob, AutomlJobStatus, AutomlMode, AutomlObjectiveMetric, AutomlProblemType, AutomlReportFormat, AutomlReportName, CreateAutomlJobRequest } from '../../../src/contracts/index.js';
