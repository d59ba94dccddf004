/** Models and the model registry: lineage, package groups, packages, approval. */
import { Type, type Static } from '@sinclair/typebox';
import { APPROVAL_STATUSES, MODEL_FORMATS } from './values.js';
import { JobName, MapOf, Nullable, NumberRecord, PageQuery, Strict, StringEnum, StringRecord, Tags, Timestamp } from './common.contract.js';
import { OnnxModelInfo } from './onnx.contract.js';

/** SageMaker's ModelName: 1–63 alphanumerics, hyphens only between them. */
export const ModelName = JobName;

export const ModelFormat = StringEnum(MODEL_FORMATS);
export type ModelFormat = Static<typeof ModelFormat>;

export const ApprovalStatus = StringEnum(APPROVAL_STATUSES);
export type ApprovalStatus = Static<typeof ApprovalStatus>;

/** Where a model came from; the training job's facts are copied, so they outlive the job. */
export const ModelLineage = Type.Object({
  /** `training-job`, `artifact` (a user's model.tar.gz) or `upload` (an ONNX file). */
  source: StringEnum(['training-job', 'artifact', 'upload'] as const),
  trainingJob: Type.Optional(Type.String()),
  /** Channel -> dataset version the job trained on. */
  datasets: Type.Optional(MapOf(Type.Object({ dataset: Type.String(), version: Type.Integer() }))),
  hyperParameters: Type.Optional(StringRecord),
  /** The artifact key a model was created from (source `artifact`). */
  artifactKey: Type.Optional(Type.String()),
  /** The built-in whose model was exported to ONNX to make this model (format `onnx`). */
  exportedFrom: Type.Optional(Type.String()),
  /** An inference pipeline's recipe fit (`recipe@version`), applied to raw rows before the model. */
  recipe: Type.Optional(Type.String()),
});
export type ModelLineage = Static<typeof ModelLineage>;

/**
 * An inference pipeline's first stage: a copy of a recipe fit stored with the model.
 * Endpoints and batch transforms then take raw rows (the recipe's input columns, the
 * target excluded) and apply the recipe before the model.
 */
export const ModelRecipe = Type.Object({
  /** The fit it was copied from (`recipe@version`), its recipe and version. */
  ref: Type.String(),
  recipe: Type.String(),
  version: Type.Integer(),
  target: Nullable(Type.String()),
  /** The columns a raw row carries, in CSV order. */
  inputColumns: Type.Array(Type.Object({ name: Type.String(), type: Type.String() })),
  /** Features the recipe makes (what the model reads). */
  numFeatures: Type.Integer(),
  /** Key and checksum of the model's own copy of the fitted recipe. */
  artifactKey: Type.String(),
  sha256: Type.String(),
});
export type ModelRecipe = Static<typeof ModelRecipe>;

export const Model = Type.Object({
  name: Type.String(),
  format: ModelFormat,
  /** The built-in that reads the artifact; null for ONNX. */
  algorithm: Nullable(Type.String()),
  /** Key of the platform's own copy of the artifact (under `models/`). */
  artifactKey: Type.String(),
  /** URI of that copy (`file://…/models/…`, `s3://…/models/…`). */
  artifactUri: Type.String(),
  sha256: Type.String(),
  sizeBytes: Type.Integer(),
  lineage: ModelLineage,
  /** Final metrics of the training job, keyed like `validation:auc`. */
  metrics: NumberRecord,
  description: Nullable(Type.String()),
  tags: StringRecord,
  createdBy: Nullable(Type.String()),
  createdAt: Timestamp,
  /** An ONNX model's inputs, outputs, opsets and how it is served; null for a built-in's model. */
  onnx: Nullable(OnnxModelInfo),
  /** Present on an inference pipeline (recipe, then this model): the recipe fit it applies first. */
  recipe: Type.Optional(ModelRecipe),
});
export type Model = Static<typeof Model>;

/** Create a model from exactly one source; `createdBy` comes from the caller's token. */
export const CreateModelRequest = Strict({
  name: ModelName,
  /** A completed training job (its model.tar.gz and algorithm). */
  fromJob: Type.Optional(Type.String({ minLength: 1, maxLength: 63 })),
  /** A model.tar.gz already in the artifact store, read by `algorithm`. */
  artifactKey: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
  algorithm: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  /**
   * `onnx` stores the built-in's model exported to ONNX (served through onnxruntime);
   * `algorithm` stores the model.tar.gz as it is. A script-mode job's model is ONNX either way.
   * @default 'algorithm'
   */
  format: Type.Optional(ModelFormat),
  /**
   * A recipe fit (`R@N`, or `R` for its latest) to serve in front of the model as an
   * inference pipeline: the fit is copied with the model, and requests carry raw rows.
   */
  recipe: Type.Optional(Type.String({ minLength: 1, maxLength: 80 })),
  description: Type.Optional(Type.String({ maxLength: 1024 })),
  tags: Type.Optional(Tags),
});
export type CreateModelRequest = Static<typeof CreateModelRequest>;
export type CreateModelInput = CreateModelRequest & { createdBy?: string };

/** `GET /models` filters. */
export const ModelFilter = Strict({
  nameContains: Type.Optional(Type.String({ maxLength: 63 })),
  algorithm: Type.Optional(Type.String({ maxLength: 64 })),
  ...PageQuery,
});
export type ModelFilter = Static<typeof ModelFilter>;

/** `PUT /models/{name}/onnx` query: the ONNX file itself is the body. */
export const OnnxUploadQuery = Strict({ description: Type.Optional(Type.String({ maxLength: 1024 })) });
export type OnnxUploadQuery = Static<typeof OnnxUploadQuery>;

export const ApprovalChange = Type.Object({
  status: ApprovalStatus,
  by: Nullable(Type.String()),
  at: Timestamp,
  description: Nullable(Type.String()),
});
export type ApprovalChange = Static<typeof ApprovalChange>;

export const ModelPackageGroup = Type.Object({
  name: Type.String(),
  description: Nullable(Type.String()),
  /** Versions in the group, and the newest. */
  versionCount: Type.Integer(),
  latestVersion: Nullable(Type.Integer()),
  createdBy: Nullable(Type.String()),
  createdAt: Timestamp,
});
export type ModelPackageGroup = Static<typeof ModelPackageGroup>;

/** One version of a group: a registered model with its approval and lineage. */
export const ModelPackage = Type.Object({
  group: Type.String(),
  version: Type.Integer(),
  /** `group@version`. */
  ref: Type.String(),
  modelName: Type.String(),
  approvalStatus: ApprovalStatus,
  /** Every approval change, oldest first; the last one is the current status. */
  approvalHistory: Type.Array(ApprovalChange),
  description: Nullable(Type.String()),
  metrics: NumberRecord,
  lineage: Type.Object({ ...ModelLineage.properties, model: Type.String(), algorithm: Nullable(Type.String()), format: ModelFormat }),
  createdBy: Nullable(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type ModelPackage = Static<typeof ModelPackage>;

/** What a client sends to register a model as a group's next version (the group is in the path). */
export const RegisterModelRequest = Strict({
  model: ModelName,
  /** @default 'PendingManualApproval' */
  approvalStatus: Type.Optional(ApprovalStatus),
  description: Type.Optional(Type.String({ maxLength: 1024 })),
});
/** `GET /model-package-groups/{group}/versions` filter. */
export const PackageVersionsQuery = Strict({ approvalStatus: Type.Optional(ApprovalStatus) });
export type PackageVersionsQuery = Static<typeof PackageVersionsQuery>;

/** `PATCH /model-package-groups/{group}/versions/{version}`: SageMaker UpdateModelPackage. */
export const ApprovalUpdateRequest = Strict({ approvalStatus: ApprovalStatus, description: Type.Optional(Type.String({ maxLength: 1024 })) });
export type ApprovalUpdateRequest = Static<typeof ApprovalUpdateRequest>;

export type RegisterModelInput = Static<typeof RegisterModelRequest> & { group: string; createdBy?: string };
