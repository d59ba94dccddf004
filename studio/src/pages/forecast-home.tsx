import { Link } from 'react-router';
import { forecastApi, type Forecast, type ForecastPredictor } from '../api/client';
import { useWatch } from '../api/live';
import { useResource } from '../api/use-resource';
import { formatNumber, formatTime } from '../components/format';
import { FORECAST_ACTIVE, ForecastStatusBadge } from '../components/forecast-ui';
import { Card, Empty, ErrorBanner, Loading, PageHeader, ProgressBar } from '../components/ui';

export const groupPath = (name: string) => `/forecast/groups/${encodeURIComponent(name)}`;
export const predictorPath = (name: string) => `/forecast/predictors/${encodeURIComponent(name)}`;
export const forecastPath = (name: string) => `/forecast/forecasts/${encodeURIComponent(name)}`;

/** Dataset groups, predictors and forecasts: Amazon Forecast's workflow at a glance. */
export function ForecastHomePage() {
  const all = useResource(
    async (signal) => {
      const [groups, imports, predictors, forecasts] = await Promise.all([
        forecastApi.groups({ limit: 1000 }, signal),
        forecastApi.imports({ limit: 1000 }, signal),
        forecastApi.predictors({ limit: 1000 }, signal),
        forecastApi.forecasts({ limit: 1000 }, signal),
      ]);
      return { groups: groups.items, imports: imports.items, predictors: predictors.items, forecasts: forecasts.items };
    },
    [],
  );
  const d = all.data;
  const running = Boolean(d && [...d.predictors, ...d.forecasts].some((r) => FORECAST_ACTIVE.has(r.status)));
  useWatch(running ? { kind: 'feed', of: 'forecast-predictor' } : null, all.reload);
  useWatch(running ? { kind: 'feed', of: 'forecast' } : null, all.reload);
  const count = <T,>(rows: T[], key: (r: T) => string) => rows.reduce((m, r) => m.set(key(r), (m.get(key(r)) ?? 0) + 1), new Map<string, number>());
  const importsBy = d ? count(d.imports, (i) => i.group) : new Map<string, number>();
  const predictorsBy = d ? count(d.predictors, (p) => p.group) : new Map<string, number>();
  return (
    <>
      <PageHeader title="Forecast" subtitle="Dataset groups of time series, predictors trained with backtests, and quantile forecasts written as datasets. Created with orchard forecast." />
      <ErrorBanner error={all.error} onRetry={all.reload} />
      {!d ? (
        !all.error && <Loading />
      ) : (
        <>
          <Card title="Dataset groups">
            {d.groups.length === 0 ? (
              <Empty>No dataset groups yet. Create one with orchard forecast groups create NAME --frequency D, then orchard forecast import NAME --target DATASET.</Empty>
            ) : (
              <div className="table-wrap">
                <table aria-label="Dataset groups">
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Frequency</th>
                      <th scope="col">Domain</th>
                      <th scope="col" className="num">Imports</th>
                      <th scope="col" className="num">Predictors</th>
                      <th scope="col">Created</th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.groups.map((g) => (
                      <tr key={g.name}>
                        <td>
                          <Link to={groupPath(g.name)}>{g.name}</Link>
                        </td>
                        <td>{g.frequency}</td>
                        <td>{g.domain}</td>
                        <td className="num">{importsBy.get(g.name) ?? 0}</td>
                        <td className="num">{predictorsBy.get(g.name) ?? 0}</td>
                        <td>{formatTime(g.createdAt)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </Card>
          <Card title="Predictors">
            {d.predictors.length === 0 ? <Empty>No predictors yet. Train one with orchard forecast predictors create NAME --group GROUP --algorithm auto --horizon 28.</Empty> : <PredictorsTable predictors={d.predictors} />}
          </Card>
          <Card title="Forecasts">
            {d.forecasts.length === 0 ? <Empty>No forecasts yet. Create one with orchard forecast create NAME --predictor PREDICTOR.</Empty> : <ForecastsTable forecasts={d.forecasts} />}
          </Card>
        </>
      )}
    </>
  );
}

/** Predictors with their status (progress while training) and average backtest accuracy. */
export function PredictorsTable({ predictors, showGroup = true }: { predictors: ForecastPredictor[]; showGroup?: boolean }) {
  return (
    <div className="table-wrap">
      <table aria-label="Predictors">
        <thead>
          <tr>
            <th scope="col">Name</th>
            {showGroup && <th scope="col">Group</th>}
            <th scope="col">Status</th>
            <th scope="col">Algorithm</th>
            <th scope="col" className="num">Horizon</th>
            <th scope="col" className="num">Average wQL</th>
            <th scope="col" className="num">WAPE</th>
            <th scope="col" className="num">MAPE</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {predictors.map((p) => (
            <tr key={p.name} data-predictor={p.name}>
              <td>
                <Link to={predictorPath(p.name)}>{p.name}</Link>
              </td>
              {showGroup && (
                <td>
                  <Link to={groupPath(p.group)}>{p.group}</Link>
                </td>
              )}
              <td className={FORECAST_ACTIVE.has(p.status) ? 'progress-cell' : undefined}>
                <ForecastStatusBadge status={p.status} />
                {FORECAST_ACTIVE.has(p.status) && <ProgressBar value={p.progress.percent} max={100} label={`Progress of ${p.name}`} />}
              </td>
              <td>{p.algorithm}</td>
              <td className="num">{p.horizon}</td>
              <td className="num" data-metric="averageWQL">{formatNumber(p.metrics?.averageWQL ?? null)}</td>
              <td className="num" data-metric="WAPE">{formatNumber(p.metrics?.WAPE ?? null)}</td>
              <td className="num" data-metric="MAPE">{formatNumber(p.metrics?.MAPE ?? null)}</td>
              <td>{formatTime(p.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Forecasts with their predictor, status, items and the dataset they were written to. */
export function ForecastsTable({ forecasts }: { forecasts: Forecast[] }) {
  return (
    <div className="table-wrap">
      <table aria-label="Forecasts">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Predictor</th>
            <th scope="col">Status</th>
            <th scope="col">Forecast types</th>
            <th scope="col" className="num">Items</th>
            <th scope="col">Dataset</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {forecasts.map((f) => (
            <tr key={f.name}>
              <td>
                <Link to={forecastPath(f.name)}>{f.name}</Link>
              </td>
              <td>
                <Link to={predictorPath(f.predictor)}>{f.predictor}</Link>
              </td>
              <td>
                <ForecastStatusBadge status={f.status} />
              </td>
              <td>{f.forecastTypes.join(', ')}</td>
              <td className="num">{formatNumber(f.items)}</td>
              <td>{f.dataset ? <Link to={`/datasets/${encodeURIComponent(f.dataset.split('@')[0])}?version=${f.dataset.split('@')[1] ?? ''}`}>{f.dataset}</Link> : '–'}</td>
              <td>{formatTime(f.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
