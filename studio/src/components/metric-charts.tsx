import { useEffect, useState } from 'react';
import { metricsApi, type MetricsQuery } from '../api/client';
import { SeriesChart, type XYSeries } from '../charts/series-chart';

/** One line of a chart: a stored metric's statistic, over the page's window. */
export interface MetricLine {
  name: string;
  query: Omit<MetricsQuery, 'since' | 'period'>;
}

export interface MetricChartSpec {
  title: string;
  yLabel: string;
  lines: MetricLine[];
}

/**
 * Charts of stored metrics (`GET /metrics`), read again every minute while the page is
 * open (the server writes a minute's samples about once a minute).
 */
export function MetricCharts({ charts, since = '3h', period = 60, refreshMs = 60_000 }: { charts: MetricChartSpec[]; since?: string; period?: number; refreshMs?: number }) {
  const [data, setData] = useState<XYSeries[][] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const key = JSON.stringify(charts);
  useEffect(() => {
    const controller = new AbortController();
    const load = async () => {
      try {
        const out = await Promise.all(
          charts.map((c) =>
            Promise.all(
              c.lines.map(async (l) => {
                const res = await metricsApi.get({ ...l.query, since, period: String(period) }, controller.signal);
                return { name: l.name, points: res.datapoints.map((d) => ({ x: Date.parse(d.timestamp), y: d.value })) };
              }),
            ),
          ),
        );
        setData(out);
        setError(null);
      } catch (err) {
        if (!controller.signal.aborted) setError((err as Error).message);
      }
    };
    void load();
    const timer = setInterval(() => void load(), refreshMs);
    return () => {
      controller.abort();
      clearInterval(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, since, period, refreshMs]);
  if (error) return <p className="muted">Metrics unavailable: {error}</p>;
  if (!data) return <p className="muted">Loading metrics…</p>;
  return (
    <div className="charts metric-charts">
      {charts.map((c, i) => {
        const series = data[i].filter((s) => s.points.length > 0);
        return (
          <div key={c.title} className="chart-cell">
            <h3>{c.title}</h3>
            {series.length === 0 ? (
              <p className="muted chart-empty">No datapoints yet.</p>
            ) : (
              <SeriesChart title={c.title} series={series} xKind="time" xLabel="time (UTC)" yLabel={c.yLabel} height={200} />
            )}
          </div>
        );
      })}
    </div>
  );
}

/** The charts of an endpoint's page: invocations, errors, model latency. */
export function endpointMetricCharts(endpoint: string): MetricChartSpec[] {
  const q = (metric: string, stat: string) => ({ endpoint, metric, stat });
  return [
    { title: 'Invocations per minute', yLabel: 'invocations', lines: [{ name: 'Invocations', query: q('Invocations', 'sum') }] },
    {
      title: 'Errors per minute',
      yLabel: 'requests',
      lines: [
        { name: '4xx', query: q('Invocation4XXErrors', 'sum') },
        { name: '5xx', query: q('Invocation5XXErrors', 'sum') },
        { name: 'throttled (429)', query: q('InvocationsThrottled', 'sum') },
      ],
    },
    {
      title: 'Model latency (ms)',
      yLabel: 'ms',
      lines: [
        { name: 'p50', query: q('ModelLatency', 'p50') },
        { name: 'p99', query: q('ModelLatency', 'p99') },
      ],
    },
  ];
}

/** The charts of a training or processing job's page: CPU and memory of its attempts. */
export function jobMetricCharts(job: string, kind: 'training' | 'processing'): MetricChartSpec[] {
  return [
    { title: 'CPU utilization (% of one core)', yLabel: '%', lines: [{ name: 'avg', query: { job, kind, metric: 'CPUUtilization', stat: 'avg' } }, { name: 'max', query: { job, kind, metric: 'CPUUtilization', stat: 'max' } }] },
    { title: 'Memory used (MiB)', yLabel: 'MiB', lines: [{ name: 'max', query: { job, kind, metric: 'MemoryUsedMiB', stat: 'max' } }] },
  ];
}
