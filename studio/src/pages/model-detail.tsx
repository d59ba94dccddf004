import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { modelsApi, registryApi } from '../api/client';
import type { Model } from '../api/types';
import { useResource } from '../api/use-resource';
import { formatBytes, formatNumber, formatTime } from '../components/format';
import { Card, ErrorBanner, KeyValues, Loading, PageHeader } from '../components/ui';
import { Can } from '../session';

export function ModelDetailPage() {
  const { name = '' } = useParams();
  const navigate = useNavigate();
  const model = useResource((signal) => modelsApi.describe(name, signal), [name]);
  const [error, setError] = useState<unknown>(null);
  const m = model.data;
  return (
    <>
      <PageHeader
        crumbs={[{ to: '/models', label: 'Models' }]}
        title={name}
        subtitle={m?.description ?? undefined}
        actions={
          m && (
            <>
            <a className="button secondary" href={modelsApi.onnxUrl(name)} download={`${name}.onnx`}>
              Download ONNX
            </a>
            <Can permission="models:write">
              <button
                type="button"
                className="danger secondary"
                onClick={() => {
                  if (window.confirm(`Delete model ${name}? Registry versions and endpoints that use it prevent this.`)) {
                    modelsApi.remove(name).then(() => navigate('/models'), setError);
                  }
                }}
              >
                Delete
              </button>
            </Can>
            </>
          )
        }
      />
      <ErrorBanner error={model.error ?? error} />
      {!m ? (
        !model.error && <Loading />
      ) : (
        <>
          <div className="two-col">
            <Card title="Model">
              <KeyValues
                items={[
                  ['Format', m.format],
                  ['Algorithm', m.algorithm ?? '–'],
                  ['Size', formatBytes(m.sizeBytes)],
                  ['Artifact', <code key="a" className="hash">{m.artifactUri}</code>],
                  ['Created', `${formatTime(m.createdAt)}${m.createdBy ? ` by ${m.createdBy}` : ''}`],
                  ...Object.entries(m.metrics).map(([k, v]) => [k, formatNumber(v)] as [string, string]),
                ]}
              />
            </Card>
            <Lineage model={m} />
          </div>
          {m.onnx && <OnnxSignature model={m} />}
          <Can permission="models:write">
            <Register model={m} />
          </Can>
        </>
      )}
    </>
  );
}

/** Where the model came from: datasets → training job (with its hyperparameters) → model. */
function Lineage({ model }: { model: Model }) {
  const l = model.lineage;
  return (
    <Card title="Lineage">
      <ol className="lineage">
        {l.datasets &&
          Object.entries(l.datasets).map(([ch, d]) => (
            <li key={ch}>
              <span className="muted">dataset ({ch})</span>{' '}
              <Link to={`/datasets/${encodeURIComponent(d.dataset)}?version=${d.version}`}>
                {d.dataset}@{d.version}
              </Link>
            </li>
          ))}
        {l.trainingJob && (
          <li>
            <span className="muted">training job</span> <Link to={`/training-jobs/${encodeURIComponent(l.trainingJob)}`}>{l.trainingJob}</Link>
            {l.hyperParameters && Object.keys(l.hyperParameters).length > 0 && (
              <div className="small muted">{Object.entries(l.hyperParameters).map(([k, v]) => `${k}=${v}`).join(', ')}</div>
            )}
          </li>
        )}
        {l.artifactKey && (
          <li>
            <span className="muted">artifact</span> <code>{l.artifactKey}</code>
          </li>
        )}
        {l.source === 'upload' && (
          <li>
            <span className="muted">uploaded ONNX file</span>
          </li>
        )}
        <li>
          <span className="muted">model</span> <strong>{model.name}</strong>
        </li>
      </ol>
    </Card>
  );
}

function Register({ model }: { model: Model }) {
  const navigate = useNavigate();
  const groups = useResource((signal) => registryApi.groups(signal), []);
  const [group, setGroup] = useState(model.name.replace(/-?\d{8}-\d{6}$/, '') || model.name);
  const [description, setDescription] = useState('');
  const [error, setError] = useState<unknown>(null);
  return (
    <Card title="Register in the model registry">
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          setError(null);
          registryApi.register(group, { model: model.name, description: description || undefined }).then((p) => navigate(`/registry/${encodeURIComponent(p.group)}`), setError);
        }}
      >
        <label className="inline">
          <span>Group</span>
          <input value={group} onChange={(e) => setGroup(e.target.value)} list="groups" maxLength={63} required />
          <datalist id="groups">{groups.data?.items.map((g) => <option key={g.name} value={g.name} />)}</datalist>
        </label>
        <label className="inline">
          <span>Description</span>
          <input value={description} onChange={(e) => setDescription(e.target.value)} maxLength={1024} />
        </label>
        <button type="submit">Register version</button>
      </form>
      <p className="muted small">The group is created on first use; the version starts as PendingManualApproval.</p>
      <ErrorBanner error={error} />
    </Card>
  );
}

/** What an ONNX model takes and gives, read by the server when the model was created. */
function OnnxSignature({ model }: { model: Model }) {
  const o = model.onnx!;
  const shape = (s: (number | string | null)[] | null) => (s ? `[${s.map((d) => d ?? '?').join(', ')}]` : '(unknown rank)');
  return (
    <Card title="ONNX signature">
      {o.servingProblem && (
        <div className="banner error" role="alert">
          Not servable: {o.servingProblem}
        </div>
      )}
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Kind</th>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">Shape</th>
            </tr>
          </thead>
          <tbody>
            {[...o.inputs.map((v) => ['input', v] as const), ...o.outputs.map((v) => ['output', v] as const)].map(([kind, v]) => (
              <tr key={`${kind}${v.name}`}>
                <td>{kind}</td>
                <td>
                  <code>{v.name}</code>
                </td>
                <td>{v.type}</td>
                <td>{shape(v.shape)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="muted small">
        IR {o.irVersion}, {Object.entries(o.opsets).map(([d, v]) => `${d || 'ai.onnx'} ${v}`).join(', ')}
        {o.producer ? `, made by ${o.producer}` : ''}
      </p>
    </Card>
  );
}
