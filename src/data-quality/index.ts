/**
 * Data-quality reports (SageMaker Data Wrangler's "Data Quality and Insights"): per
 * dataset version, missing values, duplicates, outliers, ID-like and high-cardinality
 * columns and, with a target, class balance, target leakage and a quick model's feature
 * importance. Other capabilities import only from here.
 */
export { DataQualityService, DATA_QUALITY_KIND, reportJobId } from './service.js';
export type { DataQualityDeps } from './service.js';
export { dataQualityJobHandler } from './worker.js';
export type { DataQualityWorkerDeps } from './worker.js';
export type { CreateDataQualityReportInput, DataQualityContent, DataQualityReport, DataQualityReportFilter, DataQualityStatus } from './types.js';
