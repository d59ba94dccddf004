import { Link } from 'react-router';
import { dashboardsApi } from '../api/client';
import { useResource } from '../api/use-resource';
import { formatTime } from '../components/format';
import { Card, Empty, ErrorBanner, Loading, PageHeader } from '../components/ui';
import { Can } from '../session';

/** Every dashboard, by name; members and admins may create one. */
export function DashboardsPage() {
  const list = useResource((signal) => dashboardsApi.list({ limit: 1000 }, signal), []);
  return (
    <>
      <PageHeader
        title="Dashboards"
        subtitle="Charts over SQL on datasets, with filters. A chart runs again when a dataset it reads gets a new version."
        actions={
          <Can permission="datasets:write">
            <Link className="button" to="/dashboards/new">
              Create dashboard
            </Link>
          </Can>
        }
      />
      <Card>
        <ErrorBanner error={list.error} onRetry={list.reload} />
        {!list.data ? (
          <Loading />
        ) : list.data.items.length === 0 ? (
          <Empty>No dashboards yet.</Empty>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Title</th>
                  <th scope="col">Name</th>
                  <th scope="col" className="num">Charts</th>
                  <th scope="col">Filters</th>
                  <th scope="col">Updated</th>
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((d) => (
                  <tr key={d.name}>
                    <td>
                      <Link to={`/dashboards/${encodeURIComponent(d.name)}`}>{d.title}</Link>
                    </td>
                    <td>
                      <code>{d.name}</code>
                    </td>
                    <td className="num">{d.charts.length}</td>
                    <td>{d.filters.map((f) => f.label ?? f.column).join(', ') || '–'}</td>
                    <td>
                      {formatTime(d.updatedAt)}
                      {d.updatedBy ? ` by ${d.updatedBy}` : ''}
                    </td>
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
