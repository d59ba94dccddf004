import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useWatch } from '../api/live';
import { datasetsApi, recipesApi } from '../api/client';
import type { RecipeJob } from '../api/types';
import { useResource } from '../api/use-resource';
import { formatDuration, formatTime } from '../components/format';
import { Card, Empty, ErrorBanner, Field, KeyValues, Loading, PageHeader, StatusBadge } from '../components/ui';
import { Can } from '../session';

const DATASET = /^[A-Za-z][A-Za-z0-9_-]{0,99}$/;
/** Running jobs are read again this often (a recipe job's status is all that changes). */

/** One recipe: its steps, its fits, its fit and apply jobs, and a form to start one. */
export function RecipeDetailPage() {
  const { name = '' } = useParams();
  const navigate = useNavigate();
  const recipe = useResource((signal) => recipesApi.describe(name, signal), [name]);
  const fits = useResource((signal) => recipesApi.fits(name, signal), [name]);
  const jobs = useResource((signal) => recipesApi.jobs({ recipe: name, limit: 100 }, signal), [name]);
  const running = jobs.data?.items.some((j) => j.status === 'InProgress');
  const [deleteError, setDeleteError] = useState<unknown>(null);
  // A job may end before the list is read again: the fits and the latest fit are read too.
  const reloadAll = () => {
    jobs.reload();
    fits.reload();
    recipe.reload();
  };
  useWatch(running ? { kind: 'feed', of: 'recipe-job' } : null, reloadAll);

  async function remove() {
    if (!window.confirm(`Delete recipe ${name} and its fits? Models made from them keep their copies.`)) return;
    try {
      await recipesApi.delete(name);
      navigate('/recipes');
    } catch (err) {
      setDeleteError(err);
    }
  }

  if (!recipe.data) return <>{recipe.error ? <ErrorBanner error={recipe.error} onRetry={recipe.reload} /> : <Loading />}</>;
  const r = recipe.data;
  return (
    <>
      <PageHeader
        crumbs={[{ to: '/recipes', label: 'Recipes' }]}
        title={r.name}
        subtitle={r.description ?? undefined}
        actions={
          <Can permission="datasets:write">
            <button type="button" className="secondary" onClick={() => void remove()}>
              Delete
            </button>
          </Can>
        }
      />
      <ErrorBanner error={deleteError} />
      <Card title="Recipe">
        <KeyValues
          items={[
            ['Target', r.target ?? 'none'],
            ['Fits', r.fitCount],
            ['Latest fit', r.latestFit === null ? 'not fitted' : `${r.name}@${r.latestFit}`],
            ['Created', `${formatTime(r.createdAt)} by ${r.createdBy ?? '-'}`],
          ]}
        />
        <h3>Steps</h3>
        <ol className="steps">
          {r.steps.map((s, i) => {
            const [kind, options] = Object.entries(s as Record<string, unknown>)[0] ?? ['?', {}];
            return (
              <li key={i}>
                <strong>{kind}</strong> <code>{JSON.stringify(options)}</code>
              </li>
            );
          })}
        </ol>
      </Card>
      <Can permission="jobs:write">
        <StartJobForm recipe={r.name} latestFit={r.latestFit} onStarted={reloadAll} />
      </Can>
      <Card title="Fits">
        <ErrorBanner error={fits.error} onRetry={fits.reload} />
        {!fits.data ? (
          <Loading />
        ) : fits.data.items.length === 0 ? (
          <Empty>Not fitted yet: fit it on a dataset above.</Empty>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Fit</th>
                  <th scope="col">Dataset</th>
                  <th scope="col">Raw columns</th>
                  <th scope="col">Features</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {fits.data.items.map((f) => (
                  <tr key={f.version}>
                    <td>{f.ref}</td>
                    <td>
                      <Link to={`/datasets/${encodeURIComponent(f.dataset.dataset)}?version=${f.dataset.version}`}>
                        {f.dataset.dataset}@{f.dataset.version}
                      </Link>
                    </td>
                    <td>{f.inputColumns.map((c) => c.name).join(', ')}</td>
                    <td>{f.numFeatures}</td>
                    <td>{formatTime(f.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
      <Card title="Fit and apply jobs">
        <ErrorBanner error={jobs.error} onRetry={jobs.reload} />
        {!jobs.data ? <Loading /> : jobs.data.items.length === 0 ? <Empty>No jobs yet.</Empty> : <JobsTable jobs={jobs.data.items} onStop={() => jobs.reload()} />}
      </Card>
    </>
  );
}

function JobsTable({ jobs, onStop }: { jobs: RecipeJob[]; onStop: () => void }) {
  const [error, setError] = useState<unknown>(null);
  async function stop(name: string) {
    try {
      await recipesApi.stopJob(name);
      onStop();
    } catch (err) {
      setError(err);
    }
  }
  return (
    <div className="table-wrap">
      <ErrorBanner error={error} />
      <table>
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col">Kind</th>
            <th scope="col">Status</th>
            <th scope="col">Input</th>
            <th scope="col">Result</th>
            <th scope="col">Created</th>
            <th scope="col">Duration</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((j) => (
            <tr key={j.name}>
              <td>{j.name}</td>
              <td>{j.kind}</td>
              <td>
                <StatusBadge status={j.status} />
                {j.failureReason && <div className="small muted">{j.failureReason}</div>}
              </td>
              <td>
                {j.input.dataset}@{j.input.version}
              </td>
              <td>
                {j.kind === 'fit'
                  ? j.fitVersion !== null
                    ? `${j.recipe}@${j.fitVersion}`
                    : '—'
                  : j.outputs.length > 0
                    ? j.outputs.map((o) => (
                        <div key={o.ref}>
                          <Link to={`/datasets/${encodeURIComponent(o.dataset)}?version=${o.version}`}>{o.ref}</Link> <span className="muted small">({o.rows} rows)</span>
                        </div>
                      ))
                    : `→ ${j.output ?? ''}`}
              </td>
              <td>{formatTime(j.createdAt)}</td>
              <td>{formatDuration(j.startedAt, j.endedAt)}</td>
              <td>
                {j.status === 'InProgress' && (
                  <Can permission="jobs:write">
                    <button type="button" className="secondary small" onClick={() => void stop(j.name)}>
                      Stop
                    </button>
                  </Can>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Fit the recipe on a dataset, or apply one of its fits to a dataset. */
function StartJobForm({ recipe, latestFit, onStarted }: { recipe: string; latestFit: number | null; onStarted: () => void }) {
  const datasets = useResource((signal) => datasetsApi.list({ limit: 1000 }, signal), []);
  const [kind, setKind] = useState<'fit' | 'apply'>('fit');
  const [dataset, setDataset] = useState('');
  const [fit, setFit] = useState('');
  const [output, setOutput] = useState('');
  const [format, setFormat] = useState<'parquet' | 'csv'>('parquet');
  const [touched, setTouched] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [started, setStarted] = useState<string | null>(null);
  const errors: Record<string, string> = {};
  if (!dataset) errors.dataset = 'Choose a dataset.';
  if (kind === 'apply' && latestFit === null) errors.fit = 'Fit the recipe first.';
  if (kind === 'apply' && !DATASET.test(output)) errors.output = 'A dataset name: starts with a letter; letters, digits, _ and -.';

  async function submit(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    if (Object.keys(errors).length) return;
    setError(null);
    try {
      const job =
        kind === 'fit'
          ? await recipesApi.startJob({ kind: 'fit', recipe, dataset })
          : await recipesApi.startJob({ kind: 'apply', recipe: fit ? `${recipe}@${fit}` : recipe, dataset, output, format });
      setStarted(job.name);
      onStarted();
    } catch (err) {
      setError(err);
    }
  }

  if (!datasets.data) return <>{datasets.error ? <ErrorBanner error={datasets.error} /> : <Loading />}</>;
  const e = (k: string) => (touched ? errors[k] : undefined);
  return (
    <Card title="Fit or apply">
      <form className="form-grid" onSubmit={submit} noValidate>
        <Field label="Job">
          {(p) => (
            <select {...p} value={kind} onChange={(ev) => setKind(ev.target.value as 'fit' | 'apply')}>
              <option value="fit">Fit: learn the parameters on a dataset (a new fit version)</option>
              <option value="apply">Apply: write a fit's output over a dataset</option>
            </select>
          )}
        </Field>
        <Field label="Dataset" error={e('dataset')}>
          {(p) => (
            <select {...p} value={dataset} onChange={(ev) => setDataset(ev.target.value)}>
              <option value="">Choose a dataset…</option>
              {datasets.data!.items.map((d) => (
                <option key={d.name} value={d.name}>
                  {d.name} (v{d.version}, {d.rowCount.toLocaleString('en-US')} rows)
                </option>
              ))}
            </select>
          )}
        </Field>
        {kind === 'apply' && (
          <>
            <Field label="Fit version" error={e('fit')} hint="Empty: the newest fit.">
              {(p) => <input {...p} inputMode="numeric" value={fit} placeholder={latestFit === null ? '' : String(latestFit)} onChange={(ev) => setFit(ev.target.value.replace(/[^0-9]/g, ''))} />}
            </Field>
            <Field label="Output dataset" error={e('output')} hint="With a split step: one dataset per split (NAME-train, NAME-validation, NAME-test).">
              {(p) => <input {...p} value={output} onChange={(ev) => setOutput(ev.target.value)} />}
            </Field>
            <Field label="Format" hint="CSV (no header, target first) is what the built-in algorithms train on.">
              {(p) => (
                <select {...p} value={format} onChange={(ev) => setFormat(ev.target.value as 'parquet' | 'csv')}>
                  <option value="parquet">Parquet</option>
                  <option value="csv">CSV</option>
                </select>
              )}
            </Field>
          </>
        )}
        <div className="form-actions">
          <button type="submit">{kind === 'fit' ? 'Start fit' : 'Start apply'}</button>
        </div>
        {started && (
          <p role="status" className="muted">
            Started {started}.
          </p>
        )}
        <ErrorBanner error={error} />
      </form>
    </Card>
  );
}
