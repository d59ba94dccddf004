import { Link, useParams, useSearchParams } from 'react-router';
import { useWatch } from '../api/live';
import { monitorApi, type MonitorExecution } from '../api/client';
import { useResource } from '../api/use-resource';
import { BarChart } from '../charts/bar-chart';
import { GroupedBarChart } from '../charts/grouped-bar-chart';
import { formatNumber, formatTime } from '../components/format';
import { Card, Empty, ErrorBanner, KeyValues, Loading, PageHeader, StatusBadge } from '../components/ui';

const pct = (share: number) => `${(share * 100).toFixed(1)}%`;

/**
 * Model Monitor (data quality) of one endpoint: its schedules, executions over time with
 * their violation counts, and for the chosen (else newest) execution its violations and,
 * per feature, the baseline's distribution against the current one.
 */
export function MonitorPage() {
  const { name = '' } = useParams();
  const [search] = useSearchParams();
  const schedules = useResource((signal) => monitorApi.schedules(name, signal), [name]);
  const executions = useResource((signal) => monitorApi.executions({ endpoint: name, limit: 50 }, signal), [name]);
  const items = executions.data?.items ?? [];
  const chosenId = search.get('execution') ?? items.find((e) => e.status !== 'InProgress')?.id ?? items[0]?.id;
  const chosen = useResource((signal) => (chosenId ? monitorApi.execution(chosenId, signal) : Promise.resolve(null)), [chosenId]);
  const running = items.find((e) => e.status === 'InProgress');
  useWatch(running ? { kind: 'feed', of: 'monitor-execution', name: running.id } : null, () => {
    executions.reload();
    chosen.reload();
  });
  const chronological = [...items].reverse();
  return (
    <>
      <PageHeader
        crumbs={[
          { to: '/endpoints', label: 'Endpoints' },
          { to: `/endpoints/${encodeURIComponent(name)}`, label: name },
        ]}
        title={`Model Monitor: ${name}`}
      />
      {schedules.error && <ErrorBanner error={schedules.error} onRetry={schedules.reload} />}
      <Card title="Schedules">
        {schedules.loading && !schedules.data ? (
          <Loading />
        ) : (schedules.data?.items.length ?? 0) === 0 ? (
          <Empty>No monitoring schedule on this endpoint. Create one: orchard monitor schedules create S --endpoint {name} --baseline B</Empty>
        ) : (
          <table className="table" data-testid="monitor-schedules">
            <thead>
              <tr>
                <th>schedule</th>
                <th>type</th>
                <th>baseline</th>
                <th>cron (UTC)</th>
                <th>status</th>
                <th>next run</th>
              </tr>
            </thead>
            <tbody>
              {schedules.data!.items.map((s) => (
                <tr key={s.name}>
                  <td>{s.name}</td>
                  <td>{s.type}</td>
                  <td>{s.baseline ?? '-'}</td>
                  <td>{s.cron}</td>
                  <td>
                    <StatusBadge status={s.status} />
                  </td>
                  <td>{s.nextRunAt ? formatTime(s.nextRunAt) : '-'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      <Card title="Executions">
        {executions.error && <ErrorBanner error={executions.error} onRetry={executions.reload} />}
        {items.length === 0 ? (
          executions.loading ? <Loading /> : <Empty>No executions yet.</Empty>
        ) : (
          <>
            <BarChart bars={chronological.map((e) => ({ label: shortTime(e), value: e.violationCount ?? 0 }))} title="Violations per execution" xLabel="execution" yLabel="violations" height={180} />
            <table className="table" data-testid="monitor-executions">
              <thead>
                <tr>
                  <th>execution</th>
                  <th>schedule</th>
                  <th>status</th>
                  <th>violations</th>
                  <th>items</th>
                  <th>created</th>
                </tr>
              </thead>
              <tbody>
                {items.map((e) => (
                  <tr key={e.id} className={e.id === chosenId ? 'selected' : undefined}>
                    <td>
                      <Link to={`?execution=${encodeURIComponent(e.id)}`}>
                        {e.id}
                      </Link>
                    </td>
                    <td>{e.schedule}</td>
                    <td>
                      <StatusBadge status={e.status} />
                    </td>
                    <td>{e.violationCount ?? '-'}</td>
                    <td>{e.items === null ? '-' : formatNumber(e.items)}</td>
                    <td>{formatTime(e.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </Card>
      {chosen.data && <ExecutionDetail e={chosen.data} />}
    </>
  );
}

function shortTime(e: MonitorExecution): string {
  return e.createdAt.slice(11, 16);
}

function ExecutionDetail({ e }: { e: MonitorExecution }) {
  return (
    <>
      <Card title={`Execution ${e.id}`}>
        <KeyValues
          items={[
            ['status', <StatusBadge key="s" status={e.status} />],
            ['window', `${e.window.since ? formatTime(e.window.since) : 'first record'} – ${formatTime(e.window.until)}`],
            ['items', e.items === null ? '-' : formatNumber(e.items)],
            ['baseline', e.baseline ?? '-'],
            ...(e.failureReason ? ([['failure', e.failureReason]] as [string, string][]) : []),
          ]}
        />
        {e.violations.length === 0 ? (
          <Empty>{e.status === 'Completed' ? 'No violations.' : 'No violations recorded.'}</Empty>
        ) : (
          <table className="table" data-testid="monitor-violations">
            <thead>
              <tr>
                <th>feature</th>
                <th>check</th>
                <th>description</th>
              </tr>
            </thead>
            <tbody>
              {e.violations.map((v, i) => (
                <tr key={i}>
                  <td>{v.feature_name}</td>
                  <td>{v.constraint_check_type}</td>
                  <td>{v.description}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      {(e.distributions?.length ?? 0) > 0 && (
        <Card title="Baseline against current, per feature">
          <div className="charts" data-testid="monitor-distributions">
            {e.distributions!.map((d) => (
              <div key={d.feature}>
                <GroupedBarChart
                  categories={d.bins.map((b) => b.label)}
                  series={[
                    { name: 'baseline', values: d.bins.map((b) => b.baseline) },
                    { name: 'current', values: d.bins.map((b) => b.current) },
                  ]}
                  title={`${d.feature}: distance ${d.distance.toFixed(3)} (threshold ${d.threshold.toFixed(3)})${d.distance > d.threshold ? ' — drift' : ''}`}
                  xLabel={d.feature}
                  yLabel="share"
                  height={200}
                />
                <p className="muted">
                  {d.feature}: L∞ distance {pct(d.distance)} against a threshold of {pct(d.threshold)}
                </p>
              </div>
            ))}
          </div>
        </Card>
      )}
    </>
  );
}
