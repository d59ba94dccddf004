import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { resolveConfig } from '../src/core/index.js';
import { startPlatform } from '../src/platform/index.js';
import { Orchard } from '../src/sdk/index.js';
import { DATA, emit, PYTHON } from './support.js';

/**
 * What a pandas user runs for the same insights: describe, missing counts, duplicates,
 * distinct counts, value counts of the text columns, robust outliers (median/MAD), the
 * class distribution, and a quick xgboost model on a 50k-row sample (categoricals as
 * codes, 80/20 split, early stopping) with its gain importance and validation AUC.
 */
const PEER = `
import json, sys, time
import numpy as np, pandas as pd, xgboost as xgb
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
data, target, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
t = time.perf_counter()
df = pd.read_csv(data)
read_s = time.perf_counter() - t
t = time.perf_counter()
described = df.describe(include="all")
missing = df.isna().sum()
duplicates = int(df.duplicated().sum())
distinct = df.nunique()
text = df.select_dtypes("object").columns
counts = {c: df[c].value_counts().head(10) for c in text}
num = df.select_dtypes("number")
med = num.median()
mad = (num - med).abs().median()
outliers = ((num - med).abs() / (1.4826 * mad.replace(0, np.nan)) > 3.5).sum()
classes = df[target].value_counts()
profile_s = time.perf_counter() - t
t = time.perf_counter()
s = df.dropna(subset=[target]).sample(n=min(50000, len(df)), random_state=0)
X = s.drop(columns=[target]).copy()
for c in X.select_dtypes("object").columns:
    X[c] = X[c].astype("category").cat.codes
y = s[target].astype(int)
Xtr, Xva, ytr, yva = train_test_split(X, y, test_size=0.2, random_state=0)
m = xgb.XGBClassifier(n_estimators=100, max_depth=6, learning_rate=0.3, tree_method="hist", importance_type="total_gain", early_stopping_rounds=10, eval_metric="auc", n_jobs=threads)
m.fit(Xtr, ytr, eval_set=[(Xva, yva)], verbose=False)
auc = roc_auc_score(yva, m.predict_proba(Xva)[:, 1])
top = X.columns[int(np.argmax(m.feature_importances_))]
model_s = time.perf_counter() - t
print(json.dumps({"read_s": read_s, "profile_s": profile_s, "model_s": model_s, "duplicates": duplicates, "auc": float(auc), "top_feature": top, "version": "pandas " + pd.__version__ + " + xgboost " + xgb.__version__}))
`;

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

/**
 * A seeded table with what a report should find: an ID, 22 numbers (two with planted
 * outliers, two with missing values), five text columns from 3 to 20 000 categories, a
 * constant, and a binary label driven by n1 and n2. Deterministic (hashes of the row number).
 */
async function makeData(file: string, rows: number): Promise<void> {
  const u = (k: number) => `((hash(i, ${k}) % 1000000) / 1000000.0)`;
  const cols = ['i AS id'];
  for (let k = 1; k <= 22; k++) {
    if (k === 3 || k === 4) cols.push(`CASE WHEN i % 499 = 0 THEN 1e6 ELSE ${u(k)} * 100 END AS n${k}`);
    else if (k === 5 || k === 6) cols.push(`CASE WHEN hash(i, 100 + ${k}) % 20 = 0 THEN NULL ELSE ${u(k)} END AS n${k}`);
    else cols.push(`round(${u(k)} * ${k * 10}, 4) AS n${k}`);
  }
  [3, 10, 50, 500, 20000].forEach((card, j) => cols.push(`'v' || (hash(i, ${200 + j}) % ${card}) AS c${j + 1}`));
  cols.push(`'same' AS constant`);
  cols.push(`CASE WHEN ${u(1)} + 0.5 * ${u(2)} + 0.3 * ${u(99)} > 1.15 THEN 1 ELSE 0 END AS label`);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(`COPY (SELECT ${cols.join(', ')} FROM range(${rows}) t(i)) TO '${file.replaceAll("'", "''")}' (HEADER, DELIMITER ',')`);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/**
 * `npm run bench -- data-quality [--rows 1000000] [--threads 2]`: a data-quality report with
 * a binary target on a 1M × 30 table, through the platform (create, then wait as
 * `orchard datasets quality … --wait` does), against the pandas + xgboost script a user
 * would write for the same insights. Orchard's time is the report alone (the data is
 * already a dataset); the peer's is shown without and with its CSV read.
 */
export async function run(args: string[]): Promise<void> {
  const rows = arg(args, '--rows', 1_000_000);
  const threads = arg(args, '--threads', 2);
  fs.mkdirSync(DATA, { recursive: true });
  const data = path.join(DATA, `quality_${rows}.csv`);
  if (!fs.existsSync(data)) await makeData(data, rows);

  const py = spawnSync(PYTHON, ['-c', PEER, data, 'label', String(threads)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (py.status !== 0) throw new Error(`peer failed: ${py.stderr}`);
  const peer = JSON.parse(py.stdout.trim().split('\n').at(-1)!) as { read_s: number; profile_s: number; model_s: number; duplicates: number; auc: number; top_feature: string; version: string };
  const peerS = peer.profile_s + peer.model_s;
  emit({ task: 'data-quality', peer: peer.version, rows, read_s: peer.read_s, profile_s: peer.profile_s, model_s: peer.model_s, report_s: peerS, with_read_s: peer.read_s + peerS, auc: peer.auc, top_feature: peer.top_feature });

  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-bench-dq-'));
  const platform = await startPlatform(resolveConfig({ home, port: 0, workers: 1, workerCpus: threads, logLevel: 'error' }));
  try {
    const sdk = new Orchard({ url: platform.url, token: platform.bootstrap.token });
    let t = performance.now();
    await sdk.datasets.create({ name: 'quality', file: data, header: true });
    const ingestS = (performance.now() - t) / 1000;
    t = performance.now();
    const created = await sdk.dataQuality.create({ dataset: 'quality', target: 'label' });
    const done = await sdk.dataQuality.waitFor(created.id, { pollMs: 100 });
    const reportS = (performance.now() - t) / 1000;
    if (done.status !== 'Completed' || !done.report) throw new Error(`report failed: ${done.failureReason}`);
    const c = done.report;
    emit({
      task: 'data-quality',
      peer: 'orchard',
      rows: c.summary.rows,
      columns: c.summary.columns,
      report_s: reportS,
      parts_s: c.timings,
      ingest_s: ingestS,
      sample_rows: c.summary.sampleRows,
      model_rows: c.summary.modelRows,
      duplicates: c.summary.duplicateRows,
      auc: c.featureImportance?.validationScore ?? null,
      top_feature: c.featureImportance?.features[0]?.column ?? null,
      warnings: c.summary.warnings,
    });
    emit({ task: 'data-quality', ratio_vs_peer: reportS / peerS, ratio_vs_peer_with_read: reportS / (peer.read_s + peerS) });
  } finally {
    await platform.close();
    fs.rmSync(home, { recursive: true, force: true });
  }
}
