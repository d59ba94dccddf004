import type { OnnxModelInfo } from '../onnx/index.js';

/** What a model is made from: a built-in's model.tar.gz, or one ONNX file. */
export type ModelFormat = 'algorithm' | 'onnx';

/** SageMaker's ModelApprovalStatus. */
export type ApprovalStatus = 'PendingManualApproval' | 'Approved' | 'Rejected';
export const APPROVAL_STATUSES: readonly ApprovalStatus[] = ['PendingManualApproval', 'Approved', 'Rejected'];

/** Where a model came from; the training job's facts are copied, so they outlive the job. */
export interface ModelLineage {
  /** `training-job`, `artifact` (a user's model.tar.gz) or `upload` (an ONNX file). */
  source: 'training-job' | 'artifact' | 'upload';
  trainingJob?: string;
  /** Channel -> dataset version the job trained on. */
  datasets?: Record<string, { dataset: string; version: number }>;
  hyperParameters?: Record<string, string>;
  /** The artifact key a model was created from (source `artifact`). */
  artifactKey?: string;
  /** The built-in whose model was exported to ONNX to make this model (format `onnx`). */
  exportedFrom?: string;
}

export interface Model {
  name: string;
  format: ModelFormat;
  /** The built-in that reads the artifact; null for ONNX. */
  algorithm: string | null;
  /** Key of the platform's own copy of the artifact (under `models/`). */
  artifactKey: string;
  /** URI of that copy (`file://…/models/…`, `s3://…/models/…`). */
  artifactUri: string;
  sha256: string;
  sizeBytes: number;
  lineage: ModelLineage;
  /** Final metrics of the training job, keyed like `validation:auc`. */
  metrics: Record<string, number>;
  description: string | null;
  tags: Record<string, string>;
  createdBy: string | null;
  createdAt: string;
  /** An ONNX model's inputs, outputs, opsets and how it is served; null for a built-in's model. */
  onnx: OnnxModelInfo | null;
}

/** Create a model from exactly one source. */
export interface CreateModelInput {
  name: string;
  /** A completed training job (its model.tar.gz and algorithm). */
  fromJob?: string;
  /** A model.tar.gz already in the artifact store, read by `algorithm`. */
  artifactKey?: string;
  algorithm?: string;
  /**
   * `onnx` stores the built-in's model exported to ONNX (served through onnxruntime);
   * `algorithm` stores the model.tar.gz as it is. A script-mode job's model is ONNX either way.
   * @default 'algorithm'
   */
  format?: ModelFormat;
  description?: string;
  tags?: Record<string, string>;
  createdBy?: string;
}

export interface ApprovalChange {
  status: ApprovalStatus;
  by: string | null;
  at: string;
  description: string | null;
}

export interface ModelPackageGroup {
  name: string;
  description: string | null;
  /** Versions in the group, and the newest. */
  versionCount: number;
  latestVersion: number | null;
  createdBy: string | null;
  createdAt: string;
}

/** One version of a group: a registered model with its approval and lineage. */
export interface ModelPackage {
  group: string;
  version: number;
  /** `group@version`. */
  ref: string;
  modelName: string;
  approvalStatus: ApprovalStatus;
  /** Every approval change, oldest first; the last one is the current status. */
  approvalHistory: ApprovalChange[];
  description: string | null;
  metrics: Record<string, number>;
  lineage: ModelLineage & { model: string; algorithm: string | null; format: ModelFormat };
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface RegisterModelInput {
  group: string;
  model: string;
  /** @default 'PendingManualApproval' */
  approvalStatus?: ApprovalStatus;
  description?: string;
  createdBy?: string;
}
