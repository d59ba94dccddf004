import { Link, useSearchParams } from 'react-router';
import { trainingApi } from '../api/client';
import { useWatch } from '../api/live';
import type { TrainingJobStatus } from '../api/types';
import { useResource } from '../api/use-resource';
import { formatDuration, formatNumber, formatTime } from '../components/format';
import { Card, Empty, ErrorBanner, Loading, PageHeader, StatusBadge } from '../components/ui';
import { Can } from '../session';

const STATUSES: TrainingJobStatus[] = ['InProgress', 'Completed', 'Failed', 'Stopping', 'Stopped'];

export function TrainingJobsPage() {
  const [search, setSearch] = useSearchParams();
  const status = (search.get('status') ?? '') as TrainingJobStatus | '';
  const nameContains = search.get('name') ?? '';
  const list = useResource((signal) => trainingApi.list({ status: status || undefined, nameContains: nameContains || undefined, limit: 200 }, signal), [status, nameContains]);
  const running = list.data?.items.some((j) => j.status === 'InProgress' || j.status === 'Stopping');
  useWatch(running ? { kind: 'training-jobs' } : null, list.reload);
  const setFilter = (key: string, value: string) => {
    const next = new URLSearchParams(search);
    if (value) next.set(key, value);
    else next.delete(key);
    setSearch(next, { replace: true });
  };

  return (
    <>
      <PageHeader
        title="Training jobs"
        subtitle="Built-in algorithms and scripts, run by the platform's workers."
        actions={
          <Can permission="jobs:write">
            <Link className="button" to="/training-jobs/new">
              Create training job
            </Link>
          </Can>
        }
      />
      <Card>
        <div className="filters" role="search">
          <label className="inline">
            <span>Status</span>
            <select value={status} onChange={(e) => setFilter('status', e.target.value)}>
              <option value="">Any</option>
              {STATUSES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </label>
          <label className="inline">
            <span>Name contains</span>
            <input type="search" value={nameContains} onChange={(e) => setFilter('name', e.target.value)} />
          </label>
          {list.data && <span className="muted small">{list.data.total} jobs</span>}
        </div>
        <ErrorBanner error={list.error} onRetry={list.reload} />
        {!list.data ? (
          <Loading />
        ) : list.data.items.length === 0 ? (
          <Empty>No training jobs{status || nameContains ? ' match these filters' : ' yet'}.</Empty>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Status</th>
                  <th scope="col">Algorithm</th>
                  <th scope="col">Final metrics</th>
                  <th scope="col">Created</th>
                  <th scope="col">Duration</th>
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((j) => (
                  <tr key={j.name}>
                    <td>
                      <Link to={`/training-jobs/${encodeURIComponent(j.name)}`}>{j.name}</Link>
                    </td>
                    <td>
                      <StatusBadge status={j.status} />
                      {j.status === 'InProgress' && <span className="muted small"> {j.secondaryStatus}</span>}
                    </td>
                    <td>{j.algorithm ?? (j.script ? `script: ${j.script.entryPoint}` : '–')}</td>
                    <td className="metrics-cell">
                      {Object.entries(j.finalMetrics)
                        .slice(0, 3)
                        .map(([k, v]) => (
                          <span key={k} className="chip">
                            {k} {formatNumber(v)}
                          </span>
                        ))}
                    </td>
                    <td>
                      {formatTime(j.createdAt)} {j.createdBy && <span className="muted">by {j.createdBy}</span>}
                    </td>
                    <td>{formatDuration(j.startedAt, j.endedAt)}</td>
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
