/**
 * Datasets: versioned uploads (CSV, JSON Lines, Parquet) converted to Parquet with
 * schema and column statistics, and read-only SQL over them by name.
 */
export { createDatasetService } from './dataset-service.js';
export type { DatasetServiceDeps } from './dataset-service.js';
export { parseDatasetRef, validateDatasetName, formatDatasetRef } from './names.js';
export type {
  DatasetFormat,
  ColumnStats,
  DatasetColumn,
  DatasetVersion,
  CreateDatasetInput,
  DatasetListFilter,
  QueryResult,
  QuerySource,
  DatasetService,
} from './types.js';
export { allowStatements, openDuckDB, sqlIdent, sqlString } from './duckdb-session.js';
export { readFirstCsvRecord, assertUniqueColumnNames, detectCsvHeader, isCsvHeader, isHeaderCandidate, strictCsvReader } from './csv-header.js';
export { MAX_LINE_BYTES } from './duckdb-session.js';
export { errorMessage, isConversionError } from './duckdb-errors.js';
export type { DuckDBSession } from './duckdb-session.js';
