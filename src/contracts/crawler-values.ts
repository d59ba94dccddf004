/**
 * Plain values of the crawler contract (no schema library behind them, as in values.ts):
 * the CLI and the SDK import them at run time without loading TypeBox.
 */

/** File formats a crawler reads (the dataset formats). */
export const CRAWLER_FORMATS = ['csv', 'jsonl', 'parquet'] as const;

/** Glue's crawler states: `Running` while a run is queued or under way. */
export const CRAWLER_STATES = ['Ready', 'Running', 'Stopping'] as const;

/** How a crawler run's table differs from the one before. */
export const SCHEMA_CHANGE_KINDS = ['added', 'removed', 'retyped'] as const;

/** Rejected files a run record lists (`rejectedTotal` counts them all). */
export const MAX_LISTED_REJECTIONS = 1000;
