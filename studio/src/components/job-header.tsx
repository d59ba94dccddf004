import { useState, type ReactNode } from 'react';
import { Can } from '../session';
import { ErrorBanner, PageHeader, StatusBadge } from './ui';

/** Statuses of a job that still runs (its Stop button shows). */
const RUNNING = new Set(['InProgress', 'Stopping']);

/**
 * The header of a long-running job's page (tuning jobs, AutoML jobs): breadcrumb, name,
 * status badge (with what the job is doing, when it says), a Stop button while it runs
 * for users who may write jobs, and the banner of a failed load or a refused stop.
 */
export function JobHeader({
  crumb,
  name,
  status,
  detail,
  onStop,
  loadError,
  onRetry,
}: {
  crumb: { to: string; label: string };
  name: string;
  /** Undefined while the job loads. */
  status: string | undefined;
  /** Shown after the badge (the secondary status), announced as it changes. */
  detail?: ReactNode;
  onStop: () => Promise<unknown>;
  loadError: unknown;
  onRetry: () => void;
}) {
  const [stopError, setStopError] = useState<unknown>(null);
  return (
    <>
      <PageHeader
        crumbs={[crumb]}
        title={name}
        subtitle={
          status ? (
            <span aria-live="polite" data-testid="job-status">
              <StatusBadge status={status} />
              {detail !== undefined && detail !== null && <> <span className="muted">{detail}</span></>}
            </span>
          ) : undefined
        }
        actions={
          status &&
          RUNNING.has(status) && (
            <Can permission="jobs:write">
              <button type="button" className="danger" disabled={status === 'Stopping'} onClick={() => onStop().then(onRetry, setStopError)}>
                Stop
              </button>
            </Can>
          )
        }
      />
      <ErrorBanner error={loadError ?? stopError} onRetry={onRetry} />
    </>
  );
}
