/**
 * Test support: real candidates as AutoML makes them — a table, two recipe variants fitted
 * by the recipes engine (`trees`: ordinal codes; `linear`: one-hot and scaling), applied
 * to train and validation rows, and small models trained in-process by the built-ins'
 * own `train` on the applied rows.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { getAlgorithm, registerBuiltins, resolveHyperparameters } from '../../algorithms/index.js';
import { openDuckDB, sqlString } from '../../data/index.js';
import { applyRecipe, fitRecipe, type FittedRecipe, type RecipeSpec } from '../../recipes/engine/index.js';
import type { FinalizeCandidate } from './types.js';

export type TestProblem = 'binary' | 'regression';

const COLORS = ['red', 'green', 'blue'];

/** Deterministic rows: x numeric, color categorical, noise unrelated; y from x and color. */
export function testRows(n: number, problem: TestProblem, seed = 1): Array<[number | null, string, number, number]> {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  return Array.from({ length: n }, () => {
    const x = Math.round((rand() * 4 - 2) * 1000) / 1000;
    const color = COLORS[Math.floor(rand() * 3)];
    const noise = Math.round(rand() * 1000) / 1000;
    const score = x + (color === 'red' ? 1.5 : color === 'blue' ? -1 : 0) + (rand() - 0.5) * 0.8;
    const y = problem === 'binary' ? (score > 0 ? 1 : 0) : Math.round(score * 1000) / 1000;
    return [rand() < 0.03 ? null : x, color, noise, y];
  });
}

const RECIPES: Record<string, RecipeSpec> = {
  trees: { target: 'y', steps: [{ ordinal: { columns: ['color'], unknown: 'ignore' } }] },
  linear: { target: 'y', steps: [{ impute: { columns: ['x'], strategy: 'mean' } }, { one_hot: { columns: ['color'], unknown: 'ignore' } }, { scale: { columns: ['x', 'noise'] } }] },
};

async function writeParquet(file: string, rows: Array<[number | null, string, number, number]>): Promise<void> {
  const db = await openDuckDB();
  try {
    const values = rows.map(([x, c, n, y]) => `(${x === null ? 'NULL' : x}, ${sqlString(c)}, ${n}, ${y})`).join(', ');
    await db.exec(`COPY (SELECT CAST(x AS DOUBLE) AS x, color, CAST(noise AS DOUBLE) AS noise, CAST(y AS DOUBLE) AS y FROM (VALUES ${values}) AS t(x, color, noise, y)) TO ${sqlString(file)} (FORMAT parquet)`);
  } finally {
    db.close();
  }
}

async function parquetToCsv(parquet: string, csv: string): Promise<void> {
  const db = await openDuckDB();
  try {
    await db.exec(`COPY (SELECT * FROM read_parquet(${sqlString(parquet)})) TO ${sqlString(csv)} (FORMAT csv, HEADER false)`);
  } finally {
    db.close();
  }
}

export interface TestCandidates {
  problem: TestProblem;
  /** Variant -> validation Parquet (target first). */
  recipes: Record<string, string>;
  candidates: FinalizeCandidate[];
  fitted: Record<string, FittedRecipe>;
  /** The raw validation rows (x, color, noise, y). */
  validation: Array<[number | null, string, number, number]>;
}

/** Fits both recipes on 600 rows, applies them to those and 200 validation rows, trains an xgboost and a linear-learner candidate. */
export async function buildTestCandidates(dir: string, problem: TestProblem): Promise<TestCandidates> {
  registerBuiltins();
  const trainRows = testRows(600, problem, 7);
  const validation = testRows(200, problem, 99);
  const trainFile = path.join(dir, 'train.parquet');
  const validFile = path.join(dir, 'validation.parquet');
  await writeParquet(trainFile, trainRows);
  await writeParquet(validFile, validation);
  const columns = [
    { name: 'x', type: 'DOUBLE' },
    { name: 'color', type: 'VARCHAR' },
    { name: 'noise', type: 'DOUBLE' },
    { name: 'y', type: 'DOUBLE' },
  ];
  const recipes: Record<string, string> = {};
  const fitted: Record<string, FittedRecipe> = {};
  const trainCsv: Record<string, string> = {};
  for (const [variant, spec] of Object.entries(RECIPES)) {
    const scratchDir = path.join(dir, `scratch-${variant}`);
    const f = await fitRecipe(spec, { parquetPath: trainFile, columns }, { scratchDir });
    fitted[variant] = f;
    await fs.writeFile(path.join(dir, `${variant}.recipe.json`), JSON.stringify(f));
    const t = await applyRecipe(f, { parquetPath: trainFile }, { outputDir: path.join(dir, `${variant}-train`), scratchDir });
    const v = await applyRecipe(f, { parquetPath: validFile }, { outputDir: path.join(dir, `${variant}-validation`), scratchDir });
    recipes[variant] = v.outputs[0].parquetPath;
    trainCsv[variant] = path.join(dir, `${variant}-train.csv`);
    await parquetToCsv(t.outputs[0].parquetPath, trainCsv[variant]);
  }
  const specs: Array<{ algorithm: string; variant: string; hp: Record<string, string> }> = [
    { algorithm: 'xgboost', variant: 'trees', hp: problem === 'binary' ? { num_round: '20', max_depth: '3', objective: 'binary:logistic' } : { num_round: '20', max_depth: '3', objective: 'reg:squarederror' } },
    { algorithm: 'linear-learner', variant: 'linear', hp: { predictor_type: problem === 'binary' ? 'binary_classifier' : 'regressor', epochs: '5' } },
  ];
  const candidates: FinalizeCandidate[] = [];
  for (const [i, s] of specs.entries()) {
    const algorithm = getAlgorithm(s.algorithm);
    const modelDir = path.join(dir, `model-${i + 1}`);
    await algorithm.train({
      hyperparameters: resolveHyperparameters(algorithm, s.hp),
      channels: { train: { files: [trainCsv[s.variant]], contentType: 'text/csv' } },
      modelDir,
      checkpointDir: path.join(dir, `checkpoints-${i + 1}`),
      threads: 1,
      seed: 3,
      signal: new AbortController().signal,
      log: () => undefined,
      metric: () => undefined,
    });
    candidates.push({ name: `job-${i + 1}`, algorithm: s.algorithm, recipeVariant: s.variant, modelDir, recipeFile: path.join(dir, `${s.variant}.recipe.json`) });
  }
  return { problem, recipes, candidates, fitted, validation };
}
