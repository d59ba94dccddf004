import { useMemo, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { automlApi, datasetsApi } from '../api/client';
import { useWatch } from '../api/live';
import type { AutomlJob, AutomlMode, AutomlObjectiveMetric, AutomlProblemType } from '../api/types';
import { useResource } from '../api/use-resource';
import { formatNumber, formatTime } from '../components/format';
import { Card, Empty, ErrorBanner, Field, Loading, PageHeader, StatusBadge } from '../components/ui';
import { Can } from '../session';
import { AUTOML_LIMITS, AUTOML_MODES, AUTOML_PROBLEM_TYPES, AUTOML_VALIDATIONS } from '../../../src/contracts/automl.values';

export const AUTOML_ACTIVE = new Set(['InProgress', 'Stopping']);
const NAME = /^[A-Za-z0-9](-*[A-Za-z0-9])*$/;

/** The objectives each problem type can optimise; the first is the default (Autopilot's). */
export const OBJECTIVES_BY_PROBLEM: Record<Exclude<AutomlProblemType, 'auto'>, AutomlObjectiveMetric[]> = {
  binary: ['auc', 'f1', 'accuracy', 'logloss'],
  multiclass: ['accuracy', 'f1', 'logloss'],
  regression: ['mse', 'rmse', 'mae', 'r2'],
};

/** `1h 5m` for a number of seconds. */
export function formatSeconds(s: number): string {
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 ? ` ${s % 60}s` : ''}`;
  const m = Math.floor((s % 3600) / 60);
  return `${Math.floor(s / 3600)}h${m ? ` ${m}m` : ''}`;
}

export function AutomlJobsPage() {
  const list = useResource((signal) => automlApi.list({ limit: 200 }, signal), []);
  useWatch(list.data?.items.some((j) => AUTOML_ACTIVE.has(j.status)) ? { kind: 'feed', of: 'automl' } : null, list.reload);
  return (
    <>
      <PageHeader title="AutoML" subtitle="A table and a target column in; analysed columns, a leaderboard of candidates, the best model and two reports out." />
      <Can permission="jobs:write">
        <CreateAutomlJob />
      </Can>
      <Card title="AutoML jobs">
        <ErrorBanner error={list.error} onRetry={list.reload} />
        {!list.data ? <Loading /> : list.data.items.length === 0 ? <Empty>No AutoML jobs yet.</Empty> : <JobsTable jobs={list.data.items} />}
      </Card>
    </>
  );
}

function JobsTable({ jobs }: { jobs: AutomlJob[] }) {
  return (
    <div className="table-wrap">
      <table data-testid="automl-jobs">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Status</th>
            <th scope="col">Dataset</th>
            <th scope="col">Target</th>
            <th scope="col">Problem</th>
            <th scope="col">Candidates</th>
            <th scope="col" className="num">Best</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((j) => {
            const c = j.candidateCounts;
            return (
              <tr key={j.name}>
                <td>
                  <Link to={`/automl/${encodeURIComponent(j.name)}`}>{j.name}</Link>
                </td>
                <td>
                  <StatusBadge status={j.status} /> <span className="muted small">{j.secondaryStatus}</span>
                </td>
                <td>{j.dataset}</td>
                <td>
                  <code>{j.target}</code>
                </td>
                <td>{j.problemType ?? j.problemTypeRequested}</td>
                <td>
                  {c.completed + c.failed + c.stopped} / {j.maxCandidates}
                  {c.inProgress > 0 && <span className="muted small"> ({c.inProgress} running)</span>}
                </td>
                <td className="num">{j.bestCandidate ? `${j.objective.metric} ${formatNumber(j.bestCandidate.objective.value ?? null)}` : '–'}</td>
                <td>{formatTime(j.createdAt)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function CreateAutomlJob() {
  const navigate = useNavigate();
  const datasets = useResource((signal) => datasetsApi.list({ limit: 1000 }, signal), []);
  const [name, setName] = useState('');
  const [dataset, setDataset] = useState('');
  const [target, setTarget] = useState('');
  const [problemType, setProblemType] = useState<AutomlProblemType>('auto');
  const [objective, setObjective] = useState<AutomlObjectiveMetric | ''>('');
  const [maxRuntime, setMaxRuntime] = useState(String(AUTOML_LIMITS.maxRuntimeSeconds.default));
  const [maxCandidates, setMaxCandidates] = useState(String(AUTOML_LIMITS.maxCandidates.default));
  const [mode, setMode] = useState<AutomlMode>('ensembling');
  const [validation, setValidation] = useState<(typeof AUTOML_VALIDATIONS)[number]>('auto');
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const columns = datasets.data?.items.find((d) => d.name === dataset)?.columns ?? [];
  const objectives = problemType === 'auto' ? [] : OBJECTIVES_BY_PROBLEM[problemType];

  const errors = useMemo(() => {
    const out: Record<string, string> = {};
    if (!NAME.test(name) || name.length > 32) out.name = '1–32 letters, digits and hyphens, starting and ending with a letter or digit.';
    if (!dataset) out.dataset = 'Choose a dataset.';
    if (!target) out.target = 'Choose the column to predict.';
    const rt = Number(maxRuntime);
    const { minimum: rtMin, maximum: rtMax } = AUTOML_LIMITS.maxRuntimeSeconds;
    if (!Number.isInteger(rt) || rt < rtMin || rt > rtMax) out.maxRuntime = `A whole number of seconds from ${rtMin} to ${rtMax}.`;
    const mc = Number(maxCandidates);
    const { minimum: mcMin, maximum: mcMax } = AUTOML_LIMITS.maxCandidates;
    if (!Number.isInteger(mc) || mc < mcMin || mc > mcMax) out.maxCandidates = `A whole number from ${mcMin} to ${mcMax}.`;
    return out;
  }, [name, dataset, target, maxRuntime, maxCandidates]);
  const shown = (k: string) => (touched ? errors[k] : undefined);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    if (Object.keys(errors).length > 0) return;
    setBusy(true);
    setError(null);
    try {
      const job = await automlApi.create({
        name,
        dataset,
        target,
        problemType,
        ...(objective ? { objective } : {}),
        maxRuntimeSeconds: Number(maxRuntime),
        maxCandidates: Number(maxCandidates),
        mode,
        ...(validation !== 'auto' ? { validation } : {}),
      });
      navigate(`/automl/${encodeURIComponent(job.name)}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card title="Create AutoML job">
      <ErrorBanner error={datasets.error} onRetry={datasets.reload} />
      <form onSubmit={submit} noValidate aria-label="Create AutoML job">
        <div className="form-grid">
          <Field label="Job name" error={shown('name')} hint="Candidates are named <name>-1, -2, …">
            {(p) => <input {...p} value={name} maxLength={32} onChange={(e) => setName(e.target.value)} />}
          </Field>
          <Field label="Dataset" error={shown('dataset')}>
            {(p) => (
              <select
                {...p}
                value={dataset}
                onChange={(e) => {
                  setDataset(e.target.value);
                  setTarget('');
                }}
              >
                <option value="">Choose a dataset…</option>
                {datasets.data?.items.map((d) => (
                  <option key={d.name} value={d.name}>
                    {d.name} (v{d.version}, {d.rowCount.toLocaleString('en-US')} rows)
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Target column" error={shown('target')} hint={dataset && columns.length === 0 ? 'This dataset has no named columns.' : undefined}>
            {(p) => (
              <select {...p} value={target} disabled={!dataset} onChange={(e) => setTarget(e.target.value)}>
                <option value="">Choose a column…</option>
                {columns.map((c) => (
                  <option key={c.name} value={c.name}>
                    {c.name} ({c.type})
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Problem type" hint="auto: from the target column.">
            {(p) => (
              <select
                {...p}
                value={problemType}
                onChange={(e) => {
                  setProblemType(e.target.value as AutomlProblemType);
                  setObjective('');
                }}
              >
                {AUTOML_PROBLEM_TYPES.map((t) => (
                  <option key={t}>{t}</option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Objective" hint="Default: auc (binary), accuracy (multiclass), mse (regression).">
            {(p) => (
              <select {...p} value={objective} onChange={(e) => setObjective(e.target.value as AutomlObjectiveMetric | '')}>
                <option value="">Default</option>
                {objectives.map((o) => (
                  <option key={o}>{o}</option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Budget (seconds)" error={shown('maxRuntime')} hint={Number(maxRuntime) > 0 ? `The whole job: ${formatSeconds(Number(maxRuntime))}.` : undefined}>
            {(p) => <input {...p} inputMode="numeric" value={maxRuntime} onChange={(e) => setMaxRuntime(e.target.value)} />}
          </Field>
          <Field label="Max candidates" error={shown('maxCandidates')}>
            {(p) => <input {...p} inputMode="numeric" value={maxCandidates} onChange={(e) => setMaxCandidates(e.target.value)} />}
          </Field>
          <Field label="Mode" hint="ensembling: a weighted ensemble of the best candidates; hpo: candidates only.">
            {(p) => (
              <select {...p} value={mode} onChange={(e) => setMode(e.target.value as AutomlMode)}>
                {AUTOML_MODES.map((m) => (
                  <option key={m}>{m}</option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Validation" hint="cv: 5-fold cross-validation; holdout: the held-out split; auto: cv below 20,000 rows.">
            {(p) => (
              <select {...p} value={validation} onChange={(e) => setValidation(e.target.value as (typeof AUTOML_VALIDATIONS)[number])}>
                {AUTOML_VALIDATIONS.map((v) => (
                  <option key={v}>{v}</option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <ErrorBanner error={error} />
        <div className="form-actions">
          <button type="submit" disabled={busy}>
            {busy ? 'Creating…' : 'Create AutoML job'}
          </button>
        </div>
      </form>
    </Card>
  );
}
