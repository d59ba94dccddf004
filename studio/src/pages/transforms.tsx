import { Link } from 'react-router';
import { transformsApi } from '../api/client';
import { useWatch } from '../api/live';
import { useResource } from '../api/use-resource';
import { formatDuration, formatTime } from '../components/format';
import { Card, Empty, ErrorBanner, Loading, PageHeader, ProgressBar, StatusBadge } from '../components/ui';
import { Can } from '../session';

export function TransformsPage() {
  const list = useResource((signal) => transformsApi.list({ limit: 200 }, signal), []);
  const running = list.data?.items.some((j) => j.status === 'InProgress' || j.status === 'Stopping');
  useWatch(running ? { kind: 'transform-jobs' } : null, list.reload);
  return (
    <>
      <PageHeader
        title="Batch transforms"
        subtitle="A model over a dataset in parallel shards, into a new dataset version."
        actions={
          <Can permission="jobs:write">
            <Link className="button" to="/transforms/new">
              Create transform job
            </Link>
          </Can>
        }
      />
      <Card>
        <ErrorBanner error={list.error} onRetry={list.reload} />
        {!list.data ? (
          <Loading />
        ) : list.data.items.length === 0 ? (
          <Empty>No transform jobs yet.</Empty>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Status</th>
                  <th scope="col">Model</th>
                  <th scope="col">Input</th>
                  <th scope="col">Progress</th>
                  <th scope="col">Output</th>
                  <th scope="col">Created</th>
                  <th scope="col">Duration</th>
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((j) => (
                  <tr key={j.name}>
                    <td>
                      <Link to={`/transforms/${encodeURIComponent(j.name)}`}>{j.name}</Link>
                    </td>
                    <td>
                      <StatusBadge status={j.status} />
                    </td>
                    <td>
                      <Link to={`/models/${encodeURIComponent(j.model)}`}>{j.model}</Link>
                    </td>
                    <td>
                      {j.input.dataset}@{j.input.version}
                    </td>
                    <td className="progress-cell">
                      <ProgressBar value={j.shards.completed} max={j.shards.total} label={`Shards of ${j.name}`} />
                    </td>
                    <td>
                      {j.output.version ? (
                        <Link to={`/datasets/${encodeURIComponent(j.output.dataset)}?version=${j.output.version}`}>
                          {j.output.dataset}@{j.output.version}
                        </Link>
                      ) : (
                        <span className="muted">{j.output.dataset}</span>
                      )}
                    </td>
                    <td>{formatTime(j.createdAt)}</td>
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
