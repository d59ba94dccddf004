/**
 * Input validation worded as SageMaker words it, so a client sees the same message it would
 * see from AWS: `1 validation error detected: Value 'x' at 'trainingJobName' failed to
 * satisfy constraint: Member must satisfy regular expression pattern: …`. Field paths are
 * the wire names with a lower-case first letter; list members are `name.1.member`.
 */
import { SageMakerError } from './sagemaker-error.js';

const NAME_REGEX = '^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}';
/** SageMaker's resource name rule (jobs, models, endpoints, configs). */
export const NAME_RULE = { pattern: new RegExp(`${NAME_REGEX}$`), source: NAME_REGEX, max: 63 } as const;

export interface StringRule {
  required?: boolean;
  pattern?: { readonly pattern: RegExp; readonly source: string };
  min?: number;
  max?: number;
  enum?: readonly string[];
}

export interface NumberRule {
  required?: boolean;
  min?: number;
  max?: number;
  integer?: boolean;
}

function shown(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return `'${value.length > 100 ? `${value.slice(0, 100)}…` : value}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return `'${JSON.stringify(value).slice(0, 100)}'`;
}

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** Reads the fields of one object of a request, collecting every problem (see {@link Fields.done}). */
export class Fields {
  private constructor(
    private readonly value: Record<string, unknown>,
    private readonly path: string,
    private readonly problems: string[],
  ) {}

  /** The request body as a whole. */
  static of(body: unknown): Fields {
    const value = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
    return new Fields(value, '', []);
  }

  /** Fields of `value` read at `path` (a definition's step inside a JSON string), problems counted with these. */
  nested(path: string, value: unknown): Fields {
    const object = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
    return new Fields(object, path, this.problems);
  }

  /** Problems found so far (this object's and every other of the request's). */
  get problemCount(): number {
    return this.problems.length;
  }

  /** The object as given (for what an operation keeps as sent). */
  raw(): Record<string, unknown> {
    return this.value;
  }

  /** The path of a field of this object, as problems name it. */
  pathOf(name: string): string {
    return this.at(name);
  }

  private at(name: string): string {
    return this.path ? `${this.path}.${lowerFirst(name)}` : lowerFirst(name);
  }

  private problem(name: string, value: unknown, constraint: string): undefined {
    this.problems.push(`Value ${shown(value)} at '${this.at(name)}' failed to satisfy constraint: ${constraint}`);
    return undefined;
  }

  /** Whether the field is present (not null or absent). */
  has(name: string): boolean {
    return this.value[name] !== undefined && this.value[name] !== null;
  }

  str(name: string, rule: StringRule & { required: true }): string;
  str(name: string, rule?: StringRule): string | undefined;
  str(name: string, rule: StringRule = {}): string | undefined {
    const value = this.value[name];
    if (value === undefined || value === null) return rule.required ? (this.problem(name, null, 'Member must not be null') as never) : undefined;
    if (typeof value !== 'string') return this.problem(name, value, 'Member must be a string') as never;
    if (rule.min !== undefined && value.length < rule.min) return this.problem(name, value, `Member must have length greater than or equal to ${rule.min}`) as never;
    if (rule.max !== undefined && value.length > rule.max) return this.problem(name, value, `Member must have length less than or equal to ${rule.max}`) as never;
    if (rule.enum && !rule.enum.includes(value)) return this.problem(name, value, `Member must satisfy enum value set: [${rule.enum.join(', ')}]`) as never;
    if (rule.pattern && !rule.pattern.pattern.test(value)) return this.problem(name, value, `Member must satisfy regular expression pattern: ${rule.pattern.source}`) as never;
    return value;
  }

  /** A resource name (SageMaker's rule: 1–63 alphanumerics, hyphens between them). */
  name(name: string, options: { required: true }): string;
  name(name: string, options?: { required?: boolean }): string | undefined;
  name(name: string, options: { required?: boolean } = {}): string | undefined {
    return this.str(name, { required: options.required, max: NAME_RULE.max, pattern: NAME_RULE });
  }

  num(name: string, rule: NumberRule & { required: true }): number;
  num(name: string, rule?: NumberRule): number | undefined;
  num(name: string, rule: NumberRule = {}): number | undefined {
    const value = this.value[name];
    if (value === undefined || value === null) return rule.required ? (this.problem(name, null, 'Member must not be null') as never) : undefined;
    if (typeof value !== 'number' || !Number.isFinite(value)) return this.problem(name, value, 'Member must be a number') as never;
    if (rule.integer && !Number.isInteger(value)) return this.problem(name, value, 'Member must be an integer') as never;
    if (rule.min !== undefined && value < rule.min) return this.problem(name, value, `Member must have value greater than or equal to ${rule.min}`) as never;
    if (rule.max !== undefined && value > rule.max) return this.problem(name, value, `Member must have value less than or equal to ${rule.max}`) as never;
    return value;
  }

  bool(name: string): boolean | undefined {
    const value = this.value[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') return this.problem(name, value, 'Member must be a boolean');
    return value;
  }

  /** A nested structure. */
  obj(name: string, options: { required: true }): Fields;
  obj(name: string, options?: { required?: boolean }): Fields | undefined;
  obj(name: string, options: { required?: boolean } = {}): Fields | undefined {
    const value = this.value[name];
    if (value === undefined || value === null) return options.required ? (this.problem(name, null, 'Member must not be null') as never) : undefined;
    if (typeof value !== 'object' || Array.isArray(value)) return this.problem(name, value, 'Member must be a structure') as never;
    return new Fields(value as Record<string, unknown>, this.at(name), this.problems);
  }

  /** A list of structures; each member's fields are read with its `name.N.member` path. */
  list(name: string, options: { required?: boolean; min?: number; max?: number } = {}): Fields[] {
    const value = this.value[name];
    if (value === undefined || value === null) {
      if (options.required) this.problem(name, null, 'Member must not be null');
      return [];
    }
    if (!Array.isArray(value)) return this.problem(name, value, 'Member must be a list') ?? [];
    if (options.min !== undefined && value.length < options.min) return this.problem(name, value, `Member must have length greater than or equal to ${options.min}`) ?? [];
    if (options.max !== undefined && value.length > options.max) return this.problem(name, value, `Member must have length less than or equal to ${options.max}`) ?? [];
    return value.map((item, index) => {
      const path = `${this.at(name)}.${index + 1}.member`;
      if (item === null || typeof item !== 'object' || Array.isArray(item)) {
        this.problems.push(`Value ${shown(item)} at '${path}' failed to satisfy constraint: Member must be a structure`);
        return new Fields({}, path, this.problems);
      }
      return new Fields(item as Record<string, unknown>, path, this.problems);
    });
  }

  /** A list of strings. */
  strings(name: string, options: { max?: number } = {}): string[] {
    const value = this.value[name];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) return this.problem(name, value, 'Member must be a list of strings') ?? [];
    if (options.max !== undefined && value.length > options.max) return this.problem(name, value, `Member must have length less than or equal to ${options.max}`) ?? [];
    return value as string[];
  }

  /** A string-to-string map (hyperparameters, environment). */
  map(name: string, options: { maxEntries?: number; maxValue?: number } = {}): Record<string, string> | undefined {
    const value = this.value[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) return this.problem(name, value, 'Member must be a map');
    const entries = Object.entries(value as Record<string, unknown>);
    if (options.maxEntries !== undefined && entries.length > options.maxEntries) return this.problem(name, value, `Member must have length less than or equal to ${options.maxEntries}`);
    for (const [key, item] of entries) {
      if (typeof item !== 'string') return this.problem(name, value, `Map value at '${key}' must be a string`);
      if (options.maxValue !== undefined && item.length > options.maxValue) return this.problem(name, value, `Map value at '${key}' must have length less than or equal to ${options.maxValue}`);
    }
    return value as Record<string, string>;
  }

  /** SageMaker's `Tags: [{Key, Value}]` as a record. */
  tags(name = 'Tags'): Record<string, string> {
    const tags: Record<string, string> = {};
    for (const tag of this.list(name, { max: 50 })) {
      const key = tag.str('Key', { required: true, min: 1, max: 128 });
      const value = tag.str('Value', { max: 256 }) ?? '';
      if (key !== undefined) tags[key] = value;
    }
    return tags;
  }

  /** A problem found by the operation itself, with the same wording and path rules. */
  fail(name: string, value: unknown, constraint: string): void {
    this.problem(name, value, constraint);
  }

  /** Throws one `ValidationException` listing every problem found so far. */
  done(): void {
    if (this.problems.length === 0) return;
    const count = this.problems.length;
    throw new SageMakerError('ValidationException', `${count} validation error${count === 1 ? '' : 's'} detected: ${this.problems.join('; ')}`);
  }
}
