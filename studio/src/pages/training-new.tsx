import { useMemo, useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { algorithmsApi, datasetsApi, trainingApi } from '../api/client';
import { ApiError } from '../api/http';
import type { AlgorithmInfo } from '../api/types';
import { useResource } from '../api/use-resource';
import { Card, ErrorBanner, Field, Loading, PageHeader } from '../components/ui';
import { Can } from '../session';
import { checkHyperparameter } from './hyperparameter-check';

type Spec = AlgorithmInfo['hyperparameters'][number];

/** SageMaker's TrainingJobName rule. */
const JOB_NAME = /^[A-Za-z0-9](-*[A-Za-z0-9])*$/;

function defaultName(algorithm: string): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  return `${algorithm}-${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

export function TrainingNewPage() {
  return (
    <>
      <PageHeader crumbs={[{ to: '/training-jobs', label: 'Training jobs' }]} title="Create training job" subtitle="A built-in algorithm over datasets; the form follows the algorithm's hyperparameter schema." />
      <Can permission="jobs:write">
        <TrainingForm />
      </Can>
    </>
  );
}

function TrainingForm() {
  const navigate = useNavigate();
  const algorithms = useResource((signal) => algorithmsApi.list(signal), []);
  const datasets = useResource((signal) => datasetsApi.list({ limit: 1000 }, signal), []);
  const [algorithmName, setAlgorithmName] = useState('xgboost');
  const algorithm = algorithms.data?.items.find((a) => a.name === algorithmName) ?? algorithms.data?.items[0];
  const [name, setName] = useState(() => defaultName('xgboost'));
  const [nameEdited, setNameEdited] = useState(false);
  const [channels, setChannels] = useState<Record<string, string>>({});
  const [values, setValues] = useState<Record<string, string>>({});
  const [maxRuntime, setMaxRuntime] = useState('3600');
  const [touched, setTouched] = useState(false);
  const [serverError, setServerError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  const errors = useMemo(() => {
    const out: Record<string, string> = {};
    if (!JOB_NAME.test(name) || name.length > 63) out.name = '1–63 letters, digits and hyphens, starting and ending with a letter or digit.';
    for (const ch of algorithm?.requiredChannels ?? []) if (!channels[ch]) out[`channel:${ch}`] = 'Choose a dataset.';
    for (const spec of algorithm?.hyperparameters ?? []) {
      const msg = checkHyperparameter(spec, values[spec.name] ?? '');
      if (msg) out[`hp:${spec.name}`] = msg;
    }
    const rt = Number(maxRuntime);
    if (!Number.isInteger(rt) || rt < 1 || rt > 2_419_200) out.maxRuntime = 'A whole number of seconds from 1 to 2419200.';
    return out;
  }, [name, channels, values, algorithm, maxRuntime]);

  // A server refusal naming a hyperparameter is shown beside that field.
  const serverField = serverError?.details && typeof serverError.details.name === 'string' ? `hp:${serverError.details.name}` : undefined;
  const shown = (key: string) => (touched ? errors[key] : undefined) ?? (serverField === key ? serverError!.message : undefined);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    setServerError(null);
    if (!algorithm || Object.keys(errors).length > 0) return;
    setBusy(true);
    try {
      const hyperParameters = Object.fromEntries(Object.entries(values).filter(([, v]) => v.trim() !== '').map(([k, v]) => [k, v.trim()]));
      const job = await trainingApi.create({
        name,
        algorithm: algorithm.name,
        hyperParameters,
        channels: Object.fromEntries(Object.entries(channels).filter(([, v]) => v)),
        maxRuntimeSeconds: Number(maxRuntime),
      });
      navigate(`/training-jobs/${encodeURIComponent(job.name)}`);
    } catch (err) {
      setServerError(err instanceof ApiError ? err : new ApiError('ORCH_CLIENT', String(err), 0));
    } finally {
      setBusy(false);
    }
  }

  if (algorithms.error || datasets.error) return <ErrorBanner error={algorithms.error ?? datasets.error} />;
  if (!algorithms.data || !datasets.data || !algorithm) return <Loading />;
  const required = algorithm.hyperparameters.filter((s) => s.required && s.default === undefined);
  const optional = algorithm.hyperparameters.filter((s) => !(s.required && s.default === undefined));

  return (
    <form onSubmit={submit} noValidate className="training-form">
      <Card title="Job">
        <div className="form-grid">
          <Field label="Algorithm" hint={algorithm.description}>
            {(p) => (
              <select
                {...p}
                name="algorithm"
                value={algorithm.name}
                onChange={(e) => {
                  setAlgorithmName(e.target.value);
                  setValues({});
                  setChannels({});
                  if (!nameEdited) setName(defaultName(e.target.value));
                }}
              >
                {algorithms.data!.items.map((a) => (
                  <option key={a.name} value={a.name}>
                    {a.name} {a.version}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Job name" error={shown('name')}>
            {(p) => (
              <input
                {...p}
                name="job-name"
                value={name}
                maxLength={63}
                onChange={(e) => {
                  setName(e.target.value);
                  setNameEdited(true);
                }}
              />
            )}
          </Field>
          <Field label="Max runtime (seconds)" error={shown('maxRuntime')}>
            {(p) => <input {...p} name="max-runtime" inputMode="numeric" value={maxRuntime} onChange={(e) => setMaxRuntime(e.target.value)} />}
          </Field>
        </div>
      </Card>
      <Card title="Input channels">
        <p className="muted small">Accepts {algorithm.inputContentTypes.join(', ')}. CSV: target in the first column, no header.</p>
        <div className="form-grid">
          {[...algorithm.requiredChannels, ...algorithm.optionalChannels].map((ch) => {
            const isRequired = algorithm.requiredChannels.includes(ch);
            return (
              <Field key={ch} label={`${ch}${isRequired ? '' : ' (optional)'}`} error={shown(`channel:${ch}`)}>
                {(p) => (
                  <select {...p} name={`channel-${ch}`} value={channels[ch] ?? ''} onChange={(e) => setChannels((c) => ({ ...c, [ch]: e.target.value }))}>
                    <option value="">{isRequired ? 'Choose a dataset…' : 'None'}</option>
                    {datasets.data!.items.map((d) => (
                      <option key={d.name} value={d.name}>
                        {d.name} (latest: v{d.version}, {d.rowCount.toLocaleString('en-US')} rows)
                      </option>
                    ))}
                  </select>
                )}
              </Field>
            );
          })}
        </div>
      </Card>
      <Card title="Hyperparameters">
        {required.length > 0 && (
          <>
            <h3>Required</h3>
            <div className="form-grid">
              {required.map((spec) => (
                <HyperparameterField key={spec.name} spec={spec} value={values[spec.name] ?? ''} error={shown(`hp:${spec.name}`)} onChange={(v) => setValues((s) => ({ ...s, [spec.name]: v }))} />
              ))}
            </div>
          </>
        )}
        <details open={required.length === 0}>
          <summary>Optional ({optional.length}) — empty fields take their defaults</summary>
          <div className="form-grid">
            {optional.map((spec) => (
              <HyperparameterField key={spec.name} spec={spec} value={values[spec.name] ?? ''} error={shown(`hp:${spec.name}`)} onChange={(v) => setValues((s) => ({ ...s, [spec.name]: v }))} />
            ))}
          </div>
        </details>
      </Card>
      {serverError && !serverField && <ErrorBanner error={serverError} />}
      {touched && Object.keys(errors).length > 0 && (
        <p className="field-error" role="alert">
          Fix the {Object.keys(errors).length} highlighted field{Object.keys(errors).length > 1 ? 's' : ''}.
        </p>
      )}
      <div className="form-actions">
        <button type="submit" disabled={busy}>
          {busy ? 'Creating…' : 'Create training job'}
        </button>
      </div>
    </form>
  );
}

function HyperparameterField({ spec, value, error, onChange }: { spec: Spec; value: string; error?: string; onChange(v: string): void }) {
  const placeholder = spec.default !== undefined ? String(spec.default) : '';
  return (
    <Field label={<code>{spec.name}</code>} error={error} hint={`${spec.description} ${spec.range[0].toUpperCase()}${spec.range.slice(1)}.`}>
      {(p) =>
        spec.type === 'categorical' || spec.type === 'boolean' ? (
          <select {...p} name={`hp-${spec.name}`} value={value} onChange={(e) => onChange(e.target.value)}>
            <option value="">{spec.default !== undefined ? `Default (${String(spec.default)})` : spec.required ? 'Choose…' : 'Not set'}</option>
            {(spec.type === 'boolean' ? ['true', 'false'] : spec.values).map((v) => (
              <option key={v}>{v}</option>
            ))}
          </select>
        ) : (
          <input {...p} name={`hp-${spec.name}`} inputMode={spec.type === 'integer' ? 'numeric' : 'decimal'} placeholder={placeholder} value={value} onChange={(e) => onChange(e.target.value)} />
        )
      }
    </Field>
  );
}
