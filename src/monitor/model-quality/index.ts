/**
 * Model Monitor's model quality: ground truth uploaded by inference id, merged with an
 * endpoint's captured predictions, metrics against a baseline's constraints. The monitor's
 * schedules (type `model-quality`) call `runModelQuality`; `modelQualityBaseline` turns a
 * dataset's prediction and label columns into statistics and suggested constraints.
 */
export { runModelQuality, modelQualityBaseline, parseOutput } from './runner.js';
export type { ModelQualityRunInput, ModelQualityResult, ModelQualityStatus, ModelQualityBaseline, ModelQualityBaselineInput, PredictionAttributes } from './runner.js';
export { PROBLEM_TYPES, checkConstraints, constraintsFor, metricNames, statisticsOf, suggestConstraints } from './constraints.js';
export type { ComparisonOperator, MetricConstraint, ModelQualityConstraints, ModelQualityStatistics, ModelQualityViolation, ProblemType } from './constraints.js';
export { binaryMetrics, multiclassMetrics, regressionMetrics, rocAuc } from './metrics.js';
export type { BinaryMetrics, ConfusionMatrix, MulticlassMetrics, RegressionMetrics } from './metrics.js';
export { parseGroundTruth, readCapture, readGroundTruth, writeGroundTruth } from './records.js';
export type { CapturedOutput, GroundTruthRecord } from './records.js';
export { ModelQualityService } from './service.js';
export type { ModelQualityDeps } from './service.js';
export { modelQualityScheduleRunner } from './schedule-runner.js';
