import { Link } from 'react-router';
import { alarmsApi, type Alarm } from '../api/client';
import { useWatch } from '../api/live';
import { useResource } from '../api/use-resource';
import { formatTime } from '../components/format';
import { Card, Empty, ErrorBanner, Loading, PageHeader } from '../components/ui';

const TONE: Record<Alarm['state'], string> = { OK: 'ok', ALARM: 'bad', INSUFFICIENT_DATA: 'muted' };

/** An alarm's state as a badge: red in ALARM, green when OK, grey without data. */
export function AlarmBadge({ state }: { state: Alarm['state'] }) {
  return (
    <span className={`badge ${TONE[state]}`} data-status={state}>
      {state === 'INSUFFICIENT_DATA' ? 'Insufficient data' : state}
    </span>
  );
}

const OPERATOR: Record<Alarm['comparison'], string> = { GreaterThanThreshold: '>', GreaterThanOrEqualToThreshold: '≥', LessThanThreshold: '<', LessThanOrEqualToThreshold: '≤' };

/** `sum Invocation4XXErrors ≥ 1 for 1 of 1 × 60 s`: the rule in one line. */
export function alarmRule(a: Alarm): string {
  return `${a.stat} ${a.metric} ${OPERATOR[a.comparison]} ${a.threshold} for ${a.datapointsToAlarm} of ${a.evaluationPeriods} × ${a.period} s`;
}

/** What an alarm watches: its endpoint, job or schedule (with the other dimensions). */
export function alarmSubject(a: Alarm): string {
  return Object.entries(a.dimensions)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}

export function AlarmsPage() {
  const list = useResource((signal) => alarmsApi.list({ limit: 500 }, signal), []);
  // Each state change is an `alarm` event on the platform feed.
  useWatch({ kind: 'feed', of: 'alarm' }, list.reload);
  const items = list.data?.items ?? [];
  const firing = items.filter((a) => a.state === 'ALARM').length;
  return (
    <>
      <PageHeader title="Alarms" subtitle={
          list.data ? (
            <>
              {items.length} alarm{items.length === 1 ? '' : 's'}, {firing} in ALARM. Create them with <code>orchard alarms create</code> or the SDK.
            </>
          ) : (
            'Thresholds on stored metrics, with actions when crossed.'
          )
        } />
      <Card>
        <ErrorBanner error={list.error} onRetry={list.reload} />
        {!list.data ? (
          <Loading />
        ) : items.length === 0 ? (
          <Empty>No alarms yet.</Empty>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">State</th>
                  <th scope="col">Watches</th>
                  <th scope="col">Rule</th>
                  <th scope="col">Actions</th>
                  <th scope="col">Since</th>
                </tr>
              </thead>
              <tbody>
                {items.map((a) => (
                  <tr key={a.name} data-alarm={a.name}>
                    <td>
                      <Link to={`/alarms/${encodeURIComponent(a.name)}`}>{a.name}</Link>
                      {!a.enabled && <span className="muted"> (disabled)</span>}
                    </td>
                    <td>
                      <AlarmBadge state={a.state} />
                    </td>
                    <td>{alarmSubject(a)}</td>
                    <td>
                      <code>{alarmRule(a)}</code>
                    </td>
                    <td>{a.actions.length > 0 ? a.actions.join(', ') : <span className="muted">none</span>}</td>
                    <td>{formatTime(a.stateUpdatedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </>
  );
}
