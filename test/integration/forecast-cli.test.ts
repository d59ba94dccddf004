import fs from 'node:fs';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { beforeAll, describe, expect, it } from 'vitest';
import { Orchard } from '../../src/sdk/index.js';
import { backends } from '../support/backends.js';
import { cliSuite } from '../support/cli-suite.js';
import { cli, type RunningServer } from '../support/server.js';
import { refusedBySdk } from '../support/refusals.js';

const ITEMS = 10;
const DAYS = 140;
const HORIZON = 14;
const DEEP_HORIZON = 7;
const START = Date.UTC(2024, 0, 1);
const DAY = 86_400_000;
const date = (d: number) => new Date(START + d * DAY).toISOString().slice(0, 10);
const item = (i: number) => `item_${String(i).padStart(2, '0')}`;

/** ITEMS daily series with a weekly pattern, a level per item and noise (seeded), as the generator wrote them. */
function series(): number[][] {
  let s = 11;
  const rand = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const week = [1.0, 0.9, 0.95, 1.05, 1.3, 1.6, 1.2];
  return Array.from({ length: ITEMS }, (_, i) => {
    const level = 50 + 10 * i;
    return Array.from({ length: DAYS }, (_, d) => Math.round(level * week[d % 7] * (1 + 0.001 * d) + (rand() - 0.5) * level * 0.1));
  });
}

function writeCsv(file: string, header: string, rows: string[]): string {
  fs.writeFileSync(file, [header, ...rows].join('\n') + '\n');
  return file;
}

/** Seasonal naive by hand: each window's forecast repeats the week before its cutoff; WAPE per window, averaged. */
function seasonalNaiveWape(ys: number[][], windows: number): number {
  const out: number[] = [];
  for (let w = 0; w < windows; w++) {
    let err = 0;
    let abs = 0;
    for (const y of ys) {
      const cutoff = y.length - HORIZON - HORIZON * (windows - 1 - w);
      for (let i = 0; i < HORIZON; i++) {
        const f = y[cutoff - 7 + (i % 7)];
        err += Math.abs(y[cutoff + i] - f);
        abs += Math.abs(y[cutoff + i]);
      }
    }
    out.push(err / abs);
  }
  return out.reduce((a, b) => a + b, 0) / out.length;
}

describe.each(backends)('forecast through the CLI on $name', (backend) => {
  // The compute-heavy predictors run on the first backend only (see the predictors test).
  const full = backend === backends[0];
  const suite = cliSuite(backend, { prefix: 'orchard-forecast-' });
  let server: RunningServer;
  let admin: { url: string; token: string };
  let dir: string;
  const ys = series();

  async function ok(args: string[]) {
    const res = await cli(args, admin);
    expect(res.code, `${args.join(' ')}\n${res.stdout}${res.stderr}`).toBe(0);
    return res.json;
  }

  async function refused(args: string[], code: string) {
    const res = await cli([...args, '--json'], admin);
    expect(res.code, `${args.join(' ')}\n${res.stdout}${res.stderr}`).not.toBe(0);
    expect(res.json.code, `${args.join(' ')}: ${res.json.message}`).toBe(code);
    return res.json;
  }

  /** Uploaded through the SDK (one request; `datasets create --header` is asserted in datasets-cli.test.ts). */
  async function dataset(name: string, file: string) {
    await new Orchard(admin).datasets.create({ name, file, header: true });
  }

  /**
   * A predictor, or a forecast, created through the SDK and polled every 250 ms until it ends:
   * `forecast predictors create --wait` and `forecast create --wait` are asserted through the CLI
   * with seasonal naive's, and answer the same object.
   */
  async function predictor(input: Parameters<Orchard['forecast']['predictors']['create']>[0]) {
    const sdk = new Orchard(admin);
    await sdk.forecast.predictors.create(input);
    return sdk.forecast.predictors.waitFor(input.name, { pollMs: 250 });
  }
  async function forecastOf(name: string, from: string) {
    const sdk = new Orchard(admin);
    await sdk.forecast.forecasts.create({ name, predictor: from });
    return sdk.forecast.forecasts.waitFor(name, { pollMs: 250 });
  }

  beforeAll(async () => {
    ({ server, admin, dir } = suite);
    const sales = ys.flatMap((y, i) => y.map((v, d) => `${item(i)},${date(d)},${v}`));
    await dataset('sales', writeCsv(path.join(dir, 'sales.csv'), 'sku,day,units', sales));
    // Prices over the history and the horizon; a promotion flag.
    const prices = Array.from({ length: ITEMS }, (_, i) => Array.from({ length: DAYS + HORIZON }, (_, d) => `${item(i)},${date(d)},${(9.99 + i / 10).toFixed(2)},${d % 14 === 0 ? 1 : 0}`)).flat();
    await dataset('prices', writeCsv(path.join(dir, 'prices.csv'), 'sku,day,price,promo', prices));
    await dataset('catalog', writeCsv(path.join(dir, 'catalog.csv'), 'sku,category', Array.from({ length: ITEMS }, (_, i) => `${item(i)},${i % 3 === 0 ? 'toys' : 'food'}`)));
    // Related prices that stop with the history.
    await dataset('prices_short', writeCsv(path.join(dir, 'prices-short.csv'), 'sku,day,price', Array.from({ length: ITEMS }, (_, i) => Array.from({ length: DAYS }, (_, d) => `${item(i)},${date(d)},9.99`)).flat()));
    // Bad targets: an unparseable date (row 42), an hour inside a day (row 17), a duplicate pair (rows DAYS + 1 and DAYS + 5), a negative value (row 9).
    const bad = (edit: (rows: string[]) => void) => {
      const rows = [...sales];
      edit(rows);
      return rows;
    };
    await dataset('sales_badts', writeCsv(path.join(dir, 'badts.csv'), 'sku,day,units', bad((r) => (r[41] = `${item(0)},2024-13-45,3`))));
    await dataset('sales_hourly', writeCsv(path.join(dir, 'hourly.csv'), 'sku,day,units', bad((r) => (r[16] = `${item(0)},${date(16)} 12:00:00,3`))));
    await dataset('sales_dup', writeCsv(path.join(dir, 'dup.csv'), 'sku,day,units', bad((r) => (r[DAYS] = `${item(1)},${date(4)},3`))));
    await dataset('sales_neg', writeCsv(path.join(dir, 'neg.csv'), 'sku,day,units', bad((r) => (r[8] = `${item(0)},${date(8)},-4`))));
    await dataset('sales_weekly', writeCsv(path.join(dir, 'weekly.csv'), 'sku,day,units', sales.filter((_, k) => (k % DAYS) % 7 === 0)));

    await ok(['forecast', 'groups', 'create', 'retail', '--frequency', 'D', '--domain', 'RETAIL', '--json']);
  });

  it('imports target, related and metadata, recording the dataset versions read', async () => {
    const imp = await ok(['forecast', 'import', 'retail', '--target', 'sales', '--related', 'prices', '--metadata', 'catalog', '--map', 'item_id=sku,timestamp=day,target_value=units', '--wait', '--json']);
    expect(imp).toMatchObject({ group: 'retail', status: 'Active', target: { dataset: 'sales@1', rows: ITEMS * DAYS }, related: { dataset: 'prices@1' }, metadata: { dataset: 'catalog@1' } });
    expect(imp.summary).toMatchObject({ items: ITEMS, rows: ITEMS * DAYS, points: ITEMS * DAYS, filled: 0, minLength: DAYS, maxLength: DAYS, relatedColumns: ['price', 'promo'], metadataColumns: ['category'], negative: { items: 0 } });
    expect(imp.summary.start).toBe(`${date(0)}T00:00:00.000Z`);
    expect(imp.summary.end).toBe(`${date(DAYS - 1)}T00:00:00.000Z`);
    expect(imp.summary.relatedCover.min).toBe(HORIZON);
    const group = await ok(['forecast', 'groups', 'describe', 'retail', '--json']);
    expect(group).toMatchObject({ frequency: 'D', domain: 'RETAIL', seasons: [7, 365.25], latestImport: imp.id });
  }, 120_000);

  it('refuses bad data naming rows and items, and registers nothing', async () => {
    const sdk = new Orchard(admin);
    await sdk.forecast.groups.create({ name: 'checks', frequency: 'D' });
    const map = ['--map', 'item_id=sku,timestamp=day,target_value=units'];
    const mapped = { item_id: 'sku', timestamp: 'day', target_value: 'units' };
    // The CLI's refusal (exit code, the `--json` error with its details) once; the other bad
    // inputs through the SDK, which the CLI calls with the same request.
    const badTs = await refused(['forecast', 'import', 'checks', '--target', 'sales_badts', ...map], 'ORCH_FORECAST_TIMESTAMP_INVALID');
    expect(badTs.details).toMatchObject({ rows: [42], items: [item(0)], count: 1 });
    const importing = (input: Record<string, unknown>) => sdk.forecast.imports.create({ group: 'checks', map: mapped, ...input } as Parameters<typeof sdk.forecast.imports.create>[0]);
    const hourly = await refusedBySdk(importing({ target: 'sales_hourly' }), 'ORCH_FORECAST_FREQUENCY_MISMATCH');
    expect(hourly.details).toMatchObject({ rows: [17], items: [item(0)] });
    const dup = await refusedBySdk(importing({ target: 'sales_dup' }), 'ORCH_FORECAST_DUPLICATE_ROWS');
    expect(dup.details).toMatchObject({ items: [item(1)], count: 1 });
    // Row DAYS + 1 (the first of item_01) was rewritten as a second row of its day 4 (row DAYS + 5).
    expect(dup.details.rows).toEqual([DAYS + 1, DAYS + 5]);
    const weekly = await refusedBySdk(importing({ target: 'sales_weekly' }), 'ORCH_FORECAST_FREQUENCY_MISMATCH');
    expect(weekly.details.minGapSteps).toBe(7);
    const missing = await refusedBySdk(importing({ target: 'sales', map: { item_id: 'sku', timestamp: 'date' } }), 'ORCH_FORECAST_COLUMN_MISSING');
    expect(missing.details.errors.map((e: { field: string }) => e.field)).toEqual(['map.timestamp', 'map.target_value']);
    await refusedBySdk(importing({ target: 'sales', filling: { target: 'median' } }), 'ORCH_FORECAST_INVALID');
    await refusedBySdk(importing({ target: 'sales', group: 'absent' }), 'ORCH_FORECAST_GROUP_NOT_FOUND');
    // Nothing half-registered: the four imports the job refused ended CreateFailed with their
    // refusal (those refused by the request were never registered), none became the group's
    // latest, and none left files.
    const listed = await ok(['forecast', 'imports', 'list', '--group', 'checks', '--json']);
    expect(listed.total).toBe(4);
    expect(listed.items.map((i: { status: string }) => i.status)).toEqual(Array(4).fill('CreateFailed'));
    expect(listed.items.map((i: { error: { code: string } }) => i.error.code).sort()).toEqual(['ORCH_FORECAST_DUPLICATE_ROWS', 'ORCH_FORECAST_FREQUENCY_MISMATCH', 'ORCH_FORECAST_FREQUENCY_MISMATCH', 'ORCH_FORECAST_TIMESTAMP_INVALID']);
    const failedTs = listed.items.find((i: { error: { code: string } }) => i.error.code === 'ORCH_FORECAST_TIMESTAMP_INVALID');
    expect(failedTs.failureReason).toBe(badTs.message);
    expect(failedTs.error.details).toMatchObject({ rows: [42], items: [item(0)] });
    expect((await sdk.forecast.groups.describe('checks')).latestImport).toBeNull();
    expect(await sdk.artifacts.list('forecast/checks/')).toHaveLength(0);

    // Related series that stop with the history cannot cover a horizon.
    await importing({ target: 'sales', related: 'prices_short' });
    const short = await refused(['forecast', 'predictors', 'create', 'short', '--group', 'checks', '--algorithm', 'seasonal-naive', '--horizon', String(HORIZON)], 'ORCH_FORECAST_RELATED_SHORT');
    expect(short.details).toMatchObject({ count: ITEMS, horizon: HORIZON });
    expect(short.details.items).toContain(item(0));
    // A negative target is refused by a count likelihood and named.
    await importing({ target: 'sales_neg' });
    const neg = await refusedBySdk(sdk.forecast.predictors.create({ name: 'counts', group: 'checks', algorithm: 'seasonal-naive', horizon: 7, likelihood: 'negative-binomial' }), 'ORCH_FORECAST_NEGATIVE_VALUES');
    expect(neg.details).toMatchObject({ count: 1, items: [item(0)], rows: [9] });
    const unavailable = await refusedBySdk(sdk.forecast.predictors.create({ name: 'deep', group: 'checks', algorithm: 'auto', candidates: ['ets', 'auto'], horizon: 7 }), 'ORCH_FORECAST_ALGORITHM_UNAVAILABLE');
    expect(unavailable.details.requested).toEqual(['auto']);
    expect(unavailable.details.available).toEqual(expect.arrayContaining(['seasonal-naive', 'deepar']));
    await refusedBySdk(sdk.forecast.predictors.create({ name: 'long', group: 'checks', algorithm: 'naive', horizon: 150 }), 'ORCH_FORECAST_HISTORY_SHORT');
    // `forecast groups delete` through the CLI is its refusal in the predictors case.
    await sdk.forecast.groups.delete('checks');
  }, 180_000);

  it('runs an import as a job: answered at once, Active on the feed, then the group\'s latest', async () => {
    const sdk = new Orchard(admin);
    await sdk.forecast.groups.create({ name: 'queued', frequency: 'D' });
    const since = new Date(Date.now() - 1000).toISOString();
    const pending = await ok(['forecast', 'import', 'queued', '--target', 'sales', '--map', 'item_id=sku,timestamp=day,target_value=units', '--no-wait', '--json']);
    expect(['CreatePending', 'CreateInProgress', 'Active']).toContain(pending.status);
    const seen: string[] = [];
    const controller = new AbortController();
    for await (const e of sdk.events.statusChanges({ since, signal: controller.signal })) {
      if (e.kind !== 'forecast-import' || e.name !== pending.id) continue;
      seen.push(e.status);
      if (e.status === 'Active' || e.status === 'CreateFailed') break;
    }
    controller.abort();
    expect(seen.at(-1)).toBe('Active');
    const done = await ok(['forecast', 'imports', 'describe', pending.id, '--json']);
    expect(done).toMatchObject({ status: 'Active', error: null, summary: { items: ITEMS, rows: ITEMS * DAYS } });
    expect((await sdk.forecast.groups.describe('queued')).latestImport).toBe(pending.id);
    await sdk.forecast.groups.delete('queued');
  }, 120_000);

  it('trains predictors with backtests, forecasts every item as a dataset, queries and exports it', async () => {
    const sn = await ok(['forecast', 'predictors', 'create', 'sn', '--group', 'retail', '--algorithm', 'seasonal-naive', '--horizon', String(HORIZON), '--backtest-windows', '2', '--wait', '--json']);
    expect(sn).toMatchObject({ status: 'Active', algorithm: 'seasonal-naive', horizon: HORIZON, backtestWindows: 2, backtestOffset: HORIZON, quantiles: [0.1, 0.5, 0.9], progress: { percent: 100, items: { total: ITEMS, done: ITEMS } } });
    expect(sn.shards).toBeGreaterThanOrEqual(2);
    expect(sn.progress.shards).toEqual({ total: sn.shards, done: sn.shards });
    expect(Object.keys(sn.metrics.wQL)).toEqual(['0.1', '0.5', '0.9']);
    for (const k of ['averageWQL', 'WAPE', 'RMSE', 'MAPE', 'MASE']) expect(sn.metrics[k], k).toBeGreaterThan(0);
    // The seasonal-naive WAPE computed by hand from the generated data, window by window.
    expect(sn.metrics.WAPE).toBeCloseTo(seasonalNaiveWape(ys, 2), 10);
    expect(sn.windowMetrics).toHaveLength(2);

    // The AutoPredictor, its forecast and DeepAR+ compute the same whatever the stores: the
    // blocks they read and the evaluations, parts and dataset version they write go through
    // the same interfaces as seasonal naive's. So they run on the first backend; on
    // PostgreSQL + S3 the per-item metrics, the forecast's dataset, query and exports are
    // seasonal naive's (forecast-fleet.test.ts trains and forecasts on PostgreSQL + S3 too).
    const pred = full ? 'auto' : 'sn';
    const fcName = full ? 'fc' : 'fsn';
    const sdk = new Orchard(admin);
    if (full) {
      const auto = await predictor({ name: 'auto', group: 'retail', algorithm: 'auto', horizon: HORIZON });
      expect(auto.status).toBe('Active');
      expect(auto.algorithms.length).toBeGreaterThanOrEqual(2);
      expect(Object.values(auto.choices!).reduce((a, b) => a + b, 0)).toBe(ITEMS);
      // Chosen per item by backtest wQL among candidates that include seasonal naive: never worse on it.
      expect(auto.metrics!.averageWQL).toBeLessThanOrEqual(auto.algorithmMetrics!['seasonal-naive'].averageWQL! + 1e-12);
    }

    const csvFile = path.join(dir, 'per-item.csv');
    await ok(['forecast', 'predictors', 'metrics', pred, '--per-item', '--out', csvFile, '--json']);
    const lines = fs.readFileSync(csvFile, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('item_id,choice,averageWQL,wQL[0.1],wQL[0.5],wQL[0.9],WAPE,RMSE,MAPE,MASE');
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(ys.map((_, i) => item(i)));
    if (!full) expect(lines.slice(1).map((l) => l.split(',')[1])).toEqual(Array(ITEMS).fill('seasonal-naive'));
    const exported = await ok(['forecast', 'predictors', 'metrics', pred, '--per-item', '--to', 'reports/items.csv', '--json']);
    expect(exported).toEqual({ key: 'reports/items.csv', items: ITEMS });

    // Seasonal naive's forecast repeats each item's last week: checked against the data.
    const fsn = await ok(['forecast', 'create', 'fsn', '--predictor', 'sn', '--wait', '--json']);
    expect(fsn).toMatchObject({ status: 'Active', dataset: 'fsn@1', items: ITEMS, forecastTypes: ['p10', 'p50', 'p90', 'mean'] });
    const q = await ok(['forecast', 'query', 'fsn', '--item', item(3), '--json']);
    expect(q.item).toBe(item(3));
    expect(q.timestamps).toHaveLength(HORIZON);
    expect(q.timestamps[0]).toBe(`${date(DAYS)}T00:00:00.000Z`);
    const y = ys[3];
    expect(q.mean).toEqual(Array.from({ length: HORIZON }, (_, i) => y[DAYS - 7 + (i % 7)]));
    for (let i = 0; i < HORIZON; i++) expect(q.p10[i] <= q.p50[i] && q.p50[i] <= q.p90[i]).toBe(true);

    if (full) {
      const fc = await forecastOf('fc', 'auto');
      expect(fc).toMatchObject({ status: 'Active', dataset: 'fc@1', items: ITEMS });
    }
    // The forecast's dataset version and SQL over it through the SDK (`datasets describe` and
    // `datasets query` are asserted in datasets-cli.test.ts).
    const version = await sdk.datasets.describe(`${fcName}@1`);
    expect(version.rowCount).toBe(ITEMS * HORIZON);
    expect(version.columns.map((c: { name: string }) => c.name)).toEqual(['item_id', 'timestamp', 'p10', 'p50', 'p90', 'mean']);
    const sql = await sdk.datasets.query(`SELECT count(DISTINCT item_id) AS n, min("timestamp") AS t FROM ${fcName}`);
    expect(Number(sql.rows[0][0] ?? sql.rows[0].n)).toBe(ITEMS);
    await refused(['forecast', 'query', fcName, '--item', 'nope'], 'ORCH_FORECAST_ITEM_NOT_FOUND');

    const csv = await ok(['forecast', 'export', fcName, '--format', 'csv', '--to', 'exports/fc.csv', '--json']);
    expect(csv).toMatchObject({ key: 'exports/fc.csv', format: 'csv', rows: ITEMS * HORIZON });
    const text = (await buffer(await sdk.artifacts.get('exports/fc.csv'))).toString('utf8').trim().split('\n');
    expect(text[0]).toBe('item_id,timestamp,p10,p50,p90,mean');
    expect(text).toHaveLength(ITEMS * HORIZON + 1);
    expect(text[1].startsWith(`${item(0)},${date(DAYS)}T00:00:00Z,`)).toBe(true);
    // `forecast export` through the CLI is the CSV's above.
    const pq = await sdk.forecast.forecasts.export(fcName, { format: 'parquet', to: 'exports/fc.parquet' });
    expect(pq.rows).toBe(ITEMS * HORIZON);
    await refused(['forecast', 'export', fcName, '--format', 'csv', '--to', 'forecast/retail/x.csv'], 'ORCH_ARTIFACT_INVALID_KEY');

    // DeepAR+ inside a predictor: one job trains the global model (before the backtest
    // window, then on the whole history), the shards evaluate and forecast with it. Its
    // training is the file's heaviest work, so it runs on the first backend only (the models it
    // stores go through the same artifact store interface on both). A horizon of a week (a
    // context of two) keeps the weekly pattern to learn at half the sampled forecast steps; its
    // training windows are drawn in proportion to the points, so the group's size (ITEMS x DAYS)
    // sets the batches of an epoch: 10 x 140 days train in half the time of 20 x 200.
    if (full) {
      const deep = await predictor({ name: 'deep', group: 'retail', algorithm: 'deepar', horizon: DEEP_HORIZON });
      expect(deep).toMatchObject({ status: 'Active', algorithm: 'deepar', algorithms: ['deepar'], choices: { deepar: ITEMS }, progress: { items: { total: ITEMS, done: ITEMS } } });
      // A model that learnt the weekly pattern is far better than forecasting nothing, and close to seasonal naive.
      expect(deep.metrics!.WAPE).toBeLessThan(0.5);
      const models = (await sdk.artifacts.list('forecast/retail/predictors/deep/models/')).map((a: { key: string }) => a.key).sort();
      expect(models).toEqual(['forecast/retail/predictors/deep/models/deepar-backtest.json', 'forecast/retail/predictors/deep/models/deepar-full.json']);
      const fdeep = await forecastOf('fdeep', 'deep');
      expect(fdeep).toMatchObject({ status: 'Active', items: ITEMS });
      // `forecast query` through the CLI is seasonal naive's above.
      const qd = (await sdk.forecast.forecasts.query('fdeep', item(5))) as unknown as Record<'p10' | 'p50' | 'p90', number[]>;
      expect(qd.p50).toHaveLength(DEEP_HORIZON);
      for (let i = 0; i < DEEP_HORIZON; i++) expect(qd.p10[i] <= qd.p50[i] && qd.p50[i] <= qd.p90[i] && qd.p10[i] >= 0).toBe(true);
    }

    // Dependents keep what they depend on.
    await refused(['forecast', 'predictors', 'delete', pred], 'ORCH_FORECAST_IN_USE');
    await refused(['forecast', 'groups', 'delete', 'retail'], 'ORCH_FORECAST_IN_USE');
    await ok(['forecast', 'delete', fcName, '--json']);
    if (full) {
      await sdk.forecast.forecasts.delete('fdeep');
      await sdk.forecast.predictors.delete('deep');
    }
    await ok(['forecast', 'predictors', 'delete', pred, '--json']);
    const listed = await ok(['forecast', 'predictors', 'list', '--group', 'retail', '--json']);
    expect(listed.items.map((p: { name: string }) => p.name)).toEqual(full ? ['sn'] : []);
  }, 300_000);
});
