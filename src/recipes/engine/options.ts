import type { ErrorCode, RequestProblem } from '../../core/errors.js';

/** Collects the problems of a recipe's options, one per field, and reads them typed. */
export class Options {
  constructor(
    readonly raw: Record<string, unknown>,
    readonly field: string,
    readonly problems: RequestProblem[],
  ) {}

  problem(message: string, field = this.field, code: ErrorCode = 'ORCH_RECIPE_INVALID'): void {
    this.problems.push({ field, code, message: `${field}: ${message}` });
  }

  /** Reports options the step does not know. */
  only(...known: string[]): void {
    for (const key of Object.keys(this.raw)) {
      if (!known.includes(key)) this.problem(`unknown option ${JSON.stringify(key)} (known: ${known.join(', ')})`, `${this.field}.${key}`);
    }
  }

  columns(key = 'columns', required = true): string[] {
    const v = this.raw[key];
    const f = `${this.field}.${key}`;
    if (v === undefined) {
      if (required) this.problem('is required (a list of column names)', f);
      return [];
    }
    if (!Array.isArray(v) || v.length === 0 || v.some((c) => typeof c !== 'string' || c === '')) {
      this.problem('must be a non-empty list of column names', f);
      return [];
    }
    const dup = v.find((c, i) => v.indexOf(c) !== i);
    if (dup !== undefined) this.problem(`names ${JSON.stringify(dup)} twice`, f);
    return v as string[];
  }

  string<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const v = this.raw[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'string' || !allowed.includes(v as T)) {
      this.problem(`must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`, `${this.field}.${key}`);
      return fallback;
    }
    return v as T;
  }

  number(key: string, fallback: number, check: { min?: number; max?: number; integer?: boolean; exclusiveMin?: boolean } = {}): number {
    const v = this.raw[key];
    if (v === undefined) return fallback;
    const f = `${this.field}.${key}`;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      this.problem('must be a number', f);
      return fallback;
    }
    if (check.integer && !Number.isInteger(v)) this.problem('must be a whole number', f);
    else if (check.min !== undefined && (check.exclusiveMin ? v <= check.min : v < check.min)) {
      this.problem(`must be ${check.exclusiveMin ? 'greater than' : 'at least'} ${check.min}`, f);
    } else if (check.max !== undefined && v > check.max) this.problem(`must be at most ${check.max}`, f);
    return v;
  }

  optionalNumber(key: string): number | undefined {
    if (this.raw[key] === undefined) return undefined;
    return this.number(key, 0);
  }

  boolean(key: string, fallback: boolean): boolean {
    const v = this.raw[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') {
      this.problem('must be true or false', `${this.field}.${key}`);
      return fallback;
    }
    return v;
  }
}
