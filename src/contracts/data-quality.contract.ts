/**
 * Data-quality reports (SageMaker Data Wrangler's "Data Quality and Insights" report): a
 * job over one dataset version that reports missing values, duplicates, outliers, ID-like
 * and high-cardinality columns and, given a target, class balance, target leakage and a
 * quick model's feature importance.
 */
import { Type, type Static } from '@sinclair/typebox';
import { DATA_QUALITY_LIMITS, DATA_QUALITY_PROBLEM_TYPES, DATA_QUALITY_SEVERITIES, DATA_QUALITY_WARNING_KINDS } from './data-quality.values.js';
import { JobStatus, JobTimeFields, Nullable, NumberRecord, PageQuery, StringEnum, Strict } from './common.contract.js';

export { DATA_QUALITY_LIMITS, DATA_QUALITY_PROBLEM_TYPES, DATA_QUALITY_SEVERITIES, DATA_QUALITY_WARNING_KINDS } from './data-quality.values.js';

/** A report runs as a job: SageMaker's job statuses. */
export const DataQualityStatus = JobStatus;
export type DataQualityStatus = Static<typeof DataQualityStatus>;

export const DataQualityProblemType = StringEnum(DATA_QUALITY_PROBLEM_TYPES);
export type DataQualityProblemType = Static<typeof DataQualityProblemType>;

export const DataQualitySeverity = StringEnum(DATA_QUALITY_SEVERITIES);
export type DataQualitySeverity = Static<typeof DataQualitySeverity>;

/** A report's id: `dq-` and 20 time-ordered letters and digits. */
export const DataQualityReportId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9-]*$' });

/** What a client sends to create a report; `createdBy` comes from the caller's token. */
export const CreateDataQualityReportRequest = Strict({
  /** Dataset version: `name` (the latest) or `name@3`. */
  dataset: Type.String({ minLength: 1, maxLength: 200 }),
  /** The column a model would predict; without one the target sections are left out. */
  target: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  /** @default 'auto' (from the target's type and distinct values) */
  problemType: Type.Optional(DataQualityProblemType),
});
export type CreateDataQualityReportRequest = Static<typeof CreateDataQualityReportRequest>;
export type CreateDataQualityReportInput = CreateDataQualityReportRequest & { createdBy?: string };

/** `GET /data-quality-reports` filters. */
export const DataQualityReportFilter = Strict({
  /** Reports of this dataset name. */
  dataset: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  /** … and this version of it. */
  version: Type.Optional(Type.Integer({ minimum: 1 })),
  status: Type.Optional(DataQualityStatus),
  ...PageQuery,
});
export type DataQualityReportFilter = Static<typeof DataQualityReportFilter>;

/** One finding, as Data Wrangler lists them: how much it matters, what it is, where, and what it means. */
export const DataQualityWarning = Type.Object({
  severity: DataQualitySeverity,
  kind: StringEnum(DATA_QUALITY_WARNING_KINDS),
  column: Type.Optional(Type.String()),
  message: Type.String(),
});
export type DataQualityWarning = Static<typeof DataQualityWarning>;

const Bin = Type.Object({ lower: Type.Number(), upper: Type.Number(), count: Type.Integer() });
const TopValue = Type.Object({ value: Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]), count: Type.Integer() });

/** How a column is read: numbers, categories (text), booleans, times, or anything else. */
export const DataQualityColumnKind = StringEnum(['numeric', 'categorical', 'boolean', 'temporal', 'other'] as const);
export type DataQualityColumnKind = Static<typeof DataQualityColumnKind>;

export const DataQualityColumn = Type.Object({
  name: Type.String(),
  /** The Parquet/DuckDB type. */
  type: Type.String(),
  kind: DataQualityColumnKind,
  missing: Type.Integer(),
  missingShare: Type.Number(),
  distinct: Type.Integer(),
  /** Distinct values over non-missing values. */
  distinctShare: Type.Number(),
  /** Every value distinct (integers, text), or an integer sequence min..max with one value per row. */
  idLike: Type.Boolean(),
  /** At most one distinct value. */
  constant: Type.Boolean(),
  /** A categorical column with many distinct values (see `thresholds`). */
  highCardinality: Type.Boolean(),
  /** Numeric columns: robust outliers over every row, by the median and MAD of the sample. */
  outliers: Nullable(Type.Object({ count: Type.Integer(), share: Type.Number(), median: Type.Number(), mad: Type.Number(), lower: Type.Number(), upper: Type.Number() })),
  min: Nullable(Type.Union([Type.Number(), Type.String()])),
  max: Nullable(Type.Union([Type.Number(), Type.String()])),
  mean: Nullable(Type.Number()),
  /** Numeric columns: equal-width bins from min to max. */
  histogram: Nullable(Type.Array(Bin)),
  topValues: Type.Array(TopValue),
  /** With a target: how well this column alone predicts it on held-out rows (AUC, or R² for regression). */
  predictivePower: Nullable(Type.Number()),
});
export type DataQualityColumn = Static<typeof DataQualityColumn>;

export const DataQualityTarget = Type.Object({
  column: Type.String(),
  /** The problem type the report used (`auto` resolved). */
  problemType: StringEnum(['binary', 'multiclass', 'regression'] as const),
  missing: Type.Integer(),
  /** Classification: each class with its count and share, largest first. */
  classes: Nullable(Type.Array(Type.Object({ value: Type.Union([Type.String(), Type.Number(), Type.Boolean()]), count: Type.Integer(), share: Type.Number() }))),
  /** Classification: the smallest class's share and the largest-to-smallest ratio. */
  imbalance: Nullable(Type.Object({ minorityClass: Type.Union([Type.String(), Type.Number(), Type.Boolean()]), minorityShare: Type.Number(), ratio: Type.Number() })),
  /** Columns that predict the target almost perfectly alone. */
  leakage: Type.Array(Type.Object({ column: Type.String(), score: Type.Number(), metric: StringEnum(['auc', 'r2', 'identical'] as const) })),
});
export type DataQualityTarget = Static<typeof DataQualityTarget>;

export const DataQualityFeatureImportance = Type.Object({
  model: Type.Literal('xgboost'),
  objective: Type.String(),
  trainRows: Type.Integer(),
  validationRows: Type.Integer(),
  /** `auc` (binary), `accuracy` (multiclass) or `r2` (regression), on the validation rows. */
  validationMetric: StringEnum(['auc', 'accuracy', 'r2'] as const),
  validationScore: Nullable(Type.Number()),
  /** Share of the model's total split gain per feature, summing to 1; largest first. */
  features: Type.Array(Type.Object({ column: Type.String(), importance: Type.Number() })),
  /** Columns kept out of the model, and why. */
  excluded: Type.Array(Type.Object({ column: Type.String(), reason: Type.String() })),
});
export type DataQualityFeatureImportance = Static<typeof DataQualityFeatureImportance>;

/** The report itself (what `report.json` holds). */
export const DataQualityContent = Type.Object({
  dataset: Type.Object({ name: Type.String(), version: Type.Integer() }),
  summary: Type.Object({
    rows: Type.Integer(),
    columns: Type.Integer(),
    duplicateRows: Type.Integer(),
    duplicateShare: Type.Number(),
    missingCells: Type.Integer(),
    missingShare: Type.Number(),
    /** Rows the distributions and single-feature scores were computed on (all rows when fewer than the limit). */
    sampleRows: Type.Integer(),
    /** Rows the quick model used (training and validation), 0 without one. */
    modelRows: Type.Integer(),
    warnings: Type.Object({ high: Type.Integer(), medium: Type.Integer(), low: Type.Integer() }),
  }),
  warnings: Type.Array(DataQualityWarning),
  columns: Type.Array(DataQualityColumn),
  target: Nullable(DataQualityTarget),
  featureImportance: Nullable(DataQualityFeatureImportance),
  thresholds: NumberRecord,
  /** Seconds each part took. */
  timings: NumberRecord,
});
export type DataQualityContent = Static<typeof DataQualityContent>;

export const DataQualityReport = Type.Object({
  id: Type.String(),
  status: DataQualityStatus,
  failureReason: Nullable(Type.String()),
  dataset: Type.Object({ name: Type.String(), version: Type.Integer(), rows: Type.Integer() }),
  target: Nullable(Type.String()),
  problemType: DataQualityProblemType,
  /** What the job is doing now, and how far it is (0–100). */
  progress: Type.Object({ stage: Nullable(Type.String()), percent: Type.Integer() }),
  /** Warning counts once the report is done. */
  warnings: Nullable(Type.Object({ high: Type.Integer(), medium: Type.Integer(), low: Type.Integer() })),
  /** The report, on describe once it is done (lists leave it out). */
  report: Type.Optional(Nullable(DataQualityContent)),
  ...JobTimeFields,
});
export type DataQualityReport = Static<typeof DataQualityReport>;
