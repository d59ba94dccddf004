/**
 * The API's shapes, taken from the server's own source (type-only imports, erased in the
 * bundle), so a change to the API breaks the studio's type-check instead of a page. They
 * come from the capabilities' index files, not from the SDK, whose Node transport does
 * not type-check against the browser's fetch.
 */
export type { User, TokenInfo, Role } from '../../../src/auth/index.js';
export type { DatasetVersion, DatasetColumn, ColumnStats, DatasetFormat, QueryResult } from '../../../src/data/index.js';
export type { TrainingJob, TrainingJobStatus, MetricPoint, LogLine } from '../../../src/training/index.js';
export type { Model, ModelLineage, ModelPackage, ModelPackageGroup, ApprovalStatus, ApprovalChange } from '../../../src/registry/index.js';
export type { TransformJob, TransformJobStatus } from '../../../src/serving/transform/index.js';
export type { Experiment, ExperimentDetail, Run, RunComparison, RunDetail } from '../../../src/experiments/index.js';
export type { TuningJob, TuningJobStatus, Trial, RangeInput } from '../../../src/tuning/index.js';
export type {
  Endpoint,
  EndpointStatus,
  EndpointVariant,
  InstanceInfo,
  InvocationCounters,
  UpdateEndpointInput,
  VariantInput,
  VariantWeightInput,
} from '../../../src/serving/endpoints/index.js';

import type { CreateTrainingJobInput } from '../../../src/training/index.js';
import type { CreateTransformJobInput } from '../../../src/serving/transform/index.js';
import type { CreateModelInput } from '../../../src/registry/index.js';
import type { CreateTuningJobInput } from '../../../src/tuning/index.js';
import type { CreateEndpointInput } from '../../../src/serving/endpoints/index.js';

// What a client sends: the server fills in `createdBy` from the caller (as the SDK's request types).
export type CreateTrainingJobRequest = Omit<CreateTrainingJobInput, 'createdBy'>;
export type CreateTransformJobRequest = Omit<CreateTransformJobInput, 'createdBy'>;
export type CreateModelRequest = Omit<CreateModelInput, 'createdBy'>;
export type CreateTuningJobRequest = Omit<CreateTuningJobInput, 'createdBy'>;
export type CreateEndpointRequest = Omit<CreateEndpointInput, 'createdBy'>;
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
