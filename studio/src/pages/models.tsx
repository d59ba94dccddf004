import { useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { modelsApi } from '../api/client';
import { useResource } from '../api/use-resource';
import { formatBytes, formatNumber, formatTime } from '../components/format';
import { Card, Empty, ErrorBanner, Field, Loading, PageHeader, ProgressBar } from '../components/ui';
import { Can } from '../session';

export function ModelsPage() {
  const [nameContains, setNameContains] = useState('');
  const list = useResource((signal) => modelsApi.list({ nameContains: nameContains || undefined, limit: 200 }, signal), [nameContains]);
  return (
    <>
      <PageHeader title="Models" subtitle="Immutable model artifacts with their lineage; create one from a completed training job or an ONNX file." />
      <Can permission="models:write">
        <OnnxUpload />
      </Can>
      <Card
        actions={
          <label className="inline">
            <span>Name contains</span>
            <input type="search" value={nameContains} onChange={(e) => setNameContains(e.target.value)} />
          </label>
        }
        title="All models"
      >
        <ErrorBanner error={list.error} onRetry={list.reload} />
        {!list.data ? (
          <Loading />
        ) : list.data.items.length === 0 ? (
          <Empty>
            No models yet. Open a completed <Link to="/training-jobs?status=Completed">training job</Link> to create one.
          </Empty>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Format</th>
                  <th scope="col">Algorithm</th>
                  <th scope="col">Source</th>
                  <th scope="col">Metrics</th>
                  <th scope="col" className="num">Size</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((m) => (
                  <tr key={m.name}>
                    <td>
                      <Link to={`/models/${encodeURIComponent(m.name)}`}>{m.name}</Link>
                    </td>
                    <td>{m.format}</td>
                    <td>{m.algorithm ?? '–'}</td>
                    <td>
                      {m.lineage.trainingJob ? <Link to={`/training-jobs/${encodeURIComponent(m.lineage.trainingJob)}`}>{m.lineage.trainingJob}</Link> : m.lineage.source}
                    </td>
                    <td className="metrics-cell">
                      {Object.entries(m.metrics)
                        .slice(0, 2)
                        .map(([k, v]) => (
                          <span key={k} className="chip">
                            {k} {formatNumber(v)}
                          </span>
                        ))}
                    </td>
                    <td className="num">{formatBytes(m.sizeBytes)}</td>
                    <td>{formatTime(m.createdAt)}</td>
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

const MODEL_NAME = /^[A-Za-z0-9](-*[A-Za-z0-9])*$/;

/** A model from an ONNX file made elsewhere; the server checks that onnxruntime can load it. */
function OnnxUpload() {
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [description, setDescription] = useState('');
  const [progress, setProgress] = useState<{ sent: number; total: number } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [touched, setTouched] = useState(false);
  const abort = useRef<AbortController | null>(null);
  const nameError = touched && (!MODEL_NAME.test(name) || name.length > 63) ? '1–63 letters, digits and hyphens.' : undefined;
  async function submit(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    if (!file || !MODEL_NAME.test(name) || name.length > 63) return;
    setError(null);
    abort.current = new AbortController();
    setProgress({ sent: 0, total: file.size });
    try {
      const m = await modelsApi.uploadOnnx(name, file, description || undefined, (sent, total) => setProgress({ sent, total }), abort.current.signal);
      navigate(`/models/${encodeURIComponent(m.name)}`);
    } catch (err) {
      if ((err as Error).name !== 'AbortError') setError(err);
      setProgress(null);
    }
  }
  return (
    <details className="card">
      <summary>Upload an ONNX model</summary>
      <form className="form-grid" onSubmit={submit} noValidate>
        <Field label="Model name" error={nameError}>
          {(p) => <input {...p} value={name} maxLength={63} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field label="ONNX file" error={touched && !file ? 'Choose a file.' : undefined}>
          {(p) => (
            <input
              {...p}
              type="file"
              accept=".onnx"
              onChange={(e) => {
                const f = e.target.files?.[0] ?? null;
                setFile(f);
                if (f && !name) setName(f.name.replace(/\.onnx$/i, '').replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63));
              }}
            />
          )}
        </Field>
        <Field label="Description (optional)">{(p) => <input {...p} value={description} maxLength={1024} onChange={(e) => setDescription(e.target.value)} />}</Field>
        <div className="form-actions">
          {progress ? (
            <>
              <ProgressBar value={progress.sent} max={progress.total} label="Upload progress" />
              <button type="button" className="secondary" onClick={() => abort.current?.abort()}>
                Cancel
              </button>
            </>
          ) : (
            <button type="submit">Upload model</button>
          )}
        </div>
        <ErrorBanner error={error} />
      </form>
    </details>
  );
}
