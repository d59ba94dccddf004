import { useState } from 'react';
import { Link } from 'react-router';
import { automlApi } from '../api/client';
import { ApiError } from '../api/http';
import type { AutomlJob, AutomlReportName } from '../api/types';
import { useResource } from '../api/use-resource';
import { BarChart, Histogram } from '../charts/bar-chart';
import { HorizontalBarChart } from '../charts/horizontal-bar-chart';
import { formatNumber } from '../components/format';
import { Card, ErrorBanner, Loading } from '../components/ui';
import { AUTOML_ACTIVE } from './automl-jobs';
import { readCandidateReport, readExplorationReport, type CandidateEntry, type CandidateFolds, type CandidateReport, type ExplorationReport } from './automl-report-model';

const pct = (share: number) => `${(share * 100).toFixed(share > 0 && share < 0.01 ? 2 : 1)}%`;

/** The two reports that stand in for Autopilot's notebooks, with their downloads. */
export function AutomlReports({ job: j }: { job: AutomlJob }) {
  const explorationReady = j.problemType !== null || !AUTOML_ACTIVE.has(j.status);
  const candidatesReady = !AUTOML_ACTIVE.has(j.status);
  return (
    <>
      <ReportCard job={j} report="exploration" ready={explorationReady} />
      <ReportCard job={j} report="candidates" ready={candidatesReady} />
    </>
  );
}

const TITLES: Record<AutomlReportName, string> = { exploration: 'Data exploration report', candidates: 'Candidate report' };

function Downloads({ job, report }: { job: string; report: AutomlReportName }) {
  return (
    <span className="actions">
      <a className="button secondary" href={automlApi.reportUrl(job, report, 'json')} download={`${job}-${report}.json`}>
        Download {report} JSON
      </a>
      <a className="button secondary" href={automlApi.reportUrl(job, report, 'md')} download={`${job}-${report}.md`}>
        Download {report} Markdown
      </a>
    </span>
  );
}

function ReportCard({ job: j, report, ready }: { job: AutomlJob; report: AutomlReportName; ready: boolean }) {
  // Read again as the job moves on (a report grows while candidates finish).
  const version = `${j.status}/${j.secondaryStatus}/${j.candidateCounts.completed}`;
  const data = useResource<unknown>(
    (signal) => (ready ? automlApi.report(j.name, report, signal).catch((err: unknown) => (err instanceof ApiError && (err.status === 404 || err.status === 409) ? null : Promise.reject(err))) : Promise.resolve(null)),
    [j.name, report, ready, version],
  );
  const content = data.data;
  return (
    <section aria-label={TITLES[report]} data-testid={`automl-report-${report}`}>
      <Card title={TITLES[report]} actions={content ? <Downloads job={j.name} report={report} /> : undefined}>
        <ErrorBanner error={data.error} onRetry={data.reload} />
        {!ready || (content === null && !data.loading) ? (
          <p className="muted">{report === 'exploration' ? 'Written once the data has been analysed.' : 'Written when the job ends.'}</p>
        ) : content === undefined ? (
          <Loading />
        ) : report === 'exploration' ? (
          <ExplorationView report={readExplorationReport(content)} />
        ) : (
          <CandidatesView report={readCandidateReport(content)} />
        )}
      </Card>
    </section>
  );
}

function ExplorationView({ report: r }: { report: ExplorationReport }) {
  const missing = r.columns.filter((c) => c.missing > 0).sort((a, b) => b.missing - a.missing);
  return (
    <>
      {r.summary.length > 0 && (
        <dl className="kv">
          {r.summary.map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
        </dl>
      )}
      <h3>Warnings ({r.warnings.length})</h3>
      {r.warnings.length === 0 ? (
        <p className="muted">No warnings.</p>
      ) : (
        <ul className="warnings" data-testid="automl-warnings">
          {r.warnings.map((w, i) => (
            <li key={i}>
              {w.severity && <span className={`badge ${w.severity === 'high' ? 'bad' : w.severity === 'warning' || w.severity === 'medium' ? 'warn' : 'muted'}`}>{w.severity}</span>} {w.column && <code>{w.column}</code>} {w.message}
            </li>
          ))}
        </ul>
      )}
      <h3>Columns ({r.columns.length})</h3>
      <div className="table-wrap">
        <table className="stats" data-testid="automl-columns">
          <thead>
            <tr>
              <th scope="col">Column</th>
              <th scope="col">Read as</th>
              <th scope="col">Source type</th>
              <th scope="col" className="num">Missing</th>
              <th scope="col" className="num">Distinct</th>
              <th scope="col" className="num">Mean</th>
              <th scope="col" className="num">Min</th>
              <th scope="col" className="num">Max</th>
              <th scope="col">Distribution</th>
            </tr>
          </thead>
          <tbody>
            {r.columns.map((c) => (
              <tr key={c.name}>
                <th scope="row">{c.name}</th>
                <td>
                  <code>{c.type}</code>
                  {c.dropReason && <span className="chip">dropped: {c.dropReason}</span>}
                </td>
                <td className="muted">{c.sourceType ?? '–'}</td>
                <td className="num">
                  {c.missing.toLocaleString('en-US')}
                  {c.missingShare !== null && c.missing > 0 && <span className="muted small"> ({pct(c.missingShare)})</span>}
                </td>
                <td className="num">{formatNumber(c.distinct)}</td>
                <td className="num">{formatNumber(c.mean)}</td>
                <td className="num">{formatNumber(c.min)}</td>
                <td className="num">{formatNumber(c.max)}</td>
                <td className="dist">
                  {c.histogram.length > 0 ? (
                    <Histogram bins={c.histogram} title={`Histogram of ${c.name}`} compact height={36} />
                  ) : (
                    c.topValues.slice(0, 3).map((t) => (
                      <span key={t.value} className="chip">
                        {t.value} <span className="muted">×{t.count}</span>
                      </span>
                    ))
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="charts">
        <div className="chart-cell">
          <h3>Missing values</h3>
          {missing.length === 0 ? (
            <p className="muted">No column has missing values.</p>
          ) : (
            <HorizontalBarChart
              title="Missing values by column"
              bars={missing.slice(0, 30).map((c) => ({ label: c.name, value: c.missingShare ?? c.missing }))}
              format={(v) => (missing[0].missingShare !== null ? pct(v) : formatNumber(v))}
              max={missing[0].missingShare !== null ? 1 : undefined}
            />
          )}
        </div>
        <div className="chart-cell">
          <h3>Target distribution{r.target.column ? `: ${r.target.column}` : ''}</h3>
          {r.target.classes.length > 0 ? (
            <BarChart title="Target distribution" xLabel="class" yLabel="rows" bars={r.target.classes.map((k) => ({ label: k.value, value: k.count }))} />
          ) : r.target.histogram.length > 0 ? (
            <Histogram title="Target distribution" bins={r.target.histogram} height={200} />
          ) : (
            <p className="muted">Not in the report.</p>
          )}
        </div>
      </div>
      <h3>Correlation with the target</h3>
      {r.correlations.length === 0 ? (
        <p className="muted">Not in the report.</p>
      ) : (
        <HorizontalBarChart title="Correlation with the target" bars={r.correlations.slice(0, 30)} format={(v) => v.toFixed(3)} max={1} />
      )}
    </>
  );
}

function CandidatesView({ report: { candidates, recipes } }: { report: CandidateReport }) {
  // Until the reader picks one, the first candidate (best ranked) is open.
  const [picked, setOpen] = useState<string | null | undefined>(undefined);
  const open = picked === undefined ? candidates[0]?.name : picked;
  if (candidates.length === 0) return <p className="muted">No candidates in the report.</p>;
  return (
    <div data-testid="automl-candidates">
      {recipes.some((r) => r.commands.length > 0) && (
        <details className="candidate">
          <summary>Recipes ({recipes.map((r) => r.variant).join(', ')}): fit them again</summary>
          <div className="candidate-body">
            {recipes.flatMap((r) => r.commands.map((cmd, i) => <CopyBlock key={`${r.variant}-${i}`} text={cmd.command} label={cmd.label ?? r.variant} />))}
          </div>
        </details>
      )}
      {candidates.map((c) => (
        <details key={c.name} className="candidate" open={open === c.name} onToggle={(e) => (e.currentTarget.open ? setOpen(c.name) : open === c.name && setOpen(null))}>
          <summary>
            {c.rank !== null && <span className="muted">#{c.rank} </span>}
            <strong>{c.name}</strong> — {c.algorithm}
            {c.objective && (
              <span className="muted">
                {' '}
                ({c.objective.metric} {formatNumber(c.objective.value)})
              </span>
            )}
          </summary>
          <CandidateView candidate={c} />
        </details>
      ))}
    </div>
  );
}

function CandidateView({ candidate: c }: { candidate: CandidateEntry }) {
  return (
    <div className="candidate-body">
      <div className="two-col">
        <div>
          <h4>Recipe{c.recipe ? `: ${c.recipe}` : ''}</h4>
          {c.steps.length === 0 ? (
            <p className="muted">{c.members.length > 0 ? 'An ensemble: its members read their own recipes.' : 'No steps listed.'}</p>
          ) : (
            <ol className="recipe-steps">
              {c.steps.map((s, i) => (
                <li key={i}>
                  <code>{s.op}</code> {s.detail && <span className="muted small">{s.detail}</span>}
                </li>
              ))}
            </ol>
          )}
          {c.members.length > 0 && (
            <>
              <h4>Members</h4>
              <ul>
                {c.members.map((m) => (
                  <li key={m.candidate}>
                    {m.candidate} × {formatNumber(m.weight)}
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
        <div>
          <h4>Hyperparameters</h4>
          {c.hyperParameters.length === 0 ? (
            <p className="muted">None.</p>
          ) : (
            <dl className="kv">
              {c.hyperParameters.map(([k, v]) => (
                <div key={k}>
                  <dt>
                    <code>{k}</code>
                  </dt>
                  <dd>{v}</dd>
                </div>
              ))}
            </dl>
          )}
          <h4>Metrics</h4>
          <dl className="kv">
            {c.metrics.map(([k, v]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd>{formatNumber(v)}</dd>
              </div>
            ))}
          </dl>
        </div>
      </div>
      {c.crossValidation && <FoldScores candidate={c} folds={c.crossValidation} />}
      {c.importance.length > 0 && (
        <>
          <h4>Feature importance</h4>
          <HorizontalBarChart title={`Feature importance of ${c.name}`} bars={c.importance.slice(0, 25)} format={(v) => formatNumber(v)} />
        </>
      )}
      {c.commands.length > 0 && (
        <>
          <h4>Reproduce with the CLI</h4>
          {c.commands.map((cmd, i) => (
            <CopyBlock key={i} text={cmd.command} label={cmd.label} />
          ))}
        </>
      )}
    </div>
  );
}

/** A cross-validated candidate's objective per fold: a small chart, a table, and the commands that train each fold again. */
function FoldScores({ candidate: c, folds: cv }: { candidate: CandidateEntry; folds: CandidateFolds }) {
  const metric = c.objective?.metric ?? 'objective';
  const commands = cv.folds.filter((f) => f.command !== null);
  return (
    <div data-testid="automl-fold-scores">
      <h4>
        Cross-validation: {metric} per fold
        {c.objective?.value !== null && c.objective?.value !== undefined && (
          <span className="muted small">
            {' '}
            (mean {formatNumber(c.objective.value)}
            {cv.std !== null && ` ± ${formatNumber(cv.std)}`})
          </span>
        )}
      </h4>
      <div className="two-col">
        <BarChart title={`${metric} of ${c.name} per fold`} xLabel="fold" yLabel={metric} height={160} bars={cv.folds.map((f) => ({ label: String(f.fold), value: f.score }))} />
        <table className="stats">
          <thead>
            <tr>
              <th scope="col" className="num">Fold</th>
              <th scope="col" className="num">{metric}</th>
              <th scope="col">Training job</th>
            </tr>
          </thead>
          <tbody>
            {cv.folds.map((f) => (
              <tr key={f.fold}>
                <td className="num">{f.fold}</td>
                <td className="num">{formatNumber(f.score)}</td>
                <td>{f.trainingJob ? <Link to={`/training-jobs/${encodeURIComponent(f.trainingJob)}`}>{f.trainingJob}</Link> : '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {commands.length > 0 && (
        <details>
          <summary>Train a fold again with the CLI (on the fold's data: the report's Folds and the recipe's folds)</summary>
          {commands.map((f) => (
            <CopyBlock key={f.fold} text={f.command!.command} label={f.command!.label ?? `fold ${f.fold}`} />
          ))}
        </details>
      )}
    </div>
  );
}

/** A command in a block with a copy button. */
function CopyBlock({ text, label }: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="copy-block">
      {label && <div className="muted small">{label}</div>}
      <pre>
        <code>{text}</code>
      </pre>
      <button
        type="button"
        className="secondary"
        aria-label={`Copy ${label ?? 'command'}`}
        onClick={() =>
          void navigator.clipboard?.writeText(text).then(
            () => {
              setCopied(true);
              setTimeout(() => setCopied(false), 1500);
            },
            () => setCopied(false),
          )
        }
      >
        {copied ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
}
