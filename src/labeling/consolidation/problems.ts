import { errorOfProblems, type OrchardError, type RequestProblem } from '../../core/errors.js';

/** Collects every problem of one input, so a caller fixes them all at once. */
export class Problems {
  private readonly list: RequestProblem[] = [];

  add(field: string, message: string): void {
    this.list.push({ field, code: 'ORCH_LABELING_INVALID', message: `${field}: ${message}` });
  }

  get size(): number {
    return this.list.length;
  }

  /** Throws one `ORCH_LABELING_INVALID` listing every problem in `details.errors`. */
  throwIfAny(): void {
    if (this.list.length > 0) throw this.error();
  }

  error(): OrchardError {
    return errorOfProblems(this.list);
  }
}

/** Throws `ORCH_LABELING_INVALID` for one field. */
export function invalid(field: string, message: string): never {
  const p = new Problems();
  p.add(field, message);
  throw p.error();
}

export const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Classes must be a non-empty list of distinct non-empty strings. */
export function checkClasses(classes: unknown, problems: Problems, field = 'classes'): classes is readonly string[] {
  if (!Array.isArray(classes) || classes.length === 0) {
    problems.add(field, 'must be a non-empty list of class names');
    return false;
  }
  const seen = new Set<string>();
  let ok = true;
  classes.forEach((c, i) => {
    if (typeof c !== 'string' || c.length === 0) {
      problems.add(`${field}[${i}]`, 'must be a non-empty string');
      ok = false;
    } else if (seen.has(c)) {
      problems.add(`${field}[${i}]`, `duplicate class "${c}"`);
      ok = false;
    } else seen.add(c);
  });
  return ok;
}
