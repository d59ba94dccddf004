import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { datasetsApi, modelsApi, transformsApi } from '../api/client';
import { useResource } from '../api/use-resource';
import { Card, ErrorBanner, Field, Loading, PageHeader } from '../components/ui';
import { Can } from '../session';

const NAME = /^[A-Za-z0-9](-*[A-Za-z0-9])*$/;
const DATASET = /^[A-Za-z][A-Za-z0-9_-]{0,127}$/;
/** SageMaker's InputFilter/OutputFilter grammar (the server checks the indexes against the columns). */
const PICK = String.raw`(-?\d+|(-?\d+)?:(-?\d+)?)`;
const COLUMN_FILTER = new RegExp(String.raw`^\$(\[${PICK}(,${PICK})*\])?$`);
const FILTER_HINT = 'Use $, or $[…] with indexes and slices: $[1:], $[0,-1], $[0,5:] (negatives count from the end).';

export function TransformNewPage() {
  return (
    <>
      <PageHeader crumbs={[{ to: '/transforms', label: 'Batch transforms' }]} title="Create transform job" />
      <Can permission="jobs:write">
        <TransformForm />
      </Can>
    </>
  );
}

function TransformForm() {
  const navigate = useNavigate();
  const models = useResource((signal) => modelsApi.list({ limit: 1000 }, signal), []);
  const datasets = useResource((signal) => datasetsApi.list({ limit: 1000 }, signal), []);
  const [name, setName] = useState('');
  const [model, setModel] = useState('');
  const [input, setInput] = useState('');
  const [output, setOutput] = useState('');
  const [joinSource, setJoinSource] = useState<'None' | 'Input'>('None');
  const [inputFilter, setInputFilter] = useState('');
  const [outputFilter, setOutputFilter] = useState('');
  const [touched, setTouched] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const errors: Record<string, string> = {};
  if (name && (!NAME.test(name) || name.length > 63)) errors.name = '1–63 letters, digits and hyphens.';
  if (!model) errors.model = 'Choose a model.';
  if (!input) errors.input = 'Choose a dataset.';
  if (!DATASET.test(output)) errors.output = 'A dataset name: starts with a letter; letters, digits, _ and -.';
  if (inputFilter && !COLUMN_FILTER.test(inputFilter.replace(/\s+/g, ''))) errors.inputFilter = FILTER_HINT;
  if (outputFilter && !COLUMN_FILTER.test(outputFilter.replace(/\s+/g, ''))) errors.outputFilter = FILTER_HINT;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    if (Object.keys(errors).length) return;
    setError(null);
    try {
      const job = await transformsApi.create({ name: name || undefined, model, input, output, joinSource, inputFilter: inputFilter || undefined, outputFilter: outputFilter || undefined });
      navigate(`/transforms/${encodeURIComponent(job.name)}`);
    } catch (err) {
      setError(err);
    }
  }

  if (!models.data || !datasets.data) return <>{models.error || datasets.error ? <ErrorBanner error={models.error ?? datasets.error} /> : <Loading />}</>;
  const e = (k: string) => (touched ? errors[k] : undefined);
  return (
    <Card>
      <form className="form-grid" onSubmit={submit} noValidate>
        <Field label="Model" error={e('model')}>
          {(p) => (
            <select {...p} value={model} onChange={(ev) => setModel(ev.target.value)}>
              <option value="">Choose a model…</option>
              {models.data!.items.map((m) => (
                <option key={m.name} value={m.name}>
                  {m.name} ({m.algorithm ?? m.format})
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Input dataset" error={e('input')} hint="Rows of features only, unless an input filter picks the columns.">
          {(p) => (
            <select
              {...p}
              value={input}
              onChange={(ev) => {
                setInput(ev.target.value);
                if (!output && ev.target.value) setOutput(`${ev.target.value}-predictions`);
              }}
            >
              <option value="">Choose a dataset…</option>
              {datasets.data!.items.map((d) => (
                <option key={d.name} value={d.name}>
                  {d.name} (v{d.version}, {d.rowCount.toLocaleString('en-US')} rows)
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Output dataset" error={e('output')}>
          {(p) => <input {...p} value={output} onChange={(ev) => setOutput(ev.target.value)} />}
        </Field>
        <Field label="Job name (optional)" error={e('name')} hint="Generated when empty.">
          {(p) => <input {...p} value={name} onChange={(ev) => setName(ev.target.value)} maxLength={63} />}
        </Field>
        <Field label="Join source" hint="Input: each output row carries its input row.">
          {(p) => (
            <select {...p} value={joinSource} onChange={(ev) => setJoinSource(ev.target.value as 'None' | 'Input')}>
              <option>None</option>
              <option>Input</option>
            </select>
          )}
        </Field>
        <Field label="Input filter (optional)" error={e('inputFilter')} hint="A JSONPath-like column pick, e.g. $[1:] drops the first column.">
          {(p) => <input {...p} value={inputFilter} onChange={(ev) => setInputFilter(ev.target.value)} />}
        </Field>
        <Field label="Output filter (optional)" error={e('outputFilter')} hint="Columns the output keeps, of the input then the predictions when joined: $[0,-1] keeps the first input column and the last prediction.">
          {(p) => <input {...p} value={outputFilter} onChange={(ev) => setOutputFilter(ev.target.value)} />}
        </Field>
        <div className="form-actions">
          <button type="submit">Create transform job</button>
        </div>
        <ErrorBanner error={error} />
      </form>
    </Card>
  );
}
