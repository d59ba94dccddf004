/**
 * The Debugger on a training job's page: its rules' statuses (beside the metric curves)
 * and the profiler report (CPU and memory over time, seconds per phase, per attempt).
 */
import type { RuleStatus, TrainingProfile } from '../../../src/contracts/index.js';
import { ApiError, get } from '../api/http';
import type { TrainingJob } from '../api/types';
import { useResource } from '../api/use-resource';
import { LineChart } from '../charts/line-chart';
import { formatNumber } from '../components/format';
import { Card, ErrorBanner, StatusBadge } from '../components/ui';

const RULE_TONE: Record<string, string> = { NoIssuesFound: 'Completed', IssuesFound: 'Failed', Error: 'Failed', InProgress: 'InProgress' };

export function DebuggerPanel({ job }: { job: TrainingJob }) {
  // Refetched whenever the job changes (the page reloads it on every live event).
  const profile = useResource(
    (signal) =>
      get<TrainingProfile>(`/training-jobs/${encodeURIComponent(job.name)}/profile`, undefined, signal).catch((err: unknown) => {
        if (err instanceof ApiError && err.status === 404) return null;
        throw err;
      }),
    [job.name, job.updatedAt],
  );
  return (
    <div className="two-col" data-testid="debugger">
      <Card title="Debugger rules">
        <RulesTable rules={job.rules ?? []} />
      </Card>
      <Card title="Profiler">
        <ErrorBanner error={profile.error} onRetry={profile.reload} />
        {profile.data ? <ProfileView profile={profile.data} /> : <p className="muted">{profile.loading ? 'Loading…' : 'No profile yet: the job has not started.'}</p>}
      </Card>
    </div>
  );
}

function RulesTable({ rules }: { rules: RuleStatus[] }) {
  if (rules.length === 0) return <p className="muted">No rules. Add them with <code>orchard train --rule loss_not_decreasing:stop</code>.</p>;
  return (
    <div className="table-wrap">
      <table aria-label="Debugger rules">
        <thead>
          <tr>
            <th>Rule</th>
            <th>Action</th>
            <th>Status</th>
            <th>Message</th>
          </tr>
        </thead>
        <tbody>
          {rules.map((r) => (
            <tr key={r.name} data-rule={r.name}>
              <td>
                <code>{r.name}</code>
              </td>
              <td>{r.action}</td>
              <td>
                <span data-rule-status={r.status}>
                  <StatusBadge status={RULE_TONE[r.status] ?? r.status} label={r.status} />
                </span>
              </td>
              <td>{r.message ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ProfileView({ profile }: { profile: TrainingProfile }) {
  const a = profile.attempts[profile.attempts.length - 1];
  if (!a) return null;
  const total = Object.values(a.totals).reduce((x, y) => x + y, 0) || 1;
  const cpu = a.samples.filter((s) => s.cpuPercent !== null).map((s) => ({ x: s.t, y: s.cpuPercent! }));
  const mem = a.samples.map((s) => ({ x: s.t, y: s.memoryMiB }));
  return (
    <>
      <p className="muted">
        Attempt {a.attempt}
        {profile.attempts.length > 1 ? ` of ${profile.attempts.length}` : ''}: CPU avg {a.cpu.avgPercent === null ? '–' : `${formatNumber(a.cpu.avgPercent)}%`}, max{' '}
        {a.cpu.maxPercent === null ? '–' : `${formatNumber(a.cpu.maxPercent)}%`} (100% = one core); memory max {a.memory.maxMiB === null ? '–' : `${formatNumber(a.memory.maxMiB)} MiB`}
      </p>
      <div className="table-wrap">
        <table aria-label="Time per phase">
          <thead>
            <tr>
              <th>Phase</th>
              <th>Seconds</th>
              <th>Share</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(a.totals).map(([phase, seconds]) => (
              <tr key={phase} data-phase={phase}>
                <td>{phase}</td>
                <td>{formatNumber(seconds)}</td>
                <td>
                  <div className="progress" style={{ width: 120 }} aria-hidden="true">
                    <div className="progress-fill" style={{ width: `${Math.round((seconds / total) * 100)}%` }} />
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {cpu.length > 0 && <LineChart title="CPU percent by second" series={[{ name: 'cpu %', points: cpu }]} xLabel="seconds" yLabel="cpu %" height={180} />}
      {mem.length > 0 && <LineChart title="Memory MiB by second" series={[{ name: 'memory MiB', points: mem }]} xLabel="seconds" yLabel="MiB" height={180} />}
    </>
  );
}
