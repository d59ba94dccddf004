import { useMemo, useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { algorithmsApi, datasetsApi, tuningApi } from '../api/client';
import type { AlgorithmInfo, RangeInput } from '../api/types';
import { useResource } from '../api/use-resource';
import { Card, ErrorBanner, Field, Loading, PageHeader } from '../components/ui';
import { Can } from '../session';
import { checkHyperparameter } from './hyperparameter-check';

type Spec = AlgorithmInfo['hyperparameters'][number];
const NAME = /^[A-Za-z0-9](-*[A-Za-z0-9])*$/;
const STRATEGIES = ['bayesian', 'tpe', 'random', 'grid', 'hyperband'] as const;

interface RangeState {
  on: boolean;
  min: string;
  max: string;
  values: string;
}

function initialRange(spec: Spec): RangeState {
  const t = spec.type !== 'boolean' ? spec.tunable : undefined;
  if (t && 'values' in t) return { on: false, min: '', max: '', values: t.values.join(', ') };
  return { on: false, min: t ? String(t.min) : '', max: t ? String(t.max) : '', values: '' };
}

export function TuningNewPage() {
  return (
    <>
      <PageHeader crumbs={[{ to: '/tuning-jobs', label: 'Tuning jobs' }]} title="Create tuning job" subtitle="Pick the hyperparameters to search; ranges start at the algorithm's tunable ranges." />
      <Can permission="jobs:write">
        <TuningForm />
      </Can>
    </>
  );
}

function TuningForm() {
  const navigate = useNavigate();
  const algorithms = useResource((signal) => algorithmsApi.list(signal), []);
  const datasets = useResource((signal) => datasetsApi.list({ limit: 1000 }, signal), []);
  const [algorithmName, setAlgorithmName] = useState('xgboost');
  const algorithm = algorithms.data?.items.find((a) => a.name === algorithmName);
  const [name, setName] = useState('');
  const [channels, setChannels] = useState<Record<string, string>>({});
  const [statics, setStatics] = useState<Record<string, string>>({});
  const [ranges, setRanges] = useState<Record<string, RangeState>>({});
  const [metric, setMetric] = useState('');
  const [strategy, setStrategy] = useState<(typeof STRATEGIES)[number]>('bayesian');
  const [maxJobs, setMaxJobs] = useState('10');
  const [maxParallel, setMaxParallel] = useState('2');
  const [touched, setTouched] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const tunable = algorithm?.hyperparameters.filter((s) => s.type !== 'boolean' && s.tunable) ?? [];
  const rangeOf = (s: Spec) => ranges[s.name] ?? initialRange(s);
  const objective = algorithm?.metrics.find((m) => m.name === metric) ?? algorithm?.metrics[0];

  const errors = useMemo(() => {
    const out: Record<string, string> = {};
    if (!NAME.test(name) || name.length > 32) out.name = '1–32 letters, digits and hyphens.';
    for (const ch of algorithm?.requiredChannels ?? []) if (!channels[ch]) out[`channel:${ch}`] = 'Choose a dataset.';
    const tuned = tunable.filter((s) => rangeOf(s).on);
    if (tuned.length === 0) out.ranges = 'Tune at least one hyperparameter.';
    for (const s of tuned) {
      const r = rangeOf(s);
      if (s.type === 'categorical') {
        if (!r.values.trim()) out[`range:${s.name}`] = 'Give values, comma-separated.';
      } else if (checkHyperparameter(s, r.min) || checkHyperparameter(s, r.max) || Number(r.min) >= Number(r.max) || !r.min || !r.max) {
        out[`range:${s.name}`] = `min < max, each ${s.range}.`;
      }
    }
    for (const s of algorithm?.hyperparameters ?? []) {
      if (tuned.includes(s)) continue;
      const msg = checkHyperparameter(s, statics[s.name] ?? '');
      if (msg) out[`static:${s.name}`] = msg;
    }
    if (!(Number(maxJobs) >= 1 && Number.isInteger(Number(maxJobs)))) out.maxJobs = 'A whole number, at least 1.';
    if (!(Number(maxParallel) >= 1 && Number.isInteger(Number(maxParallel)))) out.maxParallel = 'A whole number, at least 1.';
    return out;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [name, channels, statics, ranges, algorithm, maxJobs, maxParallel]);
  const shown = (k: string) => (touched ? errors[k] : undefined);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    if (!algorithm || !objective || Object.keys(errors).length) return;
    setError(null);
    const tuned = tunable.filter((s) => rangeOf(s).on);
    const rangeInputs: RangeInput[] = tuned.map((s) => {
      const r = rangeOf(s);
      return s.type === 'categorical'
        ? { name: s.name, type: 'categorical', values: r.values.split(',').map((v) => v.trim()).filter(Boolean) }
        : { name: s.name, type: s.type === 'integer' ? 'integer' : 'continuous', min: Number(r.min), max: Number(r.max) };
    });
    try {
      const job = await tuningApi.create({
        name,
        algorithm: algorithm.name,
        staticHyperParameters: Object.fromEntries(Object.entries(statics).filter(([k, v]) => v.trim() && !tuned.some((s) => s.name === k)).map(([k, v]) => [k, v.trim()])),
        ranges: rangeInputs,
        objective: { metric: objective.name, type: objective.goal === 'maximize' ? 'Maximize' : 'Minimize' },
        strategy,
        maxJobs: Number(maxJobs),
        maxParallel: Number(maxParallel),
        channels: Object.fromEntries(Object.entries(channels).filter(([, v]) => v)),
      });
      navigate(`/tuning-jobs/${encodeURIComponent(job.name)}`);
    } catch (err) {
      setError(err);
    }
  }

  if (algorithms.error || datasets.error) return <ErrorBanner error={algorithms.error ?? datasets.error} />;
  if (!algorithms.data || !datasets.data || !algorithm) return <Loading />;
  return (
    <form onSubmit={submit} noValidate>
      <Card title="Tuning job">
        <div className="form-grid">
          <Field label="Algorithm">
            {(p) => (
              <select
                {...p}
                value={algorithm.name}
                onChange={(e) => {
                  setAlgorithmName(e.target.value);
                  setRanges({});
                  setStatics({});
                  setMetric('');
                }}
              >
                {algorithms.data!.items.map((a) => (
                  <option key={a.name}>{a.name}</option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Tuning job name" error={shown('name')} hint="Trials are named <name>-001, -002, …">
            {(p) => <input {...p} value={name} maxLength={32} onChange={(e) => setName(e.target.value)} />}
          </Field>
          <Field label="Objective metric" hint={objective ? `${objective.goal === 'maximize' ? 'Maximized' : 'Minimized'}; validation metrics need a validation channel.` : undefined}>
            {(p) => (
              <select {...p} value={objective?.name ?? ''} onChange={(e) => setMetric(e.target.value)}>
                {algorithm.metrics.map((m) => (
                  <option key={m.name}>{m.name}</option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Strategy">
            {(p) => (
              <select {...p} value={strategy} onChange={(e) => setStrategy(e.target.value as (typeof STRATEGIES)[number])}>
                {STRATEGIES.map((s) => (
                  <option key={s}>{s}</option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Max training jobs" error={shown('maxJobs')}>
            {(p) => <input {...p} inputMode="numeric" value={maxJobs} onChange={(e) => setMaxJobs(e.target.value)} />}
          </Field>
          <Field label="At once" error={shown('maxParallel')}>
            {(p) => <input {...p} inputMode="numeric" value={maxParallel} onChange={(e) => setMaxParallel(e.target.value)} />}
          </Field>
          {[...algorithm.requiredChannels, ...algorithm.optionalChannels].map((ch) => (
            <Field key={ch} label={`Channel ${ch}${algorithm.requiredChannels.includes(ch) ? '' : ' (optional)'}`} error={shown(`channel:${ch}`)}>
              {(p) => (
                <select {...p} value={channels[ch] ?? ''} onChange={(e) => setChannels((c) => ({ ...c, [ch]: e.target.value }))}>
                  <option value="">None</option>
                  {datasets.data!.items.map((d) => (
                    <option key={d.name}>{d.name}</option>
                  ))}
                </select>
              )}
            </Field>
          ))}
        </div>
      </Card>
      <Card title="Hyperparameters">
        {shown('ranges') && (
          <p className="field-error" role="alert">
            {shown('ranges')}
          </p>
        )}
        <div className="table-wrap">
          <table className="ranges">
            <thead>
              <tr>
                <th scope="col">Hyperparameter</th>
                <th scope="col">Tune</th>
                <th scope="col">Range or fixed value</th>
              </tr>
            </thead>
            <tbody>
              {algorithm.hyperparameters.map((s) => {
                const r = rangeOf(s);
                const canTune = tunable.includes(s);
                const set = (patch: Partial<RangeState>) => setRanges((all) => ({ ...all, [s.name]: { ...r, ...patch } }));
                const err = shown(`range:${s.name}`) ?? shown(`static:${s.name}`);
                return (
                  <tr key={s.name}>
                    <th scope="row">
                      <code>{s.name}</code>
                      <div className="muted small">{s.range}</div>
                    </th>
                    <td>{canTune && <input type="checkbox" aria-label={`Tune ${s.name}`} checked={r.on} onChange={(e) => set({ on: e.target.checked })} />}</td>
                    <td>
                      {r.on && s.type === 'categorical' ? (
                        <input aria-label={`${s.name} values`} value={r.values} onChange={(e) => set({ values: e.target.value })} />
                      ) : r.on ? (
                        <span className="inline">
                          <input aria-label={`${s.name} min`} size={8} value={r.min} onChange={(e) => set({ min: e.target.value })} />
                          <span>to</span>
                          <input aria-label={`${s.name} max`} size={8} value={r.max} onChange={(e) => set({ max: e.target.value })} />
                        </span>
                      ) : (
                        <input
                          aria-label={`${s.name} value`}
                          placeholder={s.default !== undefined ? String(s.default) : s.required ? 'required' : ''}
                          value={statics[s.name] ?? ''}
                          onChange={(e) => setStatics((v) => ({ ...v, [s.name]: e.target.value }))}
                        />
                      )}
                      {err && <div className="field-error">{err}</div>}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </Card>
      <ErrorBanner error={error} />
      <div className="form-actions">
        <button type="submit">Create tuning job</button>
      </div>
    </form>
  );
}
