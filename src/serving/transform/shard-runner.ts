/**
 * Child-process entry of one transform shard: reads a row range of the input Parquet,
 * predicts in mini-batches and writes the shard's output Parquet (predictions, joined
 * to the input rows when asked). A model that reads text records gets each row as one
 * record and answers one JSON text a row (see `transformRecords`). Runs outside the worker's process so a large shard
 * never blocks the server's event loop, and a crash costs one shard attempt.
 *
 * Protocol: argv[2] is a JSON spec file; stdout gets `#rows N` progress lines; a data
 * error exits with DATA_ERROR_EXIT and its message on stderr (not worth a retry).
 */
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
// DuckDB's session helpers only, as the recipes engine imports them: the data capability's
// index also loads the dataset service (its SQL parser), about 0.15 s a shard never uses.
import { openDuckDB, sqlIdent, sqlString, type DuckDBSession } from '../../data/duckdb-session.js';
import { isOrchardError } from '../../core/index.js';
import { exitWithParent } from '../../jobs/executor/runner-program.js';
import { openPredictor, type PipelineStage, type ServingPredictor } from '../predictor.js';
import type { RawRow } from '../endpoints/codecs.js';
import { parseColumnFilter } from './column-filter.js';
import { imageOutputColumns, SOURCE_REF } from './image-input.js';
import { DATA_ERROR_EXIT, type ShardSpec } from './types.js';

const NUMERIC = /^(DOUBLE|FLOAT|REAL|DECIMAL.*|BIGINT|INTEGER|SMALLINT|TINYINT|HUGEINT|UBIGINT|UINTEGER|USMALLINT|UTINYINT|BOOLEAN)$/;

async function main(): Promise<void> {
  exitWithParent();
  const given = JSON.parse(await fs.readFile(process.argv[2], 'utf8')) as ShardSpec;
  // The model and DuckDB load side by side: a model's load waits on its files and on
  // WebAssembly compiles off the main thread, which is where DuckDB's addon loads and its
  // instance starts (about a quarter of a second each, one after the other).
  const opening = openPredictor(given.model);
  const dbOpening = openDuckDB({ tempDirectory: given.tempDir });
  const [predictor, db] = await bothOrClose(opening, dbOpening);
  const pipeline = predictor.pipeline;
  const spec = pipeline ? { ...given, features: rawFeatures(given, pipeline.columns.names) } : given;
  try {
    const source = `(SELECT * FROM read_parquet(${sqlString(spec.input)}) LIMIT ${spec.rowCount} OFFSET ${spec.rowStart})`;
    if (spec.images) {
      await transformImages(db.connection, source, spec, predictor);
      return;
    }
    if (predictor.answerRecords) {
      await transformRecords(db.connection, source, spec, predictor);
      return;
    }
    if (pipeline) {
      // An inference pipeline reads the raw columns, in the recipe's input order.
      if (spec.features.length !== pipeline.columns.names.length) {
        throw dataError(`The model's recipe reads ${pipeline.columns.names.length} columns (${pipeline.columns.names.join(', ')}); the input gives ${spec.features.length} (${spec.features.join(', ')})`);
      }
    } else {
      await checkNumeric(db.connection, source, spec);
      if (spec.features.length !== predictor.numFeatures) {
        throw dataError(`The model expects ${predictor.numFeatures} features; the input gives ${spec.features.length} (${spec.features.join(', ')})`);
      }
    }
    const preds = `${spec.output}.preds.csv`;
    const outputsPerRow = pipeline ? await predictAllRaw(db.connection, source, spec, predictor, pipeline, preds) : await predictAll(db.connection, source, spec, predictor, preds);
    const names = predictionColumns(outputsPerRow, spec.inputColumns);
    const columns = `{${names.map((n) => `${sqlString(n)}: 'DOUBLE'`).join(', ')}}`;
    const predictions = `read_csv(${sqlString(preds)}, header = false, columns = ${columns}, nullstr = 'nan')`;
    const select = outputSelect(spec, source, predictions, names);
    await db.exec(`COPY (${select}) TO ${sqlString(spec.output)} (FORMAT parquet, COMPRESSION zstd)`);
    await fs.rm(preds, { force: true });
  } finally {
    db.close();
  }
}

/** Both of the model and the DuckDB session, or the first failure once neither is pending (an opened session closed). */
async function bothOrClose(predictor: Promise<ServingPredictor>, session: Promise<DuckDBSession>): Promise<[ServingPredictor, DuckDBSession]> {
  const [p, d] = await Promise.allSettled([predictor, session]);
  if (p.status === 'fulfilled' && d.status === 'fulfilled') return [p.value, d.value];
  if (d.status === 'fulfilled') d.value.close();
  throw p.status === 'rejected' ? p.reason : (d as PromiseRejectedResult).reason;
}

/**
 * The raw columns an inference pipeline reads. A model whose raw columns the registry does
 * not list (an AutoML ensemble: each member has its own recipe) gets every column of the
 * table when no filter is given; when the table holds all the columns the model reads,
 * they are read by name (the target, IDs and other columns left out), as the service
 * does for a model with a recipe.
 */
function rawFeatures(spec: ShardSpec, names: readonly string[]): string[] {
  const whole = spec.features.length === spec.inputColumns.length && spec.features.every((c, i) => c === spec.inputColumns[i]);
  return whole && names.every((n) => spec.inputColumns.includes(n)) ? [...names] : spec.features;
}

/** A non-numeric feature value fails the shard with the (1-based, whole-input) row number. */
async function checkNumeric(connection: import('@duckdb/node-api').DuckDBConnection, source: string, spec: ShardSpec): Promise<void> {
  const types = await connection.run(`DESCRIBE ${source}`);
  const rows = await types.getRowObjects();
  const typeOf = new Map(rows.map((r) => [String(r.column_name), String(r.column_type)]));
  const suspect = spec.features.filter((c) => !NUMERIC.test(typeOf.get(c) ?? ''));
  if (suspect.length === 0) return;
  const bad = suspect.map((c) => `(${sqlIdent(c)} IS NOT NULL AND TRY_CAST(${sqlIdent(c)} AS DOUBLE) IS NULL)`).join(' OR ');
  const found = await connection.run(`SELECT rn, ${suspect.map(sqlIdent).join(', ')} FROM (SELECT row_number() OVER () AS rn, * FROM ${source}) WHERE ${bad} LIMIT 1`);
  const [row] = await found.getRowObjects();
  if (row) {
    const column = suspect.find((c) => row[c] !== null && Number.isNaN(Number(row[c])))!;
    throw dataError(`Row ${spec.rowStart + Number(row.rn)}: column ${column} is not a number (${JSON.stringify(String(row[column])).slice(0, 60)})`);
  }
}

async function predictAll(connection: import('@duckdb/node-api').DuckDBConnection, source: string, spec: ShardSpec, predictor: Awaited<ReturnType<typeof openPredictor>>, file: string): Promise<number> {
  const f = spec.features.length;
  const result = await connection.stream(`SELECT ${spec.features.map((c) => `CAST(${sqlIdent(c)} AS DOUBLE)`).join(', ')} FROM ${source}`);
  const out = createWriteStream(file);
  let batch = new Float32Array(spec.batchRows * f);
  let filled = 0;
  let done = 0;
  let outputsPerRow = 1;
  const flush = async () => {
    if (filled === 0) return;
    const { values, outputsPerRow: k } = await predictor.predict(batch.subarray(0, filled * f), filled);
    if (done === 0) writtenColumns(spec, k); // the output filter fails the shard at its first answer, not its last
    outputsPerRow = k;
    const lines: string[] = new Array(filled);
    for (let r = 0; r < filled; r++) {
      let line = '';
      for (let j = 0; j < k; j++) line += (j ? ',' : '') + formatValue(values[r * k + j]);
      lines[r] = line;
    }
    if (!out.write(lines.join('\n') + '\n')) await once(out, 'drain');
    done += filled;
    filled = 0;
    process.stdout.write(`#rows ${done}\n`);
  };
  for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
    const vectors = Array.from({ length: f }, (_, c) => chunk.getColumnVector(c));
    for (let r = 0; r < chunk.rowCount; r++) {
      const base = filled * f;
      for (let c = 0; c < f; c++) {
        const v = vectors[c].getItem(r);
        batch[base + c] = v === null ? NaN : Number(v);
      }
      if (++filled === spec.batchRows) await flush();
    }
  }
  await flush();
  out.end();
  await once(out, 'finish');
  batch = new Float32Array(0);
  return outputsPerRow;
}

/**
 * An inference pipeline's shard: raw values (numbers for the recipe's numeric columns,
 * text for the others) through the recipe, then the model, in mini-batches.
 */
async function predictAllRaw(
  connection: import('@duckdb/node-api').DuckDBConnection,
  source: string,
  spec: ShardSpec,
  predictor: ServingPredictor,
  pipeline: PipelineStage,
  file: string,
): Promise<number> {
  const types = await connection.run(`DESCRIBE ${source}`);
  const typeOf = new Map((await types.getRowObjects()).map((r) => [String(r.column_name), String(r.column_type)]));
  const numeric = pipeline.columns.numeric;
  const select = spec.features.map((c, i) => (numeric[i] && NUMERIC.test(typeOf.get(c) ?? '') ? `CAST(${sqlIdent(c)} AS DOUBLE)` : `CAST(${sqlIdent(c)} AS VARCHAR)`));
  const result = await connection.stream(`SELECT ${select.join(', ')} FROM ${source}`);
  const out = createWriteStream(file);
  const f = spec.features.length;
  let batch: RawRow[] = [];
  let done = 0;
  let outputsPerRow = 1;
  const flush = async () => {
    if (batch.length === 0) return;
    const n = batch.length;
    let features: Float32Array;
    try {
      features = pipeline.features(batch);
    } catch (err) {
      if (isOrchardError(err)) throw dataError(`Rows ${spec.rowStart + done + 1}-${spec.rowStart + done + n}: ${err.code}: ${err.message}`);
      throw err;
    }
    const { values, outputsPerRow: k } = await predictor.predict(features, n);
    if (done === 0) writtenColumns(spec, k);
    outputsPerRow = k;
    const lines: string[] = new Array(n);
    for (let r = 0; r < n; r++) {
      let line = '';
      for (let j = 0; j < k; j++) line += (j ? ',' : '') + formatValue(values[r * k + j]);
      lines[r] = line;
    }
    if (!out.write(lines.join('\n') + '\n')) await once(out, 'drain');
    done += n;
    batch = [];
    process.stdout.write(`#rows ${done}\n`);
  };
  for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
    const vectors = Array.from({ length: f }, (_, c) => chunk.getColumnVector(c));
    for (let r = 0; r < chunk.rowCount; r++) {
      const row: RawRow = new Array(f);
      for (let c = 0; c < f; c++) {
        const v = vectors[c].getItem(r);
        if (v === null || v === undefined) row[c] = null;
        else if (typeof v === 'number') row[c] = Number.isNaN(v) ? null : v;
        else if (numeric[c]) {
          const text = String(v).trim();
          const x = text === '' ? NaN : Number(text);
          if (Number.isNaN(x) && text !== '' && text.toLowerCase() !== 'nan') {
            throw dataError(`Row ${spec.rowStart + done + batch.length + 1}: column ${spec.features[c]} is not a number (${JSON.stringify(text).slice(0, 60)})`);
          }
          row[c] = Number.isNaN(x) ? null : x;
        } else row[c] = String(v) === '' ? null : String(v);
      }
      batch.push(row);
      if (batch.length === spec.batchRows) await flush();
    }
  }
  await flush();
  out.end();
  await once(out, 'finish');
  return outputsPerRow;
}

/** Records a text model answers at once (bounds a request's size and the progress step). */
const RECORD_BATCH = 1000;

/**
 * A model that reads text records (blazingtext, object2vec): each input row is one record,
 * the line itself when the features are one text column (a `text` dataset's lines, a JSON
 * Lines record kept as a string), else the row's features as one JSON object (a JSON Lines
 * dataset's `{"in0": […], "in1": […]}`). The answer to each record is one JSON text, in a
 * VARCHAR column `prediction`.
 */
async function transformRecords(connection: import('@duckdb/node-api').DuckDBConnection, source: string, spec: ShardSpec, predictor: ServingPredictor): Promise<void> {
  const types = await connection.run(`DESCRIBE ${source}`);
  const typeOf = new Map((await types.getRowObjects()).map((r) => [String(r.column_name), String(r.column_type)]));
  writtenColumns(spec, 1); // one answer a record: the output filter is checked before any is asked for
  const asText = spec.features.length === 1 && typeOf.get(spec.features[0]) === 'VARCHAR';
  const record = asText ? sqlIdent(spec.features[0]) : `CAST(to_json({${spec.features.map((c) => `${sqlString(c)}: ${sqlIdent(c)}`).join(', ')}}) AS VARCHAR)`;
  const result = await connection.stream(`SELECT ${record} FROM ${source}`);
  const file = `${spec.output}.preds.jsonl`;
  const out = createWriteStream(file);
  const size = Math.min(spec.batchRows, RECORD_BATCH);
  let batch: string[] = [];
  let done = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    let answers: string[];
    try {
      answers = predictor.answerRecords!(batch);
    } catch (err) {
      if (isOrchardError(err)) throw dataError(`Rows ${spec.rowStart + done + 1}-${spec.rowStart + done + batch.length}: ${err.code}: ${err.message}`);
      throw err;
    }
    if (!out.write(answers.map((a) => JSON.stringify({ prediction: a })).join('\n') + '\n')) await once(out, 'drain');
    done += batch.length;
    batch = [];
    process.stdout.write(`#rows ${done}\n`);
  };
  for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
    const column = chunk.getColumnVector(0);
    for (let r = 0; r < chunk.rowCount; r++) {
      const v = column.getItem(r);
      batch.push(v === null || v === undefined ? '' : String(v));
      if (batch.length === size) await flush();
    }
  }
  await flush();
  out.end();
  await once(out, 'finish');
  const [name] = predictionColumns(1, spec.inputColumns);
  const predictions = `(SELECT prediction AS ${sqlIdent(name)} FROM read_json(${sqlString(file)}, format = 'newline_delimited', columns = {prediction: 'VARCHAR'}))`;
  const select = outputSelect(spec, source, predictions, [name]);
  await connection.run(`COPY (${select}) TO ${sqlString(spec.output)} (FORMAT parquet, COMPRESSION zstd)`);
  await fs.rm(file, { force: true });
}

/**
 * The SELECT that writes a shard's rows: the input columns then the prediction columns
 * when joined (`joinSource: Input`), else the predictions, kept by the output filter (in
 * its order) when there is one. The filter's indexes are checked here, where the
 * prediction columns are first known: one outside the row fails the shard, and so the
 * job, with the filter's reason (not worth a retry).
 */
function outputSelect(spec: ShardSpec, source: string, predictions: string, names: string[]): string {
  const joined = spec.joinSource === 'Input';
  if (!spec.outputFilter) return joined ? `SELECT i.*, p.* FROM ${source} i POSITIONAL JOIN ${predictions} p` : `SELECT * FROM ${predictions}`;
  // Input and prediction names never clash (see predictionColumns); each is qualified by its side.
  const side = new Map<string, string>([...(joined ? spec.inputColumns.map((c) => [c, `i.${sqlIdent(c)}`] as const) : []), ...names.map((c) => [c, `p.${sqlIdent(c)}`] as const)]);
  const list = keptColumns(spec, [...side.keys()]).map((c) => side.get(c)!).join(', ');
  return joined ? `SELECT ${list} FROM ${source} i POSITIONAL JOIN ${predictions} p` : `SELECT ${list} FROM ${predictions} p`;
}

/** The columns a shard writes for a model answering `k` values a row, after the output filter. */
function writtenColumns(spec: ShardSpec, k: number): string[] {
  return keptColumns(spec, [...(spec.joinSource === 'Input' ? spec.inputColumns : []), ...predictionColumns(k, spec.inputColumns)]);
}

function keptColumns(spec: ShardSpec, row: string[]): string[] {
  if (!spec.outputFilter) return row;
  try {
    return parseColumnFilter(spec.outputFilter, row, 'outputFilter');
  } catch (err) {
    if (isOrchardError(err)) throw dataError(err.message);
    throw err;
  }
}

/**
 * An image job's shard (see `image-input.ts`): each row's image, copied beside the shard
 * as `<images.dir>/<i>`, answered as an endpoint answers an image body (the JSON list of
 * class probabilities) in a VARCHAR column `prediction`; an image that is missing or does
 * not decode gets no prediction and its reason in `error`. Without joinSource the output
 * keeps `source-ref` so each answer names its image.
 */
async function transformImages(connection: import('@duckdb/node-api').DuckDBConnection, source: string, spec: ShardSpec, predictor: ServingPredictor): Promise<void> {
  const images = spec.images!;
  if (!predictor.invokeImage) throw dataError('The model does not read images (application/x-image); image-classification does');
  const file = `${spec.output}.preds.jsonl`;
  const out = createWriteStream(file);
  let lines: string[] = [];
  for (let i = 0; i < images.refs.length; i++) {
    const ref = images.refs[i];
    let answer: { prediction: string | null; error: string | null };
    const bytes = ref === '' ? null : await fs.readFile(path.join(images.dir, String(i))).catch(() => null);
    if (ref === '') answer = { prediction: null, error: `Row ${spec.rowStart + i + 1}: no ${SOURCE_REF}` };
    else if (!bytes) answer = { prediction: null, error: `${JSON.stringify(ref)}: no stored object` };
    else {
      try {
        answer = { prediction: predictor.invokeImage({ contentType: 'application/x-image', accept: 'application/json', body: bytes }).body, error: null };
      } catch (err) {
        if (!isOrchardError(err)) throw err;
        answer = { prediction: null, error: `${JSON.stringify(ref)}: ${err.message}` };
      }
    }
    lines.push(JSON.stringify(answer));
    if (lines.length === spec.batchRows || i === images.refs.length - 1) {
      if (!out.write(lines.join('\n') + '\n')) await once(out, 'drain');
      lines = [];
      process.stdout.write(`#rows ${i + 1}\n`);
    }
  }
  out.end();
  await once(out, 'finish');
  const names = imageOutputColumns(spec.joinSource === 'Input' ? spec.inputColumns : [SOURCE_REF]);
  const answers = `(SELECT prediction AS ${sqlIdent(names.prediction)}, error AS ${sqlIdent(names.error)} FROM read_json(${sqlString(file)}, format = 'newline_delimited', columns = {prediction: 'VARCHAR', error: 'VARCHAR'}))`;
  const select = spec.joinSource === 'Input' ? `SELECT i.*, p.* FROM ${source} i POSITIONAL JOIN ${answers} p` : `SELECT i.${sqlIdent(SOURCE_REF)}, p.* FROM (SELECT ${sqlIdent(SOURCE_REF)} FROM ${source}) i POSITIONAL JOIN ${answers} p`;
  await connection.run(`COPY (${select}) TO ${sqlString(spec.output)} (FORMAT parquet, COMPRESSION zstd)`);
  await fs.rm(file, { force: true });
}

function formatValue(v: number): string {
  return Number.isFinite(v) ? String(v) : 'nan';
}

/** `prediction`, or `prediction_0..k-1`; suffixed with `_` until no input column has the name. */
function predictionColumns(k: number, inputColumns: string[]): string[] {
  const taken = new Set(inputColumns);
  const base = k === 1 ? ['prediction'] : Array.from({ length: k }, (_, j) => `prediction_${j}`);
  return base.map((n) => {
    let name = n;
    while (taken.has(name)) name += '_';
    return name;
  });
}

class DataError extends Error {}
function dataError(message: string): DataError {
  return new DataError(message);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(message + '\n');
    const isData = err instanceof DataError || (isOrchardError(err) && (err.code === 'ORCH_MODEL_INVALID' || err.code === 'ORCH_TRANSFORM_DATA_INVALID' || err.code.startsWith('ORCH_RECIPE_')));
    process.exit(isData ? DATA_ERROR_EXIT : 1);
  },
);
