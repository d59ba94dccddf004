/** The plain-text views of `orchard automl` (describe, leaderboard): pure, so they are tested without a server. */
import type { AutomlCandidate, AutomlJob } from '../../sdk/index.js';
import { fields, table } from '../output.js';

export function countsText(j: AutomlJob): string {
  const c = j.candidateCounts;
  return `${c.completed + c.failed + c.stopped}/${j.maxCandidates} candidates (${c.inProgress} running, ${c.failed} failed)`;
}

export function describeText(j: AutomlJob): string {
  const kept = j.columns.filter((c) => c.type !== 'dropped');
  const dropped = j.columns.filter((c) => c.type === 'dropped' && c.dropReason !== 'target');
  const head = fields([
    ['name', j.name],
    ['status', `${j.status} (${j.secondaryStatus})`],
    ['failure', j.failureReason],
    ['dataset', `${j.dataset}, target ${j.target}`],
    ['problem', `${j.problemType ?? '-'}${j.problemTypeRequested === 'auto' ? ' (inferred)' : ''}${j.classes ? `, classes ${j.classes.join(', ')}` : ''}`],
    ['objective', j.objective.metric],
    ['validation', j.validation ? (j.validation.method === 'cv' ? `${j.validation.folds ?? 5}-fold cross-validation` : `hold-out ${j.validation.validationShare ?? ''}`) : null],
    ['features', kept.map((c) => `${c.name} (${c.type})`).join(', ')],
    ['dropped', dropped.map((c) => `${c.name} (${c.dropReason})`).join(', ') || undefined],
    ['budget', `${j.maxCandidates} candidates, ${j.maxRuntimeSeconds} s, mode ${j.mode}, ${j.maxParallel} at a time, seed ${j.seed}`],
    ['candidates', countsText(j)],
    ['best', j.bestCandidate ? `${j.bestCandidate.name} (${j.bestCandidate.algorithm}): ${j.objective.metric}=${formatValue(j.bestCandidate.objective.value)}, model ${j.bestCandidate.model ?? '-'}` : undefined],
    ['created', `${j.createdAt} by ${j.createdBy ?? '-'}`],
    ['ended', j.endedAt],
  ]);
  const budget = budgetText(j);
  const text = budget ? `${head}\n\n${budget}` : head;
  return j.leaderboard.length === 0 ? text : `${text}\n\n${leaderboardTable(j.leaderboard, j.bestCandidate?.name)}`;
}

/**
 * How the job spent its budget (`budget`), or null on a job from before it was recorded. A
 * phase not reached yet reads `-`; what the finalize left out is listed one item a line
 * (`nothing` when it left nothing out, `-` before it ran).
 */
export function budgetText(j: Pick<AutomlJob, 'budget' | 'maxRuntimeSeconds'>): string | null {
  const b = j.budget;
  if (!b) return null;
  const max = j.maxRuntimeSeconds;
  const total = b.totalSeconds === undefined ? undefined : `${seconds(b.totalSeconds)} of ${seconds(max)} (${Math.round((100 * b.totalSeconds) / max)}%${b.totalSeconds > max ? `, over by ${seconds(b.totalSeconds - max)}` : ''})`;
  const left = b.finalizeDegraded;
  const entries: Array<[string, unknown]> = [
    ['max runtime', seconds(max)],
    ['feature engineering', seconds(b.featureEngineeringSeconds)],
    ['tuning', seconds(b.tuningSeconds)],
    ['finalize', b.finalizeEstimateSeconds === undefined && b.finalizeSeconds === undefined ? undefined : `estimated ${seconds(b.finalizeEstimateSeconds) ?? '-'}, took ${seconds(b.finalizeSeconds) ?? '-'}`],
    ['total', total],
    ['finalize left out', left === undefined ? undefined : left.length === 0 ? 'nothing' : left[0]],
  ];
  // Further items left out line up under the first.
  const indent = ' '.repeat(2 + Math.max(...entries.map(([k]) => k.length)) + 2);
  const lines = fields(entries).split('\n').map((l) => `  ${l}`);
  for (const item of left?.slice(1) ?? []) lines.push(`${indent}${item}`);
  return `Budget\n${lines.join('\n')}`;
}

/** Seconds to a tenth, as the job records them. */
function seconds(v: number | undefined): string | undefined {
  return v === undefined ? undefined : `${Math.round(v * 10) / 10} s`;
}

/**
 * The leaderboard as a table, best first. A cross-validated candidate's objective reads
 * `mean ± std` over its folds (the header says how many); the best candidate (the job's
 * `bestCandidate`, else rank 1) is marked `(best)`.
 */
export function leaderboardTable(items: readonly AutomlCandidate[], best: string | undefined = items.find((c) => c.rank === 1)?.name): string {
  const metric = items.find((c) => c.objective.metric)?.objective.metric ?? 'objective';
  const folds = items.find((c) => c.crossValidation)?.crossValidation?.folds;
  return table(
    ['rank', 'candidate', 'algorithm', 'recipe', 'status', folds ? `${metric} (mean ± std, ${folds} folds)` : metric, 'seconds'],
    items.map((c) => [
      c.rank,
      c.name === best ? `${c.name} (best)` : c.name,
      c.algorithm,
      c.recipe ?? (c.members ? c.members.map((m) => `${m.candidate}×${formatValue(m.weight)}`).join(' ') : ''),
      c.status,
      objectiveText(c),
      c.trainingSeconds === null ? '' : Math.round(c.trainingSeconds),
    ]),
  );
}

/** A candidate's objective: the value, with `± std` when it is a mean over folds. */
export function objectiveText(c: Pick<AutomlCandidate, 'objective' | 'crossValidation'>): string {
  const v = c.objective.value;
  if (v === null || v === undefined) return '';
  return c.crossValidation ? `${formatValue(v)} ± ${formatValue(c.crossValidation.std)}` : formatValue(v);
}

export function formatValue(v: number | null | undefined): string {
  if (v === null || v === undefined) return '-';
  return Number.isInteger(v) ? String(v) : v.toPrecision(6).replace(/\.?0+$/, '');
}
