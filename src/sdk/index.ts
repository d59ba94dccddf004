export { Orchard, ArtifactsClient, DatasetsClient, UsersClient, TokensClient, formatFromFileName } from './client.js';
export type { OrchardClientOptions, CreateDatasetFromFile, CreateDatasetFromArtifact } from './client.js';
export { TrainingClient } from './training-client.js';
export type { CreateTrainingJobRequest, WaitForTrainingJobOptions, FollowLogsOptions } from './training-client.js';
export { OrchardApiError } from './http.js';
export type { User, TokenInfo, Role } from '../auth/index.js';
export type { DatasetVersion, DatasetColumn, ColumnStats, DatasetFormat, DatasetListFilter, QueryResult } from '../data/index.js';
export type { ArtifactInfo } from '../storage/index.js';
export type { TrainingJob, TrainingJobStatus, TrainingJobFilter, SecondaryStatus, MetricDefinition, MetricPoint, LogLine } from '../training/index.js';
