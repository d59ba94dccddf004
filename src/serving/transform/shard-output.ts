/**
 * How a shard's output rows are written: the prediction columns' names, the output filter
 * and the SELECT that joins predictions to the input rows. Shared by the shard runner
 * (which writes its own output) and the worker (which writes it for a shard whose features
 * it read, see `shard-features.ts`).
 */
import { OrchardError, isOrchardError } from '../../core/index.js';
import { sqlIdent, sqlString, type DuckDBSession } from '../../data/duckdb-session.js';
import { parseColumnFilter } from './column-filter.js';
import type { ShardSpec } from './types.js';

type OutputSpec = Pick<ShardSpec, 'joinSource' | 'inputColumns' | 'outputFilter'>;

/** `prediction`, or `prediction_0..k-1`; suffixed with `_` until no input column has the name. */
export function predictionColumns(k: number, inputColumns: string[]): string[] {
  const taken = new Set(inputColumns);
  const base = k === 1 ? ['prediction'] : Array.from({ length: k }, (_, j) => `prediction_${j}`);
  return base.map((n) => {
    let name = n;
    while (taken.has(name)) name += '_';
    return name;
  });
}

/**
 * The SELECT that writes a shard's rows: the input columns then the prediction columns
 * when joined (`joinSource: Input`), else the predictions, kept by the output filter (in
 * its order) when there is one. The filter's indexes are checked here, where the
 * prediction columns are first known: one outside the row fails the shard, and so the
 * job, with the filter's reason (`ORCH_TRANSFORM_DATA_INVALID`, not worth a retry).
 */
export function outputSelect(spec: OutputSpec, source: string, predictions: string, names: string[]): string {
  const joined = spec.joinSource === 'Input';
  if (!spec.outputFilter) return joined ? `SELECT i.*, p.* FROM ${source} i POSITIONAL JOIN ${predictions} p` : `SELECT * FROM ${predictions}`;
  // Input and prediction names never clash (see predictionColumns); each is qualified by its side.
  const side = new Map<string, string>([...(joined ? spec.inputColumns.map((c) => [c, `i.${sqlIdent(c)}`] as const) : []), ...names.map((c) => [c, `p.${sqlIdent(c)}`] as const)]);
  const list = keptColumns(spec, [...side.keys()]).map((c) => side.get(c)!).join(', ');
  return joined ? `SELECT ${list} FROM ${source} i POSITIONAL JOIN ${predictions} p` : `SELECT ${list} FROM ${predictions} p`;
}

/** The columns a shard writes for a model answering `k` values a row, after the output filter. */
export function writtenColumns(spec: OutputSpec, k: number): string[] {
  return keptColumns(spec, [...(spec.joinSource === 'Input' ? spec.inputColumns : []), ...predictionColumns(k, spec.inputColumns)]);
}

function keptColumns(spec: OutputSpec, row: string[]): string[] {
  if (!spec.outputFilter) return row;
  try {
    return parseColumnFilter(spec.outputFilter, row, 'outputFilter');
  } catch (err) {
    if (isOrchardError(err)) throw new OrchardError('ORCH_TRANSFORM_DATA_INVALID', { message: err.message });
    throw err;
  }
}

/** Where a shard's predictions go (CSV, one row a line) and where a worker-written shard's outcome is (`{ outputsPerRow }`). */
export function predictionFiles(output: string): { predictions: string; outcome: string } {
  return { predictions: `${output}.preds.csv`, outcome: `${output}.outcome.json` };
}

/** Writes the shard's output Parquet: its rows (`source`) joined to the predictions CSV as the spec asks. */
export async function writeShardOutput(db: DuckDBSession, spec: OutputSpec & { output: string }, source: string, predictionsCsv: string, outputsPerRow: number): Promise<void> {
  const names = predictionColumns(outputsPerRow, spec.inputColumns);
  const columns = `{${names.map((n) => `${sqlString(n)}: 'DOUBLE'`).join(', ')}}`;
  const predictions = `read_csv(${sqlString(predictionsCsv)}, header = false, columns = ${columns}, nullstr = 'nan')`;
  await db.exec(`COPY (${outputSelect(spec, source, predictions, names)}) TO ${sqlString(spec.output)} (FORMAT parquet, COMPRESSION zstd)`);
}
