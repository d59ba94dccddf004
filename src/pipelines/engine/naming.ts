import { createHash, randomBytes } from 'node:crypto';

/** A new execution id: `pe-` and 12 hex digits (a valid resource name, so names derived from it are too). */
export function newExecutionId(): string {
  return `pe-${randomBytes(6).toString('hex')}`;
}

/**
 * The name of what a step creates: the execution's id, the step's key made name-safe and,
 * after the first attempt, the attempt. Within 63 characters and unique per (execution,
 * step, attempt): a key that had to be changed or shortened carries a hash of itself, so a
 * step re-entered after a crash derives the same name and finds what it created.
 */
export function resourceName(execution: string, step: string, attempt: number): string {
  let slug = step.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  const changed = slug !== step || slug.length > 36;
  slug = slug.slice(0, 36).replace(/-+$/, '');
  if (changed) slug = `${slug}-${createHash('sha256').update(step).digest('hex').slice(0, 6)}`;
  return `${execution}-${slug}${attempt > 1 ? `-a${attempt}` : ''}`;
}

/** The key of a for-each body step in one iteration. */
export function iterationKey(loop: string, index: number, step: string): string {
  return `${loop}[${index}].${step}`;
}
