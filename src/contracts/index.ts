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
 * `…Request` a client sends; the server adds `createdBy` (`…Input`).
 */
export { Channels, JOB_STATUSES, JobName, JobStatus, MetricDefinition, MetricDefinitions, NAME_PATTERN, NameParams, Nullable, NumberRecord, Page, PageQuery, ResourceName, ScriptSource, Strict, StringEnum, StringMap, StringRecord, TERMINAL_JOB_STATUSES, Tags, Timestamp } from './common.contract.js';
export { CreateTokenRequest, CreateUserRequest, PERMISSIONS, Permission, ROLES, Role, TokenInfo, TokenListQuery, UpdateUserRequest, User, UserName } from './auth.contract.js';
export type { CreatedToken } from './auth.contract.js';
export { ArtifactInfo, ArtifactListQuery } from './artifact.contract.js';
export { ColumnStats, CreateDatasetFromArtifactRequest, DATASET_FORMATS, DatasetColumn, DatasetFormat, DatasetListFilter, DatasetRef, DatasetUploadQuery, DatasetVersion, IncludeDeletedQuery, PreviewQuery, PurgeQuery, QueryRequest, QueryResult } from './dataset.contract.js';
export { AlgorithmInfo, AlgorithmMetric, AlgorithmName, BooleanHyperparameter, CategoricalHyperparameter, ContinuousHyperparameter, HyperparameterSpec, IntegerHyperparameter } from './algorithm.contract.js';
export { Cpus, CreateTrainingJobRequest, LogLine, LogsPage, LogsQuery, MetricPoint, SECONDARY_STATUSES, SecondaryStatus, SequencedMetricPoint, TrainingJob, TrainingJobFilter, TrainingJobStatus, TrainingResourceFields } from './training.contract.js';
export type { CreateTrainingJobInput } from './training.contract.js';
export { CreateTuningJobRequest, EARLY_STOPPING_MODES, EarlyStopping, HYPERBAND_SAMPLERS, HyperbandOptions, MAX_TUNING_JOBS, MAX_TUNING_PARALLEL, OBJECTIVE_TYPES, ObjectiveType, PARAMETER_TYPES, ParameterRange, RangeInput, SCALINGS, STRATEGY_NAMES, Scaling, StrategyName, Trial, TuningJob, TuningJobFilter, TuningJobName, TuningJobStatus, TuningSpec } from './tuning.contract.js';
export type { CreateTuningJobInput } from './tuning.contract.js';
export { BATCH_STRATEGIES, BatchStrategy, CreateTransformJobRequest, JOIN_SOURCES, JoinSource, SPLIT_TYPES, SplitType, TRANSFORM_LIMITS, TransformJob, TransformJobFilter, TransformJobStatus } from './transform.contract.js';
export type { CreateTransformJobInput } from './transform.contract.js';
export { OnnxModelInfo, OnnxValueInfo, ServingContract } from './onnx.contract.js';
export { APPROVAL_STATUSES, ApprovalChange, ApprovalStatus, CreateModelRequest, MODEL_FORMATS, Model, ModelFilter, ModelFormat, ModelLineage, ModelName, ModelPackage, ModelPackageGroup, OnnxUploadQuery, PackageVersionsQuery, ApprovalUpdateRequest, RegisterModelRequest } from './registry.contract.js';
export type { CreateModelInput, RegisterModelInput } from './registry.contract.js';
export { AutoscalingPolicy, AutoscalingRequest, CreateEndpointRequest, ENDPOINT_STATUSES, Endpoint, EndpointFilter, EndpointName, EndpointStatus, EndpointVariant, INSTANCE_STATUSES, InstanceInfo, InstanceStatus, InvocationCounters, UpdateEndpointInput, UpdateWeightsRequest, VariantInput, VariantWeightInput } from './endpoint.contract.js';
export type { AutoscalingInput, CreateEndpointInput } from './endpoint.contract.js';
export { CreateExperimentRequest, Experiment, ExperimentDetail, ExperimentName, Run, RunCompareQuery, RunComparison, RunDetail, RunQuery } from './experiment.contract.js';
export { StatusChangeEvent, TrainingEndEvent, TrainingEvent, TrainingLogEvent, TrainingMetricEvent, TrainingStatusEvent } from './event.contract.js';
