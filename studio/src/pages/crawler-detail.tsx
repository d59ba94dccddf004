import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { crawlersApi } from '../api/client';
import type { CrawlerRun } from '../api/types';
import { useResource } from '../api/use-resource';
import { formatDuration, formatTime } from '../components/format';
import { Card, Empty, ErrorBanner, KeyValues, Loading, PageHeader, StatusBadge } from '../components/ui';
import { Can } from '../session';
import { useWatch } from '../api/live';

export function CrawlerDetailPage() {
  const { name = '' } = useParams();
  const navigate = useNavigate();
  const crawler = useResource((signal) => crawlersApi.describe(name, signal), [name]);
  const runs = useResource((signal) => crawlersApi.runs(name, { limit: 100 }, signal), [name]);
  const c = crawler.data;
  const running = Boolean(c && c.state !== 'Ready');
  const reload = () => {
    crawler.reload();
    runs.reload();
  };
  useWatch(running ? { kind: 'feed', of: 'crawler-run', prefix: `${name}-` } : null, reload);
  const [error, setError] = useState<unknown>(null);
  const act = (action: () => Promise<unknown>) => action().then(reload, setError);
  return (
    <>
      <PageHeader
        crumbs={[{ to: '/crawlers', label: 'Crawlers' }]}
        title={name}
        subtitle={c ? <StatusBadge status={running ? 'InProgress' : 'Completed'} label={c.state} /> : undefined}
        actions={
          c && (
            <Can permission="datasets:write">
              {running ? (
                <button type="button" className="danger" disabled={c.state === 'Stopping'} onClick={() => void act(() => crawlersApi.stop(name))}>
                  Stop
                </button>
              ) : (
                <>
                  <button type="button" onClick={() => void act(() => crawlersApi.run(name))}>
                    Run
                  </button>{' '}
                  <button type="button" className="secondary" onClick={() => crawlersApi.remove(name).then(() => navigate('/crawlers'), setError)}>
                    Delete
                  </button>
                </>
              )}
            </Can>
          )
        }
      />
      <ErrorBanner error={crawler.error ?? runs.error ?? error} onRetry={reload} />
      {!c ? (
        !crawler.error && <Loading />
      ) : (
        <>
          <Card title="Crawler">
            <KeyValues
              items={[
                ['Source', <code key="s">{c.source}</code>],
                ['Format', c.format ?? 'by each file extension'],
                ['CSV header', c.header === null ? 'detected per file' : c.header ? 'yes' : 'no'],
                [
                  'Dataset',
                  c.currentVersion ? (
                    <Link key="d" to={`/datasets/${encodeURIComponent(c.dataset)}?version=${c.currentVersion}`}>
                      {c.dataset}@{c.currentVersion}
                    </Link>
                  ) : (
                    `${c.dataset} (no version yet)`
                  ),
                ],
                ['Files', `${c.files.included} in the table, ${c.files.rejected} rejected until they change`],
                ['Columns', c.columns.map((col) => `${col.name} ${col.type}`).join(', ') || '–'],
                ['Created', `${formatTime(c.createdAt)}${c.createdBy ? ` by ${c.createdBy}` : ''}`],
              ]}
            />
          </Card>
          <Card title="Runs">
            {!runs.data ? <Loading /> : runs.data.items.length === 0 ? <Empty>No runs yet: press Run.</Empty> : runs.data.items.map((r) => <RunCard key={r.run} run={r} />)}
          </Card>
        </>
      )}
    </>
  );
}

function RunCard({ run: r }: { run: CrawlerRun }) {
  return (
    <section className="crawler-run" aria-label={`Run ${r.run}`}>
      <h3>
        Run {r.run} <StatusBadge status={r.status} />
      </h3>
      {r.failureReason && (
        <div className="banner error" role="alert">
          <strong>Failure reason:</strong> {r.failureReason}
        </div>
      )}
      <KeyValues
        items={[
          ['Dataset', r.dataset ? `${r.dataset}${r.newVersion ? ' (new version)' : ' (unchanged)'}` : '–'],
          ['Files', `${r.filesSeen} seen, ${r.newFiles} new or changed, ${r.rejectedTotal} rejected`],
          ['Started', `${formatTime(r.createdAt)}${r.createdBy ? ` by ${r.createdBy}` : ''}`],
          ['Duration', formatDuration(r.startedAt, r.endedAt)],
        ]}
      />
      {r.schemaChanges.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption>Schema changes</caption>
            <thead>
              <tr>
                <th scope="col">Column</th>
                <th scope="col">Change</th>
                <th scope="col">From</th>
                <th scope="col">To</th>
              </tr>
            </thead>
            <tbody>
              {r.schemaChanges.map((s) => (
                <tr key={s.column}>
                  <td>{s.column}</td>
                  <td>{s.change}</td>
                  <td>{s.from ?? '–'}</td>
                  <td>{s.to ?? '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {r.rejectedFiles.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption>Rejected files{r.rejectedTotal > r.rejectedFiles.length ? ` (first ${r.rejectedFiles.length} of ${r.rejectedTotal})` : ''}</caption>
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {r.rejectedFiles.map((f) => (
                <tr key={f.path}>
                  <td><code>{f.path}</code></td>
                  <td>{f.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
