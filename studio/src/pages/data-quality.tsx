import { useEffect, useRef, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { useWatch } from '../api/live';
import { datasetsApi, dataQualityApi } from '../api/client';
import { ApiError } from '../api/http';
import type { DataQualityColumn, DataQualityContent, DataQualityProblemType, DataQualityReport, DataQualityWarning } from '../api/types';
import { useResource } from '../api/use-resource';
import { BarChart, Histogram } from '../charts/bar-chart';
import { PALETTE } from '../charts/scale';
import { formatNumber, formatTime } from '../components/format';
import { Card, Empty, ErrorBanner, KeyValues, Loading, PageHeader, ProgressBar, StatusBadge } from '../components/ui';
import { Can } from '../session';
import { DATA_QUALITY_PROBLEM_TYPES } from '../../../src/contracts/data-quality.values';

const ACTIVE = new Set(['InProgress', 'Stopping']);
/** How often a running report is read again while the tab is visible. */

const pct = (share: number) => `${(share * 100).toFixed(share > 0 && share < 0.01 ? 2 : 1)}%`;

/** Data Wrangler's "Data Quality and Insights" report of one dataset version: create one, follow it, read it. */
export function DataQualityPage() {
  const { name = '' } = useParams();
  const [search, setSearch] = useSearchParams();
  const versions = useResource((signal) => datasetsApi.versions(name, signal), [name]);
  const latestVersion = versions.data?.items[versions.data.items.length - 1]?.version;
  const version = Number(search.get('version')) || latestVersion;
  const ref = version ? `${name}@${version}` : name;
  const chosen = search.get('report');
  const detail = useResource((signal) => datasetsApi.describe(ref, signal), [ref]);
  // The report asked for by id, else the newest of this version (none yet is not an error).
  const report = useResource<DataQualityReport | null>(
    (signal) => (chosen ? dataQualityApi.describe(chosen, signal) : dataQualityApi.latest(ref, signal).catch((err: unknown) => (err instanceof ApiError && err.status === 404 ? null : Promise.reject(err)))),
    [ref, chosen],
  );
  const history = useResource((signal) => (version ? dataQualityApi.list({ dataset: name, version, limit: 20 }, signal) : Promise.resolve(null)), [name, version]);
  const r = report.data ?? undefined;
  useWatch(r && ACTIVE.has(r.status) ? { kind: 'feed', of: 'data-quality-report', name: r.id } : null, () => {
    report.reload();
    history.reload();
  });
  const [stopError, setStopError] = useState<unknown>(null);

  return (
    <>
      <PageHeader
        crumbs={[
          { to: '/datasets', label: 'Datasets' },
          { to: `/datasets/${encodeURIComponent(name)}${version ? `?version=${version}` : ''}`, label: name },
        ]}
        title={`Data quality and insights: ${ref}`}
        subtitle={r ? <StatusBadge status={r.status} /> : undefined}
        actions={
          <>
            {r?.status === 'Completed' && (
              <a className="button secondary" href={dataQualityApi.downloadUrl(r.id)} download>
                Download JSON
              </a>
            )}
            {r && ACTIVE.has(r.status) && (
              <Can permission="jobs:write">
                <button type="button" className="danger secondary" onClick={() => dataQualityApi.stop(r.id).then(report.reload, setStopError)}>
                  Stop
                </button>
              </Can>
            )}
          </>
        }
      />
      <ErrorBanner error={versions.error ?? detail.error ?? report.error ?? stopError} onRetry={report.reload} />
      {detail.data && (
        <Can permission="jobs:write">
          <CreateReport
            columns={detail.data.columns.map((c) => c.name)}
            dataset={ref}
            initialTarget={r?.target ?? ''}
            onCreated={(created) => {
              setSearch({ ...(version ? { version: String(version) } : {}), report: created.id });
              history.reload();
            }}
          />
        </Can>
      )}
      {report.loading && report.data === undefined ? (
        <Loading />
      ) : !r ? (
        !report.error && <Empty>No data-quality report of {ref} yet. Create one above, or with <code>orchard datasets quality {ref} --target COLUMN</code>.</Empty>
      ) : (
        <ReportView report={r} />
      )}
      {history.data && history.data.items.length > 1 && (
        <Card title="Reports of this version">
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Report</th>
                  <th scope="col">Target</th>
                  <th scope="col">Status</th>
                  <th scope="col">Warnings (high / medium / low)</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {history.data.items.map((h) => (
                  <tr key={h.id} aria-current={h.id === r?.id ? 'true' : undefined}>
                    <th scope="row">
                      <Link to={`?${new URLSearchParams({ ...(version ? { version: String(version) } : {}), report: h.id })}`}>{h.id}</Link>
                    </th>
                    <td>{h.target ? `${h.target} (${h.problemType})` : '–'}</td>
                    <td>
                      <StatusBadge status={h.status} />
                    </td>
                    <td>{h.warnings ? `${h.warnings.high} / ${h.warnings.medium} / ${h.warnings.low}` : '–'}</td>
                    <td>{formatTime(h.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Card>
      )}
    </>
  );
}

function CreateReport({ columns, dataset, initialTarget, onCreated }: { columns: string[]; dataset: string; initialTarget: string; onCreated: (r: DataQualityReport) => void }) {
  const [target, setTarget] = useState(initialTarget);
  const [problemType, setProblemType] = useState<DataQualityProblemType>('auto');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  return (
    <Card title="New report">
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          dataQualityApi
            .create({ dataset, ...(target ? { target, problemType } : {}) })
            .then(onCreated, setError)
            .finally(() => setBusy(false));
        }}
      >
        <label className="inline">
          <span>Target column</span>
          <select value={target} onChange={(e) => setTarget(e.target.value)}>
            <option value="">No target</option>
            {columns.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <label className="inline">
          <span>Problem type</span>
          <select value={problemType} disabled={!target} onChange={(e) => setProblemType(e.target.value as DataQualityProblemType)}>
            {DATA_QUALITY_PROBLEM_TYPES.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={busy}>
          {busy ? 'Creating…' : 'Create report'}
        </button>
      </form>
      <p className="muted small">With a target, the report adds the class distribution, target leakage and a quick xgboost model's feature importance.</p>
      <ErrorBanner error={error} />
    </Card>
  );
}

function ReportView({ report: r }: { report: DataQualityReport }) {
  if (ACTIVE.has(r.status)) {
    return (
      <Card title="Progress">
        <ProgressBar value={r.progress.percent} max={100} label="Report progress" />
        <p className="muted small" aria-live="polite">
          {r.progress.stage ?? 'queued'} — {r.dataset.rows.toLocaleString('en-US')} rows{r.target ? `, target ${r.target} (${r.problemType})` : ''}
        </p>
      </Card>
    );
  }
  if (!r.report) {
    return (
      <div className="banner error" role="alert">
        <strong>The report {r.status === 'Stopped' ? 'was stopped' : 'failed'}.</strong> {r.failureReason}
      </div>
    );
  }
  const c = r.report;
  return (
    <>
      <Summary content={c} report={r} />
      <Warnings warnings={c.warnings} />
      {c.target && <TargetCard content={c} />}
      {c.featureImportance && <ImportanceCard content={c} />}
      <ColumnsCard content={c} />
    </>
  );
}

function Summary({ content: c, report: r }: { content: DataQualityContent; report: DataQualityReport }) {
  const s = c.summary;
  return (
    <Card title="Summary">
      <KeyValues
        items={[
          ['Rows', s.rows.toLocaleString('en-US')],
          ['Columns', s.columns],
          ['Duplicate rows', `${s.duplicateRows.toLocaleString('en-US')} (${pct(s.duplicateShare)})`],
          ['Missing cells', `${s.missingCells.toLocaleString('en-US')} (${pct(s.missingShare)})`],
          ['Sample', s.sampleRows < s.rows ? `${s.sampleRows.toLocaleString('en-US')} rows (distributions, medians, leakage)` : 'every row'],
          ['Warnings', `${s.warnings.high} high, ${s.warnings.medium} medium, ${s.warnings.low} low`],
          ['Target', r.target ? `${r.target} (${c.target?.problemType ?? r.problemType})` : 'none'],
          ['Created', `${formatTime(r.createdAt)}${r.createdBy ? ` by ${r.createdBy}` : ''}`],
        ]}
      />
    </Card>
  );
}

const SEVERITY_TONE: Record<DataQualityWarning['severity'], string> = { high: 'bad', medium: 'warn', low: 'muted' };

function Warnings({ warnings }: { warnings: DataQualityWarning[] }) {
  return (
    <Card title={`Warnings (${warnings.length})`}>
      {warnings.length === 0 ? (
        <p className="muted">No warnings.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Severity</th>
                <th scope="col">Warning</th>
                <th scope="col">Column</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {warnings.map((w, i) => (
                <tr key={i}>
                  <td>
                    <span className={`badge ${SEVERITY_TONE[w.severity]}`}>{w.severity}</span>
                  </td>
                  <td>{w.kind.replaceAll('-', ' ')}</td>
                  <td>{w.column ? <code>{w.column}</code> : '–'}</td>
                  <td>{w.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}

function TargetCard({ content: c }: { content: DataQualityContent }) {
  const t = c.target!;
  return (
    <Card title={`Target: ${t.column} (${t.problemType})`}>
      {t.classes && (
        <>
          <BarChart bars={t.classes.map((k) => ({ label: String(k.value), value: k.count }))} title={`Class distribution of ${t.column}`} xLabel="class" yLabel="rows" height={220} />
          <p className="muted small">
            {t.classes.map((k) => `${String(k.value)}: ${k.count.toLocaleString('en-US')} (${pct(k.share)})`).join(' · ')}
            {t.imbalance && ` — smallest class ${String(t.imbalance.minorityClass)} at ${pct(t.imbalance.minorityShare)}, ratio ${formatNumber(t.imbalance.ratio)}`}
          </p>
        </>
      )}
      {t.missing > 0 && <p>{t.missing.toLocaleString('en-US')} rows have no target value.</p>}
      {t.leakage.length === 0 ? (
        <p className="muted">No column predicts the target almost perfectly on its own.</p>
      ) : (
        <p>
          <strong>Possible target leakage:</strong>{' '}
          {t.leakage.map((l) => (
            <span key={l.column} className="chip">
              {l.column} <span className="muted">{l.metric === 'identical' ? 'identical' : `${l.metric.toUpperCase()} ${l.score.toFixed(4)}`}</span>
            </span>
          ))}
        </p>
      )}
    </Card>
  );
}

function ImportanceCard({ content: c }: { content: DataQualityContent }) {
  const fi = c.featureImportance!;
  return (
    <Card title="Quick model: feature importance">
      <p className="muted small">
        xgboost ({fi.objective}) on {fi.trainRows.toLocaleString('en-US')} rows; validation {fi.validationMetric === 'r2' ? 'R²' : fi.validationMetric.toUpperCase()}{' '}
        {fi.validationScore === null ? '–' : fi.validationScore.toFixed(4)} on {fi.validationRows.toLocaleString('en-US')} held-out rows. Importance is each feature's share of the total split gain.
      </p>
      <HorizontalBars bars={fi.features.slice(0, 25).map((f) => ({ label: f.column, value: f.importance }))} title="Feature importance" format={(v) => pct(v)} />
      {fi.excluded.length > 0 && <p className="muted small">Left out: {fi.excluded.map((e) => `${e.column} (${e.reason})`).join(', ')}.</p>}
    </Card>
  );
}

/** Horizontal bars, one per row with its label: long column names stay readable. */
function HorizontalBars({ bars, title, format }: { bars: { label: string; value: number }[]; title: string; format: (v: number) => string }) {
  const rowHeight = 22;
  const labelWidth = 180;
  const width = 640;
  const max = Math.max(1e-12, ...bars.map((b) => b.value));
  const height = bars.length * rowHeight + 4;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${title}: ${bars.map((b) => `${b.label} ${format(b.value)}`).join(', ')}`}>
        {bars.map((b, i) => {
          const w = ((width - labelWidth - 70) * b.value) / max;
          return (
            <g key={b.label} transform={`translate(0 ${i * rowHeight})`}>
              <text x={labelWidth - 8} y={rowHeight / 2 + 2} textAnchor="end" className="tick" dy="0.32em">
                {b.label.length > 26 ? `${b.label.slice(0, 25)}…` : b.label}
              </text>
              <rect x={labelWidth} y={4} width={Math.max(1, w)} height={rowHeight - 8} fill={PALETTE[0]}>
                <title>{`${b.label}: ${format(b.value)}`}</title>
              </rect>
              <text x={labelWidth + Math.max(1, w) + 6} y={rowHeight / 2 + 2} className="tick" dy="0.32em">
                {format(b.value)}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}

function ColumnsCard({ content: c }: { content: DataQualityContent }) {
  const withTarget = c.target !== null;
  return (
    <Card title={`Columns (${c.columns.length})`}>
      <div className="table-wrap">
        <table className="stats">
          <thead>
            <tr>
              <th scope="col">Column</th>
              <th scope="col">Type</th>
              <th scope="col" className="num">Missing</th>
              <th scope="col" className="num">Distinct</th>
              <th scope="col" className="num">Outliers</th>
              <th scope="col">Flags</th>
              {withTarget && (
                <th scope="col" className="num">
                  Predictive power
                </th>
              )}
              <th scope="col">Distribution</th>
            </tr>
          </thead>
          <tbody>
            {c.columns.map((col) => (
              <ColumnRow key={col.name} column={col} withTarget={withTarget} isTarget={col.name === c.target?.column} />
            ))}
          </tbody>
        </table>
      </div>
    </Card>
  );
}

function ColumnRow({ column: col, withTarget, isTarget }: { column: DataQualityColumn; withTarget: boolean; isTarget: boolean }) {
  const flags = [isTarget && 'target', col.idLike && 'ID-like', col.constant && 'constant', col.highCardinality && 'high cardinality'].filter(Boolean) as string[];
  return (
    <tr>
      <th scope="row">{col.name}</th>
      <td>
        <code>{col.type}</code>
      </td>
      <td className="num">
        {col.missing.toLocaleString('en-US')}
        {col.missing > 0 && <span className="muted small"> ({pct(col.missingShare)})</span>}
      </td>
      <td className="num">{col.distinct.toLocaleString('en-US')}</td>
      <td className="num">
        {col.outliers ? (
          <span title={`outside [${formatNumber(col.outliers.lower)}, ${formatNumber(col.outliers.upper)}]; median ${formatNumber(col.outliers.median)}, MAD ${formatNumber(col.outliers.mad)}`}>
            {col.outliers.count.toLocaleString('en-US')}
            {col.outliers.count > 0 && <span className="muted small"> ({pct(col.outliers.share)})</span>}
          </span>
        ) : (
          <span className="muted">–</span>
        )}
      </td>
      <td>
        {flags.length === 0 ? (
          <span className="muted">–</span>
        ) : (
          flags.map((f) => (
            <span key={f} className="chip">
              {f}
            </span>
          ))
        )}
      </td>
      {withTarget && <td className="num">{col.predictivePower === null ? <span className="muted">–</span> : col.predictivePower.toFixed(3)}</td>}
      <td className="dist">
        {col.histogram ? (
          <Histogram bins={col.histogram} title={`Histogram of ${col.name}`} compact height={36} />
        ) : col.topValues.length > 0 ? (
          <span className="top-values">
            {col.topValues.slice(0, 3).map((t) => (
              <span key={String(t.value)} className="chip">
                {String(t.value)} <span className="muted">×{t.count}</span>
              </span>
            ))}
          </span>
        ) : (
          <span className="muted">–</span>
        )}
      </td>
    </tr>
  );
}
