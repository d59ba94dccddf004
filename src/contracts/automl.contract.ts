/**
 * AutoML jobs (SageMaker Autopilot): a table and a target column in; an analysis of the
 * columns, a leaderboard of candidates (a recipe and an algorithm each, or a weighted
 * ensemble of them), the best one registered as a deployable model, and two reports out.
 */
import { Type, type Static } from '@sinclair/typebox';
import { JobName, JobStatus, Nullable, NumberRecord, PageQuery, StringEnum, StringRecord, Strict, Tags, Timestamp } from './common.contract.js';
import { Cpus } from './training.contract.js';
import {
  AUTOML_CANDIDATE_STATUSES,
  AUTOML_COLUMN_TYPES,
  AUTOML_DROP_REASONS,
  AUTOML_LIMITS,
  AUTOML_MODES,
  AUTOML_OBJECTIVES,
  AUTOML_PROBLEM_TYPES,
  AUTOML_REPORT_FORMATS,
  AUTOML_REPORTS,
  AUTOML_RESOLVED_PROBLEM_TYPES,
  AUTOML_SECONDARY_STATUSES,
  AUTOML_VALIDATIONS,
} from './automl.values.js';

/** An AutoML job's name: 1–32 characters (candidates' training jobs are named `<name>-<n>`). */
export const AutomlJobName = Type.String({ minLength: 1, maxLength: 32, pattern: '^[A-Za-z0-9](-*[A-Za-z0-9])*$' });

export const AutomlProblemType = StringEnum(AUTOML_PROBLEM_TYPES);
export type AutomlProblemType = Static<typeof AutomlProblemType>;
export const AutomlResolvedProblemType = StringEnum(AUTOML_RESOLVED_PROBLEM_TYPES);
export type AutomlResolvedProblemType = Static<typeof AutomlResolvedProblemType>;
export const AutomlObjectiveMetric = StringEnum(AUTOML_OBJECTIVES);
export type AutomlObjectiveMetric = Static<typeof AutomlObjectiveMetric>;
export const AutomlMode = StringEnum(AUTOML_MODES);
export type AutomlMode = Static<typeof AutomlMode>;
export const AutomlValidationChoice = StringEnum(AUTOML_VALIDATIONS);
export type AutomlValidationChoice = Static<typeof AutomlValidationChoice>;
export const AutomlJobStatus = JobStatus;
export type AutomlJobStatus = Static<typeof AutomlJobStatus>;
export const AutomlSecondaryStatus = StringEnum(AUTOML_SECONDARY_STATUSES);
export type AutomlSecondaryStatus = Static<typeof AutomlSecondaryStatus>;
export const AutomlColumnType = StringEnum(AUTOML_COLUMN_TYPES);
export type AutomlColumnType = Static<typeof AutomlColumnType>;
export const AutomlDropReason = StringEnum(AUTOML_DROP_REASONS);
export const AutomlReportName = StringEnum(AUTOML_REPORTS);
export type AutomlReportName = Static<typeof AutomlReportName>;
export const AutomlReportFormat = StringEnum(AUTOML_REPORT_FORMATS);
export type AutomlReportFormat = Static<typeof AutomlReportFormat>;
export const AutomlCandidateStatus = StringEnum(AUTOML_CANDIDATE_STATUSES);
export type AutomlCandidateStatus = Static<typeof AutomlCandidateStatus>;

/** What a client sends to create an AutoML job; `createdBy` comes from the caller's token. */
export const CreateAutomlJobRequest = Strict({
  name: AutomlJobName,
  /** `D` (its latest version) or `D@N`. */
  dataset: Type.String({ minLength: 1, maxLength: 80 }),
  /** The column to predict. */
  target: Type.String({ minLength: 1, maxLength: 256 }),
  /** @default 'auto' */
  problemType: Type.Optional(AutomlProblemType),
  /** @default auc (binary), accuracy (multiclass), mse (regression) */
  objective: Type.Optional(AutomlObjectiveMetric),
  /** Candidates trained in all (ensembles not counted). @default 50 */
  maxCandidates: Type.Optional(Type.Integer(AUTOML_LIMITS.maxCandidates)),
  /** The whole job's budget, analysis to registered model. @default 3600 */
  maxRuntimeSeconds: Type.Optional(Type.Integer(AUTOML_LIMITS.maxRuntimeSeconds)),
  /** @default 'ensembling' */
  mode: Type.Optional(AutomlMode),
  /** `cv`: k-fold cross-validation; `holdout`: the held-out split; `auto`: cv below 20,000 rows. @default 'auto' */
  validation: Type.Optional(AutomlValidationChoice),
  /** A date or timestamp column: splits by time (the latest rows validate) instead of at random. */
  timeColumn: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  /** Candidates trained at once. @default 1 */
  maxParallel: Type.Optional(Type.Integer({ minimum: 1, maximum: 16 })),
  /** Cores each candidate's training job asks for. */
  cpus: Type.Optional(Cpus),
  /** @default a random seed, recorded */
  seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 31 })),
  tags: Type.Optional(Tags),
});
export type CreateAutomlJobRequest = Static<typeof CreateAutomlJobRequest>;
export type CreateAutomlJobInput = CreateAutomlJobRequest & { createdBy?: string };

/** `GET /automl-jobs` filters. */
export const AutomlJobFilter = Strict({ status: Type.Optional(AutomlJobStatus), ...PageQuery });
export type AutomlJobFilter = Static<typeof AutomlJobFilter>;

/** One column of the table as the analysis read it. */
export const AutomlColumn = Type.Object({
  name: Type.String(),
  /** The dataset's own (DuckDB) type. */
  sourceType: Type.String(),
  type: AutomlColumnType,
  /** Set when `type` is `dropped`. */
  dropReason: Nullable(AutomlDropReason),
  missing: Type.Integer(),
  distinct: Nullable(Type.Integer()),
});
export type AutomlColumn = Static<typeof AutomlColumn>;

export const AutomlObjective = Type.Object({
  metric: AutomlObjectiveMetric,
  /** Null until the candidate is scored. */
  value: Type.Optional(Nullable(Type.Number())),
});
export type AutomlObjective = Static<typeof AutomlObjective>;

/** An ensemble's member and its weight (weights sum to 1). */
export const AutomlEnsembleMember = Type.Object({ candidate: Type.String(), weight: Type.Number() });

/** One row of the leaderboard: a recipe and an algorithm (a training job), or an ensemble. */
export const AutomlCandidate = Type.Object({
  /** `<job>-<n>` for a trained candidate, `<job>-ensemble` for the ensemble. */
  name: Type.String(),
  /** 1 = best; null while not scored. */
  rank: Nullable(Type.Integer()),
  status: AutomlCandidateStatus,
  /** `xgboost`, `linear-learner`, …, or `ensemble`. */
  algorithm: Type.String(),
  /** The recipe variant the candidate reads (`trees`, `linear`, …); null for an ensemble. */
  recipe: Nullable(Type.String()),
  /** The recipe fit as `recipe@version` (a recipe of the recipes capability). */
  recipeFit: Nullable(Type.String()),
  /** The candidate's training job; null for an ensemble. */
  trainingJob: Nullable(Type.String()),
  hyperParameters: StringRecord,
  members: Type.Optional(Type.Array(AutomlEnsembleMember)),
  /** The job's objective, computed by AutoML on the held-out rows (or out of fold) for every candidate alike. */
  objective: AutomlObjective,
  /** Every metric of the problem type on the same rows. */
  metrics: NumberRecord,
  /** Cross-validated jobs: the objective on each fold (`objective.value` is their mean), its standard deviation, the rows predicted out of fold. */
  crossValidation: Type.Optional(Type.Object({ folds: Type.Integer(), scores: Type.Array(Type.Number()), std: Type.Number(), rows: Type.Integer() })),
  /** Global importance per raw column (mean |SHAP| or permutation), when explained. */
  importance: Type.Optional(NumberRecord),
  trainingSeconds: Nullable(Type.Number()),
  failureReason: Nullable(Type.String()),
  createdAt: Timestamp,
});
export type AutomlCandidate = Static<typeof AutomlCandidate>;

export const AutomlBestCandidate = Type.Object({
  name: Type.String(),
  algorithm: Type.String(),
  objective: AutomlObjective,
  /** The registry model, deployable with `orchard endpoints create --model`. */
  model: Nullable(Type.String()),
});
export type AutomlBestCandidate = Static<typeof AutomlBestCandidate>;

/**
 * How a job spent its budget (`maxRuntimeSeconds`, creation to the end), each figure set as
 * its phase ends. Candidates stop early enough to leave the finalize the time it is expected
 * to take; the finalize leaves out what does not fit (`finalizeDegraded`).
 */
export const AutomlBudget = Type.Object({
  /** Creation to the first candidate: the analysis, the exploration report and feature engineering. */
  featureEngineeringSeconds: Type.Optional(Type.Number()),
  /** The first candidate's launch to the last one's end, when the finalize is queued. */
  tuningSeconds: Type.Optional(Type.Number()),
  /** What the finalize was expected to take when it was queued, from the candidates' training times. */
  finalizeEstimateSeconds: Type.Optional(Type.Number()),
  /** The finalize's queueing to the job's end: scoring, the ensemble, importance, registration and reports. */
  finalizeSeconds: Type.Optional(Type.Number()),
  /** Creation to the end. */
  totalSeconds: Type.Optional(Type.Number()),
  /** What the finalize left out to end within the budget (candidates not scored, no ensemble, importance on fewer rows or none); empty when nothing. */
  finalizeDegraded: Type.Optional(Type.Array(Type.String())),
});
export type AutomlBudget = Static<typeof AutomlBudget>;

export const AutomlJob = Type.Object({
  name: Type.String(),
  /** The dataset version read, as `D@N`. */
  dataset: Type.String(),
  target: Type.String(),
  /** As asked (`auto` included). */
  problemTypeRequested: AutomlProblemType,
  /** As resolved; null only before the analysis. */
  problemType: Nullable(AutomlResolvedProblemType),
  objective: AutomlObjective,
  maxCandidates: Type.Integer(),
  maxRuntimeSeconds: Type.Integer(),
  mode: AutomlMode,
  timeColumn: Nullable(Type.String()),
  maxParallel: Type.Integer(),
  cpus: Type.Optional(Type.Integer()),
  seed: Type.Integer(),
  /** `cv` (k-fold, small tables) or `holdout`. */
  validation: Nullable(Type.Object({ method: StringEnum(['cv', 'holdout'] as const), folds: Type.Optional(Type.Integer()), validationShare: Type.Optional(Type.Number()) })),
  status: AutomlJobStatus,
  secondaryStatus: AutomlSecondaryStatus,
  failureReason: Nullable(Type.String()),
  columns: Type.Array(AutomlColumn),
  /** Class labels in the order the model's outputs use (classification). */
  classes: Type.Optional(Type.Array(Type.String())),
  candidateCounts: Type.Object({ completed: Type.Integer(), failed: Type.Integer(), inProgress: Type.Integer(), stopped: Type.Integer() }),
  bestCandidate: Nullable(AutomlBestCandidate),
  /** Sorted best first; candidates not yet scored last. */
  leaderboard: Type.Array(AutomlCandidate),
  /** How the budget was spent so far (absent on jobs from before it was recorded). */
  budget: Type.Optional(AutomlBudget),
  tags: StringRecord,
  createdBy: Nullable(Type.String()),
  createdAt: Timestamp,
  endedAt: Nullable(Timestamp),
  updatedAt: Timestamp,
});
export type AutomlJob = Static<typeof AutomlJob>;

/** `GET /automl-jobs/{name}/reports/{report}?format=json|md`. */
export const AutomlReportQuery = Strict({ format: Type.Optional(AutomlReportFormat) });
