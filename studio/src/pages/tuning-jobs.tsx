import { useMemo, useState, type ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { tuningApi } from '../api/client';
import { useWatch } from '../api/live';
import type { TuningJob } from '../api/types';
import { useResource } from '../api/use-resource';
import { BarChart } from '../charts/bar-chart';
import { LineChart } from '../charts/line-chart';
import { ScatterChart } from '../charts/scatter-chart';
import { formatDuration, formatNumber, formatTime } from '../components/format';
import { JobHeader } from '../components/job-header';
import { Card, Empty, ErrorBanner, KeyValues, Loading, PageHeader, StatusBadge } from '../components/ui';
import { Can } from '../session';

const ACTIVE = new Set(['InProgress', 'Stopping']);

export function TuningJobsPage() {
  const list = useResource((signal) => tuningApi.list({ limit: 200 }, signal), []);
  useWatch(list.data?.items.some((j) => ACTIVE.has(j.status)) ? { kind: 'tuning-jobs' } : null, list.reload);
  return (
    <>
      <PageHeader
        title="Tuning jobs"
        subtitle="Hyperparameter search: each trial is a training job chosen by a strategy."
        actions={
          <Can permission="jobs:write">
            <Link className="button" to="/tuning-jobs/new">
              Create tuning job
            </Link>
          </Can>
        }
      />
      <Card>
        <ErrorBanner error={list.error} onRetry={list.reload} />
        {!list.data ? (
          <Loading />
        ) : list.data.items.length === 0 ? (
          <Empty>No tuning jobs yet.</Empty>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Status</th>
                  <th scope="col">Objective</th>
                  <th scope="col">Strategy</th>
                  <th scope="col">Trials</th>
                  <th scope="col" className="num">Best</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((j) => {
                  const c = j.trainingJobCounts;
                  return (
                    <tr key={j.name}>
                      <td>
                        <Link to={`/tuning-jobs/${encodeURIComponent(j.name)}`}>{j.name}</Link>
                      </td>
                      <td>
                        <StatusBadge status={j.status} />
                      </td>
                      <td>
                        {j.objective.type} {j.objective.metric}
                      </td>
                      <td>{j.strategy}</td>
                      <td>
                        {c.completed + c.failed + c.stopped} / {j.maxJobs}
                        {c.inProgress > 0 && <span className="muted small"> ({c.inProgress} running)</span>}
                      </td>
                      <td className="num">{j.bestTrainingJob ? formatNumber(j.bestTrainingJob.objective) : '–'}</td>
                      <td>{formatTime(j.createdAt)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </>
  );
}

export function TuningDetailPage() {
  const { name = '' } = useParams();
  const job = useResource((signal) => tuningApi.describe(name, signal), [name]);
  const j = job.data;
  useWatch((j ? ACTIVE.has(j.status) : !job.error) ? { kind: 'tuning-job', name } : null, job.reload);
  return (
    <>
      <JobHeader crumb={{ to: '/tuning-jobs', label: 'Tuning jobs' }} name={name} status={j?.status} onStop={() => tuningApi.stop(name)} loadError={job.error} onRetry={job.reload} />
      {!j ? !job.error && <Loading /> : <TuningDetail job={j} />}
    </>
  );
}

function TuningDetail({ job: j }: { job: TuningJob }) {
  const c = j.trainingJobCounts;
  const best = j.bestTrainingJob;
  return (
    <>
      {j.failureReason && (
        <div className="banner error" role="alert">
          <strong>Failure reason:</strong> {j.failureReason}
        </div>
      )}
      <div className="two-col">
        <Card title="Search">
          <KeyValues
            items={[
              ['Objective', `${j.objective.type} ${j.objective.metric}`],
              ['Strategy', `${j.strategy}${j.earlyStopping === 'Auto' ? ', early stopping' : ''}`],
              ['Trials', `${c.completed} completed, ${c.failed} failed, ${c.stopped} stopped, ${c.inProgress} running of ${j.maxJobs} (${j.maxParallel} at once)`],
              ['Ranges', j.ranges.map((r) => (r.type === 'categorical' ? `${r.name} ∈ {${r.values.join(', ')}}` : `${r.name} ∈ [${r.min}, ${r.max}]${r.scaling !== 'Linear' && r.scaling !== 'Auto' ? ` ${r.scaling}` : ''}`)).join('; ')],
              ['Static', Object.entries(j.staticHyperParameters).map(([k, v]) => `${k}=${v}`).join(', ') || '–'],
              ['Created', `${formatTime(j.createdAt)}${j.createdBy ? ` by ${j.createdBy}` : ''}`],
              ['Duration', formatDuration(j.createdAt, j.endedAt)],
            ]}
          />
        </Card>
        <Card title="Best training job" className={best ? 'best-card' : undefined}>
          {best ? (
            <KeyValues
              items={[
                ['Job', <Link key="b" to={`/training-jobs/${encodeURIComponent(best.name)}`}>{best.name}</Link>],
                ['Trial', best.trial],
                [j.objective.metric, <strong key="o">{formatNumber(best.objective)}</strong>],
                ...Object.entries(best.hyperParameters).map(([k, v]) => [<code key={k}>{k}</code>, numeric(v)] as [ReactNode, ReactNode]),
              ]}
            />
          ) : (
            <p className="muted">No trial has finished yet.</p>
          )}
        </Card>
      </div>
      <TuningCharts job={j} />
      <TrialsTable job={j} />
    </>
  );
}

function TuningCharts({ job }: { job: TuningJob }) {
  const maximize = job.objective.type === 'Maximize';
  const scored = job.trials.filter((t) => t.objective !== null).sort((a, b) => a.trial - b.trial);
  const params = job.ranges.map((r) => r.name);
  const [param, setParam] = useState(params[0] ?? '');
  const bestSoFar = useMemo(() => {
    let best: number | null = null;
    return scored.map((t) => {
      if (best === null || (maximize ? t.objective! > best : t.objective! < best)) best = t.objective!;
      return { x: t.trial, y: best };
    });
  }, [scored, maximize]);
  if (scored.length === 0) return null;
  const range = job.ranges.find((r) => r.name === param);
  const bestName = job.bestTrainingJob?.name;
  return (
    <Card title="Objective">
      <div className="charts">
        <div className="chart-cell">
          <h3>{job.objective.metric} by trial</h3>
          <LineChart
            title={`${job.objective.metric} by trial`}
            xLabel="trial"
            yLabel={job.objective.metric}
            markers
            series={[
              { name: 'trial objective', points: scored.map((t) => ({ x: t.trial, y: t.objective! })) },
              { name: 'best so far', points: bestSoFar },
            ]}
          />
        </div>
        <div className="chart-cell">
          <h3>
            <label className="inline">
              <span>Hyperparameter</span>
              <select value={param} onChange={(e) => setParam(e.target.value)}>
                {params.map((p) => (
                  <option key={p}>{p}</option>
                ))}
              </select>
            </label>
          </h3>
          {range?.type === 'categorical' ? (
            <BarChart
              title={`Best ${job.objective.metric} by ${param}`}
              xLabel={param}
              yLabel={`best ${job.objective.metric}`}
              bars={range.values.map((v) => {
                const vals = scored.filter((t) => t.hyperParameters[param] === v).map((t) => t.objective!);
                return { label: v, value: vals.length ? (maximize ? Math.max(...vals) : Math.min(...vals)) : 0 };
              })}
            />
          ) : (
            <ScatterChart
              title={`${job.objective.metric} against ${param}`}
              xLabel={param}
              yLabel={job.objective.metric}
              points={scored.map((t) => ({ x: Number(t.hyperParameters[param]), y: t.objective!, label: t.trainingJob, highlight: t.trainingJob === bestName }))}
            />
          )}
        </div>
      </div>
    </Card>
  );
}

function TrialsTable({ job }: { job: TuningJob }) {
  const [sortByObjective, setSort] = useState(false);
  const params = job.ranges.map((r) => r.name);
  const maximize = job.objective.type === 'Maximize';
  const trials = [...job.trials].sort((a, b) => {
    if (!sortByObjective) return a.trial - b.trial;
    if (a.objective === null) return 1;
    if (b.objective === null) return -1;
    return maximize ? b.objective - a.objective : a.objective - b.objective;
  });
  return (
    <Card title={`Trials (${job.trials.length})`}>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col" aria-sort={sortByObjective ? 'none' : 'ascending'}>
                <button type="button" className="link" onClick={() => setSort(false)}>
                  Trial
                </button>
              </th>
              <th scope="col">Training job</th>
              <th scope="col">Status</th>
              {params.map((p) => (
                <th scope="col" key={p}>
                  {p}
                </th>
              ))}
              <th scope="col" className="num" aria-sort={sortByObjective ? (maximize ? 'descending' : 'ascending') : 'none'}>
                <button type="button" className="link" onClick={() => setSort(true)}>
                  {job.objective.metric}
                </button>
              </th>
            </tr>
          </thead>
          <tbody>
            {trials.map((t) => {
              const best = t.trainingJob === job.bestTrainingJob?.name;
              return (
                <tr key={t.trial} className={best ? 'best' : undefined}>
                  <td>{t.trial}</td>
                  <td>
                    <Link to={`/training-jobs/${encodeURIComponent(t.trainingJob)}`}>{t.trainingJob}</Link> {best && <span className="badge ok">best</span>}
                  </td>
                  <td>
                    <StatusBadge status={t.status} /> {t.earlyStopped && <span className="muted small">early-stopped</span>}
                  </td>
                  {params.map((p) => (
                    <td key={p}>{t.hyperParameters[p] !== undefined ? numeric(t.hyperParameters[p]) : '–'}</td>
                  ))}
                  <td className="num">{formatNumber(t.objective)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </Card>
  );
}

/** Hyperparameters arrive as strings; numeric ones are shown rounded. */
function numeric(v: string): string {
  const n = Number(v);
  return v.trim() !== '' && Number.isFinite(n) ? formatNumber(n) : v;
}
