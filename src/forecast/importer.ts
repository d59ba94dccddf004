/**
 * An import: reads the target (and related, metadata) dataset versions' Parquet copies in
 * a private DuckDB, checks them against the group's frequency, and writes the series as
 * blocks (blocks.ts). Every problem of the data is reported at once, each naming the
 * rows (1-based, in the dataset's order) and items concerned; nothing is written when
 * one is found.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ForecastFrequency } from '../contracts/forecast.values.js';
import { errorOfProblems, type RequestProblem } from '../core/index.js';
import { openDuckDB, sqlIdent, sqlString, type DatasetVersion, type DuckDBSession } from '../data/index.js';
import { blockSize, encodeBlock, type BlockItem, type ItemIndex } from './blocks.js';
import { frequencySpec, gridSql, gridTime } from './frequency.js';
import type { ForecastImportSummary } from './types.js';

/** Rows or items an error lists at most. */
const EXAMPLES = 20;
const IMPORT_MEMORY_LIMIT = '256MB';

export interface ImportSource {
  version: DatasetVersion;
  path: string;
}

export interface ImportSpec {
  frequency: ForecastFrequency;
  map: { item_id: string; timestamp: string; target_value: string };
  target: ImportSource;
  related?: ImportSource;
  metadata?: ImportSource;
  /** Scratch folder (DuckDB spills, the block files). */
  workDir: string;
}

export interface ImportOutcome {
  summary: ForecastImportSummary;
  index: ItemIndex;
  /** Local block files, in block order. */
  blockFiles: string[];
}

const vref = (v: DatasetVersion) => `${v.name}@${v.version}`;
const ref = (s: ImportSource) => vref(s.version);
const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|REAL|DECIMAL.*|BOOLEAN)$/;

/** The expression of a timestamp column as TIMESTAMP (NULL where it cannot be parsed). */
function timestampExpr(column: string, type: string): string {
  const c = sqlIdent(column);
  if (type === 'DATE' || type.startsWith('TIMESTAMP')) return `CAST(${c} AS TIMESTAMP)`;
  return `TRY_CAST(TRIM(CAST(${c} AS VARCHAR)) AS TIMESTAMP)`;
}

/** The series key: the item, then any dimensions, joined by `|`. */
function keyExpr(item: string, dims: string[]): string {
  if (dims.length === 0) return `CAST(${sqlIdent(item)} AS VARCHAR)`;
  return `CASE WHEN ${[item, ...dims].map((c) => `${sqlIdent(c)} IS NULL`).join(' OR ')} THEN NULL ELSE concat_ws('|', ${[item, ...dims].map((c) => `CAST(${sqlIdent(c)} AS VARCHAR)`).join(', ')}) END`;
}

async function rows(db: DuckDBSession, sql: string): Promise<Record<string, unknown>[]> {
  const reader = await db.connection.runAndReadAll(sql);
  return reader.getRowObjectsJS() as Record<string, unknown>[];
}

async function count(db: DuckDBSession, sql: string): Promise<number> {
  return Number((await rows(db, `SELECT count(*) AS n FROM (${sql})`))[0].n);
}

const iso = (ms: number) => new Date(ms).toISOString();

export interface ColumnSpec {
  map: ImportSpec['map'];
  target: DatasetVersion;
  related?: DatasetVersion;
  metadata?: DatasetVersion;
}

/** The columns' roles: the target's dimensions, the related series' dimensions and values, the metadata attributes. */
export interface ColumnPlan {
  dims: string[];
  relatedDims: string[];
  relatedValues: string[];
  metadataColumns: string[];
}

/**
 * What the datasets' schemas alone tell: mapped columns that are missing, related columns
 * that are not numeric, metadata without attributes. A request checks these at once; the
 * import job checks them again before reading the data.
 */
export function checkColumns(spec: ColumnSpec): { problems: RequestProblem[]; plan: ColumnPlan } {
  const problems: RequestProblem[] = [];
  const { map } = spec;
  const tnames = spec.target.columns.map((c) => c.name);
  const tref = vref(spec.target);
  for (const [role, column] of Object.entries(map)) {
    if (!tnames.includes(column)) {
      problems.push({
        field: `map.${role}`,
        code: 'ORCH_FORECAST_COLUMN_MISSING',
        message: `The target dataset ${tref} has no column '${column}' for ${role} (its columns: ${tnames.slice(0, 30).join(', ')}; map others with --map ${role}=COLUMN)`,
        details: { dataset: tref, column, role, columns: tnames.slice(0, 200) },
      });
    }
  }
  const dims = tnames.filter((n) => n !== map.item_id && n !== map.timestamp && n !== map.target_value);
  let relatedValues: string[] = [];
  let relatedDims: string[] = [];
  if (spec.related) {
    const rref = vref(spec.related);
    const rcols = spec.related.columns;
    const rnames = rcols.map((c) => c.name);
    for (const [role, column] of [['item_id', map.item_id], ['timestamp', map.timestamp]] as const) {
      if (!rnames.includes(column)) {
        problems.push({ field: `related.${role}`, code: 'ORCH_FORECAST_COLUMN_MISSING', message: `The related dataset ${rref} has no column '${column}' for ${role}`, details: { dataset: rref, column, role, columns: rnames.slice(0, 200) } });
      }
    }
    relatedDims = dims.filter((d) => rnames.includes(d));
    const rest = rcols.filter((c) => c.name !== map.item_id && c.name !== map.timestamp && !relatedDims.includes(c.name));
    const bad = rest.filter((c) => !NUMERIC.test(c.type));
    relatedValues = rest.filter((c) => NUMERIC.test(c.type)).map((c) => c.name);
    if (bad.length > 0) {
      problems.push({ field: 'related', code: 'ORCH_FORECAST_VALUE_INVALID', message: `Related series must be numeric: ${bad.map((c) => `'${c.name}' (${c.type})`).join(', ')} in ${rref} are not`, details: { dataset: rref, columns: bad.map((c) => c.name) } });
    } else if (relatedValues.length === 0) {
      problems.push({ field: 'related', code: 'ORCH_FORECAST_COLUMN_MISSING', message: `The related dataset ${rref} has no value column besides ${map.item_id} and ${map.timestamp}`, details: { dataset: rref } });
    }
  }
  let metadataColumns: string[] = [];
  if (spec.metadata) {
    const mref = vref(spec.metadata);
    const mnames = spec.metadata.columns.map((c) => c.name);
    if (!mnames.includes(map.item_id)) {
      problems.push({ field: 'metadata.item_id', code: 'ORCH_FORECAST_COLUMN_MISSING', message: `The metadata dataset ${mref} has no column '${map.item_id}'`, details: { dataset: mref, column: map.item_id, columns: mnames.slice(0, 200) } });
    }
    metadataColumns = mnames.filter((n) => n !== map.item_id);
    if (metadataColumns.length === 0) problems.push({ field: 'metadata', code: 'ORCH_FORECAST_COLUMN_MISSING', message: `The metadata dataset ${mref} has no attribute column besides ${map.item_id}`, details: { dataset: mref } });
  }
  return { problems, plan: { dims, relatedDims, relatedValues, metadataColumns } };
}

/** Validates and stores an import's series; throws every problem of the data at once. */
export async function runImport(spec: ImportSpec): Promise<ImportOutcome> {
  const { map } = spec;
  const tcols = spec.target.version.columns;
  const { problems, plan } = checkColumns({ map, target: spec.target.version, related: spec.related?.version, metadata: spec.metadata?.version });
  const { dims, relatedDims, relatedValues, metadataColumns } = plan;
  if (problems.length > 0) throw errorOfProblems(problems);

  await fs.mkdir(spec.workDir, { recursive: true });
  const db = await openDuckDB({ tempDirectory: path.join(spec.workDir, 'spill'), memoryLimit: IMPORT_MEMORY_LIMIT });
  try {
    // Checks read the dataset through views (DuckDB scans Parquet fast) and filter or
    // aggregate to a few rows; duplicate points and the grid's spacing are found while the
    // series are streamed into blocks, so nothing of the size of the data is held.
    await db.exec('SET preserve_insertion_order=false');
    const tsType = tcols.find((c) => c.name === map.timestamp)!.type;
    const yCol = sqlIdent(map.target_value);
    await db.exec(`CREATE TEMP VIEW t_raw AS SELECT CAST(file_row_number AS BIGINT) + 1 AS "row", ${keyExpr(map.item_id, dims)} AS item,
      CAST(${sqlIdent(map.timestamp)} AS VARCHAR) AS ts_text, ${timestampExpr(map.timestamp, tsType)} AS ts,
      TRY_CAST(${yCol} AS DOUBLE) AS y, (${yCol} IS NOT NULL AND TRY_CAST(${yCol} AS DOUBLE) IS NULL) AS y_bad
      FROM read_parquet(${sqlString(spec.target.path)}, file_row_number=true)`);
    await parseProblems(db, 't_raw', 'target', ref(spec.target), map, problems);
    if (problems.length > 0) throw errorOfProblems(problems);
    const anchorMs = Number((await rows(db, 'SELECT epoch_ms(min(ts)) AS a FROM t_raw'))[0].a ?? 0);
    const grid = gridSql(spec.frequency, 'ts', anchorMs);
    await db.exec(`CREATE TEMP VIEW t_view AS SELECT "row", item, ts, ${grid.index} AS g, ${grid.offGrid} AS off, y FROM t_raw`);
    if (await offGridProblem(db, 't_view', 'target', ref(spec.target), spec.frequency, problems)) throw errorOfProblems(problems);

    let relatedSql = '';
    if (spec.related) {
      const rtsType = spec.related.version.columns.find((c) => c.name === map.timestamp)!.type;
      await db.exec(`CREATE TEMP VIEW r_raw AS SELECT CAST(file_row_number AS BIGINT) + 1 AS "row", ${keyExpr(map.item_id, relatedDims)} AS item,
        CAST(${sqlIdent(map.timestamp)} AS VARCHAR) AS ts_text, ${timestampExpr(map.timestamp, rtsType)} AS ts, false AS y_bad,
        ${relatedValues.map((c, j) => `CAST(${sqlIdent(c)} AS DOUBLE) AS r${j}`).join(', ')}
        FROM read_parquet(${sqlString(spec.related.path)}, file_row_number=true)`);
      const before = problems.length;
      await parseProblems(db, 'r_raw', 'related', ref(spec.related), map, problems);
      if (problems.length === before) {
        const rgrid = gridSql(spec.frequency, 'ts', anchorMs);
        await db.exec(`CREATE TEMP VIEW r_view AS SELECT "row", item, ts, ${rgrid.index} AS g, ${rgrid.offGrid} AS off, ${relatedValues.map((_, j) => `r${j}`).join(', ')} FROM r_raw`);
        if (!(await offGridProblem(db, 'r_view', 'related', ref(spec.related), spec.frequency, problems))) relatedSql = 'r_view';
      }
    }
    if (spec.metadata) {
      await db.exec(`CREATE TEMP TABLE m_raw AS SELECT CAST(file_row_number AS BIGINT) + 1 AS "row", CAST(${sqlIdent(map.item_id)} AS VARCHAR) AS item,
        ${metadataColumns.map((c, j) => `CAST(${sqlIdent(c)} AS VARCHAR) AS m${j}`).join(', ')} FROM read_parquet(${sqlString(spec.metadata.path)}, file_row_number=true)`);
      const dup = await rows(db, `SELECT item, list("row" ORDER BY "row") AS rows FROM m_raw GROUP BY item HAVING count(*) > 1 ORDER BY min("row") LIMIT ${EXAMPLES}`);
      if (dup.length > 0) {
        const n = await count(db, 'SELECT item FROM m_raw GROUP BY item HAVING count(*) > 1');
        problems.push({
          field: 'metadata',
          code: 'ORCH_FORECAST_DUPLICATE_ROWS',
          message: `${n} item(s) appear more than once in the metadata dataset ${ref(spec.metadata)}: ${dup.slice(0, 5).map((d) => `${String(d.item)} (rows ${(d.rows as unknown[]).map(Number).join(', ')})`).join('; ')}`,
          details: { dataset: ref(spec.metadata), count: n, items: dup.map((d) => String(d.item)), rows: dup.flatMap((d) => (d.rows as unknown[]).map(Number)).slice(0, EXAMPLES * 2) },
        });
      }
    }
    if (problems.length > 0) throw errorOfProblems(problems);
    return await writeBlocks(db, spec, { anchorMs, dims, relatedSql, relatedValues, metadataColumns });
  } finally {
    db.close();
  }
}

/** Unparseable timestamps, missing items and non-numeric targets. */
async function parseProblems(db: DuckDBSession, table: string, field: string, dataset: string, map: ImportSpec['map'], problems: RequestProblem[]): Promise<void> {
  const badTs = await rows(db, `SELECT "row", item, ts_text FROM ${table} WHERE ts IS NULL ORDER BY "row" LIMIT ${EXAMPLES}`);
  if (badTs.length > 0) {
    const n = await count(db, `SELECT 1 FROM ${table} WHERE ts IS NULL`);
    problems.push({
      field: `${field}.timestamp`,
      code: 'ORCH_FORECAST_TIMESTAMP_INVALID',
      message: `${n} row(s) of ${dataset} have a missing or unparseable ${map.timestamp} (expected yyyy-MM-dd or yyyy-MM-dd HH:mm:ss): ${badTs.slice(0, 5).map((r) => `row ${Number(r.row)} '${r.ts_text === null ? '' : String(r.ts_text)}'`).join(', ')}`,
      details: { dataset, count: n, rows: badTs.map((r) => Number(r.row)), items: [...new Set(badTs.map((r) => (r.item === null ? null : String(r.item))).filter((x): x is string => x !== null))], values: badTs.map((r) => (r.ts_text === null ? null : String(r.ts_text))) },
    });
  }
  const noItem = await rows(db, `SELECT "row" FROM ${table} WHERE item IS NULL ORDER BY "row" LIMIT ${EXAMPLES}`);
  if (noItem.length > 0) {
    const n = await count(db, `SELECT 1 FROM ${table} WHERE item IS NULL`);
    problems.push({ field: `${field}.item_id`, code: 'ORCH_FORECAST_VALUE_INVALID', message: `${n} row(s) of ${dataset} have no ${map.item_id}: rows ${noItem.map((r) => Number(r.row)).join(', ')}`, details: { dataset, count: n, rows: noItem.map((r) => Number(r.row)) } });
  }
  const badY = await rows(db, `SELECT "row", item FROM ${table} WHERE y_bad ORDER BY "row" LIMIT ${EXAMPLES}`);
  if (badY.length > 0) {
    const n = await count(db, `SELECT 1 FROM ${table} WHERE y_bad`);
    problems.push({
      field: `${field}.target_value`,
      code: 'ORCH_FORECAST_VALUE_INVALID',
      message: `${n} row(s) of ${dataset} have a ${map.target_value} that is not a number: rows ${badY.map((r) => Number(r.row)).join(', ')}`,
      details: { dataset, count: n, rows: badY.map((r) => Number(r.row)), items: [...new Set(badY.map((r) => String(r.item)))] },
    });
  }
}

/** Timestamps between grid points: true when there are some (the problem is added). */
async function offGridProblem(db: DuckDBSession, table: string, field: string, dataset: string, frequency: ForecastFrequency, problems: RequestProblem[]): Promise<boolean> {
  const off = await rows(db, `SELECT "row", item, CAST(ts AS VARCHAR) AS ts FROM ${table} WHERE off ORDER BY "row" LIMIT ${EXAMPLES}`);
  if (off.length === 0) return false;
  const n = await count(db, `SELECT 1 FROM ${table} WHERE off`);
  problems.push({
    field: `${field}.timestamp`,
    code: 'ORCH_FORECAST_FREQUENCY_MISMATCH',
    message: `${n} row(s) of ${dataset} fall between the ${frequencySpec(frequency).label} (${frequency}) grid points: ${off.slice(0, 5).map((r) => `row ${Number(r.row)} (${String(r.item)}, ${String(r.ts)})`).join(', ')}`,
    details: { dataset, frequency, count: n, rows: off.map((r) => Number(r.row)), items: [...new Set(off.map((r) => String(r.item)))] },
  });
  return true;
}

interface WriteOptions {
  anchorMs: number;
  dims: string[];
  relatedSql: string;
  relatedValues: string[];
  metadataColumns: string[];
}

/** Streams the checked series, sorted by item, into block files. */
async function writeBlocks(db: DuckDBSession, spec: ImportSpec, o: WriteOptions): Promise<ImportOutcome> {
  await db.exec(`CREATE TEMP TABLE items AS SELECT item, CAST(row_number() OVER (ORDER BY item) - 1 AS INTEGER) AS ord, first, last, n, observed FROM (SELECT item, min(g) AS first, max(g) AS last, count(*) AS n, count(y) AS observed FROM t_view GROUP BY item)`);
  const itemRows = await rows(db, 'SELECT item, ord, first, last FROM items ORDER BY ord');
  const n = itemRows.length;
  const items = itemRows.map((r) => String(r.item));
  const first = itemRows.map((r) => Number(r.first));
  const last = itemRows.map((r) => Number(r.last));
  const nr = o.relatedValues.length;
  const relSpan = new Map<number, { first: number; last: number }>();
  if (o.relatedSql) {
    for (const r of await rows(db, `SELECT i.ord, min(r.g) AS first, max(r.g) AS last FROM ${o.relatedSql} r JOIN items i USING (item) GROUP BY i.ord`)) {
      relSpan.set(Number(r.ord), { first: Number(r.first), last: Number(r.last) });
    }
  }
  const cats = new Map<string, number[]>();
  if (spec.metadata) {
    const codes = o.metadataColumns.map((_, j) => `CAST(CASE WHEN m${j} IS NULL THEN -1 ELSE dense_rank() OVER (ORDER BY m${j}) - 1 END AS INTEGER) AS c${j}`).join(', ');
    for (const r of await rows(db, `SELECT item, ${codes} FROM m_raw`)) cats.set(String(r.item), o.metadataColumns.map((_, j) => Number(r[`c${j}`])));
  }

  const stats = (await rows(db, `SELECT sum(n) AS rows, sum(last - first + 1) AS points, sum(observed) AS observed, min(last - first + 1) AS minlen, max(last - first + 1) AS maxlen, min(first) AS f, max(last) AS l FROM items`))[0];
  const negCount = Number((await rows(db, 'SELECT count(DISTINCT item) AS n FROM t_view WHERE y < 0'))[0].n);
  const negExamples = negCount === 0 ? [] : await rows(db, `SELECT item, "row", y FROM (SELECT item, "row", y, row_number() OVER (PARTITION BY item ORDER BY "row") AS k FROM t_view WHERE y < 0) WHERE k = 1 ORDER BY "row" LIMIT ${EXAMPLES}`);

  const per = blockSize(n);
  const blocks = Math.max(1, Math.ceil(n / per));
  const blockFiles: string[] = [];
  const cover: (number | null)[] | undefined = o.relatedSql ? items.map((_, i) => (relSpan.has(i) ? relSpan.get(i)!.last - last[i] : null)) : undefined;

  // One sorted stream of target rows (kind 0) and related rows (kind 1).
  const relCols = Array.from({ length: nr }, (_, j) => `r${j}`);
  const target = `SELECT i.ord, 0 AS kind, t.g, t."row", epoch_ms(t.ts) AS ms, t.y${relCols.map((c) => `, CAST(NULL AS DOUBLE) AS ${c}`).join('')} FROM t_view t JOIN items i USING (item)`;
  const related = o.relatedSql ? ` UNION ALL SELECT i.ord, 1 AS kind, r.g, r."row", epoch_ms(r.ts) AS ms, CAST(NULL AS DOUBLE) AS y${relCols.map((c) => `, r.${c}`).join('')} FROM ${o.relatedSql} r JOIN items i USING (item)` : '';
  const result = await db.connection.stream(`SELECT ord, kind, CAST(g AS DOUBLE) AS g, CAST("row" AS DOUBLE) AS "row", CAST(ms AS DOUBLE) AS ms, y${relCols.map((c) => `, ${c}`).join('')} FROM (${target}${related}) ORDER BY ord`);
  // Found while streaming: points written twice (rows, and whether their timestamps are
  // equal), and per item the gcd of its points' offsets (the grid's actual spacing).
  const dups: Array<{ kind: number; item: string; rows: number[]; sameTs: boolean }> = [];
  const dupCount = [0, 0];
  const spacing = new Float64Array(n);

  let k = -1;
  let cur: { lo: number; hi: number; items: BlockItem[]; target: Float64Array; related: Float64Array[]; relLength: number; rowOf: Float64Array; msOf: Float64Array; relRowOf: Float64Array; relMsOf: Float64Array } | undefined;
  const startBlock = (b: number) => {
    const lo = b * per;
    const hi = Math.min(n, lo + per);
    const blockItems: BlockItem[] = [];
    let off = 0;
    let roff = 0;
    for (let i = lo; i < hi; i++) {
      const length = last[i] - first[i] + 1;
      const it: BlockItem = { item: items[i], first: first[i], length, offset: off };
      off += length;
      const rs = relSpan.get(i);
      if (rs) {
        it.rel = { first: rs.first, length: rs.last - rs.first + 1, offset: roff };
        roff += it.rel.length;
      }
      if (spec.metadata) it.cat = cats.get(items[i]) ?? o.metadataColumns.map(() => -1);
      blockItems.push(it);
    }
    cur = {
      lo,
      hi,
      items: blockItems,
      target: new Float64Array(off).fill(NaN),
      related: relCols.map(() => new Float64Array(roff).fill(NaN)),
      relLength: roff,
      rowOf: new Float64Array(off),
      msOf: new Float64Array(off),
      relRowOf: new Float64Array(o.relatedSql ? roff : 0),
      relMsOf: new Float64Array(o.relatedSql ? roff : 0),
    };
    k = b;
  };
  const flush = async () => {
    if (!cur) return;
    const file = path.join(spec.workDir, `block-${String(k).padStart(6, '0')}.bin`);
    await fs.writeFile(file, encodeBlock({ header: { version: 1, items: cur.items, related: o.relatedValues, targetLength: cur.target.length, relatedLength: cur.relLength }, target: cur.target, related: cur.related }));
    blockFiles.push(file);
    cur = undefined;
  };
  for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
    const ords = chunk.getColumnValues(0) as number[];
    const kinds = chunk.getColumnValues(1) as number[];
    const gs = chunk.getColumnValues(2) as number[];
    const rowNos = chunk.getColumnValues(3) as number[];
    const mss = chunk.getColumnValues(4) as number[];
    const ys = chunk.getColumnValues(5) as (number | null)[];
    const rs = relCols.map((_, j) => chunk.getColumnValues(6 + j) as (number | null)[]);
    for (let r = 0; r < ords.length; r++) {
      const ord = ords[r];
      if (!cur || ord >= cur.hi) {
        await flush();
        startBlock(Math.floor(ord / per));
      }
      const it = cur!.items[ord - cur!.lo];
      const kind = kinds[r];
      const at = kind === 0 ? it.offset + gs[r] - it.first : it.rel ? it.rel.offset + gs[r] - it.rel.first : -1;
      const rowOf = kind === 0 ? cur!.rowOf : cur!.relRowOf;
      const msOf = kind === 0 ? cur!.msOf : cur!.relMsOf;
      if (at >= 0) {
        if (rowOf[at] !== 0) {
          dupCount[kind]++;
          if (dups.length < EXAMPLES) dups.push({ kind, item: it.item, rows: [rowOf[at], rowNos[r]].sort((a, b) => a - b), sameTs: msOf[at] === mss[r] });
        }
        rowOf[at] = rowNos[r];
        msOf[at] = mss[r];
      }
      if (kind === 0) {
        spacing[ord] = gcd(spacing[ord], gs[r] - it.first);
        const y = ys[r];
        if (y !== null) cur!.target[at] = y;
      } else if (it.rel) {
        for (let j = 0; j < nr; j++) {
          const v = rs[j][r];
          if (v !== null) cur!.related[j][at] = v;
        }
      }
    }
  }
  await flush();
  const problems = streamProblems(spec, dups, dupCount, spacing, last.map((l, i) => l - first[i]));
  if (problems.length > 0) throw errorOfProblems(problems);
  if (blockFiles.length !== blocks) throw new Error(`the import wrote ${blockFiles.length} series blocks, expected ${blocks}`);

  const shortest = cover
    ? items
        .map((item, i) => ({ item, i, steps: cover[i] }))
        .sort((a, b) => (a.steps ?? -Infinity) - (b.steps ?? -Infinity))
        .slice(0, 10)
        .map((x) => ({ item: x.item, steps: x.steps ?? -(last[x.i] - first[x.i] + 1), lastTimestamp: iso(gridTime(spec.frequency, relSpan.get(x.i)?.last ?? first[x.i] - 1, o.anchorMs)) }))
    : [];
  const summary: ForecastImportSummary = {
    items: n,
    rows: Number(stats.rows),
    points: Number(stats.points),
    filled: Number(stats.points) - Number(stats.observed),
    start: iso(gridTime(spec.frequency, Number(stats.f), o.anchorMs)),
    end: iso(gridTime(spec.frequency, Number(stats.l), o.anchorMs)),
    minLength: Number(stats.minlen),
    maxLength: Number(stats.maxlen),
    dimensions: o.dims,
    relatedColumns: o.relatedValues,
    relatedCover: cover ? { min: shortest[0]?.steps ?? 0, shortest } : null,
    metadataColumns: o.metadataColumns,
    negative: { items: negCount, examples: negExamples.map((e) => ({ item: String(e.item), row: Number(e.row), value: Number(e.y) })) },
  };
  const index: ItemIndex = { items, first, last, ...(cover ? { cover } : {}), anchorMs: o.anchorMs, blocks, itemsPerBlock: per };
  return { summary, index, blockFiles };
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return Math.abs(a);
}

/** Duplicate points and data coarser than the frequency, as found while streaming. */
function streamProblems(spec: ImportSpec, dups: Array<{ kind: number; item: string; rows: number[]; sameTs: boolean }>, dupCount: number[], spacing: Float64Array, spans: number[]): RequestProblem[] {
  const problems: RequestProblem[] = [];
  const label = frequencySpec(spec.frequency).label;
  for (const kind of [0, 1]) {
    const source = kind === 0 ? spec.target : spec.related;
    const found = dups.filter((d) => d.kind === kind);
    if (!source || found.length === 0) continue;
    const dataset = ref(source);
    const field = kind === 0 ? 'target' : 'related';
    const list = (ds: typeof found) => ds.slice(0, 5).map((d) => `${d.item} (rows ${d.rows.join(', ')})`).join('; ');
    const detail = (ds: typeof found) => ({ dataset, count: dupCount[kind], items: [...new Set(ds.map((d) => d.item))], rows: ds.flatMap((d) => d.rows) });
    const same = found.filter((d) => d.sameTs);
    if (same.length > 0) {
      problems.push({ field, code: 'ORCH_FORECAST_DUPLICATE_ROWS', message: `${dupCount[kind]} (item, timestamp) pair(s) of ${dataset} appear more than once: ${list(same)}`, details: detail(same) });
    } else {
      problems.push({ field: `${field}.timestamp`, code: 'ORCH_FORECAST_FREQUENCY_MISMATCH', message: `${dupCount[kind]} ${label} period(s) of ${dataset} hold several rows of one item (the data are finer than ${spec.frequency}): ${list(found)}`, details: { ...detail(found), frequency: spec.frequency } });
    }
  }
  // Data coarser than the frequency (weekly rows in a daily group) would become mostly filled gaps.
  let minGap = Infinity;
  spacing.forEach((g, i) => {
    if (spans[i] > 0 && g < minGap) {
      minGap = g;
    }
  });
  if (Number.isFinite(minGap) && minGap > 1) {
    problems.push({
      field: 'target.timestamp',
      code: 'ORCH_FORECAST_FREQUENCY_MISMATCH',
      message: `The rows of ${ref(spec.target)} are at least ${minGap} ${spec.frequency} steps apart: the data look coarser than ${label}; create the group with the data's frequency`,
      details: { dataset: ref(spec.target), frequency: spec.frequency, minGapSteps: minGap },
    });
  }
  return problems;
}
