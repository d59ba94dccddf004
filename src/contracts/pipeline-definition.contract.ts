/**
 * Pipeline definitions: the language a pipeline is written in (JSON or YAML, or the SDK's
 * builder). Declared here once: per step type the shape of its fields (a JSON Schema
 * that the server's checker walks, so every problem gets its own field path) and the
 * types of its outputs (what `{"Get": "Steps.<s>.<output>"}` may read). Field values may
 * be an expression (`Get`, `Join`) anywhere but where {@link LITERAL_FIELDS} says.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { APPROVAL_STATUSES, JOIN_SOURCES, ROLES, SPLIT_TYPES } from './values.js';
import { MapOf, StringEnum, Strict } from './common.contract.js';
import { CreateProcessingJobRequest } from './processing.contract.js';
import { CreateTrainingJobRequest } from './training.contract.js';
import { CreateTuningJobRequest } from './tuning.contract.js';
import { ForecastColumnMap, ForecastFilling } from './forecast.contract.js';
import { FORECAST_PREDICTOR_ALGORITHMS } from './forecast.values.js';

/** The language's version; a definition without one is version 1. */
export const PIPELINE_SCHEMA_VERSION = 1;

/** Step names: a letter, then letters, digits, `_` and `-`; unique in the whole definition. */
export const STEP_NAME_PATTERN = '^[A-Za-z][A-Za-z0-9_-]{0,62}$';
/** Parameter names follow the step names' rule. */
export const PARAMETER_NAME_PATTERN = STEP_NAME_PATTERN;

export const STEP_TYPES = [
  'sql', 'processing', 'training', 'tuning', 'create-model', 'register-model', 'transform', 'endpoint',
  'forecast-import', 'forecast-predictor', 'forecast', 'forecast-export',
  'condition', 'wait', 'fail', 'pass', 'parallel', 'for-each', 'script', 'notify',
] as const;
export type StepType = (typeof STEP_TYPES)[number];

export const PIPELINE_PARAMETER_TYPES = ['string', 'integer', 'float', 'boolean', 'list'] as const;
export type PipelineParameterType = (typeof PIPELINE_PARAMETER_TYPES)[number];

export const COMPARISON_OPERATORS = ['>=', '>', '<', '<=', '==', '!='] as const;
/** Comparisons that need numbers on both sides. */
export const NUMERIC_OPERATORS = ['>=', '>', '<', '<='] as const;

/** Roots a `Get` path starts with. `Item` and `Index` only inside a for-each body. */
export const EXPRESSION_ROOTS = ['Parameters', 'Steps', 'Execution', 'Item', 'Index'] as const;
export const EXECUTION_FIELDS = ['id', 'pipeline', 'version', 'startTime'] as const;

/** The longest definition text accepted. */
export const MAX_DEFINITION_BYTES = 1024 * 1024;

/** A retry rule's defaults (Step Functions' Retrier). */
export const RETRY_DEFAULTS = { intervalSeconds: 1, backoffRate: 2, maxAttempts: 3 } as const;

// ---- expressions ------------------------------------------------------------------------

/** `{"Get": "Steps.train.modelArtifact"}`: a parameter, a step (or one of its outputs), the execution, the item. */
export type GetExpression = { Get: string };
/** `{"Join": {"on": "-", "values": [...]}}`: the values as text, joined (a list among them joins its items). */
export type JoinExpression = { Join: { on?: string; values: unknown[] } };
export type Expression = GetExpression | JoinExpression;

export const GetExpression = Strict({ Get: Type.String({ minLength: 1, maxLength: 1000 }) });
export const JoinExpression = Strict({ Join: Strict({ on: Type.Optional(Type.String({ maxLength: 100 })), values: Type.Array(Type.Unknown(), { maxItems: 100 }) }) });
export const Expression = Type.Union([GetExpression, JoinExpression]);

/** A condition: a comparison, `in`, `and` / `or` / `not`, a boolean, or a Get to a boolean. */
export type Condition =
  | boolean
  | GetExpression
  | { '>=': [unknown, unknown] }
  | { '>': [unknown, unknown] }
  | { '<': [unknown, unknown] }
  | { '<=': [unknown, unknown] }
  | { '==': [unknown, unknown] }
  | { '!=': [unknown, unknown] }
  | { in: [unknown, unknown] }
  | { and: Condition[] }
  | { or: Condition[] }
  | { not: Condition };

/** A value as written in a definition: the value itself, or an expression giving it, at any depth. */
export type WithRefs<T> =
  | Expression
  | (T extends readonly (infer U)[] ? WithRefs<U>[] : T extends Record<string, unknown> ? { [K in keyof T]: WithRefs<T[K]> } : T);

// ---- parameters -------------------------------------------------------------------------

export const PipelineParameterSpec = Strict({
  type: StringEnum(PIPELINE_PARAMETER_TYPES),
  /** A parameter without a default must be given at start. */
  default: Type.Optional(Type.Unknown()),
  enum: Type.Optional(Type.Array(Type.Unknown(), { minItems: 1, maxItems: 1000 })),
  description: Type.Optional(Type.String({ maxLength: 1000 })),
});
export type PipelineParameterSpec = Static<typeof PipelineParameterSpec>;

// ---- common step fields -----------------------------------------------------------------

/** ORCH_ codes, or `*` for any error. */
const ErrorMatch = Type.Array(Type.String({ pattern: '^(\\*|ORCH_[A-Z0-9_]+)$' }), { minItems: 1, maxItems: 50 });

export const RetryRule = Strict({
  /** Which errors this rule retries. @default ['*'] */
  errors: Type.Optional(ErrorMatch),
  /** @default 1 */
  intervalSeconds: Type.Optional(Type.Number({ minimum: 0, maximum: 86_400 })),
  /** @default 2 */
  backoffRate: Type.Optional(Type.Number({ minimum: 1, maximum: 100 })),
  /** Attempts in all, the first included. @default 3 */
  maxAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
});
export type RetryRule = Static<typeof RetryRule>;

export const CatchRule = Strict({
  /** @default ['*'] */
  errors: Type.Optional(ErrorMatch),
  /** The step run when this step fails with a matching error (at the same level). */
  next: Type.String({ pattern: STEP_NAME_PATTERN }),
});
export type CatchRule = Static<typeof CatchRule>;

/** ISO-8601 duration: `P30D`, `PT1H`, `P1Y2M3DT4H5M6S`, `P2W`. */
export const ISO_DURATION_PATTERN = '^P(?!$)(\\d+Y)?(\\d+M)?(\\d+W)?(\\d+D)?(T(?=\\d)(\\d+H)?(\\d+M)?(\\d+(\\.\\d+)?S)?)?$';

export const CacheConfig = Strict({
  enabled: Type.Boolean(),
  /** How long a cached result is reused: an ISO-8601 duration. @default no expiry */
  expireAfter: Type.Optional(Type.String({ pattern: ISO_DURATION_PATTERN })),
});
export type CacheConfig = Static<typeof CacheConfig>;

/** Fields every step has; none of them takes an expression. */
export const CommonStepFields = {
  name: Type.String({ pattern: STEP_NAME_PATTERN }),
  type: StringEnum(STEP_TYPES),
  /** Steps that must have ended first, besides the ones referenced. */
  dependsOn: Type.Optional(Type.Array(Type.String({ pattern: STEP_NAME_PATTERN }), { maxItems: 100 })),
  retry: Type.Optional(Type.Array(RetryRule, { maxItems: 20 })),
  catch: Type.Optional(Type.Array(CatchRule, { maxItems: 20 })),
  timeoutSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_419_200 })),
  cache: Type.Optional(CacheConfig),
  description: Type.Optional(Type.String({ maxLength: 1000 })),
};
export const COMMON_STEP_FIELDS = Object.keys(CommonStepFields) as readonly (keyof typeof CommonStepFields)[];

// ---- the fields of each step type -------------------------------------------------------

const Text = (max = 1000) => Type.String({ minLength: 1, maxLength: max });
const DatasetRef = Text(200);
const AnyJson = Type.Unknown();
/** A step inside a parallel branch or a for-each body: checked as a step of its own. */
const NestedStep = Type.Unsafe<Record<string, unknown>>({ type: 'object' });
/** A hyperparameter as a pipeline writes it: numbers and booleans are passed as text. */
const HyperParameterValue = Type.Union([Type.String({ maxLength: 2500 }), Type.Number(), Type.Boolean()]);

function without<P extends Record<string, TSchema>, K extends keyof P>(properties: P, key: K): Omit<P, K> {
  const { [key]: _dropped, ...rest } = properties;
  return rest;
}

const trainingRequest = without(CreateTrainingJobRequest.properties, 'name');
const tuningRequest = without(CreateTuningJobRequest.properties, 'name');

/** Per step type, its own fields (the common ones excluded), as plain JSON Schema. */
export const StepFields = {
  sql: Strict({ query: Text(100_000), output: Text(128) }),
  processing: Strict(without(CreateProcessingJobRequest.properties, 'name')),
  training: Strict({
    ...trainingRequest,
    hyperParameters: Type.Optional(MapOf(HyperParameterValue, { maxProperties: 100 })),
    channels: Type.Optional(trainingRequest.channels),
    /** Shorthand for the channel `train`: a dataset ref. */
    train: Type.Optional(DatasetRef),
    /** Shorthand for the channel `validation`: a dataset ref. */
    validation: Type.Optional(DatasetRef),
  }),
  tuning: Strict({
    ...tuningRequest,
    staticHyperParameters: Type.Optional(MapOf(HyperParameterValue, { maxProperties: 100 })),
    channels: Type.Optional(tuningRequest.channels),
    train: Type.Optional(DatasetRef),
    validation: Type.Optional(DatasetRef),
  }),
  'create-model': Strict({
    /** A training or tuning step (`{"Get": "Steps.train"}`), or a training job's name. */
    from: Text(200),
    /** An inference pipeline's recipe fit, `recipe@N`. */
    recipe: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_-]*@[0-9]+$' })),
    /** @default derived from the execution and the step */
    model: Type.Optional(Text(63)),
  }),
  'register-model': Strict({
    group: Text(63),
    /** A training, tuning or create-model step, or a model's name. */
    from: Text(200),
    /** @default 'PendingManualApproval' */
    approvalStatus: Type.Optional(StringEnum(APPROVAL_STATUSES)),
  }),
  transform: Strict({
    model: Text(63),
    input: DatasetRef,
    /** @default derived from the execution and the step */
    output: Type.Optional(Text(128)),
    contentType: Type.Optional(Text(100)),
    splitType: Type.Optional(StringEnum(SPLIT_TYPES)),
    instanceCount: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    /** SageMaker's DataProcessing, as a transform job takes them. @default all input columns */
    inputFilter: Type.Optional(Text(200)),
    /** @default 'None' */
    joinSource: Type.Optional(StringEnum(JOIN_SOURCES)),
    /** @default every column of the written row */
    outputFilter: Type.Optional(Text(200)),
  }),
  endpoint: Strict({
    endpoint: Text(63),
    model: Text(63),
    instanceCount: Type.Optional(Type.Integer({ minimum: 1, maximum: 32 })),
    /** How an existing endpoint moves to the new model. @default 'blue-green' */
    strategy: Type.Optional(StringEnum(['blue-green', 'all-at-once'] as const)),
  }),
  'forecast-import': Strict({
    group: Text(63),
    target: DatasetRef,
    related: Type.Optional(DatasetRef),
    metadata: Type.Optional(DatasetRef),
    map: Type.Optional(ForecastColumnMap),
    filling: Type.Optional(ForecastFilling),
  }),
  'forecast-predictor': Strict({
    group: Text(63),
    /** @default 'auto' */
    algorithm: Type.Optional(StringEnum(FORECAST_PREDICTOR_ALGORITHMS)),
    horizon: Type.Integer({ minimum: 1, maximum: 1000 }),
    quantiles: Type.Optional(Type.Array(Type.Number({ minimum: 0.01, maximum: 0.99 }), { minItems: 1, maxItems: 20 })),
    backtestWindows: Type.Optional(Type.Integer({ minimum: 1, maximum: 5 })),
    candidates: Type.Optional(Type.Array(StringEnum(FORECAST_PREDICTOR_ALGORITHMS), { minItems: 1, maxItems: 10 })),
  }),
  forecast: Strict({
    predictor: Text(63),
    quantiles: Type.Optional(Type.Array(Type.Number({ minimum: 0.01, maximum: 0.99 }), { minItems: 1, maxItems: 20 })),
  }),
  'forecast-export': Strict({
    forecast: Text(63),
    /** @default 'csv' */
    format: Type.Optional(StringEnum(['csv', 'parquet', 'jsonl'] as const)),
    /** An artifact-store prefix. */
    to: Text(512),
  }),
  condition: Strict({
    if: Type.Unsafe<Condition>({ description: 'a condition' }),
    then: Type.Array(Type.String({ pattern: STEP_NAME_PATTERN }), { maxItems: 100 }),
    else: Type.Optional(Type.Array(Type.String({ pattern: STEP_NAME_PATTERN }), { maxItems: 100 })),
  }),
  wait: Strict({
    seconds: Type.Optional(Type.Number({ minimum: 0, maximum: 31_536_000 })),
    /** An ISO-8601 time. */
    until: Type.Optional(Type.String({ maxLength: 40 })),
    /** Waits for `orchard pipelines approve|reject`. */
    approval: Type.Optional(Strict({ message: Type.Optional(Text(1000)), role: Type.Optional(StringEnum(ROLES)) })),
  }),
  fail: Strict({ message: Text(2000) }),
  pass: Strict({ output: Type.Optional(AnyJson) }),
  parallel: Strict({ branches: Type.Array(Type.Array(NestedStep, { minItems: 1 }), { minItems: 1, maxItems: 50 }) }),
  'for-each': Strict({
    items: Type.Array(AnyJson, { maxItems: 10_000 }),
    steps: Type.Array(NestedStep, { minItems: 1 }),
    /** Items run at once. @default 1 */
    maxConcurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  }),
  script: Strict({
    language: StringEnum(['python', 'javascript'] as const),
    /** Inline source: reads the input JSON on stdin, writes the output JSON on stdout. */
    code: Type.String({ minLength: 1, maxLength: 100_000 }),
    input: Type.Optional(AnyJson),
  }),
  notify: Strict({
    /** The name of a registered webhook. */
    webhook: Text(63),
    payload: Type.Optional(AnyJson),
  }),
} satisfies Record<StepType, TSchema>;

/** Fields whose value is written as it is (no expressions): step names, nested steps, the condition. */
export const LITERAL_FIELDS: Partial<Record<StepType, readonly string[]>> = {
  condition: ['if', 'then', 'else'],
  parallel: ['branches'],
  'for-each': ['steps'],
};

/** Fields that take a whole step (`{"Get": "Steps.<s>"}`) of these types, besides a name. */
export const STEP_REFERENCE_FIELDS: Partial<Record<StepType, Record<string, readonly StepType[]>>> = {
  'create-model': { from: ['training', 'tuning'] },
  'register-model': { from: ['training', 'tuning', 'create-model'] },
};

// ---- outputs ----------------------------------------------------------------------------

const Str = Type.String();
const Int = Type.Integer();
/** Any value, and any property below it. */
const AnyValue = Type.Unknown();

/** Per step type, what `{"Get": "Steps.<s>.<output>"}` reads. */
export const StepOutputs = {
  sql: Type.Object({ dataset: Str, datasetName: Str, version: Int, rows: Int }),
  processing: Type.Object({ jobName: Str, outputs: MapOf(Str) }),
  training: Type.Object({ jobName: Str, modelArtifact: Str, finalMetrics: MapOf(Type.Number()), status: Str }),
  tuning: Type.Object({ jobName: Str, bestTrainingJob: Str, bestObjective: Type.Number(), modelArtifact: Str }),
  'create-model': Type.Object({ model: Str }),
  'register-model': Type.Object({ package: Str, version: Int, approvalStatus: Str }),
  transform: Type.Object({ jobName: Str, output: Str }),
  endpoint: Type.Object({ endpoint: Str, status: Str }),
  'forecast-import': Type.Object({ import: Str }),
  'forecast-predictor': Type.Object({
    predictor: Str,
    metrics: Type.Object({ wQL: Type.Number(), WAPE: Type.Number(), MAPE: Type.Number(), RMSE: Type.Number(), MASE: Type.Number() }),
  }),
  forecast: Type.Object({ forecast: Str, dataset: Str }),
  'forecast-export': Type.Object({ location: Str }),
  condition: Type.Object({ result: Type.Boolean() }),
  wait: Type.Object({ approvedBy: Str, comment: Str, decidedAt: Str }),
  fail: Type.Object({}),
  pass: Type.Object({ output: AnyValue }),
  parallel: Type.Object({ branches: Type.Array(AnyValue) }),
  'for-each': Type.Object({ results: Type.Array(AnyValue) }),
  script: Type.Object({ output: AnyValue }),
  notify: Type.Object({ deliveryId: Str, status: Str }),
} satisfies Record<StepType, TSchema>;
export type StepOutputsOf<T extends StepType> = Static<(typeof StepOutputs)[T]>;

// ---- the definition ---------------------------------------------------------------------

const CommonStepObject = Strict(CommonStepFields);
type CommonFields = Static<typeof CommonStepObject>;
type LiteralStepFields = {
  condition: { if: Condition; then: string[]; else?: string[] };
  parallel: { branches: StepDef[][] };
  'for-each': { items: WithRefs<unknown[]>; steps: StepDef[]; maxConcurrency?: WithRefs<number> };
};
type OwnFields<T extends StepType> = T extends keyof LiteralStepFields ? LiteralStepFields[T] : { [K in keyof Static<(typeof StepFields)[T]>]: WithRefs<Static<(typeof StepFields)[T]>[K]> };

/** One step of type `T` as written: the common fields, then its own (expressions allowed where noted). */
export type StepDefOf<T extends StepType> = Omit<CommonFields, 'type'> & { type: T } & OwnFields<T>;
/** Any step, discriminated by `type`. */
export type StepDef = { [T in StepType]: StepDefOf<T> }[StepType];

/** A definition as stored after checking: `schemaVersion` and `parameters` filled in. */
export interface PipelineDefinition {
  schemaVersion: typeof PIPELINE_SCHEMA_VERSION;
  description?: string;
  parameters: Record<string, PipelineParameterSpec>;
  steps: StepDef[];
}
/** A definition as a client writes it. */
export type PipelineDefinitionInput = Omit<PipelineDefinition, 'schemaVersion' | 'parameters'> & {
  schemaVersion?: typeof PIPELINE_SCHEMA_VERSION;
  parameters?: Record<string, PipelineParameterSpec>;
};

/**
 * The definition's outer shape as JSON Schema (for the API's documentation). Steps are
 * checked by the server's pipeline checker, which names every problem's field.
 */
export const PipelineDefinitionSchema = Type.Unsafe<PipelineDefinitionInput>(
  Strict({
    schemaVersion: Type.Optional(Type.Literal(PIPELINE_SCHEMA_VERSION)),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    parameters: Type.Optional(MapOf(PipelineParameterSpec)),
    steps: Type.Array(Type.Object({ name: CommonStepFields.name, type: CommonStepFields.type }), { minItems: 1, maxItems: 500 }),
  }),
);
