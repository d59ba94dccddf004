/**
 * Pipelines (SageMaker Pipelines / Step Functions): versioned definitions, their executions
 * and each execution's steps. The definition language itself is declared in
 * `pipeline-definition.contract.ts`.
 */
import { Type, type Static } from '@sinclair/typebox';
import { EXECUTION_STATUSES, OVERLAP_POLICIES, STEP_STATUSES } from './pipeline.values.js';
import { Nullable, PageQuery, ResourceName, StringEnum, Strict, Timestamp } from './common.contract.js';

/** A pipeline's name: 1–63 alphanumerics, hyphens only between them. */
export const PipelineName = ResourceName(63);

export const ExecutionStatus = StringEnum(EXECUTION_STATUSES);
export type ExecutionStatus = Static<typeof ExecutionStatus>;

export const StepStatus = StringEnum(STEP_STATUSES);
export type StepStatus = Static<typeof StepStatus>;

/** What a second execution does while one is running: start anyway, wait its turn, or not start. */
export const OverlapPolicy = StringEnum(OVERLAP_POLICIES);
export type OverlapPolicy = Static<typeof OverlapPolicy>;

/** A definition as a client sends it: the JSON object, or its JSON / YAML text. */
export const DefinitionInput = Type.Union([Type.String({ minLength: 1, maxLength: 1_000_000 }), Type.Object({}, { additionalProperties: true })]);

/** `POST /pipelines`: the first version of a pipeline. */
export const CreatePipelineRequest = Strict({
  name: PipelineName,
  definition: DefinitionInput,
  description: Type.Optional(Type.String({ maxLength: 1024 })),
  /** @default 'allow' */
  overlap: Type.Optional(OverlapPolicy),
});
export type CreatePipelineRequest = Static<typeof CreatePipelineRequest>;
export type CreatePipelineInput = CreatePipelineRequest & { createdBy?: string };

/** `PUT /pipelines/{name}`: a new version of the definition (and settings). */
export const UpdatePipelineRequest = Strict({
  definition: Type.Optional(DefinitionInput),
  description: Type.Optional(Type.String({ maxLength: 1024 })),
  overlap: Type.Optional(OverlapPolicy),
});
export type UpdatePipelineRequest = Static<typeof UpdatePipelineRequest>;

export const PipelineFilter = Strict({ ...PageQuery });
export type PipelineFilter = Static<typeof PipelineFilter>;

export const Pipeline = Type.Object({
  name: Type.String(),
  description: Nullable(Type.String()),
  /** The version `start` runs unless told otherwise. */
  latestVersion: Type.Integer(),
  overlap: OverlapPolicy,
  /** The latest version's definition, as stored (normalised JSON). */
  definition: Type.Unknown(),
  createdBy: Nullable(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Pipeline = Static<typeof Pipeline>;

export const PipelineVersion = Type.Object({
  pipeline: Type.String(),
  version: Type.Integer(),
  definition: Type.Unknown(),
  deleted: Type.Boolean(),
  createdBy: Nullable(Type.String()),
  createdAt: Timestamp,
});
export type PipelineVersion = Static<typeof PipelineVersion>;

/** `POST /pipelines/{name}/executions`. */
export const StartExecutionRequest = Strict({
  /** Parameter values; strings are typed by the definition (`'20'` → 20 for an integer). */
  parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  /** @default the latest version */
  version: Type.Optional(Type.Integer({ minimum: 1 })),
});
export type StartExecutionRequest = Static<typeof StartExecutionRequest>;

export const ExecutionStep = Type.Object({
  /** The step's name; a for-each iteration's steps are `loop[2].train`. */
  name: Type.String(),
  type: Type.String(),
  status: StepStatus,
  attempts: Type.Integer(),
  /** What the step created (a training job, a dataset version, …), named after the execution and step. */
  resource: Nullable(Type.String()),
  inputs: Type.Unknown(),
  outputs: Type.Record(Type.String(), Type.Unknown()),
  failureReason: Nullable(Type.String()),
  /** The step reused an earlier execution's outputs (its cache config). */
  cacheHit: Type.Boolean(),
  startedAt: Nullable(Timestamp),
  endedAt: Nullable(Timestamp),
});
export type ExecutionStep = Static<typeof ExecutionStep>;

export const Execution = Type.Object({
  id: Type.String(),
  pipeline: Type.String(),
  version: Type.Integer(),
  status: ExecutionStatus,
  parameters: Type.Record(Type.String(), Type.Unknown()),
  /** What started it: `{kind: 'api'}`, a trigger's name and what fired it, or a retry. */
  trigger: Type.Record(Type.String(), Type.Unknown()),
  failureReason: Nullable(Type.String()),
  steps: Type.Array(ExecutionStep),
  createdBy: Nullable(Type.String()),
  createdAt: Timestamp,
  startedAt: Nullable(Timestamp),
  endedAt: Nullable(Timestamp),
  updatedAt: Timestamp,
});
export type Execution = Static<typeof Execution>;

export const ExecutionFilter = Strict({
  pipeline: Type.Optional(PipelineName),
  status: Type.Optional(ExecutionStatus),
  ...PageQuery,
});
export type ExecutionFilter = Static<typeof ExecutionFilter>;

/** `POST /pipeline-executions/{id}/approve|reject`: the answer to a wait step's approval. */
export const ApprovalRequest = Strict({
  /** @default the one step waiting for an approval */
  step: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  comment: Type.Optional(Type.String({ maxLength: 1024 })),
});
export type ApprovalRequest = Static<typeof ApprovalRequest>;
