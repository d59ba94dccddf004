/**
 * Small schema pieces every resource shares: names, string maps, enums written as JSON
 * Schema `enum`, pagination, and SageMaker's metric definitions.
 */
import { Type, type ObjectOptions, type Static, type StringOptions, type TProperties, type TSchema, type TUnsafe } from '@sinclair/typebox';
import { JOB_STATUSES, NAME_PATTERN, TERMINAL_JOB_STATUSES } from './values.js';

/**
 * A string enum as `{ type: 'string', enum: [...] }` (TypeBox's own `Union` of literals
 * would become `anyOf`, whose validation messages read worse and differ from the ones
 * clients already see).
 */
export function StringEnum<const T extends readonly string[]>(values: T, options: { description?: string } = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

/** `schema` or null, for record fields that are empty until something happens. */
export function Nullable<T extends TSchema>(schema: T) {
  return Type.Union([schema, Type.Null()]);
}

/** An object that refuses fields it does not declare (every create input and filter). */
export function Strict<T extends TProperties>(properties: T, options: ObjectOptions = {}) {
  return Type.Object(properties, { additionalProperties: false, ...options });
}


/** A SageMaker-style name of at most `maxLength` characters (63 for jobs, 32 for tuning jobs). */
export function ResourceName(maxLength: number, options: StringOptions = {}) {
  return Type.String({ minLength: 1, maxLength, pattern: NAME_PATTERN, ...options });
}

/** A training or transform job's name: 1–63 alphanumerics, hyphens only between them. */
export const JobName = ResourceName(63);

/** Path parameters `{ name }` with the given name rule. */
export function NameParams<T extends TSchema>(name: T) {
  return Type.Object({ name });
}
export type NameParams = { name: string };

/**
 * An object of any keys whose values follow `value`, as `additionalProperties` (TypeBox's
 * `Record` would write `patternProperties`, whose validation messages name a regex).
 */
export function MapOf<T extends TSchema>(value: T, options: ObjectOptions = {}): TUnsafe<Record<string, Static<T>>> {
  return Type.Unsafe<Record<string, Static<T>>>({ type: 'object', additionalProperties: value, ...options });
}

/** A string-to-string map (hyperparameters, tags) with SageMaker-style limits. */
export function StringMap(maxValue: number, maxProperties: number) {
  return MapOf(Type.String({ maxLength: maxValue }), { maxProperties });
}

/** Tags on any resource: up to 50, values up to 256 characters. */
export const Tags = StringMap(256, 50);

/** A string map with no limits, as records answer them. */
export const StringRecord = MapOf(Type.String());
/** Metric name → value, as records answer them. */
export const NumberRecord = MapOf(Type.Number());

/** ISO-8601 time, as every record answers it. */
export const Timestamp = Type.String({ description: 'ISO-8601 time' });

/** Who created a job, and when it was created, started, ended and last changed. */
export const JobTimeFields = {
  createdBy: Nullable(Type.String()),
  createdAt: Timestamp,
  startedAt: Nullable(Timestamp),
  endedAt: Nullable(Timestamp),
  updatedAt: Timestamp,
};

export const JobStatus = StringEnum(JOB_STATUSES);
export type JobStatus = Static<typeof JobStatus>;

/** SageMaker's metric definitions: a name and a regex whose first group is the value. */
export const MetricDefinition = Strict({ name: Type.String({ minLength: 1, maxLength: 255 }), regex: Type.String({ minLength: 1, maxLength: 500 }) });
export type MetricDefinition = Static<typeof MetricDefinition>;
export const MetricDefinitions = Type.Array(MetricDefinition, { maxItems: 40 });

/** A script-mode entry point inside a source archive already in the artifact store. */
export const ScriptSource = Strict({ entryPoint: Type.String({ minLength: 1, maxLength: 256 }), sourceKey: Type.String({ minLength: 1, maxLength: 1024 }) });
export type ScriptSource = Static<typeof ScriptSource>;

/** Channel name → dataset ref (`name` or `name@3`). */
export const Channels = MapOf(Type.String({ minLength: 1, maxLength: 200 }), { minProperties: 1, maxProperties: 20 });

/** The pagination every list takes. */
export const PageQuery = {
  /** @default 100, at most 1000 */
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  /** @default 0 */
  offset: Type.Optional(Type.Integer({ minimum: 0 })),
};
export interface PageQuery {
  limit?: number;
  offset?: number;
}

/** One page of a list and the count of everything that matched. */
export function Page<T extends TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item), total: Type.Integer({ minimum: 0 }) });
}
export interface Page<T> {
  items: T[];
  total: number;
}
