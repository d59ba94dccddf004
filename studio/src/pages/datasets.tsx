import { useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { datasetsApi } from '../api/client';
import type { DatasetFormat } from '../api/types';
import { useResource } from '../api/use-resource';
import { formatBytes, formatTime } from '../components/format';
import { Card, Empty, ErrorBanner, Field, Loading, PageHeader, ProgressBar } from '../components/ui';
import { Can } from '../session';

export function DatasetsPage() {
  const [prefix, setPrefix] = useState('');
  const list = useResource((signal) => datasetsApi.list({ prefix: prefix || undefined, limit: 200 }, signal), [prefix]);
  return (
    <>
      <PageHeader title="Datasets" subtitle="Versioned files with a schema, statistics and SQL." />
      <Can permission="datasets:write">
        <UploadForm onUploaded={list.reload} />
      </Can>
      <Card
        title="All datasets"
        actions={
          <label className="inline">
            <span>Name starts with</span>
            <input type="search" value={prefix} onChange={(e) => setPrefix(e.target.value)} placeholder="e.g. churn" />
          </label>
        }
      >
        <ErrorBanner error={list.error} onRetry={list.reload} />
        {!list.data ? (
          <Loading />
        ) : list.data.items.length === 0 ? (
          <Empty>No datasets yet.</Empty>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Latest version</th>
                  <th scope="col">Format</th>
                  <th scope="col" className="num">
                    Rows
                  </th>
                  <th scope="col" className="num">
                    Columns
                  </th>
                  <th scope="col" className="num">
                    Size
                  </th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((d) => (
                  <tr key={d.id}>
                    <td>
                      <Link to={`/datasets/${encodeURIComponent(d.name)}`}>{d.name}</Link>
                    </td>
                    <td>v{d.version}</td>
                    <td>{d.format}</td>
                    <td className="num">{d.rowCount.toLocaleString('en-US')}</td>
                    <td className="num">{d.columns.length}</td>
                    <td className="num">{formatBytes(d.sizeBytes)}</td>
                    <td>
                      {formatTime(d.createdAt)} {d.createdBy && <span className="muted">by {d.createdBy}</span>}
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

// The server's rule (src/data/names.ts); the server checks again.
const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,127}$/;

function formatOf(file: File): DatasetFormat | undefined {
  const n = file.name.toLowerCase();
  if (n.endsWith('.csv')) return 'csv';
  if (n.endsWith('.jsonl') || n.endsWith('.ndjson')) return 'jsonl';
  if (n.endsWith('.parquet')) return 'parquet';
  if (n.endsWith('.txt')) return 'text';
  return undefined;
}

function UploadForm({ onUploaded }: { onUploaded: () => void }) {
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [format, setFormat] = useState<DatasetFormat>('csv');
  const [header, setHeader] = useState(false);
  const [description, setDescription] = useState('');
  const [progress, setProgress] = useState<{ sent: number; total: number } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [touched, setTouched] = useState(false);
  const abort = useRef<AbortController | null>(null);
  const nameError = touched && !NAME.test(name) ? 'Starts with a letter; up to 128 letters, digits, _ and -.' : undefined;
  const fileError = touched && !file ? 'Choose a file.' : undefined;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    if (!NAME.test(name) || !file) return;
    setError(null);
    abort.current = new AbortController();
    setProgress({ sent: 0, total: file.size });
    try {
      const created = await datasetsApi.upload({ name, file, format, header, description: description || undefined }, (sent, total) => setProgress({ sent, total }), abort.current.signal);
      onUploaded();
      navigate(`/datasets/${encodeURIComponent(created.name)}?version=${created.version}`);
    } catch (err) {
      if ((err as Error).name !== 'AbortError') setError(err);
      setProgress(null);
    }
  }

  return (
    <Card title="Upload a dataset">
      <form className="form-grid" onSubmit={submit} noValidate>
        <Field label="Name" error={nameError} hint="A new name starts at version 1; an existing name gets its next version.">
          {(p) => <input {...p} name="dataset-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. churn-train" />}
        </Field>
        <Field label="File" error={fileError} hint="CSV, JSON Lines or Parquet.">
          {(p) => (
            <input
              {...p}
              name="dataset-file"
              type="file"
              accept=".csv,.jsonl,.ndjson,.parquet"
              onChange={(e) => {
                const f = e.target.files?.[0] ?? null;
                setFile(f);
                const guessed = f && formatOf(f);
                if (guessed) setFormat(guessed);
                if (f && !name) setName(f.name.replace(/\.[^.]+$/, '').replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 128));
              }}
            />
          )}
        </Field>
        <Field label="Format">
          {(p) => (
            <select {...p} value={format} onChange={(e) => setFormat(e.target.value as DatasetFormat)}>
              <option value="csv">CSV</option>
              <option value="jsonl">JSON Lines</option>
              <option value="parquet">Parquet</option>
              <option value="text">Text (one record a line)</option>
            </select>
          )}
        </Field>
        <div className="field checkbox">
          <label>
            <input type="checkbox" checked={header} disabled={format !== 'csv'} onChange={(e) => setHeader(e.target.checked)} /> First row is a header
          </label>
          <small className="hint">Built-in algorithms expect no header and the target in the first column.</small>
        </div>
        <Field label="Description (optional)">{(p) => <input {...p} value={description} onChange={(e) => setDescription(e.target.value)} />}</Field>
        <div className="form-actions">
          {progress ? (
            <>
              <ProgressBar value={progress.sent} max={progress.total} label="Upload progress" />
              <span className="muted small">
                {formatBytes(progress.sent)} of {formatBytes(progress.total)}
                {progress.sent >= progress.total ? ' — computing statistics…' : ''}
              </span>
              <button type="button" className="secondary" onClick={() => abort.current?.abort()}>
                Cancel
              </button>
            </>
          ) : (
            <button type="submit">Upload</button>
          )}
        </div>
        <ErrorBanner error={error} />
      </form>
    </Card>
  );
}
