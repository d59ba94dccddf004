import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { pipelinesApi, type Execution, type ExecutionStep, type Pipeline, type PipelineParameterSpec } from '../api/client';
import { ErrorBanner, Field } from './ui';

export const pipelinePath = (name: string, execution?: string) => `/pipelines/${encodeURIComponent(name)}${execution ? `?execution=${encodeURIComponent(execution)}` : ''}`;

/** Executions that may still change. */
export const EXECUTION_ACTIVE = new Set(['Queued', 'Executing', 'Stopping']);

const TONE: Record<string, string> = {
  Queued: 'muted',
  Executing: 'run',
  Starting: 'run',
  Retrying: 'run',
  Stopping: 'warn',
  Waiting: 'warn',
  Succeeded: 'ok',
  Failed: 'bad',
  Stopped: 'muted',
  Skipped: 'muted',
  Pending: 'muted',
};

/** An execution's or a step's status. */
export function PipelineStatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge ${TONE[status] ?? 'muted'}`} data-status={status}>
      {status}
    </span>
  );
}

/** The definition's parameters (`{}` when it has none or cannot be read). */
export function parametersOf(definition: unknown): Record<string, PipelineParameterSpec> {
  const p = typeof definition === 'object' && definition !== null ? (definition as { parameters?: unknown }).parameters : undefined;
  return typeof p === 'object' && p !== null && !Array.isArray(p) ? (p as Record<string, PipelineParameterSpec>) : {};
}

/** A default as the text a form field holds (lists as JSON). */
function asText(v: unknown): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/**
 * The start form: one typed input per parameter of the pipeline's latest version, its
 * default filled in. Values go as text; the server types them by the definition and
 * answers a bad one with ORCH_PIPELINE_PARAMETER_INVALID, shown here.
 */
export function StartForm({ pipeline, onStarted }: { pipeline: Pipeline; onStarted: (e: Execution) => void }) {
  const specs = Object.entries(parametersOf(pipeline.definition));
  const [values, setValues] = useState<Record<string, string>>(() => Object.fromEntries(specs.map(([k, s]) => [k, asText(s.default)])));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const set = (k: string, v: string) => setValues((old) => ({ ...old, [k]: v }));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      // A field left empty sends nothing, so a default (or the "missing" error) applies.
      const given = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== ''));
      onStarted(await pipelinesApi.start(pipeline.name, given));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)} aria-label="Start an execution">
      <ErrorBanner error={error} />
      <div className="form-grid">
        {specs.length === 0 && <p className="muted">This pipeline has no parameters.</p>}
        {specs.map(([name, spec]) => (
          <Field key={name} label={<code>{name}</code>} hint={[spec.type, spec.default === undefined ? 'required' : null, spec.description].filter(Boolean).join(' · ')}>
            {(p) => <ParameterInput {...p} name={name} spec={spec} value={values[name] ?? ''} onChange={(v) => set(name, v)} />}
          </Field>
        ))}
        <div className="form-actions">
          <button type="submit" disabled={busy}>
            {busy ? 'Starting…' : 'Start execution'}
          </button>
          <span className="muted small">Version {pipeline.latestVersion}</span>
        </div>
      </div>
    </form>
  );
}

function ParameterInput({ name, spec, value, onChange, ...a11y }: { id: string; name: string; spec: PipelineParameterSpec; value: string; onChange: (v: string) => void; 'aria-describedby'?: string; 'aria-invalid'?: boolean }) {
  const required = spec.default === undefined;
  if (spec.enum) {
    return (
      <select {...a11y} name={name} value={value} required={required} onChange={(e) => onChange(e.target.value)}>
        {!required && value === '' && <option value="">(default)</option>}
        {required && <option value="">Choose…</option>}
        {spec.enum.map((v) => (
          <option key={asText(v)} value={asText(v)}>
            {asText(v)}
          </option>
        ))}
      </select>
    );
  }
  switch (spec.type) {
    case 'boolean':
      return (
        <select {...a11y} name={name} value={value} required={required} onChange={(e) => onChange(e.target.value)}>
          {required && <option value="">Choose…</option>}
          <option value="true">true</option>
          <option value="false">false</option>
        </select>
      );
    case 'integer':
      return <input {...a11y} name={name} type="number" step={1} value={value} required={required} onChange={(e) => onChange(e.target.value)} />;
    case 'float':
      return <input {...a11y} name={name} type="number" step="any" value={value} required={required} onChange={(e) => onChange(e.target.value)} />;
    case 'list':
      return <input {...a11y} name={name} type="text" value={value} required={required} placeholder='["a", "b"] or a, b' onChange={(e) => onChange(e.target.value)} />;
    default:
      return <input {...a11y} name={name} type="text" value={value} required={required} onChange={(e) => onChange(e.target.value)} />;
  }
}

/** Wait steps waiting for an answer in an execution. */
export function waitingApprovals(execution: Execution): ExecutionStep[] {
  return execution.steps.filter((s) => s.type === 'wait' && s.status === 'Waiting' && typeof s.inputs === 'object' && s.inputs !== null && 'approval' in s.inputs);
}

/** Approve / reject a waiting approval step, with a comment. */
export function ApprovalCard({ execution, step, onDone }: { execution: Execution; step: ExecutionStep; onDone: (e: Execution) => void }) {
  const approval = ((step.inputs as { approval?: { message?: string; role?: string } }).approval ?? {}) as { message?: string; role?: string };
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const decide = async (approve: boolean) => {
    setBusy(true);
    setError(null);
    try {
      onDone(await pipelinesApi.decide(execution.id, approve, { step: step.name, comment: comment || undefined }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card best-card" aria-label={`Approval of ${step.name}`} data-approval={step.name}>
      <div className="card-head">
        <h2>
          Approval: <code>{step.name}</code>
        </h2>
        <PipelineStatusBadge status={step.status} />
      </div>
      {approval.message && <p>{approval.message}</p>}
      {approval.role && <p className="muted small">Answered by a user with the role {approval.role} (or an admin).</p>}
      <ErrorBanner error={error} />
      <Field label="Comment">{(p) => <textarea {...p} rows={2} value={comment} maxLength={1024} onChange={(e) => setComment(e.target.value)} />}</Field>
      <div className="actions" style={{ marginTop: '0.75rem' }}>
        <button type="button" disabled={busy} onClick={() => void decide(true)}>
          Approve
        </button>
        <button type="button" className="danger" disabled={busy} onClick={() => void decide(false)}>
          Reject
        </button>
      </div>
    </section>
  );
}

/**
 * Where the studio shows what a step created, by step type: the training job, the dataset
 * version, the model, … (null when there is no page for it).
 */
export function resourceLink(step: ExecutionStep): { to: string; label: string } | null {
  const out = step.outputs as Record<string, unknown>;
  const inputs = (typeof step.inputs === 'object' && step.inputs !== null ? step.inputs : {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  const at = (base: string, name: string | null) => (name ? { to: `${base}/${encodeURIComponent(name)}`, label: name } : null);
  switch (step.type) {
    case 'training':
      return at('/training-jobs', str(out.jobName) ?? step.resource);
    case 'tuning':
      return at('/tuning-jobs', str(out.jobName) ?? step.resource);
    case 'processing':
      return at('/processing', str(out.jobName) ?? step.resource);
    case 'transform':
      return at('/transforms', str(out.jobName) ?? step.resource);
    case 'sql': {
      const name = str(out.datasetName);
      return name ? { to: `/datasets/${encodeURIComponent(name)}`, label: str(out.dataset) ?? name } : null;
    }
    case 'create-model':
      return at('/models', str(out.model));
    case 'register-model': {
      const pkg = str(out.package);
      return pkg ? { to: `/registry/${encodeURIComponent(pkg.split('@')[0])}`, label: pkg } : null;
    }
    case 'endpoint':
      return at('/endpoints', str(out.endpoint));
    case 'forecast-import':
      return at('/forecast/groups', str(inputs.group));
    case 'forecast-predictor':
      return at('/forecast/predictors', str(out.predictor) ?? step.resource);
    case 'forecast':
      return at('/forecast/forecasts', str(out.forecast) ?? step.resource);
    default:
      return null;
  }
}

export function ResourceLink({ step }: { step: ExecutionStep }) {
  const link = resourceLink(step);
  if (link) return <Link to={link.to}>{link.label}</Link>;
  return step.resource ? <code>{step.resource}</code> : <span className="muted">–</span>;
}
