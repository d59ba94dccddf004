import type { RequestProblem } from '../core/index.js';

/**
 * A reviewer's answer: `{label}` for a one-record prediction, or `{labels}` with one
 * label per record (any length for a loop started by the API); each a flow label. Other
 * keys (a comment) are kept as given. Every problem is listed.
 */
export function checkReviewAnswer(answer: Record<string, unknown>, labels: readonly string[], records: number | null): RequestProblem[] {
  const problems: RequestProblem[] = [];
  const add = (field: string, message: string) => problems.push({ field, code: 'ORCH_REVIEW_ANSWER_INVALID', message: `${field}: ${message}` });
  const known = (v: unknown) => typeof v === 'string' && labels.includes(v);
  const hasLabel = 'label' in answer;
  const hasLabels = 'labels' in answer;
  if (hasLabel === hasLabels) add('answer', `give "label" (one of ${labels.join(', ')}) or "labels" (one per record)`);
  if (hasLabel && !known(answer.label)) add('answer.label', `must be one of ${labels.join(', ')}`);
  if (hasLabel && records !== null && records !== 1) add('answer.label', `the prediction has ${records} records: give "labels", one per record`);
  if (hasLabels) {
    const list = answer.labels;
    if (!Array.isArray(list) || list.length === 0) add('answer.labels', 'must be a non-empty list of labels');
    else {
      if (records !== null && list.length !== records) add('answer.labels', `${list.length} labels for ${records} records`);
      list.forEach((v, i) => {
        if (!known(v)) add(`answer.labels[${i}]`, `must be one of ${labels.join(', ')}`);
      });
    }
  }
  return problems;
}
