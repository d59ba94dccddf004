/**
 * `npm run bench -- recipes`: a data-preparation recipe (median imputation and standard
 * scaling of 28 numeric columns, most-frequent imputation and one-hot encoding of 5
 * categorical ones) fitted and applied on 1M rows with missing values, against
 * scikit-learn's ColumnTransformer (SimpleImputer, OneHotEncoder, StandardScaler) on the
 * same rows. Both outputs are compared value by value (the max abs difference is printed).
 *
 * - In-process (default): `fitRecipe` + `applyRecipe` on the Parquet file (reading it and
 *   writing the output Parquet included), against the peer's `fit_transform` on a frame
 *   already in memory (its CSV load is printed apart).
 * - `--e2e`: as users meet it: `orchard up` started, the data uploaded as a dataset (CSV
 *   with its header), then `orchard recipes fit` and `orchard recipes apply --wait` timed
 *   from spawn to exit (the output dataset registered included), against one Python
 *   process timed from spawn to exit (imports, reading the CSV, fit_transform, saving the
 *   matrix); the two sides take turns. The applied dataset is read back from the Parquet
 *   file the server keeps under its home and compared with the peer's matrix.
 *
 * Options: `--rows N` (default 1000000), `--threads N` (DuckDB's, default 2), `--repeat N`,
 * `--no-peer`, `--e2e`, `--orchard-bin`, `--workers N`.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDuckDB, sqlString } from '../src/data/duckdb-session.js';
import { applyRecipe, fitRecipe, type RecipeSpec } from '../src/recipes/engine/index.js';
import { cli, machine, numberOption, option, orchardBin, round3, serverOf, startOrchard, withCleanup } from './fleet-support.js';
import { DATA, emit, median, PYTHON } from './support.js';

const NUMERIC = Array.from({ length: 28 }, (_, i) => `x${i + 1}`);
const CATEGORICAL = ['c1', 'c2', 'c3', 'c4', 'c5'];
const CARDINALITY = [3, 5, 8, 12, 20];

const SPEC: RecipeSpec = {
  target: 'y',
  steps: [
    { impute: { columns: NUMERIC, strategy: 'median' } },
    { impute: { columns: CATEGORICAL, strategy: 'most_frequent' } },
    { one_hot: { columns: CATEGORICAL, unknown: 'ignore' } },
    { scale: { columns: NUMERIC, method: 'standard' } },
  ],
};

/** The peer: one process; prints its timings as JSON and writes the matrix as .npy. */
const SKLEARN = `
import json, sys, time
t0 = time.perf_counter()
import numpy as np, pandas as pd, sklearn
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
csv, out = sys.argv[1], sys.argv[2]
nums = ["x%d" % (i + 1) for i in range(28)]; cats = ["c%d" % (i + 1) for i in range(5)]
t = time.perf_counter()
df = pd.read_csv(csv, dtype={c: object for c in cats})
load_s = time.perf_counter() - t
ct = ColumnTransformer([
    ("num", Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]), nums),
    ("cat", Pipeline([("impute", SimpleImputer(strategy="most_frequent")), ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False))]), cats),
])
t = time.perf_counter()
m = ct.fit_transform(df)
fit_transform_s = time.perf_counter() - t
t = time.perf_counter()
np.save(out, np.ascontiguousarray(m, dtype=np.float64))
save_s = time.perf_counter() - t
print(json.dumps({"load_s": load_s, "fit_transform_s": fit_transform_s, "save_s": save_s, "shape": list(m.shape),
                  "names": list(ct.get_feature_names_out()), "version": "scikit-learn " + sklearn.__version__}))
`;

interface PeerRun {
  wall_s: number;
  load_s: number;
  fit_transform_s: number;
  save_s: number;
  shape: [number, number];
  names: string[];
  version: string;
}

function sklearnRun(csv: string, out: string): Promise<PeerRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const py = spawn(PYTHON, ['-c', SKLEARN, csv, out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    py.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    py.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    py.on('error', reject);
    py.on('close', (code) => {
      const wall = (performance.now() - t0) / 1000;
      if (code !== 0) return reject(new Error(`scikit-learn failed (${code}): ${stderr}`));
      resolve({ wall_s: wall, ...(JSON.parse(stdout.trim().split('\n').at(-1)!) as Omit<PeerRun, 'wall_s'>) });
    });
  });
}

/**
 * The data, made once with DuckDB (deterministic hashes, no RNG state): y (0/1), 28
 * numbers on different scales with 5 % missing, 5 categories of 3 to 20 values with 3 %
 * missing; as Parquet (for the engine) and CSV (for pandas, and the upload of --e2e).
 */
async function dataFiles(rows: number): Promise<{ parquet: string; csv: string }> {
  const parquet = path.join(DATA, `recipes_${rows}.parquet`);
  const csv = path.join(DATA, `recipes_${rows}.csv`);
  if (fs.existsSync(parquet) && fs.existsSync(csv)) return { parquet, csv };
  fs.mkdirSync(DATA, { recursive: true });
  process.stderr.write(`generating ${path.basename(parquet)} and ${path.basename(csv)} …\n`);
  const u = (k: number) => `(hash(i, ${k}) % 1000003) / 1000003.0`;
  const nums = NUMERIC.map(
    (name, k) => `CASE WHEN hash(i, ${1000 + k}) % 20 = 0 THEN NULL ELSE round((${u(k)} - 0.5) * ${(k + 1) * 3} + ${k} + ${u(k + 500)} * ${u(k + 600)} * 4, 6) END AS ${name}`,
  );
  const cats = CATEGORICAL.map(
    (name, k) => `CASE WHEN hash(i, ${2000 + k}) % 33 = 0 THEN NULL ELSE 'v' || CAST(CAST(floor(pow(${u(3000 + k)}, 1.7) * ${CARDINALITY[k]}) AS INTEGER) AS VARCHAR) END AS ${name}`,
  );
  const session = await openDuckDB({ memoryLimit: '2GB' });
  try {
    await session.exec(
      `CREATE TABLE t AS SELECT CAST(hash(i, 99) % 2 AS BIGINT) AS y, ${[...nums, ...cats].join(', ')} FROM range(${rows}) AS r(i) ORDER BY i`,
      `COPY t TO ${sqlString(parquet)} (FORMAT parquet)`,
      `COPY t TO ${sqlString(csv)} (FORMAT csv, HEADER true)`,
    );
  } finally {
    session.close();
  }
  return { parquet, csv };
}

/** Max |ours - peer| over the features (the target, our first column, left out), and the count of values compared. */
async function compare(oursParquet: string, peerNpy: string, peerNames: string[]): Promise<{ max_abs_diff: number; values: number; columns_match: boolean }> {
  const buf = fs.readFileSync(peerNpy);
  const headerLen = buf.readUInt16LE(8);
  const header = buf.subarray(10, 10 + headerLen).toString('latin1');
  const shape = /'shape': \((\d+), (\d+)\)/.exec(header);
  if (!shape || !header.includes("'<f8'") || header.includes("'fortran_order': True")) throw new Error(`unexpected .npy header ${header}`);
  const [rows, cols] = [Number(shape[1]), Number(shape[2])];
  const offset = 10 + headerLen;
  const peer = new Float64Array(buf.buffer, buf.byteOffset + offset, rows * cols);
  const session = await openDuckDB({ memoryLimit: '2GB' });
  try {
    const names = (await session.connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sqlString(oursParquet)})`)).getRowsJS().map((r) => String(r[0]));
    const features = names.slice(1);
    // scikit-learn names its columns num__x1 … cat__c1_v0; ours are x1 … c1_v0.
    const columnsMatch = features.length === cols && features.every((n, j) => peerNames[j].replace(/^(num|cat)__/, '') === n);
    if (!columnsMatch) throw new Error(`columns differ: ours ${features.join(',')} vs peer ${peerNames.join(',')}`);
    const result = await session.connection.stream(`SELECT * EXCLUDE (y) FROM read_parquet(${sqlString(oursParquet)})`);
    let row = 0;
    let max = 0;
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      for (let j = 0; j < cols; j++) {
        const vector = chunk.getColumnVector(j);
        for (let r = 0; r < chunk.rowCount; r++) {
          const ours = vector.getItem(r) as number | null;
          const theirs = peer[(row + r) * cols + j];
          const d = ours === null ? Number.POSITIVE_INFINITY : Math.abs(ours - theirs);
          if (!(d <= max)) max = d;
        }
      }
      row += chunk.rowCount;
    }
    if (row !== rows) throw new Error(`row counts differ: ours ${row}, peer ${rows}`);
    return { max_abs_diff: max, values: rows * cols, columns_match: columnsMatch };
  } finally {
    session.close();
  }
}

function magic(file: string): string {
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(4);
    fs.readSync(fd, b, 0, 4, 0);
    return b.toString('latin1');
  } finally {
    fs.closeSync(fd);
  }
}

/** Every file under a folder, recursively. */
function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : e.isFile() ? [p] : [];
  });
}

/**
 * The newest Parquet file under the server's home with the applied output's shape (the
 * target and the features, `rows` rows): the dataset `recipes apply` registered.
 */
async function storedParquet(home: string, rows: number, width: number): Promise<string> {
  const candidates = filesUnder(home)
    .filter((f) => fs.statSync(f).size > 8 && magic(f) === 'PAR1')
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
  const session = await openDuckDB({ memoryLimit: '1GB' });
  try {
    for (const file of candidates) {
      const [[n, w]] = (
        await session.connection.runAndReadAll(
          `SELECT (SELECT count(*) FROM read_parquet(${sqlString(file)})), (SELECT count(*) FROM (DESCRIBE SELECT * FROM read_parquet(${sqlString(file)})))`,
        )
      ).getRowsJS();
      if (Number(n) === rows && Number(w) === width) return file;
    }
  } finally {
    session.close();
  }
  throw new Error(`no Parquet file of ${rows} rows × ${width} columns under the server's home`);
}

async function inProcess(args: string[]): Promise<void> {
  const rows = numberOption(args, '--rows', 1_000_000);
  const threads = numberOption(args, '--threads', 2);
  const repeat = Math.max(1, numberOption(args, '--repeat', 1));
  const peer = !args.includes('--no-peer');
  const { parquet, csv } = await dataFiles(rows);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-recipes-bench-'));
  const common = { task: 'recipes', rows, numeric: NUMERIC.length, categorical: CATEGORICAL.length, threads };
  try {
    const columns = [
      { name: 'y', type: 'BIGINT' },
      ...NUMERIC.map((name) => ({ name, type: 'DOUBLE' })),
      ...CATEGORICAL.map((name) => ({ name, type: 'VARCHAR' })),
    ];
    const fitS: number[] = [];
    const applyS: number[] = [];
    const runs: PeerRun[] = [];
    const npy = path.join(work, 'sklearn.npy');
    let output = '';
    // Each side in turn, so both meet the same load.
    for (let i = 0; i < repeat; i++) {
      const t0 = performance.now();
      const fitted = await fitRecipe(SPEC, { parquetPath: parquet, columns }, { scratchDir: path.join(work, 'scratch'), threads });
      const t1 = performance.now();
      const applied = await applyRecipe(fitted, { parquetPath: parquet }, { outputDir: path.join(work, `out-${i}`), scratchDir: path.join(work, 'scratch'), threads });
      const t2 = performance.now();
      fitS.push((t1 - t0) / 1000);
      applyS.push((t2 - t1) / 1000);
      output = applied.outputs[0].parquetPath;
      process.stderr.write(`orchard fit ${fitS[i].toFixed(2)} s + apply ${applyS[i].toFixed(2)} s (${applied.columns.length} columns)\n`);
      if (!peer) continue;
      runs.push(await sklearnRun(csv, npy));
      process.stderr.write(`scikit-learn fit_transform ${runs[i].fit_transform_s.toFixed(2)} s (read_csv ${runs[i].load_s.toFixed(2)} s)\n`);
    }
    const ours = median(fitS) + median(applyS);
    emit({ ...common, peer: 'orchard-engine', train_s: round3(ours), metric: 0, extra: { fit_s: round3(median(fitS)), apply_s: round3(median(applyS)), runs: fitS.map((f, i) => round3(f + applyS[i])) } });
    if (!peer) return;
    const theirs = median(runs.map((r) => r.fit_transform_s));
    const diff = await compare(output, npy, runs[0].names);
    emit({
      ...common, peer: 'sklearn-columntransformer', train_s: round3(theirs), metric: 0, version: runs[0].version,
      extra: { read_csv_s: round3(median(runs.map((r) => r.load_s))), save_npy_s: round3(median(runs.map((r) => r.save_s))), shape: runs[0].shape },
    });
    emit({ ...common, peer: 'ratio', time_ratio: round3(ours / theirs), runs: { sklearn_fit_transform: runs.map((r) => round3(r.fit_transform_s)) }, ...diff, goal: 'time_ratio <= 1.0, max_abs_diff <= 1e-9', ...machine() });
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

async function endToEnd(args: string[]): Promise<void> {
  const bin = orchardBin(args);
  const rows = numberOption(args, '--rows', 1_000_000);
  const repeat = Math.max(1, numberOption(args, '--repeat', 1));
  const workers = option(args, '--workers');
  const { csv } = await dataFiles(rows);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-recipes-e2e-'));
  const common = { task: 'recipes-e2e', rows, numeric: NUMERIC.length, categorical: CATEGORICAL.length };
  const up = await startOrchard(bin, 'up', {}, workers ? ['--workers', workers] : []);
  await withCleanup(
    async () => fs.rmSync(work, { recursive: true, force: true }),
    async () => {
      const server = serverOf(up);
      try {
        await e2eRuns(up, server);
      } catch (err) {
        process.stderr.write(`server log (last lines):\n${up.stderr().slice(-6000)}\n`);
        throw err;
      }
    },
  );

  async function e2eRuns(up: Awaited<ReturnType<typeof startOrchard>>, server: { url: string; token: string }): Promise<void> {
    process.stderr.write(`orchard up ready in ${(up.readyMs / 1000).toFixed(2)} s at ${server.url}\n`);
    const t0 = performance.now();
    await cli(bin, server, ['datasets', 'create', 'recipes-bench', '--file', csv, '--header', '--json']);
    const uploadS = (performance.now() - t0) / 1000;
    const recipeFile = path.join(work, 'recipe.json');
    fs.writeFileSync(recipeFile, JSON.stringify(SPEC));
    await cli(bin, server, ['recipes', 'create', 'bench-prep', '--file', recipeFile, '--json']);
    const fitS: number[] = [];
    const applyS: number[] = [];
    const peerRuns: PeerRun[] = [];
    const npy = path.join(work, 'sklearn.npy');
    // Each side in turn, so both meet the same load.
    for (let i = 0; i < repeat; i++) {
      const fit = await cli(bin, server, ['recipes', 'fit', 'bench-prep', '--dataset', 'recipes-bench', '--json']);
      const version = (fit.json as { version: number }).version;
      const apply = await cli(bin, server, ['recipes', 'apply', `bench-prep@${version}`, '--dataset', 'recipes-bench', '--output', `recipes-bench-out-${i + 1}`, '--wait', '--json']);
      fitS.push(fit.ms / 1000);
      applyS.push(apply.ms / 1000);
      process.stderr.write(`orchard recipes fit ${fitS[i].toFixed(2)} s + apply --wait ${applyS[i].toFixed(2)} s -> ${(apply.json as { dataset: string }).dataset}\n`);
      peerRuns.push(await sklearnRun(csv, npy));
      process.stderr.write(`scikit-learn script ${peerRuns[i].wall_s.toFixed(2)} s (read_csv ${peerRuns[i].load_s.toFixed(2)} s, fit_transform ${peerRuns[i].fit_transform_s.toFixed(2)} s, save ${peerRuns[i].save_s.toFixed(2)} s)\n`);
    }
    // The applied dataset as the server stores it (a Parquet file under its home),
    // compared value by value with the peer's matrix.
    const ours = await storedParquet(up.home, rows, 1 + peerRuns[0].shape[1]);
    const diff = await compare(ours, npy, peerRuns[0].names);
    const oWall = median(fitS) + median(applyS);
    const pWall = median(peerRuns.map((r) => r.wall_s));
    emit({ ...common, peer: 'orchard-recipes-cli', wall_s: round3(oWall), metric: 0, extra: { fit_s: round3(median(fitS)), apply_wait_s: round3(median(applyS)), upload_s: round3(uploadS), up_ready_s: round3(up.readyMs / 1000) } });
    emit({ ...common, peer: 'sklearn-script', wall_s: round3(pWall), metric: 0, version: peerRuns[0].version, extra: { read_csv_s: round3(peerRuns[0].load_s), fit_transform_s: round3(peerRuns[0].fit_transform_s), save_npy_s: round3(peerRuns[0].save_s) } });
    emit({ ...common, peer: 'ratio', wall_ratio: round3(oWall / pWall), runs: { orchard: fitS.map((f, i) => round3(f + applyS[i])), sklearn: peerRuns.map((r) => round3(r.wall_s)) }, ...diff, goal: 'wall_ratio <= 1.0, max_abs_diff <= 1e-9', ...machine() });
  }
}

export async function run(args: string[]): Promise<void> {
  if (args.includes('--e2e')) await endToEnd(args);
  else await inProcess(args);
}
