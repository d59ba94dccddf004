/**
 * The wire shapes of Orchard's API, one declaration per resource shape: each gives the
 * TypeScript type (`Static<typeof X>`, exported under the same name) and the JSON Schema
 * the routes validate with, so the route, the SDK, the CLI and the studio cannot drift.
 *
 * Declared with TypeBox (`@sinclair/typebox`): it is the type provider Fastify itself
 * documents, its schemas are plain JSON Schema objects that Fastify's Ajv validates as
 * they are (no conversion step, unlike zod), it has no runtime dependencies and is small
 * enough for the SDK and the studio to share.
 *
 * Rules: this folder imports nothing from the server (only TypeBox); capabilities,
 * routes, the SDK and the studio import from here. A create input is declared as the
 * `…Request` a client sends; the server adds `createdBy` (`…Input`). Plain values (enum
 * lists, limits) live in values.ts, which loads no schema library: clients that need
 * only those at run time import that file.
 */
export { APPROVAL_STATUSES, BATCH_STRATEGIES, DATASET_FORMATS, EARLY_STOPPING_MODES, ENDPOINT_STATUSES, HYPERBAND_SAMPLERS, INSTANCE_STATUSES, JOB_STATUSES, JOIN_SOURCES, MAX_TUNING_JOBS, MAX_TUNING_PARALLEL, MODEL_FORMATS, NAME_PATTERN, OBJECTIVE_TYPES, PARAMETER_TYPES, PERMISSIONS, ROLES, SCALINGS, SECONDARY_STATUSES, SPLIT_TYPES, STRATEGY_NAMES, TERMINAL_JOB_STATUSES, TRANSFORM_LIMITS, clientEnvDefaults } from './values.js';
export { Channels, JobName, JobStatus, JobTimeFields, MapOf, MetricDefinition, MetricDefinitions, NameParams, Nullable, NumberRecord, Page, PageQuery, ResourceName, ScriptSource, Strict, StringEnum, StringMap, StringRecord, Tags, Timestamp } from './common.contract.js';
export { CreateTokenRequest, CreateUserRequest, Permission, Role, TokenInfo, TokenListQuery, UpdateUserRequest, User, UserName } from './auth.contract.js';
export type { CreatedToken } from './auth.contract.js';
export { ACCESS_KEY_STATUSES, AccessKey, AccessKeyId, AccessKeyListQuery, AccessKeyParams, AccessKeyStatus, CreateAccessKeyRequest, CreatedAccessKey, UpdateAccessKeyRequest } from './access-key.contract.js';
export { ArtifactInfo, ArtifactListQuery } from './artifact.contract.js';
export { ColumnStats, CreateDatasetFromArtifactRequest, CreateDatasetFromQueryRequest, DatasetColumn, DatasetFormat, DatasetListFilter, DatasetRef, DatasetUploadQuery, DatasetVersion, IncludeDeletedQuery, PreviewQuery, PurgeQuery, QueryRequest, QueryResult } from './dataset.contract.js';
export { AlgorithmInfo, AlgorithmMetric, AlgorithmName, BooleanHyperparameter, CategoricalHyperparameter, ContinuousHyperparameter, HyperparameterSpec, IntegerHyperparameter } from './algorithm.contract.js';
export { Cpus, CreateTrainingJobRequest, LogLine, LogsPage, LogsQuery, MetricPoint, SecondaryStatus, SequencedMetricPoint, TrainingJob, TrainingJobFilter, TrainingJobStatus, TrainingResourceFields } from './training.contract.js';
export type { CreateTrainingJobInput } from './training.contract.js';
export { ProfileAttempt, ProfilePhase, ProfileSample, RuleAction, RuleConfig, RuleConfigs, RuleStatus, RuleStatusName, TrainingProfile } from './debugger.contract.js';
export { BUILTIN_RULES, PROFILE_PHASES, RULE_ACTIONS, RULE_EVENT, RULE_LIMITS, RULE_NAME_PATTERN, RULE_STATUSES } from './debugger-values.js';
export type { BuiltinRuleName } from './debugger-values.js';
export { CreateTuningJobRequest, EarlyStopping, HyperbandOptions, ObjectiveType, ParameterRange, RangeInput, Scaling, StrategyName, Trial, TuningJob, TuningJobFilter, TuningJobName, TuningJobStatus, TuningSpec } from './tuning.contract.js';
export type { CreateTuningJobInput } from './tuning.contract.js';
export { BatchStrategy, CreateTransformJobRequest, JoinSource, SplitType, TransformJob, TransformJobFilter, TransformJobStatus } from './transform.contract.js';
export type { CreateTransformJobInput } from './transform.contract.js';
export { CreateProcessingJobRequest, PROCESSING_DISTRIBUTIONS, PROCESSING_INPUT_FORMATS, PROCESSING_INSTANCE_STATUSES, PROCESSING_LIMITS, ProcessingDistribution, ProcessingInput, ProcessingInputFormat, ProcessingInputRequest, ProcessingInstance, ProcessingInstanceStatus, ProcessingIoName, ProcessingJob, ProcessingJobFilter, ProcessingJobStatus, ProcessingLocalPath, ProcessingLogLine, ProcessingLogsPage, ProcessingOutput, ProcessingOutputRequest } from './processing.contract.js';
export type { CreateProcessingJobInput } from './processing.contract.js';
export { Crawler, CrawlerColumn, CrawlerFilter, CrawlerFormat, CrawlerName, CrawlerRun, CrawlerRunFilter, CrawlerRunParams, CrawlerRunStatus, CrawlerState, CreateCrawlerRequest, RejectedFile, SchemaChange } from './crawler.contract.js';
export type { CreateCrawlerInput } from './crawler.contract.js';
export { CRAWLER_FORMATS, CRAWLER_STATES, MAX_LISTED_REJECTIONS, SCHEMA_CHANGE_KINDS } from './crawler-values.js';
export { ApprovalRequest, CreatePipelineRequest, DefinitionInput, Execution, ExecutionFilter, ExecutionStatus, ExecutionStep, OverlapPolicy, Pipeline, PipelineFilter, PipelineName, PipelineVersion, StartExecutionRequest, StepStatus, UpdatePipelineRequest } from './pipeline.contract.js';
export type { CreatePipelineInput } from './pipeline.contract.js';
export { CreateTriggerRequest, PipelineTrigger, TRIGGER_EVENT_FIELDS, TRIGGER_KINDS, TriggerFilter, TriggerKind, TriggerName, TriggerSource } from './pipeline-trigger.contract.js';
export type { CreateTriggerInput } from './pipeline-trigger.contract.js';
export { EXECUTION_STATUSES, OVERLAP_POLICIES, STEP_STATUSES, TERMINAL_EXECUTION_STATUSES, TERMINAL_STEP_STATUSES } from './pipeline.values.js';
export { OnnxModelInfo, OnnxValueInfo, ServingContract } from './onnx.contract.js';
export { ApprovalChange, ApprovalStatus, ApprovalUpdateRequest, CreateModelRequest, Model, ModelFilter, ModelFormat, ModelLineage, ModelName, ModelPackage, ModelRecipe, ModelPackageGroup, OnnxUploadQuery, PackageVersionsQuery, RegisterModelRequest } from './registry.contract.js';
export type { CreateModelInput, RegisterModelInput } from './registry.contract.js';
export { AutoscalingPolicy, AutoscalingRequest, CreateEndpointRequest, Endpoint, EndpointFilter, EndpointName, EndpointStatus, EndpointVariant, InstanceInfo, InstanceStatus, InvocationCounters, UpdateEndpointInput, UpdateWeightsRequest, VariantInput, VariantWeightInput } from './endpoint.contract.js';
export type { AutoscalingInput, CreateEndpointInput } from './endpoint.contract.js';
export { CreateExperimentRequest, Experiment, ExperimentDetail, ExperimentName, Run, RunCompareQuery, RunComparison, RunDetail, RunQuery } from './experiment.contract.js';
export { PipelineStepEvent, PlatformEvent, StatusChangeEvent, TrainingEndEvent, TrainingEvent, TrainingLogEvent, TrainingMetricEvent, TrainingStatusEvent } from './event.contract.js';
export { CreateRecipeJobRequest, CreateRecipeRequest, Recipe, RecipeColumn, RecipeFilter, RecipeFit, RecipeFitParams, RecipeJob, RecipeJobFilter, RecipeJobKind, RecipeJobOutput, RecipeName, RecipeOutputFormat, RecipeRef, RecipeSplit, RECIPE_JOB_KINDS, RECIPE_OUTPUT_FORMATS, RECIPE_SPLITS } from './recipe.contract.js';
export type { CreateRecipeInput, CreateRecipeJobInput } from './recipe.contract.js';
export { CreateDataQualityReportRequest, DataQualityColumn, DataQualityColumnKind, DataQualityContent, DataQualityFeatureImportance, DataQualityProblemType, DataQualityReport, DataQualityReportFilter, DataQualityReportId, DataQualitySeverity, DataQualityStatus, DataQualityTarget, DataQualityWarning, DATA_QUALITY_LIMITS, DATA_QUALITY_PROBLEM_TYPES, DATA_QUALITY_SEVERITIES, DATA_QUALITY_WARNING_KINDS } from './data-quality.contract.js';
export type { CreateDataQualityReportInput } from './data-quality.contract.js';
export { CreateForecastGroupRequest, CreateForecastImportRequest, CreateForecastPredictorRequest, CreateForecastRequest, Forecast, ForecastColumnMap, ForecastDomain, ForecastExportRequest, ForecastExportResult, ForecastFilling, ForecastFilter, ForecastFrequency, ForecastGroup, ForecastGroupFilter, ForecastImport, ForecastImportFilter, ForecastImportId, ForecastImportSummary, ForecastItemMetrics, ForecastMetrics, ForecastName, ForecastPredictor, ForecastPredictorAlgorithm, ForecastPredictorFilter, ForecastPredictorMetricsExport, ForecastPredictorProgress, ForecastQuery, ForecastQueryResult, ForecastStatus, FORECAST_DEFAULT_QUANTILES, FORECAST_DOMAINS, FORECAST_EXPORT_FORMATS, FORECAST_FREQUENCIES, FORECAST_LIMITS, FORECAST_PREDICTOR_ALGORITHMS, FORECAST_RELATED_FILLINGS, FORECAST_STATUSES, FORECAST_TARGET_FILLINGS, TERMINAL_FORECAST_STATUSES } from './forecast.contract.js';
export type { CreateForecastGroupInput, CreateForecastImportInput, CreateForecastInput, CreateForecastPredictorInput } from './forecast.contract.js';
export { AppliedFilter, CHART_TYPES, Chart, ChartDataQuery, ChartData, ChartEncoding, ChartId, ChartInput, ChartLayout, ChartPreviewRequest, ChartType, DASHBOARD_GRID_COLUMNS, DASHBOARD_LIMITS, Dashboard, DashboardFilter, DashboardFilterQuery, DashboardName, DashboardRequest, DateRangeFilter, FILTER_TYPES, FilterSelection, ValuesFilter } from './dashboard.contract.js';
export type { DashboardInput } from './dashboard.contract.js';
export { CacheConfig, CatchRule, COMMON_STEP_FIELDS, COMPARISON_OPERATORS, CommonStepFields, EXECUTION_FIELDS, EXPRESSION_ROOTS, GetExpression, ISO_DURATION_PATTERN, JoinExpression, LITERAL_FIELDS, MAX_DEFINITION_BYTES, NUMERIC_OPERATORS, PARAMETER_NAME_PATTERN, PIPELINE_PARAMETER_TYPES, PIPELINE_SCHEMA_VERSION, PipelineDefinitionSchema, PipelineParameterSpec, RETRY_DEFAULTS, RetryRule, STEP_NAME_PATTERN, STEP_REFERENCE_FIELDS, STEP_TYPES, StepFields, StepOutputs } from './pipeline-definition.contract.js';
export type { Condition, Expression, PipelineDefinition, PipelineDefinitionInput, PipelineParameterType, StepDef, StepDefOf, StepOutputsOf, StepType, WithRefs } from './pipeline-definition.contract.js';
export { CreateWebhookRequest, Webhook, WebhookAllowRule, WebhookAllowRuleQuery, WebhookAllowRuleRequest, WebhookAttempt, WebhookCreated, WebhookDelivery, WebhookDeliveryFilter, WebhookDeliveryParams, WebhookDeliveryStatus, WebhookEvent, WebhookFilter, WebhookName, WebhookTestRequest } from './webhook.contract.js';
export type { CreateWebhookInput } from './webhook.contract.js';
export { WEBHOOK_DELIVERY_STATUSES, WEBHOOK_EVENT_PATTERN, WEBHOOK_LIMITS, WEBHOOK_PING_EVENT } from './webhook-values.js';
export { MetricDatapoint, MetricJobKind, MetricNamespaceName, MetricStatName, MetricsAnswer, MetricsQuery } from './metrics.contract.js';
export { ENDPOINT_METRIC_NAMES, JOB_METRIC_NAMES, METRIC_JOB_KINDS, METRIC_LIMITS, METRIC_NAMESPACE_VALUES, METRIC_STAT_VALUES } from './metrics-values.js';
export { Alarm, AlarmAction, AlarmActionResult, AlarmComparison, AlarmDatapoint, AlarmFilter, AlarmMissingData, AlarmName, AlarmNamespace, AlarmStat, AlarmState, AlarmTransition, CreateAlarmRequest } from './alarm.contract.js';
export type { CreateAlarmInput } from './alarm.contract.js';
export { ALARM_ACTION_KINDS, ALARM_COMPARISONS, ALARM_EVENT, ALARM_LIMITS, ALARM_MISSING_DATA, ALARM_NAMESPACES, ALARM_STATES, ALARM_STATS } from './alarm-values.js';
export { CreateMonitorBaselineRequest, CreateMonitorScheduleRequest, MonitorBaseline, MonitorBaselineFilter, MonitorBaselineName, MonitorBaselineStatus, MonitorCheckType, MonitorComparisonMethod, MonitorExecution, MonitorExecutionFilter, MonitorExecutionId, MonitorExecutionStatus, MonitorFeatureDistribution, MonitorModelQualityConfig, MonitorSchedule, MonitorScheduleFilter, MonitorScheduleName, MonitorScheduleStatus, MonitorScheduleType, MonitorViolation, RunMonitorScheduleRequest, MONITOR_BASELINE_STATUSES, MONITOR_CHECK_TYPES, MONITOR_COMPARISON_METHODS, MONITOR_DEFAULT_CRON, MONITOR_EXECUTION_STATUSES, MONITOR_EXECUTION_TRIGGERS, MONITOR_SCHEDULE_STATUSES, MONITOR_SCHEDULE_TYPES, TERMINAL_MONITOR_EXECUTION_STATUSES } from './monitor.contract.js';
export type { CreateMonitorBaselineInput, CreateMonitorScheduleInput } from './monitor.contract.js';
export { GroundTruthPutResult, ModelQualityBaselineRequest, ModelQualityBaselineResult, ModelQualityExecution, ModelQualityExecutionList, ModelQualityProblemType, ModelQualityRunRequest, ModelQualityStatus, ModelQualityViolation, PutGroundTruthRequest, GROUND_TRUTH_MAX_RECORDS, MODEL_QUALITY_COMPARISON_OPERATORS, MODEL_QUALITY_PROBLEM_TYPES, MODEL_QUALITY_STATUSES } from './ground-truth.contract.js';
export { AutomlBestCandidate, AutomlBudget, AutomlCandidate, AutomlCandidateStatus, AutomlColumn, AutomlColumnType, AutomlDropReason, AutomlEnsembleMember, AutomlJob, AutomlJobFilter, AutomlJobName, AutomlJobStatus, AutomlMode, AutomlObjective, AutomlObjectiveMetric, AutomlProblemType, AutomlReportFormat, AutomlReportName, AutomlReportQuery, AutomlResolvedProblemType, AutomlSecondaryStatus, CreateAutomlJobRequest } from './automl.contract.js';
export type { CreateAutomlJobInput } from './automl.contract.js';
export { AUTOML_CANDIDATE_STATUSES, AUTOML_COLUMN_TYPES, AUTOML_DROP_REASONS, AUTOML_LIMITS, AUTOML_MAXIMIZED_OBJECTIVES, AUTOML_MODES, AUTOML_OBJECTIVES, AUTOML_PROBLEM_TYPES, AUTOML_REPORT_FORMATS, AUTOML_REPORTS, AUTOML_RESOLVED_PROBLEM_TYPES, AUTOML_SECONDARY_STATUSES } from './automl.values.js';
export { CreateLabelingJobRequest, LabelingAnswerReceipt, LabelingAutoLabel, LabelingGoldItem, LabelingJob, LabelingJobFilter, LabelingJobName, LabelingJobStatus, LabelingTask, LabelingTaskParams, LabelingTaskType, LabelingWork, LabelingWorkerStats, LabelToVerify, NextLabelingTask, SubmitLabelingAnswerRequest } from './labeling.contract.js';
export type { CreateLabelingJobInput } from './labeling.contract.js';
export { IMAGE_TASK_TYPES, LABELING_JOB_STATUSES, LABELING_LIMITS, LABELING_TASK_TYPES, VERIFIABLE_LABEL_TYPES } from './labeling.values.js';
export { CreateLabelingTeamRequest, LabelingTeam, LabelingTeamFilter, LabelingTeamName, UpdateLabelingTeamRequest } from './labeling-team.contract.js';
export type { CreateLabelingTeamInput } from './labeling-team.contract.js';
export { CreateReviewFlowRequest, ExportReviewsRequest, HumanAnswer, HumanLoop, HumanLoopFilter, HumanLoopInput, HumanLoopName, HumanLoopSource, HumanLoopStatus, NextReviewTask, NextReviewTaskRequest, ReviewActivation, ReviewAnswerReceipt, ReviewAutoExport, ReviewExport, ReviewFlow, ReviewFlowFilter, ReviewFlowName, ReviewTask, StartHumanLoopRequest, SubmitReviewAnswerRequest } from './reviews.contract.js';
export type { CreateReviewFlowInput, ExportReviewsInput, StartHumanLoopInput } from './reviews.contract.js';
export { HUMAN_LOOP_SOURCES, HUMAN_LOOP_STATUSES, REVIEW_LIMITS } from './reviews.values.js';
