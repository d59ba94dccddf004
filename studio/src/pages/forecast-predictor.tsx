import { useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { forecastApi, type ForecastPredictor } from '../api/client';
import { useWatch } from '../api/live';
import { useResource } from '../api/use-resource';
import { BarChart } from '../charts/bar-chart';
import { formatDuration, formatNumber, formatTime } from '../components/format';
import { choiceCounts, FORECAST_ACTIVE, ForecastStatusBadge, MetricsTable, parseItemMetrics, quantileLabel } from '../components/forecast-ui';
import { Card, Empty, ErrorBanner, KeyValues, Loading, PageHeader, ProgressBar } from '../components/ui';
import { Can } from '../session';
import { ForecastsTable, groupPath } from './forecast-home';

const PAGE = 20;

/** A predictor: progress while it trains, then its backtest metrics and the choice made per series. */
export function ForecastPredictorPage() {
  const { name = '' } = useParams();
  const predictor = useResource((signal) => forecastApi.predictor(name, signal), [name]);
  const p = predictor.data;
  const live = p ? FORECAST_ACTIVE.has(p.status) : !predictor.error;
  useWatch(live ? { kind: 'feed', of: 'forecast-predictor', name } : null, predictor.reload);
  const forecasts = useResource((signal) => forecastApi.forecasts({ predictor: name, limit: 1000 }, signal), [name, p?.status]);
  const [stopError, setStopError] = useState<unknown>(null);
  return (
    <>
      <PageHeader
        crumbs={[{ to: '/forecast', label: 'Forecast' }, ...(p ? [{ to: groupPath(p.group), label: p.group }] : [])]}
        title={name}
        subtitle={p ? <ForecastStatusBadge status={p.status} /> : undefined}
        actions={
          p &&
          FORECAST_ACTIVE.has(p.status) && (
            <Can permission="jobs:write">
              <button type="button" className="danger" disabled={p.status === 'CreateStopping'} onClick={() => forecastApi.stopPredictor(name).then(predictor.reload, setStopError)}>
                {p.status === 'CreateStopping' ? 'Stopping…' : 'Stop'}
              </button>
            </Can>
          )
        }
      />
      <ErrorBanner error={predictor.error ?? stopError} onRetry={predictor.reload} />
      {!p ? (
        !predictor.error && <Loading />
      ) : (
        <>
          {p.failureReason && (
            <div className="banner error" role="alert">
              <strong>Failure reason:</strong> <span style={{ whiteSpace: 'pre-wrap' }}>{p.failureReason}</span>
            </div>
          )}
          {FORECAST_ACTIVE.has(p.status) && <Progress predictor={p} />}
          <Card title="Predictor">
            <KeyValues
              items={[
                ['Group', <Link key="g" to={groupPath(p.group)}>{p.group}</Link>],
                ['Import', <span key="i"><code>{p.import.id}</code> <span className="muted small">({[p.import.target, p.import.related, p.import.metadata].filter(Boolean).join(', ')})</span></span>],
                ['Algorithm', p.algorithm === 'auto' ? `auto (AutoPredictor over ${p.algorithms.join(', ')})` : p.algorithm],
                ['Horizon', `${p.horizon} steps`],
                ['Backtest', `${p.backtestWindows} window(s), offset ${p.backtestOffset}`],
                ['Quantiles', p.quantiles.map(quantileLabel).join(', ')],
                ['Optimised for', p.optimizationMetric],
                ['Created', `${formatTime(p.createdAt)}${p.createdBy ? ` by ${p.createdBy}` : ''}`],
                ['Duration', formatDuration(p.startedAt, p.endedAt)],
              ]}
            />
          </Card>
          {p.metrics && <Metrics predictor={p} />}
          {p.status === 'Active' && <Choices predictor={p} />}
          <Card title="Forecasts">
            <ErrorBanner error={forecasts.error} onRetry={forecasts.reload} />
            {forecasts.data && (forecasts.data.items.length === 0 ? <Empty>No forecasts from this predictor yet. Create one with orchard forecast create NAME --predictor {name}.</Empty> : <ForecastsTable forecasts={forecasts.data.items} />)}
          </Card>
        </>
      )}
    </>
  );
}

function Progress({ predictor: p }: { predictor: ForecastPredictor }) {
  const g = p.progress;
  return (
    <Card title="Training">
      <ProgressBar value={g.percent} max={100} label={`Progress of ${p.name}`} />
      <KeyValues
        items={[
          ['Stage', g.stage ?? '–'],
          ['Items', `${formatNumber(g.items.done)} of ${formatNumber(g.items.total)}`],
          ['Shards', `${g.shards.done} of ${g.shards.total}`],
        ]}
      />
      {g.detail.length > 0 && (
        <ul className="history small" aria-label="Shards at work">
          {g.detail.map((d, i) => (
            <li key={i}>{d}</li>
          ))}
        </ul>
      )}
    </Card>
  );
}

function Metrics({ predictor: p }: { predictor: ForecastPredictor }) {
  const windows = p.windowMetrics ?? [];
  const byAlgorithm = Object.entries(p.algorithmMetrics ?? {});
  return (
    <Card title="Backtest accuracy">
      <MetricsTable
        caption="Backtest window"
        quantiles={p.quantiles}
        rows={[
          { key: 'average', label: 'Average', metrics: p.metrics! },
          ...windows.map((m, i) => ({ key: `window-${i + 1}`, label: `Window ${i + 1}${i === windows.length - 1 ? ' (latest)' : ''}`, metrics: m })),
        ]}
      />
      {byAlgorithm.length > 0 && (
        <>
          <h3>By algorithm</h3>
          <MetricsTable caption="Algorithm" quantiles={p.quantiles} rows={byAlgorithm.map(([a, m]) => ({ key: a, label: a, metrics: m }))} />
        </>
      )}
      <p className="muted small">Averaged over items and backtest windows; wQL is the weighted quantile loss at each level, MASE is scaled by the seasonal naive error.</p>
    </Card>
  );
}

/** Each series' chosen algorithm (or ensemble weights) with its backtest metrics: searchable, paged, and counted in a chart. */
function Choices({ predictor: p }: { predictor: ForecastPredictor }) {
  const csv = useResource((signal) => forecastApi.itemMetrics(p.name, signal), [p.name]);
  const parsed = useMemo(() => (csv.data ? parseItemMetrics(csv.data) : undefined), [csv.data]);
  const [query, setQuery] = useState('');
  const [page, setPage] = useState(0);
  const matches = useMemo(() => {
    const q = query.trim().toLowerCase();
    return parsed ? (q ? parsed.items.filter((i) => i.item.toLowerCase().includes(q) || i.choice.some((c) => c.algorithm.toLowerCase().includes(q))) : parsed.items) : [];
  }, [parsed, query]);
  const pages = Math.max(1, Math.ceil(matches.length / PAGE));
  const current = Math.min(page, pages - 1);
  const shown = matches.slice(current * PAGE, current * PAGE + PAGE);
  const counts = p.choices ?? (parsed ? choiceCounts(parsed.items) : {});
  const bars = Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .map(([label, value]) => ({ label, value }));
  return (
    <Card
      title={p.algorithm === 'auto' ? 'Choice per series' : 'Accuracy per series'}
      actions={
        <a className="button secondary" href={forecastApi.itemMetricsUrl(p.name)} download={`${p.name}-item-metrics.csv`}>
          Download CSV
        </a>
      }
    >
      {bars.length > 0 && (
        <>
          <BarChart bars={bars} title="Series per chosen model" xLabel="model" yLabel="series" height={200} />
          <ul className="legend" aria-label="Series per chosen model">
            {bars.map((b) => (
              <li key={b.label} data-choice={b.label}>
                {b.label}: {formatNumber(b.value)} series
              </li>
            ))}
          </ul>
        </>
      )}
      <ErrorBanner error={csv.error} onRetry={csv.reload} />
      {!parsed ? (
        !csv.error && <Loading />
      ) : (
        <>
          <div className="filters" role="search">
            <label className="inline">
              Search series
              <input
                type="search"
                value={query}
                placeholder="item or algorithm"
                onChange={(e) => {
                  setQuery(e.target.value);
                  setPage(0);
                }}
              />
            </label>
            <span className="muted small" aria-live="polite">
              {matches.length} of {parsed.items.length} series
            </span>
          </div>
          <div className="table-wrap">
            <table aria-label="Series">
              <thead>
                <tr>
                  <th scope="col">Item</th>
                  <th scope="col">Chosen model</th>
                  {parsed.columns.map((c) => (
                    <th scope="col" key={c} className="num">
                      {c}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {shown.map((i) => (
                  <tr key={i.item} data-item={i.item}>
                    <td>{i.item}</td>
                    <td>
                      {i.choice.length > 1
                        ? i.choice.map((c) => (
                            <span key={c.algorithm} className="chip">
                              {c.algorithm} {formatNumber(c.weight)}
                            </span>
                          ))
                        : (i.choice[0]?.algorithm ?? '–')}
                    </td>
                    {parsed.columns.map((c) => (
                      <td key={c} className="num">
                        {formatNumber(i.metrics[c])}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {pages > 1 && (
            <nav className="inline-form" aria-label="Series pages">
              <button type="button" className="secondary" disabled={current === 0} onClick={() => setPage(current - 1)}>
                Previous
              </button>
              <span className="muted small">
                Page {current + 1} of {pages}
              </span>
              <button type="button" className="secondary" disabled={current >= pages - 1} onClick={() => setPage(current + 1)}>
                Next
              </button>
            </nav>
          )}
        </>
      )}
    </Card>
  );
}
