/**
 * Model Monitor's model quality: ground truth uploaded by inference id, evaluations
 * (executions) of an endpoint's captured predictions against it, and baselines from a
 * dataset's prediction and label columns. Statistics and constraints are SageMaker's
 * model-quality files, carried as they are.
 */
import { Type, type Static } from '@sinclair/typebox';
import { MapOf, Nullable, NumberRecord, StringEnum, Strict, Timestamp } from './common.contract.js';

export const MODEL_QUALITY_PROBLEM_TYPES = ['BinaryClassification', 'MulticlassClassification', 'Regression'] as const;
export const MODEL_QUALITY_STATUSES = ['Completed', 'CompletedWithViolations', 'Failed'] as const;
export const MODEL_QUALITY_COMPARISON_OPERATORS = ['LessThanThreshold', 'LessThanOrEqualToThreshold', 'GreaterThanThreshold', 'GreaterThanOrEqualToThreshold'] as const;
/** Most records one upload may hold. */
export const GROUND_TRUTH_MAX_RECORDS = 100_000;

export const ModelQualityProblemType = StringEnum(MODEL_QUALITY_PROBLEM_TYPES);
export type ModelQualityProblemType = Static<typeof ModelQualityProblemType>;
export const ModelQualityStatus = StringEnum(MODEL_QUALITY_STATUSES);
export type ModelQualityStatus = Static<typeof ModelQualityStatus>;

/**
 * One upload: each record in SageMaker's ground-truth shape
 * (`{"groundTruthData":{"data":"1","encoding":"CSV"},"eventMetadata":{"eventId":"<inference id>"},"eventVersion":"0"}`)
 * or `{"inferenceId": …, "label": …}`.
 */
export const PutGroundTruthRequest = Strict({
  records: Type.Array(Type.Unknown(), { minItems: 1, maxItems: GROUND_TRUTH_MAX_RECORDS }),
  /** Refuse the upload when any id is not in the endpoint's capture (by default only when none is). @default false */
  strict: Type.Optional(Type.Boolean()),
});
export type PutGroundTruthRequest = Static<typeof PutGroundTruthRequest>;

export const GroundTruthPutResult = Type.Object({
  endpoint: Type.String(),
  /** Where the upload was stored (`endpoints/<name>/ground-truth/yyyy/mm/dd/hh/…jsonl`). */
  key: Type.String(),
  stored: Type.Integer(),
  /** Ids found in the endpoint's capture. */
  matched: Type.Integer(),
  /** Ids not (yet) in the capture: kept, they merge if their capture appears. */
  unmatched: Type.Integer(),
  /** Up to 10 of them. */
  unmatchedIds: Type.Array(Type.String()),
});
export type GroundTruthPutResult = Static<typeof GroundTruthPutResult>;

/** Where the predictions are read and what a baseline dataset holds. */
const PredictionAttributes = {
  /** The predicted label or value: a JSON key (dots for nesting) or a 0-based CSV column. Default: the first value. */
  inferenceAttribute: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  /** The positive class's probability (binary). */
  probabilityAttribute: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  /** @default 0.5 */
  probabilityThreshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
};

export const ModelQualityBaselineRequest = Strict({
  /** Dataset version (`name` or `name@3`) with a prediction and a label column. */
  dataset: Type.String({ minLength: 1, maxLength: 200 }),
  problemType: ModelQualityProblemType,
  /** The label column. */
  groundTruthAttribute: Type.String({ minLength: 1, maxLength: 200 }),
  ...PredictionAttributes,
});
export type ModelQualityBaselineRequest = Static<typeof ModelQualityBaselineRequest>;

export const ModelQualityBaselineResult = Type.Object({
  dataset: Type.String(),
  problemType: ModelQualityProblemType,
  metrics: NumberRecord,
  rows: Type.Integer(),
  skipped: Type.Integer(),
  /** SageMaker's model-quality statistics.json. */
  statistics: Type.Unknown(),
  /** Suggested constraints.json: the baseline's metrics as thresholds. */
  constraints: Type.Unknown(),
});
export type ModelQualityBaselineResult = Static<typeof ModelQualityBaselineResult>;

export const ModelQualityRunRequest = Strict({
  problemType: ModelQualityProblemType,
  /** Inference times from (ISO 8601); default: all capture. */
  since: Type.Optional(Timestamp),
  /** Inference times before (ISO 8601); default: now. */
  until: Type.Optional(Timestamp),
  ...PredictionAttributes,
  /** SageMaker's model-quality constraints.json. */
  constraints: Type.Optional(Type.Unknown()),
  /** Or constraints suggested from a baseline dataset, computed now. */
  baseline: Type.Optional(Strict({ dataset: Type.String({ minLength: 1, maxLength: 200 }), groundTruthAttribute: Type.String({ minLength: 1, maxLength: 200 }), ...PredictionAttributes })),
});
export type ModelQualityRunRequest = Static<typeof ModelQualityRunRequest>;

export const ModelQualityViolation = Type.Object({
  metric_name: Type.String(),
  constraint_check_type: StringEnum(MODEL_QUALITY_COMPARISON_OPERATORS),
  description: Type.String(),
});
export type ModelQualityViolation = Static<typeof ModelQualityViolation>;

export const ModelQualityExecution = Type.Object({
  id: Type.String(),
  endpoint: Type.String(),
  status: ModelQualityStatus,
  problemType: ModelQualityProblemType,
  metrics: NumberRecord,
  /** Actual label → predicted label → count (classification). */
  confusionMatrix: Nullable(MapOf(MapOf(Type.Number()))),
  violations: Type.Array(ModelQualityViolation),
  captured: Type.Integer(),
  matched: Type.Integer(),
  skipped: Type.Integer(),
  since: Nullable(Timestamp),
  until: Timestamp,
  failureReason: Nullable(Type.String()),
  /** statistics.json and constraint_violations.json of this execution in the artifact store. */
  statisticsKey: Nullable(Type.String()),
  violationsKey: Type.String(),
  createdAt: Timestamp,
  createdBy: Nullable(Type.String()),
});
export type ModelQualityExecution = Static<typeof ModelQualityExecution>;

export const ModelQualityExecutionList = Type.Object({ items: Type.Array(ModelQualityExecution) });
export type ModelQualityExecutionList = Static<typeof ModelQualityExecutionList>;
