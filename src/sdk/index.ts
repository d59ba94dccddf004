export { Orchard, ArtifactsClient, DatasetsClient, UsersClient, TokensClient, formatFromFileName } from './client.js';
export type { OrchardClientOptions, CreateDatasetFromFile, CreateDatasetFromArtifact } from './client.js';
export { AccessKeysClient } from './access-keys-client.js';
export type { AccessKey, AccessKeyStatus, CreateAccessKeyRequest, CreatedAccessKey } from '../contracts/index.js';
export { TrainingClient } from './training-client.js';
export type { CreateTrainingJobRequest, WaitForTrainingJobOptions, FollowLogsOptions, TrainingEventsOptions } from './training-client.js';
export type { ProfileAttempt, RuleConfig, RuleStatus, TrainingProfile } from '../contracts/index.js';
export { EventsClient } from './events-client.js';
export type { PlatformEventsOptions } from './events-client.js';
export type { EventStreamOptions } from './event-stream.js';
export type { CreateDatasetFromQueryRequest } from '../contracts/index.js';
export type { TrainingEvent, TrainingStatusEvent, TrainingLogEvent, TrainingMetricEvent, TrainingEndEvent, StatusChangeEvent, PipelineStepEvent, PlatformEvent } from '../contracts/index.js';
export { ModelsClient, RegistryClient } from './models-client.js';
export type { CreateModelRequest, CreateOnnxModelRequest } from './models-client.js';
export { TransformsClient } from './transforms-client.js';
export { RecipesClient, RecipeJobsClient } from './recipes-client.js';
export type { CreateRecipeJobRequest, CreateRecipeRequest } from './recipes-client.js';
export type { Recipe, RecipeFit, RecipeJob, RecipeJobFilter, RecipeJobKind, RecipeJobOutput, RecipeFilter, RecipeColumn, RecipeSplit, ModelRecipe } from '../contracts/index.js';
export { ProcessingClient } from './processing-client.js';
export type { CreateProcessingJobRequest, WaitForProcessingJobOptions } from './processing-client.js';
export type { ProcessingJob, ProcessingJobStatus, ProcessingJobFilter, ProcessingInput, ProcessingOutput, ProcessingInstance, ProcessingLogLine, ProcessingDistribution, ProcessingInputFormat } from '../contracts/index.js';
export { CrawlersClient } from './crawlers-client.js';
export type { CreateCrawlerRequest } from './crawlers-client.js';
export { WebhooksClient } from './webhooks-client.js';
export { MetricsClient } from './metrics-client.js';
export type { GetMetricsOptions, MetricDatapoint, MetricsAnswer } from './metrics-client.js';
export type { CreateWebhookRequest, Webhook, WebhookAllowRule, WebhookAttempt, WebhookCreated, WebhookDelivery, WebhookDeliveryStatus } from './webhooks-client.js';
export { PipelinesClient } from './pipelines-client.js';
export type { CreatePipelineRequest, StartExecutionRequest } from './pipelines-client.js';
export { TriggersClient } from './triggers-client.js';
export type { CreateTriggerRequest } from './triggers-client.js';
export type { PipelineTrigger, TriggerFilter, TriggerKind, TriggerSource } from '../contracts/index.js';
export { AlarmsClient } from './alarms-client.js';
export { LabelingClient, LabelingTeamsClient } from './labeling-client.js';
export type { CreateLabelingJobRequest, CreateLabelingTeamRequest, LabelingAnswerReceipt, LabelingJob, LabelingJobFilter, LabelingTask, LabelingTeam, LabelingTeamFilter, LabelToVerify, UpdateLabelingTeamRequest } from './labeling-client.js';
export { ReviewFlowsClient, ReviewsClient } from './reviews-client.js';
export type { CreateReviewFlowRequest, ExportReviewsRequest, HumanLoop, HumanLoopFilter, ReviewAnswerReceipt, ReviewExport, ReviewFlow, ReviewFlowFilter, ReviewTask, StartHumanLoopRequest } from './reviews-client.js';
export type { Alarm, AlarmFilter, CreateAlarmRequest } from './alarms-client.js';
export type { AlarmActionResult, AlarmComparison, AlarmDatapoint, AlarmMissingData, AlarmNamespace, AlarmStat, AlarmState, AlarmTransition } from '../contracts/index.js';
export type { Crawler, CrawlerRun, CrawlerColumn, SchemaChange, RejectedFile, CrawlerFormat } from '../contracts/index.js';
export { ExperimentsClient, RunsClient } from './experiments-client.js';
export { TuningClient } from './tuning-client.js';
export type { CreateTuningJobRequest } from './tuning-client.js';
export { AutomlClient } from './automl-client.js';
export type { CreateAutomlJobRequest } from './automl-client.js';
export type { CreateTransformJobRequest } from './transforms-client.js';
export { EndpointsClient } from './endpoints-client.js';
export type { CreateEndpointRequest, InvokeEndpointRequest, InvokeEndpointResponse, WaitForEndpointOptions } from './endpoints-client.js';
export { OrchardApiError } from './http.js';
export { run } from './run.js';
export { ResourceClient, JobClient } from './resource-client.js';
// The API's shapes, from the contracts (the SDK imports nothing else from the server).
export type { User, TokenInfo, Role, Page } from '../contracts/index.js';
export type { DatasetVersion, DatasetColumn, ColumnStats, DatasetFormat, DatasetListFilter, QueryResult } from '../contracts/index.js';
export type { ArtifactInfo } from '../contracts/index.js';
export type { TrainingJob, TrainingJobStatus, TrainingJobFilter, SecondaryStatus, MetricDefinition, MetricPoint, LogLine } from '../contracts/index.js';
export type { Model, ModelFormat, ModelLineage, ModelPackage, ModelPackageGroup, ApprovalStatus, ApprovalChange } from '../contracts/index.js';
export type { OnnxModelInfo, OnnxValueInfo, ServingContract } from '../contracts/index.js';
export type { TransformJob, TransformJobStatus, TransformJobFilter } from '../contracts/index.js';
export type {
  AutoscalingInput,
  AutoscalingPolicy,
  Endpoint,
  EndpointStatus,
  EndpointVariant,
  InstanceInfo,
  InstanceStatus,
  InvocationCounters,
  UpdateEndpointInput,
  VariantInput,
  VariantWeightInput,
} from '../contracts/index.js';
export type { Experiment, ExperimentDetail, Run, RunComparison, RunDetail, RunQuery } from '../contracts/index.js';
export type { TuningJob, TuningJobStatus, TuningJobFilter, Trial, RangeInput, ParameterRange, Scaling, StrategyName } from '../contracts/index.js';
export type { AutomlBudget, AutomlCandidate, AutomlJob, AutomlJobFilter, AutomlJobStatus, AutomlReportFormat, AutomlReportName } from '../contracts/index.js';
export { DashboardsClient } from './dashboards-client.js';
export type { AppliedFilter, Chart, ChartData, ChartEncoding, ChartInput, ChartLayout, ChartPreviewRequest, ChartType, Dashboard, DashboardFilter, DashboardFilterQuery, DashboardRequest, FilterSelection } from '../contracts/index.js';
export { DataQualityClient } from './data-quality-client.js';
export { MonitorBaselinesClient, MonitorClient, MonitorExecutionsClient, MonitorSchedulesClient } from './monitor-client.js';
export type { CreateMonitorBaselineRequest, CreateMonitorScheduleRequest, RunMonitorScheduleRequest } from './monitor-client.js';
export { ModelQualityClient } from './model-quality-client.js';
export type { GroundTruthPutResult, ModelQualityBaselineResult, ModelQualityExecution, ModelQualityProblemType, ModelQualityStatus, ModelQualityViolation } from '../contracts/index.js';
export type { ModelQualityBaselineRequest, ModelQualityRunRequest, PutGroundTruthRequest } from './model-quality-client.js';
export type { MonitorBaseline, MonitorBaselineFilter, MonitorExecution, MonitorExecutionFilter, MonitorExecutionStatus, MonitorFeatureDistribution, MonitorSchedule, MonitorScheduleFilter, MonitorViolation } from '../contracts/index.js';
export type { CreateDataQualityReportRequest } from './data-quality-client.js';
export { PipelineBuilder, get, join, pipeline, when } from './pipeline-builder.js';
export type { GetPath } from './pipeline-builder.js';
export type { Condition, Expression, PipelineDefinition, PipelineDefinitionInput, PipelineParameterSpec, PipelineParameterType, StepDef, StepDefOf, StepType } from '../contracts/index.js';
export type { DataQualityColumn, DataQualityContent, DataQualityFeatureImportance, DataQualityProblemType, DataQualityReport, DataQualityReportFilter, DataQualityStatus, DataQualityTarget, DataQualityWarning } from '../contracts/index.js';
export { ForecastClient, ForecastGroupsClient, ForecastImportsClient, ForecastPredictorsClient, ForecastsClient } from './forecast-client.js';
export type { CreateForecastGroupRequest, CreateForecastImportRequest, CreateForecastPredictorRequest, CreateForecastRequest } from './forecast-client.js';
export type { Forecast, ForecastExportResult, ForecastFilling, ForecastFrequency, ForecastGroup, ForecastImport, ForecastImportSummary, ForecastMetrics, ForecastPredictor, ForecastPredictorAlgorithm, ForecastQueryResult, ForecastStatus } from '../contracts/index.js';
