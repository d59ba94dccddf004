/** Built-in algorithms as `GET /algorithms` describes them: hyperparameter schemas and metrics. */
import { Type, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';
import { StringEnum } from './common.contract.js';
import { Scaling } from './tuning.contract.js';

/** A list the server's descriptors hold as `readonly` arrays (they are constants). */
function ReadonlyList<T extends TSchema>(item: T): TUnsafe<readonly Static<T>[]> {
  return Type.Unsafe<readonly Static<T>[]>(Type.Array(item));
}

const HyperparameterBase = {
  name: Type.String(),
  description: Type.String(),
  /** Required parameters have no default and must be given. */
  required: Type.Optional(Type.Boolean()),
};
/** The bounds of a numeric parameter and the range a tuning job searches when it is named without bounds. */
const NumericFields = {
  min: Type.Optional(Type.Number()),
  max: Type.Optional(Type.Number()),
  tunable: Type.Optional(Type.Object({ min: Type.Number(), max: Type.Number(), scaling: Scaling })),
};

export const IntegerHyperparameter = Type.Object({
  ...HyperparameterBase,
  type: Type.Literal('integer'),
  default: Type.Optional(Type.Integer()),
  ...NumericFields,
});
export type IntegerHyperparameter = Static<typeof IntegerHyperparameter>;

export const ContinuousHyperparameter = Type.Object({
  ...HyperparameterBase,
  type: Type.Literal('continuous'),
  default: Type.Optional(Type.Number()),
  ...NumericFields,
  /** Whether min/max themselves are allowed. @default true */
  minInclusive: Type.Optional(Type.Boolean()),
  maxInclusive: Type.Optional(Type.Boolean()),
});
export type ContinuousHyperparameter = Static<typeof ContinuousHyperparameter>;

export const CategoricalHyperparameter = Type.Object({
  ...HyperparameterBase,
  type: Type.Literal('categorical'),
  values: ReadonlyList(Type.String()),
  /** Other accepted values, as a regular expression (SageMaker's list-valued settings, counts). */
  pattern: Type.Optional(Type.String()),
  patternDescription: Type.Optional(Type.String()),
  default: Type.Optional(Type.String()),
  tunable: Type.Optional(Type.Object({ values: ReadonlyList(Type.String()) })),
});
export type CategoricalHyperparameter = Static<typeof CategoricalHyperparameter>;

export const BooleanHyperparameter = Type.Object({
  ...HyperparameterBase,
  type: Type.Literal('boolean'),
  default: Type.Optional(Type.Boolean()),
});
export type BooleanHyperparameter = Static<typeof BooleanHyperparameter>;

export const HyperparameterSpec = Type.Union([IntegerHyperparameter, ContinuousHyperparameter, CategoricalHyperparameter, BooleanHyperparameter]);
export type HyperparameterSpec = Static<typeof HyperparameterSpec>;

/** A metric an algorithm emits, named as SageMaker does (`validation:auc`, `train:rmse`). */
export const AlgorithmMetric = Type.Object({ name: Type.String(), goal: StringEnum(['maximize', 'minimize'] as const) });
export type AlgorithmMetric = Static<typeof AlgorithmMetric>;

/** `GET /algorithms` item: a descriptor without its code, each hyperparameter with a readable range. */
export const AlgorithmInfo = Type.Object({
  name: Type.String(),
  version: Type.String(),
  description: Type.String(),
  hyperparameters: Type.Array(Type.Intersect([HyperparameterSpec, Type.Object({ range: Type.String() })])),
  metrics: Type.Array(AlgorithmMetric),
  inputContentTypes: Type.Array(Type.String()),
  requiredChannels: Type.Array(Type.String()),
  optionalChannels: Type.Array(Type.String()),
});
export type AlgorithmInfo = Static<typeof AlgorithmInfo>;

/** `GET /algorithms/{name}` path: a registered algorithm name. */
export const AlgorithmName = Type.String({ minLength: 1, maxLength: 64 });
