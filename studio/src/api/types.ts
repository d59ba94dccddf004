/**
 * The API's shapes, taken from the server's own source (type-only imports, erased in the
 * bundle), so a change to the API breaks the studio's type-check instead of a page.
 */
export type {
  User,
  TokenInfo,
  Role,
  DatasetVersion,
  DatasetColumn,
  ColumnStats,
  DatasetFormat,
  QueryResult,
  TrainingJob,
  TrainingJobStatus,
  MetricPoint,
  LogLine,
  Model,
  ModelLineage,
  ModelPackage,
  ModelPackageGroup,
  ApprovalStatus,
  ApprovalChange,
  TransformJob,
  TransformJobStatus,
  CreateTrainingJobRequest,
  CreateTransformJobRequest,
  CreateModelRequest,
  Experiment,
  ExperimentDetail,
  Run,
  RunComparison,
  RunDetail,
  TuningJob,
  TuningJobStatus,
  Trial,
  RangeInput,
  CreateTuningJobRequest,
} from '../../../src/sdk/index.js';
export type { HyperparameterSpec, MetricDefinition as AlgorithmMetric } from '../../../src/algorithms/algorithm.js';
export type { Permission } from '../../../src/auth/roles.js';

import type { HyperparameterSpec, MetricDefinition } from '../../../src/algorithms/algorithm.js';

/** `GET /algorithms`: a descriptor without its code, each hyperparameter with a readable range. */
export interface AlgorithmInfo {
  name: string;
  version: string;
  description: string;
  hyperparameters: (HyperparameterSpec & { range: string })[];
  metrics: MetricDefinition[];
  inputContentTypes: string[];
  requiredChannels: string[];
  optionalChannels: string[];
}

export interface Page<T> {
  items: T[];
  total: number;
}
