import { useMemo, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { experimentsApi } from '../api/client';
import type { Run } from '../api/types';
import { useResource } from '../api/use-resource';
import { LineChart } from '../charts/line-chart';
import { ParallelCoordinates } from '../charts/parallel-coordinates';
import { formatNumber, formatTime } from '../components/format';
import { Card, Empty, ErrorBanner, Loading, PageHeader, StatusBadge } from '../components/ui';

export function ExperimentsPage() {
  const list = useResource((signal) => experimentsApi.list(signal), []);
  return (
    <>
      <PageHeader title="Experiments" subtitle="Training jobs grouped as runs, with their parameters and metrics." />
      <Card>
        <ErrorBanner error={list.error} onRetry={list.reload} />
        {!list.data ? (
          <Loading />
        ) : list.data.items.length === 0 ? (
          <Empty>No experiments yet. Tuning jobs make one; training jobs can name one.</Empty>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col" className="num">Runs</th>
                  <th scope="col">Last run</th>
                  <th scope="col">Description</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((e) => (
                  <tr key={e.name}>
                    <td>
                      <Link to={`/experiments/${encodeURIComponent(e.name)}`}>{e.name}</Link>
                    </td>
                    <td className="num">{e.runCount}</td>
                    <td>{formatTime(e.lastRunAt)}</td>
                    <td>{e.description ?? ''}</td>
                    <td>{formatTime(e.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </>
  );
}

/** Runs of an experiment: filter and sort with the server's run-query language, pick runs to compare. */
export function ExperimentDetailPage() {
  const { name = '' } = useParams();
  const navigate = useNavigate();
  const [search, setSearch] = useSearchParams();
  const filter = search.get('filter') ?? '';
  const sort = search.get('sort') ?? '';
  const [draft, setDraft] = useState(filter);
  const detail = useResource((signal) => experimentsApi.describe(name, signal), [name]);
  const runs = useResource((signal) => experimentsApi.runs({ experiment: name, filter: filter || undefined, sort: sort || undefined, limit: 1000 }, signal), [name, filter, sort]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const d = detail.data;
  const setParam = (k: string, v: string) => {
    const next = new URLSearchParams(search);
    if (v) next.set(k, v);
    else next.delete(k);
    setSearch(next, { replace: true });
  };
  const sortBy = (key: string) => setParam('sort', sort === `${key} desc` ? `${key} asc` : `${key} desc`);
  const arrow = (key: string) => (sort === `${key} desc` ? ' ▼' : sort === `${key} asc` ? ' ▲' : '');
  const ariaSort = (key: string) => (sort === `${key} desc` ? 'descending' : sort === `${key} asc` ? 'ascending' : 'none');
  const toggle = (run: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(run)) next.delete(run);
      else next.add(run);
      return next;
    });

  return (
    <>
      <PageHeader
        crumbs={[{ to: '/experiments', label: 'Experiments' }]}
        title={name}
        subtitle={d?.description ?? undefined}
        actions={
          <button type="button" disabled={selected.size < 2} onClick={() => navigate(`/experiments/${encodeURIComponent(name)}/compare?runs=${encodeURIComponent([...selected].join(','))}`)}>
            Compare {selected.size > 0 ? `(${selected.size})` : ''}
          </button>
        }
      />
      <ErrorBanner error={detail.error} />
      <Card>
        <form
          className="filters"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            setParam('filter', draft.trim());
          }}
        >
          <label className="inline grow">
            <span>Filter</span>
            <input value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="metrics.validation:auc > 0.9 and params.max_depth <= 6" />
          </label>
          <button type="submit" className="secondary">
            Apply
          </button>
          {runs.data && <span className="muted small">{runs.data.total} runs</span>}
        </form>
        <ErrorBanner error={runs.error} />
        {!runs.data || !d ? (
          !runs.error && <Loading />
        ) : runs.data.items.length === 0 ? (
          <Empty>No runs match.</Empty>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">
                    <span className="sr-only">Select</span>
                  </th>
                  <th scope="col" aria-sort={ariaSort('name')}>
                    <button type="button" className="link" onClick={() => sortBy('name')}>
                      Run{arrow('name')}
                    </button>
                  </th>
                  <th scope="col" aria-sort={ariaSort('status')}>
                    <button type="button" className="link" onClick={() => sortBy('status')}>
                      Status{arrow('status')}
                    </button>
                  </th>
                  {d.parameterNames.map((p) => (
                    <th scope="col" key={`p${p}`} aria-sort={ariaSort(`params.${p}`)}>
                      <button type="button" className="link" onClick={() => sortBy(`params.${p}`)}>
                        {p}
                        {arrow(`params.${p}`)}
                      </button>
                    </th>
                  ))}
                  {d.metricNames.map((m) => (
                    <th scope="col" key={`m${m}`} className="num" aria-sort={ariaSort(`metrics.${m}`)}>
                      <button type="button" className="link" onClick={() => sortBy(`metrics.${m}`)}>
                        {m}
                        {arrow(`metrics.${m}`)}
                      </button>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {runs.data.items.map((r) => (
                  <tr key={r.name}>
                    <td>
                      <input type="checkbox" aria-label={`Select ${r.name}`} checked={selected.has(r.name)} onChange={() => toggle(r.name)} />
                    </td>
                    <td>
                      <Link to={`/training-jobs/${encodeURIComponent(r.name)}`}>{r.name}</Link>
                    </td>
                    <td>
                      <StatusBadge status={r.status} />
                    </td>
                    {d.parameterNames.map((p) => (
                      <td key={p}>{r.parameters[p] ?? '–'}</td>
                    ))}
                    {d.metricNames.map((m) => (
                      <td key={m} className="num">
                        {formatNumber(r.metrics[m])}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </>
  );
}

export function RunsComparePage() {
  const { name = '' } = useParams();
  const [search] = useSearchParams();
  const names = (search.get('runs') ?? '').split(',').filter(Boolean);
  const key = names.join(',');
  const comparison = useResource((signal) => experimentsApi.compare(names, signal), [key]);
  const details = useResource((signal) => Promise.all(names.map((n) => experimentsApi.run(n, signal))), [key]);
  const metricNames = useMemo(() => [...new Set((details.data ?? []).flatMap((r) => Object.keys(r.series)))].sort(), [details.data]);
  const [metric, setMetric] = useState('');
  const shownMetric = metricNames.includes(metric) ? metric : metricNames[0];
  const c = comparison.data;
  return (
    <>
      <PageHeader crumbs={[{ to: '/experiments', label: 'Experiments' }, { to: `/experiments/${encodeURIComponent(name)}`, label: name }]} title={`Compare ${names.length} runs`} />
      <ErrorBanner error={comparison.error ?? details.error} />
      {details.data && shownMetric && (
        <Card
          title="Metric curves"
          actions={
            <label className="inline">
              <span>Metric</span>
              <select value={shownMetric} onChange={(e) => setMetric(e.target.value)}>
                {metricNames.map((m) => (
                  <option key={m}>{m}</option>
                ))}
              </select>
            </label>
          }
        >
          <LineChart
            title={`${shownMetric} by step, one line per run`}
            xLabel="step"
            yLabel={shownMetric}
            series={details.data.map((r) => ({ name: r.name, points: (r.series[shownMetric] ?? []).map((p, i) => ({ x: p.step ?? i, y: p.value })) }))}
          />
        </Card>
      )}
      {c && (
        <>
          <Card title="Parameters and metrics">
            <ParallelCoordinates
              title="Parameters and final metrics"
              lines={c.runs.map((r) => r.name)}
              axes={[
                ...c.parameters.filter((p) => p.differs).map((p) => ({ name: p.name, values: p.values.map(numberOrText) })),
                ...c.metrics.map((m) => ({ name: m.name, values: m.values })),
              ]}
            />
          </Card>
          <Card title="Side by side">
            <ComparisonTable runs={c.runs} parameters={c.parameters} metrics={c.metrics} />
          </Card>
        </>
      )}
      {!c && !comparison.error && <Loading />}
    </>
  );
}

function numberOrText(v: string | null): number | string | null {
  if (v === null) return null;
  const n = Number(v);
  return v.trim() !== '' && Number.isFinite(n) ? n : v;
}

function ComparisonTable({ runs, parameters, metrics }: { runs: Run[]; parameters: { name: string; values: (string | null)[]; differs: boolean }[]; metrics: { name: string; values: (number | null)[]; best: number | null }[] }) {
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col" />
            {runs.map((r) => (
              <th scope="col" key={r.name}>
                <Link to={`/training-jobs/${encodeURIComponent(r.name)}`}>{r.name}</Link>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {parameters.map((p) => (
            <tr key={`p${p.name}`} className={p.differs ? 'differs' : undefined}>
              <th scope="row">
                <code>{p.name}</code>
              </th>
              {p.values.map((v, i) => (
                <td key={i}>{v === null ? '–' : typeof numberOrText(v) === 'number' ? formatNumber(Number(v)) : v}</td>
              ))}
            </tr>
          ))}
          {metrics.map((m) => (
            <tr key={`m${m.name}`}>
              <th scope="row">{m.name}</th>
              {m.values.map((v, i) => (
                <td key={i} className={`num${v !== null && v === m.best ? ' best-cell' : ''}`}>
                  {formatNumber(v)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
