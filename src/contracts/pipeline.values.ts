/** Plain values of pipelines (no schema library), shared by the server, SDK, CLI and studio. */

/** An execution: `Queued` waits for another of its pipeline to end (the `queue` overlap policy). */
export const EXECUTION_STATUSES = ['Queued', 'Executing', 'Stopping', 'Succeeded', 'Failed', 'Stopped'] as const;
export const TERMINAL_EXECUTION_STATUSES: readonly string[] = ['Succeeded', 'Failed', 'Stopped'];

/**
 * A step: `Starting` is written before its effect (so a step re-entered after a crash finds
 * what it created), `Executing` while its work runs, `Waiting` for a time or an approval,
 * `Retrying` between attempts; `Skipped` when a condition chose the other branch.
 */
export const STEP_STATUSES = ['Pending', 'Starting', 'Executing', 'Waiting', 'Retrying', 'Succeeded', 'Failed', 'Skipped', 'Stopped'] as const;
export const TERMINAL_STEP_STATUSES: readonly string[] = ['Succeeded', 'Failed', 'Skipped', 'Stopped'];

export const OVERLAP_POLICIES = ['allow', 'queue', 'skip'] as const;
