import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { crawlersApi } from '../api/client';
import { useWatch } from '../api/live';
import { useResource } from '../api/use-resource';
import { formatTime } from '../components/format';
import { Card, Empty, ErrorBanner, Field, Loading, PageHeader, StatusBadge } from '../components/ui';
import { Can } from '../session';

export function CrawlersPage() {
  const list = useResource((signal) => crawlersApi.list({ limit: 200 }, signal), []);
  useWatch(list.data?.items.some((c) => c.state !== 'Ready') ? { kind: 'feed', of: 'crawler-run' } : null, list.reload);
  return (
    <>
      <PageHeader title="Crawlers" subtitle="A folder or S3 prefix of CSV, Parquet and JSON Lines files, crawled into versions of a dataset." />
      <Can permission="datasets:write">
        <CreateCrawler />
      </Can>
      <Card>
        <ErrorBanner error={list.error} onRetry={list.reload} />
        {!list.data ? (
          <Loading />
        ) : list.data.items.length === 0 ? (
          <Empty>No crawlers yet.</Empty>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">State</th>
                  <th scope="col">Source</th>
                  <th scope="col">Dataset</th>
                  <th scope="col">Files</th>
                  <th scope="col">Last run</th>
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((c) => (
                  <tr key={c.name}>
                    <td>
                      <Link to={`/crawlers/${encodeURIComponent(c.name)}`}>{c.name}</Link>
                    </td>
                    <td>
                      <StatusBadge status={c.state === 'Ready' ? 'Completed' : 'InProgress'} label={c.state} />
                    </td>
                    <td><code>{c.source}</code></td>
                    <td>
                      {c.currentVersion ? (
                        <Link to={`/datasets/${encodeURIComponent(c.dataset)}?version=${c.currentVersion}`}>
                          {c.dataset}@{c.currentVersion}
                        </Link>
                      ) : (
                        <span className="muted">{c.dataset}</span>
                      )}
                    </td>
                    <td>
                      {c.files.included}
                      {c.files.rejected > 0 && <span className="muted"> ({c.files.rejected} rejected)</span>}
                    </td>
                    <td>{c.lastRun ? <>#{c.lastRun.run} <StatusBadge status={c.lastRun.status} /> {formatTime(c.lastRun.createdAt)}</> : <span className="muted">never</span>}</td>
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

function CreateCrawler() {
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [source, setSource] = useState('');
  const [dataset, setDataset] = useState('');
  const [format, setFormat] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const created = await crawlersApi.create({ name, source, ...(dataset ? { dataset } : {}), ...(format ? { format: format as 'csv' | 'jsonl' | 'parquet' } : {}) });
      navigate(`/crawlers/${encodeURIComponent(created.name)}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title="Create a crawler">
      <ErrorBanner error={error} />
      <form onSubmit={(e) => void submit(e)} className="form-grid">
        <Field label="Name">{(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} required />}</Field>
        <Field label="Source" hint="s3://bucket/prefix, or file:///folder under a root the admin allows">
          {(p) => <input {...p} value={source} onChange={(e) => setSource(e.target.value)} required />}
        </Field>
        <Field label="Dataset" hint="Default: the crawler's name">
          {(p) => <input {...p} value={dataset} onChange={(e) => setDataset(e.target.value)} />}
        </Field>
        <Field label="Format" hint="Default: each file's extension">
          {(p) => (
            <select {...p} value={format} onChange={(e) => setFormat(e.target.value)}>
              <option value="">by extension</option>
              <option value="csv">CSV</option>
              <option value="jsonl">JSON Lines</option>
              <option value="parquet">Parquet</option>
            </select>
          )}
        </Field>
        <div>
          <button type="submit" disabled={busy}>
            Create crawler
          </button>
        </div>
      </form>
    </Card>
  );
}
