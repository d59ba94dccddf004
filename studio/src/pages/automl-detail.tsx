import { Link, useParams } from 'react-router';
import { automlApi } from '../api/client';
import { useWatch } from '../api/live';
import type { AutomlCandidate, AutomlJob } from '../api/types';
import { useResource } from '../api/use-resource';
import { BarChart } from '../charts/bar-chart';
import { formatDuration, formatNumber, formatTime } from '../components/format';
import { JobHeader } from '../components/job-header';
import { Card, KeyValues, Loading, StatusBadge } from '../components/ui';
import { Can } from '../session';
import { AUTOML_MAXIMIZED_OBJECTIVES } from '../../../src/contracts/automl.values';
import { readBudget } from './automl-budget-model';
import { AUTOML_ACTIVE, formatSeconds } from './automl-jobs';
import { AutomlReports } from './automl-reports';

export function AutomlDetailPage() {
  const { name = '' } = useParams();
  const job = useResource((signal) => automlApi.describe(name, signal), [name]);
  const j = job.data;
  const live = j ? AUTOML_ACTIVE.has(j.status) : !job.error;
  // The job's own status events, and its candidates' (training jobs `<name>-<n>`).
  useWatch(live ? { kind: 'feed', of: 'automl', name } : null, job.reload);
  useWatch(live ? { kind: 'feed', of: 'training-job', prefix: `${name}-` } : null, job.reload);
  return (
    <>
      <JobHeader
        crumb={{ to: '/automl', label: 'AutoML' }}
        name={name}
        status={j?.status}
        detail={j?.secondaryStatus}
        onStop={() => automlApi.stop(name)}
        loadError={job.error}
        onRetry={job.reload}
      />
      {!j ? !job.error && <Loading /> : <AutomlJobView job={j} />}
    </>
  );
}

function AutomlJobView({ job: j }: { job: AutomlJob }) {
  const c = j.candidateCounts;
  const v = j.validation;
  return (
    <>
      {j.failureReason && (
        <div className="banner error" role="alert">
          <strong>Failure reason:</strong> {j.failureReason}
        </div>
      )}
      <div className="two-col">
        <Card title="Job">
          <KeyValues
            items={[
              ['Dataset', <Link key="d" to={`/datasets/${encodeURIComponent(j.dataset.split('@')[0])}`}>{j.dataset}</Link>],
              ['Target', <code key="t">{j.target}</code>],
              ['Problem type', j.problemType ? `${j.problemType}${j.problemTypeRequested === 'auto' ? ' (inferred)' : ''}` : `${j.problemTypeRequested} (not analysed yet)`],
              ['Objective', `${j.objective.metric} (${AUTOML_MAXIMIZED_OBJECTIVES.includes(j.objective.metric) ? 'maximized' : 'minimized'})`],
              ['Mode', j.mode],
              ['Validation', v ? (v.method === 'cv' ? `${v.folds ?? '?'}-fold cross-validation` : `holdout${v.validationShare !== undefined ? ` (${Math.round(v.validationShare * 100)}% of rows)` : ''}`) : '–'],
              ['Candidates', `${c.completed} completed, ${c.failed} failed, ${c.stopped} stopped, ${c.inProgress} running of ${j.maxCandidates} (${j.maxParallel} at once)`],
              ['Budget', formatSeconds(j.maxRuntimeSeconds)],
              ['Seed', j.seed],
              ['Created', `${formatTime(j.createdAt)}${j.createdBy ? ` by ${j.createdBy}` : ''}`],
              ['Duration', formatDuration(j.createdAt, j.endedAt)],
            ]}
          />
        </Card>
        <BestCandidate job={j} />
      </div>
      <Budget job={j} />
      <Leaderboard job={j} />
      <AutomlReports job={j} />
    </>
  );
}

function BestCandidate({ job: j }: { job: AutomlJob }) {
  const best = j.bestCandidate;
  const row = best ? j.leaderboard.find((c) => c.name === best.name) : undefined;
  return (
    <Card title="Best candidate" className={best ? 'best-card' : undefined}>
      {!best ? (
        <p className="muted">No candidate has been scored yet.</p>
      ) : (
        <div data-testid="automl-best">
          <KeyValues
            items={[
              ['Candidate', best.name],
              ['Algorithm', best.algorithm],
              [j.objective.metric, <strong key="o">{formatNumber(best.objective.value ?? null)}</strong>],
              ...(row?.recipe ? [['Recipe', row.recipeFit ?? row.recipe] as [string, string]] : []),
              ...(row?.members ? [['Members', row.members.map((m) => `${m.candidate} × ${formatNumber(m.weight)}`).join(', ')] as [string, string]] : []),
              ['Model', best.model ? <Link key="m" to={`/models/${encodeURIComponent(best.model)}`}>{best.model}</Link> : <span key="m" className="muted">not registered yet</span>],
            ]}
          />
          {best.model && (
            <Can permission="endpoints:write">
              <p>
                <Link className="button" to={`/endpoints?model=${encodeURIComponent(best.model)}`}>
                  Deploy {best.model}
                </Link>
              </p>
            </Can>
          )}
        </div>
      )}
    </Card>
  );
}

/** How the job spent its time budget, phase by phase (absent on jobs from before it was recorded). */
function Budget({ job: j }: { job: AutomlJob }) {
  const b = readBudget(j);
  if (!b) return null;
  const active = AUTOML_ACTIVE.has(j.status);
  return (
    <Card title={`Budget (${formatSeconds(b.maxRuntimeSeconds)})`}>
      <div className="table-wrap">
        <table data-testid="automl-budget">
          <thead>
            <tr>
              <th scope="col">Phase</th>
              <th scope="col" className="num">Seconds</th>
              <th scope="col" className="num">Of the budget</th>
            </tr>
          </thead>
          <tbody>
            {b.rows.map((r) => (
              <tr key={r.phase} className={r.estimate ? 'muted' : undefined}>
                <th scope="row">{r.phase}</th>
                <td className="num">
                  {r.seconds === null ? (active ? <span className="muted">not yet</span> : '–') : `${formatNumber(r.seconds)} s`}
                  {r.phase === 'Finalize' && b.finalizeOverEstimate && <div className="muted small">longer than estimated</div>}
                </td>
                <td className="num">
                  {r.share === null ? '–' : `${Math.round(r.share * 100)}%`}
                  {r.phase === 'Total' && b.overSeconds !== null && (
                    <>
                      {' '}
                      <span className="badge warn">over by {formatNumber(b.overSeconds)} s</span>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {b.leftOut === null ? null : b.leftOut.length === 0 ? (
        <p className="muted">The finalize left nothing out.</p>
      ) : (
        <>
          <p>
            <span className="badge warn">left out</span> To end within the budget, the finalize left out:
          </p>
          <ul className="warnings" data-testid="automl-budget-left-out">
            {b.leftOut.map((item, i) => (
              <li key={i}>{item}</li>
            ))}
          </ul>
        </>
      )}
    </Card>
  );
}

/** Metric names across the candidates, the objective first. */
function metricNames(job: AutomlJob): string[] {
  const names = new Set<string>();
  for (const c of job.leaderboard) for (const k of Object.keys(c.metrics)) names.add(k);
  names.delete(job.objective.metric);
  return [...names].sort();
}

function Leaderboard({ job: j }: { job: AutomlJob }) {
  const scored = j.leaderboard.filter((c) => typeof c.objective.value === 'number');
  const others = metricNames(j).slice(0, 4);
  const best = j.bestCandidate?.name;
  return (
    <Card title={`Leaderboard (${j.leaderboard.length})`}>
      {scored.length > 0 && (
        <BarChart
          title={`${j.objective.metric} by candidate`}
          xLabel="candidate (best first)"
          yLabel={j.objective.metric}
          bars={scored.slice(0, 30).map((c) => ({ label: shortName(c, j.name), value: c.objective.value as number }))}
        />
      )}
      {j.leaderboard.length === 0 ? (
        <p className="muted">No candidates yet{AUTOML_ACTIVE.has(j.status) ? ` (${j.secondaryStatus})` : ''}.</p>
      ) : (
        <div className="table-wrap">
          <table data-testid="automl-leaderboard">
            <thead>
              <tr>
                <th scope="col" className="num">Rank</th>
                <th scope="col">Candidate</th>
                <th scope="col">Status</th>
                <th scope="col">Algorithm</th>
                <th scope="col">Recipe</th>
                <th scope="col" className="num">
                  {j.objective.metric}
                  {j.validation?.method === 'cv' && <span className="muted small"> (mean of folds)</span>}
                </th>
                {others.map((m) => (
                  <th key={m} scope="col" className="num">
                    {m}
                  </th>
                ))}
                <th scope="col" className="num">Training</th>
              </tr>
            </thead>
            <tbody>
              {j.leaderboard.map((c) => (
                <tr key={c.name} className={c.name === best ? 'best' : undefined}>
                  <td className="num">{c.rank ?? '–'}</td>
                  <th scope="row">
                    {c.trainingJob ? <Link to={`/training-jobs/${encodeURIComponent(c.trainingJob)}`}>{c.name}</Link> : c.name} {c.name === best && <span className="badge ok">best</span>}
                  </th>
                  <td>
                    <StatusBadge status={c.status} />
                    {c.failureReason && <div className="muted small">{c.failureReason}</div>}
                  </td>
                  <td>{c.algorithm}</td>
                  <td>{c.members ? `${c.members.length} members` : (c.recipe ?? '–')}</td>
                  <td className="num">
                    <strong>{formatNumber(c.objective.value ?? null)}</strong>
                    {c.crossValidation && (
                      <div className="muted small" title={`per fold: ${c.crossValidation.scores.map((v) => formatNumber(v)).join(', ')}`}>
                        ± {formatNumber(c.crossValidation.std)} over {c.crossValidation.folds} folds
                      </div>
                    )}
                  </td>
                  {others.map((m) => (
                    <td key={m} className="num">
                      {formatNumber(c.metrics[m] ?? null)}
                    </td>
                  ))}
                  <td className="num">{c.trainingSeconds === null ? '–' : `${formatNumber(c.trainingSeconds)} s`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}

/** `job-3` shows as `3`, the ensemble as `ensemble`: bar labels stay short. */
function shortName(c: AutomlCandidate, job: string): string {
  return c.name.startsWith(`${job}-`) ? c.name.slice(job.length + 1) : c.name;
}
