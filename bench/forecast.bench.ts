/**
 * `npm run bench -- forecast`: Amazon Forecast's workflow as users meet it, through
 * `orchard up` and the SDK: the peers' 200 daily series (`make_data.py --only series`)
 * uploaded as a dataset, a dataset group, an import, then one predictor per algorithm
 * with one backtest window of h = 28, whose cutoff is the peers' holdout (the last 28
 * days), so its backtest metrics are the peers' scores on the same points (Forecast's
 * MAPE is a fraction; the peers print a percent: both are shown as `MAPE_percent`). Timed from
 * the create call to Active. Side by side in the same run: statsmodels' Holt-Winters (and
 * SARIMAX with `--peers …,statsmodels-sarimax`) from `peers.py forecast`.
 *
 * `--scale N`: instead, N generated daily series × 3 years (the same shape: level × (1 +
 * trend + yearly sine + weekday effect + noise)), ETS and the AutoPredictor, with the
 * time and the peak resident set of the server and its attempt processes, sampled each second.
 *
 * Options: `--algorithms ets,theta,arima,prophet,auto` (default), `--candidates a,b` (the
 * AutoPredictor's; default every local algorithm), `--max-series N`,
 * `--peers statsmodels-ets` (default; `none` for no peer), `--orchard-bin PATH`, `--workers N`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Orchard } from '../src/sdk/index.js';
import { numberOption, option, orchardBin, processTree, rssMiB, round3, serverOf, startOrchard, withCleanup } from './fleet-support.js';
import { DATA, dataFile, emit, exec, PEERS, PYTHON } from './support.js';

const HORIZON = 28;

export async function run(args: string[]): Promise<void> {
  const scale = numberOption(args, '--scale', 0);
  const maxSeries = numberOption(args, '--max-series', 0);
  const algorithms = (option(args, '--algorithms') ?? (scale ? 'ets,auto' : 'ets,theta,arima,prophet,auto')).split(',');
  const peers = option(args, '--peers') ?? 'statsmodels-ets';
  const workers = numberOption(args, '--workers', 2);
  const candidates = option(args, '--candidates')?.split(',');

  let csv: string;
  if (scale) {
    csv = path.join(DATA, `forecast_scale_${scale}.csv`);
    if (!fs.existsSync(csv)) await makeSeries(csv, scale);
  } else {
    const all = await dataFile('series/synthetic_daily.csv', 'series');
    csv = maxSeries ? firstSeries(all, maxSeries) : all;
  }

  const peerLines: Array<Record<string, unknown>> = [];
  if (!scale && peers !== 'none') {
    const argv = [path.join(PEERS, 'peers.py'), '--data', DATA, 'forecast', '--datasets', 'synthetic_daily', '--peers', peers];
    if (maxSeries) argv.push('--max-series', String(maxSeries));
    const out = await exec(PYTHON, argv);
    for (const line of out.split('\n').filter((l) => l.startsWith('{'))) {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      const extra = (parsed.extra ?? parsed) as Record<string, unknown>;
      peerLines.push(parsed);
      emit({ task: 'forecast', peer: parsed.peer, seconds: round3(Number(parsed.train_s ?? 0) + Number(parsed.predict_s ?? 0)), MAPE_percent: parsed.metric, WAPE: extra.WAPE, averageWQL: extra.mean_wQL, n_series: extra.n_series });
    }
  }

  const up = await startOrchard(orchardBin(args), 'up', {}, ['--workers', String(workers)]);
  await withCleanup(() => up.stop(), async () => {
    const sdk = new Orchard(serverOf(up));
    let t = performance.now();
    await sdk.datasets.create({ name: 'sales', file: csv, format: 'csv', header: false });
    await sdk.forecast.groups.create({ name: 'retail', frequency: 'D', domain: 'RETAIL' });
    await sdk.forecast.imports.create({ group: 'retail', target: 'sales', map: { item_id: '_c0', timestamp: '_c1', target_value: '_c2' } });
    emit({ task: 'forecast', step: 'upload + import', seconds: round3((performance.now() - t) / 1000) });

    for (const algorithm of algorithms) {
      let peak = 0;
      const sampler = setInterval(() => {
        peak = Math.max(peak, processTree(up.pid).reduce((sum, pid) => sum + rssMiB(pid), 0));
      }, 1000);
      t = performance.now();
      const name = `p-${algorithm}`;
      await sdk.forecast.predictors.create({ name, group: 'retail', algorithm: algorithm as 'ets', horizon: HORIZON, backtestWindows: 1, quantiles: [0.1, 0.5, 0.9], ...(algorithm === 'auto' && candidates ? { candidates: candidates as Array<'ets'> } : {}) });
      const done = await sdk.forecast.predictors.waitFor(name, { pollMs: 250 }).finally(() => clearInterval(sampler));
      const seconds = (performance.now() - t) / 1000;
      if (done.status !== 'Active') throw new Error(`${name} ended ${done.status}: ${done.failureReason ?? ''}`);
      const m = done.metrics!;
      emit({
        task: 'forecast',
        peer: `orchard ${algorithm}`,
        seconds: round3(seconds),
        MAPE_percent: m.MAPE === null ? null : round3(Number(m.MAPE) * 100),
        WAPE: m.WAPE,
        averageWQL: m.averageWQL,
        wQL: m.wQL,
        MASE: m.MASE,
        ...(scale ? { n_series: scale, peak_rss_mib: Math.round(peak) } : {}),
      });
      const holtWinters = peerLines.find((l) => l.peer === 'statsmodels-ets');
      if (holtWinters) {
        const peerSeconds = Number(holtWinters.train_s ?? 0) + Number(holtWinters.predict_s ?? 0);
        emit({ task: 'forecast', ratio: `orchard ${algorithm} / statsmodels Holt-Winters`, time: round3(seconds / peerSeconds), MAPE: round3((Number(m.MAPE) * 100) / Number(holtWinters.metric)) });
      }
    }
  });
}

/** The first `n` series of the peers' file (sorted by item, as written). */
function firstSeries(file: string, n: number): string {
  const out = path.join(DATA, `forecast_first_${n}.csv`);
  const keep = new Set<string>();
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((line) => {
    const item = line.slice(0, line.indexOf(','));
    if (!item) return false;
    if (keep.size < n) keep.add(item);
    return keep.has(item);
  });
  fs.writeFileSync(out, lines.join('\n') + '\n');
  return out;
}

/** `n` daily series 2021-01-01 … 2023-12-31 shaped like the peers' (deterministic hashes as noise). */
async function makeSeries(file: string, n: number): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const u = (k: string) => `((hash(s, ${k}) % 1000000) / 1000000.0)`;
    await connection.run(`COPY (
      SELECT printf('item_%06d', s) AS item, DATE '2021-01-01' + d::INTEGER AS ts,
        round((50 + 450 * ${u('1')}) * (1 + (0.1 + 0.3 * ${u('2')}) * d / 1095.0
          + 0.2 * ${u('3')} * sin(2 * pi() * d / 365.25 + 6.28 * ${u('4')})
          + 0.1 * ${u('5')} * sin(2 * pi() * (d % 7) / 7.0)
          + 0.05 * ((hash(s, d) % 2000) / 1000.0 - 1)), 3) AS y
      FROM range(${n}) a(s), range(1095) b(d) ORDER BY s, d
    ) TO '${file.replaceAll("'", "''")}' (HEADER false, DELIMITER ',')`);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
